"""The pure parts of the ROS backend: goal status messages, frame assembly, arm IK, without a ROS graph."""

from __future__ import annotations

import math

import numpy as np
import pytest

from executor.panda_kinematics import PandaKinematics, side_orientation, top_down_orientation
from executor.robot_topics import GoalStatus
from scene_graph.types import CameraIntrinsics, Pose


def test_goal_status_round_trips_through_json():
    status = GoalStatus(12.000001, "failed", "goal (9.00, 9.00) is inside an obstacle", 1.5, 3.25)
    assert GoalStatus.from_json(status.to_json()) == status
    with pytest.raises(KeyError):
        GoalStatus.from_json('{"state": "active"}')


def test_frames_are_assembled_only_from_parts_with_the_same_stamp():
    pytest.importorskip("rclpy")
    from executor.ros_backend import FrameAssembler

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


@pytest.mark.parametrize("yaw", [0.0, 1.2, -2.5])
def test_ik_reaches_hand_poses_in_front_of_a_turned_base(yaw):
    kinematics = PandaKinematics()
    try:
        kinematics.set_base_pose((1.0, 2.0, 0.3), (0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2)))
        ahead = np.array([1.0 + 0.5 * math.cos(yaw), 2.0 + 0.5 * math.sin(yaw), 0.75])
        for orientation in (top_down_orientation(yaw + 0.3), side_orientation(yaw, 0.0), side_orientation(yaw, 0.9)):
            solution = kinematics.solve(ahead, orientation)
            assert solution.reached, solution
            position, _ = kinematics.forward(solution.joints)
            assert np.linalg.norm(position - ahead) < 0.01
            assert all(lo - 1e-6 <= q <= hi + 1e-6 for q, lo, hi in
                       zip(solution.joints, kinematics.lower_limits, kinematics.upper_limits))
        too_far = kinematics.solve(ahead + [2.0 * math.cos(yaw), 2.0 * math.sin(yaw), 0.0], top_down_orientation(0))
        assert not too_far.reached and too_far.position_error_m > 0.5
    finally:
        kinematics.close()
