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


def test_look_around_view_count_puts_every_heading_in_as_many_views_as_asked():
    from executor.skills import look_around_view_count

    # 70 degrees: 11 views 32.7 degrees apart (10 would leave headings 36 degrees from the nearest two)
    assert look_around_view_count(CameraIntrinsics.from_hfov(320, 240, 70.0), 2) == 11
    assert look_around_view_count(CameraIntrinsics.from_hfov(320, 240, 70.0), 1) == 6
    assert look_around_view_count(CameraIntrinsics.from_hfov(640, 480, 90.0), 2) == 8
    headings = np.radians(np.arange(0.0, 360.0, 0.25))
    for hfov in (30.0, 58.0, 70.0, 90.0, 120.0, 170.0):
        for sightings in (1, 2, 3):
            views = look_around_view_count(CameraIntrinsics.from_hfov(160, 120, hfov), sightings)
            centres = 2 * np.pi * np.arange(views) / views
            off = np.abs((headings[:, None] - centres[None, :] + np.pi) % (2 * np.pi) - np.pi)
            seen = (off <= np.radians(hfov) / 2 + 1e-9).sum(axis=1)
            assert seen.min() >= sightings, (hfov, sightings, views)  # all 360 degrees, `sightings` times
            assert (views - 1) * hfov < sightings * 360.0  # and no view more than that takes
    with pytest.raises(ValueError, match="sightings"):
        look_around_view_count(CameraIntrinsics.from_hfov(160, 120, 70.0), 0)


def test_ros_skills_config_rejects_look_around_counts_below_one():
    pytest.importorskip("rclpy")
    from executor.ros_backend import RosSkillsConfig

    for name in ("look_around_views", "look_around_sightings", "look_around_views_without_camera_info"):
        with pytest.raises(ValueError, match=name):
            RosSkillsConfig(**{name: 0})


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
