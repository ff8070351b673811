"""Object tracking: association, label fusion, negative evidence, re-identification, the object tracks."""
