"""A semantic label image with a Hydra-style label space becomes instances (image + depth components)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from memory_stack.foundation.typed_config import ConfigError
from perception.frame_processing import FrameProcessor
from perception.label_image import load_label_space
from perception.synthetic_scene import SyntheticBox
from scene_graph.types import Pose

LABEL_SPACE = """\
---
total_semantic_labels: 4
dynamic_labels: []
invalid_labels: [0]
object_labels: [2, 3]
surface_places_labels: [1]
label_names:
  - {label: 0, name: void}
  - {label: 1, name: floor}
  - {label: 2, name: chair}
  - {label: 3, name: table}
"""

# Two chairs of one label, touching in the image but 1.5 m apart in depth, and a table.
BOXES = [
    SyntheticBox("chair", (2.0, -0.2, 0.0), (2.5, 0.3, 0.9)),
    SyntheticBox("chair", (3.5, 0.3, 0.0), (4.0, 0.8, 0.9)),
    SyntheticBox("table", (3.0, -1.6, 0.0), (3.8, -0.8, 0.75)),
]


@pytest.fixture
def space(tmp_path):
    path = tmp_path / "labels.yaml"
    path.write_text(LABEL_SPACE)
    return load_label_space(path)


def test_instances_are_split_by_depth_and_named_from_the_label_space(scene, space):
    frame = scene.frame_of(BOXES, Pose.looking_at((0.0, 0.0, 1.2), (3.0, 0.0, 0.5)))
    ids = {"chair": 2, "table": 3}
    label_image = np.zeros(frame.depth.shape, dtype=np.uint16)
    for iid, name in frame.labels.items():
        label_image[frame.instance_mask == iid] = ids[name]
    label_image[(frame.instance_mask == 0) & (frame.depth > 0)] = 1  # the room: floor label, not an object
    semantic = dataclasses.replace(frame, instance_mask=None, labels={}, confidences={}, label_image=label_image,
                                   label_names=space.names())
    observations = FrameProcessor().process(semantic).observations
    chairs = sorted((o for o in observations if o.category == "chair"), key=lambda o: o.centroid[0])
    assert [o.category for o in observations].count("table") == 1
    assert len(chairs) == 2 and chairs[1].centroid[0] - chairs[0].centroid[0] > 1.0
    assert all(o.category in ("chair", "table") for o in observations)  # floor and void are not objects
    truth = {o.category: o for o in FrameProcessor().process(frame).observations if o.category == "table"}
    assert np.linalg.norm(np.subtract(truth["table"].centroid,
                                      next(o for o in observations if o.category == "table").centroid)) < 0.05


def test_label_space_names_objects_only_and_rejects_unknown_keys(space, tmp_path):
    assert space.names() == {2: "chair", 3: "table"}
    bad = tmp_path / "bad.yaml"
    bad.write_text(LABEL_SPACE + "colours: []\n")
    with pytest.raises(ConfigError, match="bad.yaml.*colours"):
        load_label_space(bad)
