"""The ROS 2 topics a mobile manipulator offers, shared by the simulator bridge (sim_node) and RosRobotSkills.

Names are relative (they resolve in the node's namespace) and default to the names the ingest node
listens on, so `sim_node` feeds the memory directly. On a real robot, remap them to its drivers.

Navigation: a `geometry_msgs/PoseStamped` on `goal_pose` (map frame) starts a drive; the robot
answers on `goal_status` with a `std_msgs/String` holding one JSON object per update:
`{"goal_stamp": float, "state": "active"|"succeeded"|"failed", "reason": str, "path_length_m": float,
"duration_s": float}`; `goal_stamp` echoes the goal's header stamp (seconds) so a client can tell
its goals apart.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass
class RobotTopics:
    rgb: str = "camera/color/image_raw"
    depth: str = "camera/depth/image_raw"
    camera_info: str = "camera/color/camera_info"
    detections: str = "detections"
    camera_pose: str = "camera/pose"
    render_request: str = "camera/render_request"
    odometry: str = "odom"
    joint_states: str = "joint_states"
    cmd_vel: str = "cmd_vel"
    goal_pose: str = "goal_pose"
    goal_status: str = "goal_status"
    arm_trajectory: str = "arm_controller/joint_trajectory"


@dataclass
class GoalStatus:
    goal_stamp: float
    state: str
    reason: str = ""
    path_length_m: float = 0.0
    duration_s: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> GoalStatus:
        data = json.loads(text)
        return cls(float(data["goal_stamp"]), str(data["state"]), str(data.get("reason", "")),
                   float(data.get("path_length_m", 0.0)), float(data.get("duration_s", 0.0)))
