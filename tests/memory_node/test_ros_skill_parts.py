"""The pure parts of the ROS backend: its action types, frame assembly, its config, without a ROS graph."""

from __future__ import annotations

import numpy as np
import pytest

from scene_graph.types import CameraIntrinsics, Pose


def test_the_robot_actions_have_the_standard_fields_where_the_standard_packages_are_missing():
    """Without nav2_msgs / control_msgs (not on PyPI) the project's own actions stand in, field for field."""
    pytest.importorskip("rclpy")
    from memory_node.robot.robot_actions import robot_action_types

    actions = robot_action_types()
    nav, arm, gripper = actions.navigate_to_pose, actions.follow_joint_trajectory, actions.gripper_command
    if actions.packages != ("memory_interfaces", "memory_interfaces"):
        pytest.skip(f"standard action packages installed here: {actions.packages}")
    assert set(nav.Goal.get_fields_and_field_types()) == {"pose", "behavior_tree"}
    assert nav.Goal.get_fields_and_field_types()["pose"] == "geometry_msgs/PoseStamped"
    assert {"error_code", "error_msg"} <= set(nav.Result.get_fields_and_field_types())
    assert {"current_pose", "navigation_time", "estimated_time_remaining", "number_of_recoveries",
            "distance_remaining"} == set(nav.Feedback.get_fields_and_field_types())
    assert arm.Goal.get_fields_and_field_types()["trajectory"] == "trajectory_msgs/JointTrajectory"
    assert (arm.Result.SUCCESSFUL, arm.Result.INVALID_JOINTS, arm.Result.GOAL_TOLERANCE_VIOLATED) == (0, -2, -5)
    assert set(gripper.Goal().command.get_fields_and_field_types()) == {"position", "max_effort"}
    assert set(gripper.Result.get_fields_and_field_types()) == {"position", "effort", "stalled", "reached_goal"}


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
