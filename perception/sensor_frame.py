"""The raw input of perception: one RGB-D frame with what a detector gave for it.

The detector's output is one of: an instance mask with its label table (a segmenter), 2D boxes with
classes and scores (a YOLO-style detector), or a semantic label image with its label names (a
semantic segmenter); perception.instance_sources turns the last two into the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from perception.box_detections import BoxDetection
from scene_graph.types import CameraIntrinsics, Pose


@dataclass
class SensorFrame:
    """What a camera plus a 2D instance segmenter give for one frame.

    rgb: HxWx3 uint8. depth: HxW float32 metres (NaN or 0 = no return).
    instance_mask: HxW int32, 0 = background; ids are arbitrary per frame (None: boxes or a label image).
    labels / confidences: instance id -> category label / detector confidence.
    boxes: 2D detections whose objects are found in depth (perception.box_lifting).
    label_image: HxW integer semantic labels; label_names: label id -> name of the labels that are
    objects (perception.label_image).
    camera_pose: optical frame in the map frame (see scene_graph.types); robot_pose: base in map.
    """

    frame_id: int
    time: float
    rgb: np.ndarray
    depth: np.ndarray
    instance_mask: np.ndarray | None
    labels: dict[int, str]
    intrinsics: CameraIntrinsics
    camera_pose: Pose
    robot_pose: Pose
    confidences: dict[int, float] = field(default_factory=dict)
    boxes: list[BoxDetection] | None = None
    label_image: np.ndarray | None = None
    label_names: dict[int, str] | None = None
