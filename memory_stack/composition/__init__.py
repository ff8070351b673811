"""The composition root: one typed StackConfig and the functions that assemble a stack from it."""
