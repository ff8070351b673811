"""The ROS 2 topics and actions of a mobile manipulator, shared by sim_node (the simulator bridge) and RosRobotSkills.

Names are relative (they resolve in the node's namespace) and default to the names the ingest node
listens on and nav2 / ros2_control serve, so `sim_node` feeds the memory directly and a robot needs
few remaps.

Driving and manipulation are actions (memory_node.robot.robot_actions): `navigate_to_pose`
(NavigateToPose: the goal pose in `map`; feedback `distance_remaining` and `navigation_time`; result
`error_code`/`error_msg`), `arm_controller/follow_joint_trajectory` (FollowJointTrajectory: the arm's
joints; result `error_code`, GOAL_TOLERANCE_VIOLATED when the arm stopped short) and
`gripper_controller/gripper_cmd` (GripperCommand: `position` = opening between the fingers, metres).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RobotTopics:
    rgb: str = "camera/color/image_raw"
    depth: str = "camera/depth/image_raw"
    camera_info: str = "camera/color/camera_info"
    detections: str = "detections"
    camera_pose: str = "camera/pose"
    render_request: str = "camera/render_request"
    odometry: str = "odom"  # nav_msgs/Odometry in the odom frame (REP 105)
    map_to_odom: str = "map_to_odom"  # the localiser's map -> odom (TransformStamped, latched): map pose = it * odom
    joint_states: str = "joint_states"
    cmd_vel: str = "cmd_vel"
    navigate_action: str = "navigate_to_pose"
    arm_action: str = "arm_controller/follow_joint_trajectory"
    gripper_action: str = "gripper_controller/gripper_cmd"
