"""Whatever the detector gave (instance mask, 2D boxes, semantic label image) -> an instance mask and labels."""

from __future__ import annotations

import dataclasses

import numpy as np

from perception.box_lifting import instance_mask_from_boxes
from perception.config import PerceptionConfig
from perception.frame_error import FrameError
from perception.label_image import instances_from_label_image
from perception.sensor_frame import SensorFrame


def with_instance_mask(frame: SensorFrame, config: PerceptionConfig, depth: np.ndarray) -> SensorFrame:
    """`frame` itself when it has an instance mask, else a copy whose mask comes from its boxes or label image.

    `depth` is the frame's validated float32 depth. From boxes, the copy's depth may differ from it at the
    pixels of a thing whose own depth was not usable (perception.box_lifting): perception lifts the
    thing with it, the memory keeps the sensor's depth. Raises FrameError (naming the frame and field)
    when the frame has none of the three, or a label image without label names.
    """
    if frame.instance_mask is not None:
        return frame
    fid = frame.frame_id
    if frame.boxes is not None:
        boxes = [b.validated(f"frame {fid}: boxes[{i}]") for i, b in enumerate(frame.boxes)]
        mask, labels, scores, lifted_depth = instance_mask_from_boxes(
            boxes, depth, frame.intrinsics, frame.camera_pose, config.box_lifting,
            config.min_range_m, config.max_range_m,
            hollow_categories=frozenset(config.articulation.openable_categories))
        # lifted_depth holds, for things whose own depth was not usable, the depth estimated for them.
        return dataclasses.replace(frame, instance_mask=mask, labels=labels, confidences=scores, depth=lifted_depth)
    if frame.label_image is not None:
        if not isinstance(frame.label_image, np.ndarray) or frame.label_image.dtype.kind not in "iu":
            raise FrameError(fid, "label_image", "expected an integer numpy array")
        if not frame.label_names:
            raise FrameError(fid, "label_names", "a label image needs its label space's names")
        if frame.label_image.shape != depth.shape:
            raise FrameError(fid, "label_image", f"shape {frame.label_image.shape} does not match depth {depth.shape}")
        cfg = config.box_lifting
        mask, labels = instances_from_label_image(frame.label_image, depth, frame.label_names,
                                                  cfg.continuity_m, cfg.continuity_per_m)
        confidence = config.default_confidence
        return dataclasses.replace(frame, instance_mask=mask, labels=labels,
                                   confidences={i: confidence for i in labels})
    raise FrameError(fid, "instance_mask", "none given, and no boxes or label image either")
