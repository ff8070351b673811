"""What the simulated detector hands perception: instance masks (default), 2D boxes, or a label image.

`robot.perception_input` in a scenario (or the backend's `perception_input` option, which wins; e.g.
`--config` with `sim: {options: {perception_input: boxes}}` or `memstack bench eqa --perception-input`)
chooses. Boxes are each instance's pixel bounding box from the segmentation, with its label and score
(door parts, "<category>_door", are left out: a box detector sees the fridge, not its door, and a
door's box lies on its body's front, so depth cannot tell them apart; door states need masks or a
label image);
the label image gives every pixel its category's id (label space: the scenario's categories, sorted),
so two things of one category that touch in the image are one region until depth separates them.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import ndimage

from perception.box_detections import BoxDetection
from perception.sensor_frame import SensorFrame

PERCEPTION_INPUTS = ("masks", "boxes", "label_image")


def label_space(categories: list[str]) -> dict[str, int]:
    """Category -> label id (1..n; 0 = nothing)."""
    return {name: i + 1 for i, name in enumerate(sorted(set(categories)))}


def as_perception_input(frame: SensorFrame, mode: str, label_ids: dict[str, int],
                        part_suffix: str = "_door") -> SensorFrame:
    if mode == "masks":
        return frame
    mask = frame.instance_mask
    bare = dataclasses.replace(frame, instance_mask=None, labels={}, confidences={})
    if mode == "boxes":
        ids = sorted(frame.labels)
        boxes = []
        if ids:
            slices = ndimage.find_objects(np.where(np.isin(mask, ids), mask, 0).astype(np.int64), max_label=max(ids))
            for iid in ids:
                where = slices[iid - 1]
                if where is None or frame.labels[iid].endswith(part_suffix):
                    continue
                rows, cols = where
                boxes.append(BoxDetection(frame.labels[iid], float(frame.confidences.get(iid, 1.0)),
                                          float(cols.start), float(rows.start), float(cols.stop), float(rows.stop)))
        return dataclasses.replace(bare, boxes=boxes)
    if mode == "label_image":
        lut = np.zeros(int(mask.max()) + 1 if mask.size else 1, dtype=np.uint16)
        for iid, label in frame.labels.items():
            if label in label_ids and 0 < iid < lut.size:
                lut[iid] = label_ids[label]
        return dataclasses.replace(bare, label_image=lut[mask], label_names={v: k for k, v in label_ids.items()})
    raise ValueError(f"perception_input must be one of {PERCEPTION_INPUTS}, got {mode!r}")
