"""The skills a robot offers the planners, behind one interface with a simulator and a ROS backend.

Every skill returns a `SkillResult`: success or failure with a reason a planner can act on
("unreachable", "object not where expected", "grasp slipped", "target occupied", ...), the path the
base drove, the simulated time it took, and the camera frames rendered while acting (so perception
can ingest what the robot saw on the way).
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass, field

from perception.sensor_frame import SensorFrame
from scene_graph.types import CameraIntrinsics, Pose

Point3 = tuple[float, float, float]

REASON_OK = "ok"
REASON_UNREACHABLE = "unreachable"
REASON_OBJECT_NOT_FOUND = "object not where expected"
REASON_OBJECT_TOO_LARGE = "object too large for the gripper"
REASON_GRASP_MISSED = "grasp missed"
REASON_GRASP_SLIPPED = "grasp slipped"
REASON_NOT_HOLDING = "not holding anything"
REASON_ALREADY_HOLDING = "already holding an object"
REASON_TARGET_OCCUPIED = "target occupied"
REASON_NOT_ON_TARGET = "object did not come to rest on the target"
REASON_WRONG_RECEPTACLE = "the top there is not the receptacle asked for"
REASON_NO_DOOR = "no door there"
REASON_DOOR_STUCK = "door did not move"
REASON_TIMEOUT = "timed out"


@dataclass
class SkillResult:
    """The outcome of one skill: success, why not, metres driven, simulated seconds, frames seen."""

    success: bool
    reason: str = REASON_OK
    path_length_m: float = 0.0
    duration_s: float = 0.0
    frames: list[SensorFrame] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.success

    @classmethod
    def failed(cls, reason: str, path_length_m: float = 0.0, duration_s: float = 0.0,
               frames: list[SensorFrame] | None = None) -> SkillResult:
        return cls(False, reason, path_length_m, duration_s, list(frames or []))


def look_around_view_count(intrinsics: CameraIntrinsics, sightings: int) -> int:
    """How many equally spaced headings put every direction around the robot in at least `sightings` views.

    The camera's horizontal field of view (from its intrinsics) decides: at 70 degrees, 2 sightings take
    11 views 32.7 degrees apart. SimRobotSkills.look_around takes this many views, and so does
    RosRobotSkills.look_around when its config leaves `look_around_views` to the camera.
    """
    if sightings < 1:
        raise ValueError(f"sightings must be >= 1, got {sightings}")
    hfov = 2.0 * math.atan2(intrinsics.width / 2.0, intrinsics.fx)
    return max(1, math.ceil(sightings * 2.0 * math.pi / hfov - 1e-9))


class RobotSkills(abc.ABC):
    """What a mobile manipulator can do; positions are metres in the map frame, yaw in radians.

    Objects are named by category and remembered position, never by simulator ids: the backend
    finds the physical thing at that place (or reports "object not where expected").
    """

    @abc.abstractmethod
    def navigate_to(self, x: float, y: float, yaw: float | None = None) -> SkillResult:
        """Drive the base to (x, y); yaw None means face along the direction of travel."""

    @abc.abstractmethod
    def look_around(self) -> SkillResult:
        """Turn in place and render views all around; the frames are in the result."""

    @abc.abstractmethod
    def look_at(self, point: Point3) -> SkillResult:
        """Turn the base (and head) towards a point and render one view."""

    @abc.abstractmethod
    def pick(self, category: str, near: Point3) -> SkillResult:
        """Grasp the object of `category` found near `near` and lift it off its support."""

    @abc.abstractmethod
    def place(self, receptacle_position: Point3, receptacle_category: str | None = None) -> SkillResult:
        """Put the held object down on the receptacle at that position and verify it rests there.

        With `receptacle_category`, a top found there that is not furniture of that category is not used:
        the place fails with REASON_WRONG_RECEPTACLE (a backend that cannot tell says so in its docs).
        """

    @abc.abstractmethod
    def open(self, furniture_position: Point3) -> SkillResult:
        """Open the door of the furniture at that position."""

    @abc.abstractmethod
    def close(self, furniture_position: Point3) -> SkillResult:
        """Close the door of the furniture at that position."""

    @abc.abstractmethod
    def robot_pose(self) -> Pose:
        """The base pose as the robot believes it (odometry)."""
