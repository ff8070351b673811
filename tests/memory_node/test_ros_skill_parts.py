"""The pure parts of the ROS backend: goal status messages, frame assembly, its config, without a ROS graph."""

from __future__ import annotations

import numpy as np
import pytest

from memory_node.robot.robot_topics import GoalStatus
from scene_graph.types import CameraIntrinsics, Pose


def test_goal_status_round_trips_through_json():
    status = GoalStatus(12.000001, "failed", "goal (9.00, 9.00) is inside an obstacle", 1.5, 3.25)
    assert GoalStatus.from_json(status.to_json()) == status
    with pytest.raises(KeyError):
        GoalStatus.from_json('{"state": "active"}')


def test_frames_are_assembled_only_from_parts_with_the_same_stamp():
    pytest.importorskip("rclpy")
    from memory_node.robot.frame_assembly import FrameAssembler

    assembler = FrameAssembler(keep=3)
    intrinsics = CameraIntrinsics.from_hfov(4, 3, 70.0)
    mask = (np.zeros((3, 4), np.int32), {5: "mug"}, {5: 0.9})
    rgb, depth = np.zeros((3, 4, 3), np.uint8), np.ones((3, 4), np.float32)
    assert assembler.offer("rgb", 100, rgb) is None
    assert assembler.offer("depth", 100, depth) is None
    assert assembler.offer("info", 200, intrinsics) is None  # another stamp: not mixed in
    assert assembler.offer("info", 100, intrinsics) is None
    assert assembler.offer("pose", 100, Pose()) is None
    frame = assembler.offer("detections", 100, mask)
    assert frame is not None and frame.time == pytest.approx(100e-9) and frame.labels == {5: "mug"}
    for stamp in (300, 400, 500, 600):  # old partial frames are dropped
        assembler.offer("rgb", stamp, rgb)
    assert 200 not in assembler._partial and len(assembler._partial) == 3


def test_ros_skills_config_rejects_look_around_counts_below_one():
    pytest.importorskip("rclpy")
    from memory_node.robot.ros_skills import RosSkillsConfig

    for name in ("look_around_views", "look_around_sightings", "look_around_views_without_camera_info"):
        with pytest.raises(ValueError, match=name):
            RosSkillsConfig(**{name: 0})
