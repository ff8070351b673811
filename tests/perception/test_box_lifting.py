"""2D boxes lifted with depth become the same observations the instance masks give."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from perception.box_detections import BoxDetection
from perception.frame_processing import FrameError, FrameProcessor
from perception.synthetic_scene import SyntheticBox
from scene_graph.types import Pose

# A table standing on the floor before the far wall, a box on the table, a chair nearer and aside.
BOXES = [
    SyntheticBox("table", (3.0, -0.6, 0.0), (3.8, 0.6, 0.75), (150, 100, 60)),
    SyntheticBox("mug", (3.2, -0.1, 0.75), (3.35, 0.05, 0.87), (220, 220, 220)),
    SyntheticBox("chair", (2.0, 0.8, 0.0), (2.5, 1.3, 0.9), (60, 60, 160)),
]


def boxes_of(frame, margin_px: int = 6) -> list[BoxDetection]:
    """The instances' pixel bounding boxes grown by `margin_px` (what a detector's loose box holds)."""
    found = []
    for iid, label in frame.labels.items():
        rows, cols = np.nonzero(frame.instance_mask == iid)
        found.append(BoxDetection(label, 0.8, cols.min() - margin_px, rows.min() - margin_px,
                                  cols.max() + 1 + margin_px, rows.max() + 1 + margin_px))
    return found


@pytest.fixture
def masked_frame(scene):
    pose = Pose.looking_at((0.0, 0.0, 1.3), (3.5, 0.0, 0.5))
    return scene.frame_of(BOXES, pose)


def by_label(frame):
    return {o.category: o for o in frame.observations}


def test_boxes_give_the_observations_masks_give(masked_frame):
    processor = FrameProcessor()
    from_masks = by_label(processor.process(masked_frame))
    boxed = dataclasses.replace(masked_frame, instance_mask=None, labels={}, confidences={},
                                boxes=boxes_of(masked_frame))
    from_boxes = by_label(processor.process(boxed))
    assert set(from_boxes) == {"table", "mug", "chair"}
    centres = {b.label: np.add(b.box_min, b.box_max) / 2.0 for b in BOXES}
    for label, expected in from_masks.items():
        got = from_boxes[label]
        if label == "mug":  # no size prior: the seen centroid, as from its mask
            assert np.linalg.norm(np.subtract(got.centroid, expected.centroid)) < 0.05, label
        else:  # furniture: moved from its seen front towards its centre by its category's typical size
            seen_off = np.linalg.norm(np.subtract(expected.centroid, centres[label])[:2])
            assert np.linalg.norm(np.subtract(got.centroid, centres[label])[:2]) < min(0.1, seen_off - 0.1), label
            assert abs(got.centroid[2] - expected.centroid[2]) < 0.05
        assert got.bbox_min[2] > -0.01 and got.bbox_max[2] < expected.bbox_max[2] + 0.05, label
        assert got.confidence == pytest.approx(0.8)
    # The floor and the far wall in the loose boxes are not the objects'.
    assert from_boxes["table"].bbox_max[0] < 3.85 and from_boxes["chair"].bbox_min[2] > 0.0


def test_a_box_around_only_floor_and_wall_gives_no_object_at_the_wall(scene):
    pose = Pose.looking_at((0.0, 0.0, 1.3), (3.5, 0.0, 0.5))
    frame = scene.frame_of([], pose)
    empty = dataclasses.replace(frame, instance_mask=None, boxes=[BoxDetection("ghost", 0.5, 140, 100, 180, 200)])
    observations = FrameProcessor().process(empty).observations
    # Whatever is kept lies on the wall or the floor, never in free space between.
    for o in observations:
        assert o.centroid[0] > 7.5 or o.bbox_max[2] < 0.05


def test_malformed_boxes_name_the_field(masked_frame):
    bad = dataclasses.replace(masked_frame, instance_mask=None, boxes=[BoxDetection("cup", 1.5, 0, 0, 10, 10)])
    with pytest.raises(Exception, match=r"boxes\[0\]: score"):
        FrameProcessor().process(bad)
    neither = dataclasses.replace(masked_frame, instance_mask=None)
    with pytest.raises(FrameError, match="instance_mask"):
        FrameProcessor().process(neither)
