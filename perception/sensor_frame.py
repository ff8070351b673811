"""The raw input of perception: one RGB-D frame with an instance mask and its label table."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scene_graph.types import CameraIntrinsics, Pose


@dataclass
class SensorFrame:
    """What a camera plus a 2D instance segmenter give for one frame.

    rgb: HxWx3 uint8. depth: HxW float32 metres (NaN or 0 = no return).
    instance_mask: HxW int32, 0 = background; ids are arbitrary per frame.
    labels / confidences: instance id -> category label / detector confidence.
    camera_pose: optical frame in the map frame (see scene_graph.types); robot_pose: base in map.
    """

    frame_id: int
    time: float
    rgb: np.ndarray
    depth: np.ndarray
    instance_mask: np.ndarray
    labels: dict[int, str]
    intrinsics: CameraIntrinsics
    camera_pose: Pose
    robot_pose: Pose
    confidences: dict[int, float] = field(default_factory=dict)
