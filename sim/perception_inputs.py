"""What the simulated detector hands perception: instance masks (default), 2D boxes, or a label image.

`robot.perception_input` in a scenario (or the backend's `perception_input` option, which wins; e.g.
`--config` with `sim: {options: {perception_input: boxes}}` or `memstack bench eqa --perception-input`)
chooses. Boxes are each instance's pixel bounding box from the segmentation, with its label and score; a
door part ("<category>_door") is no box of its own but widens its body's box (the nearest box of
that category in the image): a box detector sees the fridge, open door included, not the door alone
(perception reads the state from the box's depth, perception.box_openness);
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
        return dataclasses.replace(bare, boxes=_instance_boxes(frame, part_suffix))
    if mode == "label_image":
        lut = np.zeros(int(mask.max()) + 1 if mask.size else 1, dtype=np.uint16)
        for iid, label in frame.labels.items():
            if label in label_ids and 0 < iid < lut.size:
                lut[iid] = label_ids[label]
        return dataclasses.replace(bare, label_image=lut[mask], label_names={v: k for k, v in label_ids.items()})
    raise ValueError(f"perception_input must be one of {PERCEPTION_INPUTS}, got {mode!r}")


def _instance_boxes(frame: SensorFrame, part_suffix: str) -> list[BoxDetection]:
    mask = frame.instance_mask
    ids = sorted(frame.labels)
    if not ids:
        return []
    slices = ndimage.find_objects(np.where(np.isin(mask, ids), mask, 0).astype(np.int64), max_label=max(ids))
    bodies: dict[int, list[float]] = {}
    parts: list[tuple[str, list[float]]] = []
    for iid in ids:
        where = slices[iid - 1]
        if where is None:
            continue
        rows, cols = where
        extent = [float(cols.start), float(rows.start), float(cols.stop), float(rows.stop)]
        label = frame.labels[iid]
        if label.endswith(part_suffix) and len(label) > len(part_suffix):
            parts.append((label[: -len(part_suffix)], extent))
        else:
            bodies[iid] = extent
    for category, extent in parts:
        owners = [iid for iid in bodies if frame.labels[iid] == category]
        if not owners:
            continue
        owner = min(owners, key=lambda iid: _pixel_gap(bodies[iid], extent))
        box = bodies[owner]
        bodies[owner] = [min(box[0], extent[0]), min(box[1], extent[1]), max(box[2], extent[2]), max(box[3], extent[3])]
    return [BoxDetection(frame.labels[iid], float(frame.confidences.get(iid, 1.0)), *extent)
            for iid, extent in bodies.items()]


def _pixel_gap(a: list[float], b: list[float]) -> float:
    """Distance in pixels between two boxes (0 when they touch or overlap)."""
    dx = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    dy = max(0.0, max(a[1], b[1]) - min(a[3], b[3]))
    return float(np.hypot(dx, dy))
