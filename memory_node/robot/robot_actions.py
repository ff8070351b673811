"""The robot's action interfaces: the standard ones where their packages are installed, the project's own otherwise.

On a robot with a full ROS 2 install, `nav2_msgs/action/NavigateToPose` (nav2's bt_navigator),
`control_msgs/action/FollowJointTrajectory` (ros2_control's joint_trajectory_controller) and
`control_msgs/action/GripperCommand` (gripper_action_controller) are used. Those packages are not on
PyPI: on a pip-only machine `memory_interfaces` defines actions with the same field names, types and
result codes, which the simulator's bridge (`sim_node`) serves. Client and server pick the same set,
so a client built here talks to either. The standard path is UNTESTED HERE (named in docs/ROBOT.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RobotActionTypes:
    navigate_to_pose: type
    follow_joint_trajectory: type
    gripper_command: type
    packages: tuple[str, ...]  # where each came from: ("nav2_msgs" | "memory_interfaces", "control_msgs" | ...)


def robot_action_types() -> RobotActionTypes:
    """The action classes to use here (imported on call: rclpy and the generated types load lazily)."""
    try:
        from nav2_msgs.action import NavigateToPose

        navigation = "nav2_msgs"
    except ImportError:
        from memory_interfaces.action import NavigateToPose

        navigation = "memory_interfaces"
    try:
        from control_msgs.action import FollowJointTrajectory, GripperCommand

        control = "control_msgs"
    except ImportError:
        from memory_interfaces.action import FollowJointTrajectory, GripperCommand

        control = "memory_interfaces"
    return RobotActionTypes(NavigateToPose, FollowJointTrajectory, GripperCommand, (navigation, control))
