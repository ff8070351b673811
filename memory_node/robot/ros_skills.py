"""RobotSkills over ROS 2 actions and topics: how the stack drives a robot (and sim_node, which is how it is tested).

The actions are nav2's NavigateToPose and control_msgs' FollowJointTrajectory / GripperCommand where
those packages are installed, else the project's own with the same fields (memory_node.robot.robot_actions),
which sim_node serves.

- navigate_to: a NavigateToPose goal (`navigate_to_pose`), its result checked against odometry; the
  path length is the longest `distance_remaining` the navigator reported (its plan; the straight line
  driven when no feedback came), the duration the robot's clock (odometry stamps) from goal to arrival,
  or the navigator's last `navigation_time` if longer; when the goal is refused (inside furniture),
  standoff goals around it are tried. Feedback is not waited for after the result: rclpy's action
  client forgets a goal's feedback callback once its result is in, so feedback that trails the result
  is dropped (a navigator that reports in one burst just before succeeding loses all but the first).
- look_at / look_around: turn the base with goals at the same place, then ask for a frame on
  `camera/render_request` and gather the synchronised rgb/depth/info/pose/detections (same stamp).
  look_around takes as many views as the simulated robot does with the camera's field of view
  (robot_model.skills.look_around_view_count on the latest CameraInfo) unless `look_around_views` is set.
- pick / place: FollowJointTrajectory goals (`arm_controller/follow_joint_trajectory`, the arm's 7
  joints) and GripperCommand goals (`gripper_controller/gripper_cmd`, opening in metres), computed by IK
  on a kinematics-only PyBullet client loading the same Panda URDF (robot_model.panda_kinematics). On a
  real robot this is where MoveIt would go: these trajectories are NOT collision-checked. Grasp success
  is read from the finger joint states (fingers that closed on nothing meet in the middle). Each
  option the IK reaches is tried in turn: one whose arm stops short (against furniture) or whose
  fingers close on nothing is backed off along the way it came to home, and the next is tried.
- open / close: not offered over plain topics (a real robot needs a door-opening controller); they
  fail with a reason that says so.

Frames become memory time through `memory_clock` when one is set (planner_server sets the memory's).
Tested against sim_node only (the project's own actions), never against a real robot or nav2/control_msgs.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from memory_node.robot.frame_assembly import FrameAssembler
from memory_node.robot.robot_topics import RobotTopics
from memory_node.ros_environment import require_ros
from perception.sensor_frame import SensorFrame
from robot_model.category_shapes import object_shape
from robot_model.dimensions import ARM_HOME, ARM_MOUNT_X, BASE_HEIGHT
from robot_model.panda_kinematics import (
    ARM_JOINT_NAMES,
    FINGER_JOINT_NAMES,
    PandaKinematics,
    side_orientation,
    top_down_orientation,
)
from robot_model.skills import (
    REASON_GRASP_MISSED,
    REASON_GRASP_SLIPPED,
    REASON_NOT_HOLDING,
    REASON_OK,
    REASON_TIMEOUT,
    REASON_UNREACHABLE,
    Point3,
    RobotSkills,
    SkillResult,
    look_around_view_count,
)
from scene_graph.types import CameraIntrinsics, Pose

REASON_NO_DOOR_CONTROLLER = "opening doors needs a door controller; not available over these topics"


@dataclass
class NavigationOutcome:
    """What became of one NavigateToPose goal."""

    succeeded: bool
    reason: str = ""
    path_length_m: float = 0.0
    duration_s: float = 0.0


@dataclass
class RosSkillsConfig:
    """Timeouts, arm mounting and gripper of the robot driven over ROS (typed config)."""

    topics: RobotTopics = field(default_factory=RobotTopics)
    navigation_timeout_s: float = 30.0
    arm_timeout_s: float = 30.0
    frame_timeout_s: float = 10.0
    position_tolerance_m: float = 0.35  # the simulator's planner may stop a grid cell or two short of a goal
    # where panda_link0 sits on the base (base frame, metres): the simulator puts the URDF's base
    # inertial frame (5 cm above link0) at BASE_HEIGHT
    arm_mount_xyz: tuple[float, float, float] = (ARM_MOUNT_X, 0.0, BASE_HEIGHT - 0.05)
    finger_open_m: float = 0.085
    standoff_radii_m: tuple[float, ...] = (0.55, 0.65, 0.75, 0.9)
    # None: as many views as put every heading in `look_around_sightings` of them, from the camera's
    # field of view (its CameraInfo), as the simulated robot does; `look_around_views_without_camera_info`
    # while none has arrived. A number: exactly that many views.
    look_around_views: int | None = None
    look_around_sightings: int = 2
    look_around_views_without_camera_info: int = 8
    home_pose: tuple[float, ...] = ARM_HOME

    def __post_init__(self) -> None:
        for name in ("look_around_views", "look_around_sightings", "look_around_views_without_camera_info"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")


class RosRobotSkills(RobotSkills):
    """Skills over ROS 2 topics. Owns a node spun in a background thread; call `shutdown()` when done."""

    def __init__(self, config: RosSkillsConfig | None = None, node_name: str = "robot_skills") -> None:
        require_ros()
        import rclpy
        from geometry_msgs.msg import PoseStamped, TransformStamped, Twist
        from memory_interfaces.msg import Detections
        from nav_msgs.msg import Odometry
        from rclpy.action import ActionClient
        from rclpy.executors import SingleThreadedExecutor
        from sensor_msgs.msg import CameraInfo, Image, JointState
        from std_msgs.msg import Empty

        from memory_node.robot.robot_actions import robot_action_types

        self.config = config or RosSkillsConfig()
        self._owns_rclpy = not rclpy.ok()
        if self._owns_rclpy:
            rclpy.init()
        self.node = rclpy.create_node(node_name)
        t = self.config.topics
        self._cond = threading.Condition()
        self._odom: tuple[float, Pose] | None = None
        self._joints: dict[str, float] = {}
        self._joint_stamp = -1.0
        self._frames = FrameAssembler()
        self.memory_clock = None  # a MemoryClock: frame stamps (ROS time) -> memory time; None = stamps as they are
        self.record_epoch = None  # called with the epoch the first frame fixed (the memory keeps it)
        self._intrinsics: CameraIntrinsics | None = None  # from the latest CameraInfo
        self._goal_seq = 0
        self.kinematics = PandaKinematics()
        self._held_drop: float | None = None  # end-effector height above the held object's bottom
        self._msg = {"PoseStamped": PoseStamped, "Twist": Twist, "Empty": Empty}
        n = self.node
        self.actions = robot_action_types()
        self._navigate = ActionClient(n, self.actions.navigate_to_pose, t.navigate_action)
        self._arm = ActionClient(n, self.actions.follow_joint_trajectory, t.arm_action)
        self._gripper = ActionClient(n, self.actions.gripper_command, t.gripper_action)
        n.create_subscription(Odometry, t.odometry, self._on_odom, 10)
        from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy

        from memory_node.map_odom_correction import MapOdomCorrection

        self._corrections = MapOdomCorrection("map")
        self._odom_raw: tuple[float, str, Pose] | None = None  # (stamp, frame_id, pose) of the latest odometry
        latched = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.TRANSIENT_LOCAL)
        n.create_subscription(TransformStamped, t.map_to_odom, self._on_map_to_odom, latched)
        n.create_subscription(JointState, t.joint_states, self._on_joints, 10)
        n.create_subscription(Image, t.rgb, lambda m: self._on_part("rgb", m), 5)
        n.create_subscription(Image, t.depth, lambda m: self._on_part("depth", m), 5)
        n.create_subscription(CameraInfo, t.camera_info, lambda m: self._on_part("info", m), 5)
        n.create_subscription(PoseStamped, t.camera_pose, lambda m: self._on_part("pose", m), 5)
        n.create_subscription(Detections, t.detections, lambda m: self._on_part("detections", m), 5)
        self.cmd_vel_pub = n.create_publisher(Twist, t.cmd_vel, 10)
        self.render_pub = n.create_publisher(Empty, t.render_request, 10)
        self._executor = SingleThreadedExecutor()
        self._executor.add_node(n)
        self._spinning = True
        self._thread = threading.Thread(target=self._spin, name="robot_skills_spin", daemon=True)
        self._thread.start()

    def _spin(self) -> None:
        while self._spinning:
            self._executor.spin_once(timeout_sec=0.05)

    def shutdown(self) -> None:
        self._spinning = False
        self._thread.join(timeout=2.0)
        for client in (self._navigate, self._arm, self._gripper):
            client.destroy()
        self._executor.remove_node(self.node)
        self.node.destroy_node()
        self.kinematics.close()
        if self._owns_rclpy:
            import rclpy

            if rclpy.ok():
                rclpy.shutdown()

    # -- subscriptions -----------------------------------------------------------------------------
    def _on_odom(self, msg) -> None:
        from memory_node.message_conversion import pose_from_odometry, stamp_to_seconds

        pose = pose_from_odometry(msg, self.config.topics.odometry)
        self._odom_raw = (stamp_to_seconds(msg.header.stamp), str(msg.header.frame_id), pose)
        self._update_map_pose()

    def _on_map_to_odom(self, msg) -> None:
        try:
            self._corrections.add(msg, self.config.topics.map_to_odom)
        except ValueError as exc:  # MessageConversionError: said, not used
            self.node.get_logger().warning(f"dropped message on {self.config.topics.map_to_odom}: {exc}")
            return
        self._update_map_pose()

    def _update_map_pose(self) -> None:
        """The robot's map pose: odometry in map as it is, in odom composed with map -> odom (REP 105)."""
        if self._odom_raw is None:
            return
        stamp, frame, pose = self._odom_raw
        if frame not in ("", "map"):
            correction = self._corrections.lookup("map", frame, stamp)
            if correction is None:  # no map -> odom in force yet: the map pose is unknown until it comes
                self.node.get_logger().warning(f"odometry in {frame!r}: no map -> {frame!r} correction on "
                                               f"{self.config.topics.map_to_odom!r} yet", throttle_duration_sec=5.0)
                return
            pose = Pose.from_matrix(correction.matrix() @ pose.matrix())
        with self._cond:
            self._odom = (stamp, pose)
            self._cond.notify_all()

    def _on_joints(self, msg) -> None:
        from memory_node.message_conversion import stamp_to_seconds

        with self._cond:
            update = {name: float(q) for name, q in zip(msg.name, msg.position)}
            self._joints.update(update)
            self._joint_stamp = stamp_to_seconds(msg.header.stamp)
            self._cond.notify_all()

    def _on_part(self, part: str, msg) -> None:
        from memory_node import message_conversion as mc

        t = self.config.topics
        if part == "rgb":
            value = mc.rgb_from_image(msg, t.rgb)
        elif part == "depth":
            value = mc.depth_from_image(msg, t.depth)
        elif part == "info":
            value = mc.intrinsics_from_camera_info(msg, t.camera_info)
            self._intrinsics = value
        elif part == "pose":
            value = mc.pose_from_pose_stamped(msg, t.camera_pose)
        else:
            value = mc.mask_and_labels_from_detections(msg, t.detections)
        stamp_ns = int(msg.header.stamp.sec) * 1_000_000_000 + int(msg.header.stamp.nanosec)
        with self._cond:
            frame = self._frames.offer(part, stamp_ns, value)
            if frame is not None and self._odom is not None:
                frame.robot_pose = self._odom[1]
            if frame is not None and self.memory_clock is not None:
                self._to_memory_time(frame)
            self._cond.notify_all()

    def _to_memory_time(self, frame: SensorFrame) -> None:
        from memory_stack.foundation.errors import BadInputError

        try:
            frame.time = self.memory_clock.memory_time(frame.time)
            if self.memory_clock.resolved_now and self.record_epoch is not None:
                self.record_epoch(self.memory_clock.epoch)
        except BadInputError as exc:  # a stamp before the memory's d1 00:00: the frame is not used
            self._frames.complete.remove(frame)
            self.node.get_logger().error(f"frame stamped {frame.time:.3f} dropped: {exc}")

    # -- actions -----------------------------------------------------------------------------------
    def _wait_future(self, future, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not future.done():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def _call_action(self, client, goal, timeout: float, feedback: list | None = None):
        """(status, result) of one goal, or None when the server is missing or the goal times out (cancelled)."""
        if not client.wait_for_server(timeout_sec=min(timeout, 10.0)):
            return None
        callback = None if feedback is None else (lambda message: feedback.append(message.feedback))
        sent = client.send_goal_async(goal, feedback_callback=callback)
        if not self._wait_future(sent, timeout):
            return None
        handle = sent.result()
        if not handle.accepted:
            return None
        done = handle.get_result_async()
        if not self._wait_future(done, timeout):
            handle.cancel_goal_async()
            return None
        return done.result().status, done.result().result

    def _joint_states_after(self, stamp_before: float, timeout: float = 2.0) -> None:
        """Wait for a joint state newer than `stamp_before` (the driver publishes one after it moved)."""
        self._wait(lambda: self._joint_stamp > stamp_before, timeout)

    def _wait(self, predicate, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.1))
            return True

    # -- state -------------------------------------------------------------------------------------
    def wait_for_robot(self, timeout: float = 15.0) -> bool:
        """True once odometry and joint states have arrived."""
        return self._wait(lambda: self._odom is not None and bool(self._joints), timeout)

    def robot_pose(self) -> Pose:
        if not self.wait_for_robot(self.config.navigation_timeout_s):
            raise TimeoutError(f"no odometry on {self.config.topics.odometry!r}")
        return self._odom[1]

    @property
    def sim_time(self) -> float:
        return self._odom[0] if self._odom else 0.0

    def joint_positions(self) -> dict[str, float]:
        with self._cond:
            return dict(self._joints)

    def finger_width(self) -> float:
        joints = self.joint_positions()
        return sum(joints.get(n, 0.0) for n in FINGER_JOINT_NAMES)

    # -- camera ------------------------------------------------------------------------------------
    def request_frame(self) -> SensorFrame | None:
        """Ask the robot for one synchronised frame and wait for it."""
        with self._cond:
            seen = len(self._frames.complete)
        self.render_pub.publish(self._msg["Empty"]())
        if not self._wait(lambda: len(self._frames.complete) > seen, self.config.frame_timeout_s):
            return None
        with self._cond:
            return self._frames.complete[-1]

    # -- base --------------------------------------------------------------------------------------
    def _send_goal(self, x: float, y: float, yaw: float | None) -> NavigationOutcome:
        from action_msgs.msg import GoalStatus

        self.wait_for_robot()
        action = self.actions.navigate_to_pose
        goal = action.Goal()
        goal.pose.header.frame_id = "map"
        goal.pose.pose.position.x, goal.pose.pose.position.y = float(x), float(y)
        if yaw is not None:
            goal.pose.pose.orientation.z, goal.pose.pose.orientation.w = math.sin(yaw / 2), math.cos(yaw / 2)
        else:  # a zero quaternion: "any heading"
            goal.pose.pose.orientation.w = 0.0
        feedback: list = []
        with self._cond:
            sent_at, start = self._odom
        answer = self._call_action(self._navigate, goal, self.config.navigation_timeout_s, feedback)
        if answer is None:
            return NavigationOutcome(False, REASON_TIMEOUT)
        status, result = answer
        if status != GoalStatus.STATUS_SUCCEEDED:
            return NavigationOutcome(False, result.error_msg or f"navigation ended with status {status}")
        reported = max((f.navigation_time.sec + f.navigation_time.nanosec * 1e-9 for f in feedback), default=0.0)

        # odometry must show the robot there (the navigator's word alone is not enough)
        def arrived() -> bool:
            return self._odom is not None and math.hypot(self._odom[1].x - x, self._odom[1].y - y) \
                < self.config.position_tolerance_m
        # the driver publishes odometry before the result: a short wait is enough
        there = self._wait(arrived, min(5.0, self.config.navigation_timeout_s))
        with self._cond:
            arrived_at, end = self._odom
        duration = max(reported, arrived_at - sent_at)
        straight = math.dist((start.x, start.y), (end.x, end.y))
        length = max((float(f.distance_remaining) for f in feedback), default=straight)
        if not there:
            return NavigationOutcome(False, "odometry does not show the robot at the goal", length, duration)
        return NavigationOutcome(True, "", length, duration)

    def navigate_to(self, x: float, y: float, yaw: float | None = None) -> SkillResult:
        status = self._send_goal(x, y, yaw)
        if status.succeeded:
            frames = [f for f in [self.request_frame()] if f is not None]
            return SkillResult(True, REASON_OK, status.path_length_m, status.duration_s, frames)
        if status.reason == REASON_TIMEOUT:
            return SkillResult.failed(REASON_TIMEOUT)
        result = self._approach((x, y, 0.0))
        if result.success:
            result.frames = [f for f in [self.request_frame()] if f is not None]
            return result
        return SkillResult.failed(f"{REASON_UNREACHABLE}: {status.reason}", result.path_length_m, result.duration_s)

    def _arm_base(self) -> tuple[np.ndarray, float]:
        pose = self.robot_pose()
        yaw = pose.yaw
        mx, my, mz = self.config.arm_mount_xyz
        return np.array([pose.x + mx * math.cos(yaw) - my * math.sin(yaw),
                         pose.y + mx * math.sin(yaw) + my * math.cos(yaw), mz]), yaw

    def _approach(self, target: Point3) -> SkillResult:
        """Stand so the arm's base is a standoff radius from `target`, facing it."""
        pose = self.robot_pose()
        length = duration = 0.0
        candidates = []
        for radius in self.config.standoff_radii_m:
            ring = []
            for k in range(16):
                angle = 2 * math.pi * k / 16
                x = target[0] + (radius + self.config.arm_mount_xyz[0]) * math.cos(angle)
                y = target[1] + (radius + self.config.arm_mount_xyz[0]) * math.sin(angle)
                ring.append((math.hypot(x - pose.x, y - pose.y), (x, y, angle + math.pi)))
            candidates.extend(c for _, c in sorted(ring))
        for x, y, yaw in candidates[:24]:
            status = self._send_goal(x, y, yaw)
            length += status.path_length_m
            duration += status.duration_s
            if status.succeeded:
                return SkillResult(True, REASON_OK, length, duration)
            if status.reason == REASON_TIMEOUT:
                return SkillResult.failed(REASON_TIMEOUT, length, duration)
        return SkillResult.failed(REASON_UNREACHABLE, length, duration)

    def look_at(self, point: Point3) -> SkillResult:
        pose = self.robot_pose()
        yaw = math.atan2(point[1] - pose.y, point[0] - pose.x)
        status = self._send_goal(pose.x, pose.y, yaw)
        frame = self.request_frame()
        frames = [frame] if frame is not None else []
        ok = status.succeeded and bool(frames)
        return SkillResult(ok, REASON_OK if ok else (status.reason or REASON_TIMEOUT), 0.0, status.duration_s, frames)

    def look_around_view_count(self) -> int:
        if self.config.look_around_views is not None:
            return self.config.look_around_views
        if self._intrinsics is None:
            return self.config.look_around_views_without_camera_info
        return look_around_view_count(self._intrinsics, self.config.look_around_sightings)

    def _view_towards(self, pose: Pose, yaw: float) -> tuple[float, SensorFrame | None]:
        """Turn in place to `yaw` and ask for a frame: (seconds the turn took, the frame or None)."""
        status = self._send_goal(pose.x, pose.y, math.atan2(math.sin(yaw), math.cos(yaw)))
        return status.duration_s, self.request_frame()

    def look_around(self) -> SkillResult:
        pose = self.robot_pose()
        views = [self._view_towards(pose, pose.yaw)]  # its CameraInfo tells the field of view, so the count
        count = self.look_around_view_count()
        views += [self._view_towards(pose, pose.yaw + 2 * math.pi * k / count) for k in range(1, count)]
        frames = [frame for _, frame in views if frame is not None]
        ok = len(frames) == count
        return SkillResult(ok, REASON_OK if ok else REASON_TIMEOUT, 0.0, sum(d for d, _ in views), frames)

    # -- arm ---------------------------------------------------------------------------------------
    def send_trajectory(self, points: list[dict[str, float]], seconds_per_point: float = 1.0) -> bool:
        """Move through `points` (joint name -> position) in order; True when the arm reached its last one.

        Consecutive arm waypoints go as one FollowJointTrajectory goal (the arm's 7 joints), a change of the
        fingers as one GripperCommand goal (opening = both fingers), in the order given. An arm goal that
        ends GOAL_TOLERANCE_VIOLATED means the arm stopped short (against something).
        """
        run: list[dict[str, float]] = []
        reached = True

        def move_arm() -> None:
            nonlocal reached
            if run:
                reached = self._follow_joint_trajectory(list(run), seconds_per_point)
                run.clear()

        for point in points:
            arm = {n: q for n, q in point.items() if n in ARM_JOINT_NAMES}
            fingers = [q for n, q in point.items() if n in FINGER_JOINT_NAMES]
            if arm:
                run.append(arm)
            if fingers:
                move_arm()
                self._command_gripper(2.0 * sum(fingers) / len(fingers))
        move_arm()
        return reached

    def _follow_joint_trajectory(self, waypoints: list[dict[str, float]], seconds_per_point: float) -> bool:
        from builtin_interfaces.msg import Duration
        from trajectory_msgs.msg import JointTrajectoryPoint

        action = self.actions.follow_joint_trajectory
        goal = action.Goal()
        goal.trajectory.joint_names = list(ARM_JOINT_NAMES)
        last = self.joint_positions()
        for i, waypoint in enumerate(waypoints):
            last.update(waypoint)
            point = JointTrajectoryPoint()
            point.positions = [float(last.get(n, 0.0)) for n in ARM_JOINT_NAMES]
            seconds = seconds_per_point * (i + 1)
            point.time_from_start = Duration(sec=int(seconds), nanosec=int((seconds % 1) * 1e9))
            goal.trajectory.points.append(point)
        with self._cond:
            stamp_before = self._joint_stamp
        answer = self._call_action(self._arm, goal, self.config.arm_timeout_s)
        self._joint_states_after(stamp_before)
        return answer is not None and answer[1].error_code == action.Result.SUCCESSFUL

    def _command_gripper(self, opening_m: float) -> bool:
        """Open or close to `opening_m` between the fingers; the finger joint states are fresh afterwards."""
        action = self.actions.gripper_command
        goal = action.Goal()
        goal.command.position = float(opening_m)
        with self._cond:
            stamp_before = self._joint_stamp
        answer = self._call_action(self._gripper, goal, self.config.arm_timeout_s)
        self._joint_states_after(stamp_before)
        return answer is not None and bool(answer[1].reached_goal)

    def _arm_solution(self, position, orientation) -> dict[str, float] | None:
        base, yaw = self._arm_base()
        self.kinematics.set_base_pose(base, (0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2)))
        joints = self.joint_positions()
        seed = [joints.get(n, 0.0) for n in ARM_JOINT_NAMES]
        solution = self.kinematics.solve(position, orientation, seed=seed)
        return dict(zip(ARM_JOINT_NAMES, solution.joints)) if solution.reached else None

    def _fingers(self, width_each: float) -> dict[str, float]:
        return {n: width_each for n in FINGER_JOINT_NAMES}

    def _home(self) -> dict[str, float]:
        return dict(zip(ARM_JOINT_NAMES, self.config.home_pose))

    def _back_off(self, via: list[dict[str, float]], open_fingers: bool) -> bool:
        """Retrace the way the arm came (through `via`, last waypoint first) to home: True once home.

        The arm may be pressed against something it was not meant to touch; going back along the path
        that brought it there leaves the contact the way it entered. Fingers open first unless the hand
        holds something that must not drop.
        """
        first = [self._fingers(self.config.finger_open_m)] if open_fingers else []
        return self.send_trajectory(first + list(reversed(via)) + [self._home()])

    def _grasp_options(self, near: Point3, height: float) -> list[tuple[tuple[float, ...], np.ndarray, np.ndarray]]:
        """(hand orientation, pre-grasp, grasp) positions: from above, then from the side tipped down 0, 0.5, 0.9."""
        top = near[2] + height / 2
        base, _ = self._arm_base()
        heading = math.atan2(near[1] - base[1], near[0] - base[0])
        u = np.array([math.cos(heading), math.sin(heading), 0.0])
        grasp_top = np.array([near[0], near[1], top - min(0.028, height / 2)])
        options = [(top_down_orientation(heading + math.pi / 2), grasp_top + [0, 0, 0.12], grasp_top)]
        for pitch in (0.0, 0.5, 0.9):
            grasp = np.array([near[0], near[1], max(near[2], top - height + 0.045)])
            axis = np.array([math.cos(pitch) * u[0], math.cos(pitch) * u[1], -math.sin(pitch)])
            options.append((side_orientation(heading, pitch), grasp - 0.12 * axis, grasp))
        return options

    def _execute_grasp(self, pre: dict[str, float], grasp: dict[str, float], lift: dict[str, float]) -> str | None:
        """Pre-grasp, grasp, close, lift: REASON_OK, or why not with the arm backed off home.

        None when the arm could not get back home: it is stuck, and no further attempt is safe.
        """
        open_fingers = self._fingers(self.config.finger_open_m)
        if not self.send_trajectory([open_fingers, pre]):
            return REASON_TIMEOUT if self._back_off([], open_fingers=True) else None
        if not self.send_trajectory([grasp]):  # stopped short: close nothing there
            return REASON_TIMEOUT if self._back_off([pre], open_fingers=True) else None
        self.send_trajectory([{**grasp, **self._fingers(0.0)}])
        if self.finger_width() < 0.004:
            return REASON_GRASP_MISSED if self._back_off([pre], open_fingers=True) else None
        self.send_trajectory([lift])
        if self.finger_width() < 0.004:
            self._back_off([], open_fingers=True)
            return REASON_GRASP_SLIPPED
        return REASON_OK

    def pick(self, category: str, near: Point3) -> SkillResult:
        """Try each grasp option the arm reaches by IK until one holds the object.

        An option whose execution fails (the arm stops short, the fingers close on nothing) is backed
        off to home and the next one is tried; the reason of the last failure is reported when none
        works. A slipped grasp ends the pick: the object is no longer where `near` says.
        """
        approach = self._approach(near)
        if not approach.success:
            return approach
        height = object_shape(category).height
        start = self.sim_time
        reason: str | None = REASON_UNREACHABLE
        for orientation, pre, grasp in self._grasp_options(near, height):
            pre_joints = self._arm_solution(pre, orientation)
            grasp_joints = self._arm_solution(grasp, orientation) if pre_joints else None
            if not (pre_joints and grasp_joints):
                continue
            lift_joints = self._arm_solution(grasp + [0, 0, 0.12], orientation) or pre_joints
            reason = self._execute_grasp(pre_joints, grasp_joints, lift_joints)
            if reason == REASON_OK:
                self._held_drop = float(grasp[2] - (near[2] - height / 2))
                frames = [f for f in [self.request_frame()] if f is not None]
                return SkillResult(True, REASON_OK, approach.path_length_m,
                                   approach.duration_s + self.sim_time - start, frames)
            if reason in (None, REASON_GRASP_SLIPPED):
                break
        if reason is None:
            reason = f"{REASON_TIMEOUT}: the arm stopped short and could not get back home"
        return SkillResult.failed(reason, approach.path_length_m, approach.duration_s + self.sim_time - start)

    def place(self, receptacle_position: Point3, receptacle_category: str | None = None) -> SkillResult:
        """Put the held object down at (x, y) on the surface at height receptacle_position[2] (its top).

        `receptacle_category` is not checked here: the robot's topics say nothing of what the top is.

        Hand orientations are tried as in `pick`: the arm takes the object above the spot with one the IK
        reaches; if it stops short on the way, it goes back home still holding and the next one is tried.
        """
        if self._held_drop is None:
            return SkillResult.failed(REASON_NOT_HOLDING)
        approach = self._approach(receptacle_position)
        if not approach.success:
            return approach
        base, _ = self._arm_base()
        heading = math.atan2(receptacle_position[1] - base[1], receptacle_position[0] - base[0])
        down = np.array([receptacle_position[0], receptacle_position[1], receptacle_position[2] + self._held_drop
                         + 0.015])
        start = self.sim_time
        reason = REASON_UNREACHABLE
        for orientation in (top_down_orientation(heading + math.pi / 2), side_orientation(heading, 0.0),
                            side_orientation(heading, 0.5), side_orientation(heading, 0.9)):
            above = self._arm_solution(down + [0, 0, 0.12], orientation)
            at = self._arm_solution(down, orientation) if above else None
            if not (above and at):
                continue
            if self.send_trajectory([above]):
                # the way down ends where the object touches whatever is under it: it is let go there
                ok = self.send_trajectory([at, {**at, **self._fingers(self.config.finger_open_m)}, above,
                                           self._home()])
                self._held_drop = None
                frames = [f for f in [self.request_frame()] if f is not None]
                return SkillResult(ok, REASON_OK if ok else REASON_TIMEOUT, approach.path_length_m,
                                   approach.duration_s + self.sim_time - start, frames)
            reason = REASON_TIMEOUT
            if not self._back_off([], open_fingers=False):
                reason = f"{REASON_TIMEOUT}: the arm stopped short and could not get back home"
                break
        return SkillResult.failed(reason, approach.path_length_m, approach.duration_s + self.sim_time - start)

    def open(self, furniture_position: Point3) -> SkillResult:
        return SkillResult.failed(REASON_NO_DOOR_CONTROLLER)

    def close(self, furniture_position: Point3) -> SkillResult:
        return SkillResult.failed(REASON_NO_DOOR_CONTROLLER)
