"""Perception test fixtures: small synthetic scenes with known geometry (`scene` fixture)."""

from __future__ import annotations

import numpy as np
import pytest

from perception.sensor_frame import SensorFrame
from perception.synthetic_scene import SyntheticBox, render_boxes, sensor_frame_from_render
from scene_graph.types import CameraIntrinsics, Pose

ROOM_MIN = (-1.0, -4.0, 0.0)
ROOM_MAX = (8.0, 4.0, 3.0)


class SceneKit:
    """Builders of synthetic frames; every builder is deterministic."""

    @staticmethod
    def intrinsics(width: int = 320, height: int = 240, hfov_deg: float = 70.0) -> CameraIntrinsics:
        return CameraIntrinsics.from_hfov(width, height, hfov_deg)

    @staticmethod
    def rolled(pose: Pose, roll_rad: float) -> Pose:
        """The same optical frame rotated by `roll_rad` about its own viewing axis."""
        c, s = np.cos(roll_rad), np.sin(roll_rad)
        roll = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
        matrix = pose.matrix()
        matrix[:3, :3] = matrix[:3, :3] @ roll
        return Pose.from_matrix(matrix)

    @staticmethod
    def frame_of(boxes: list[SyntheticBox], pose: Pose, intr: CameraIntrinsics | None = None, seed: int = 0,
                 frame_id: int = 1, time: float = 10.0) -> SensorFrame:
        intr = intr or SceneKit.intrinsics()
        render = render_boxes(boxes, intr, pose, ROOM_MIN, ROOM_MAX)
        return sensor_frame_from_render(render, boxes, intr, pose, frame_id=frame_id, time=time,
                                        rng=np.random.default_rng(seed))

    @staticmethod
    def instance_id_of(frame: SensorFrame, label: str) -> int:
        return next(i for i, name in frame.labels.items() if name == label)

    @staticmethod
    def front_camera(height: float = 1.0) -> Pose:
        """A camera at the origin looking along +x, level."""
        return Pose.looking_at((0.0, 0.0, height), (5.0, 0.0, height))


@pytest.fixture
def scene() -> SceneKit:
    return SceneKit()
