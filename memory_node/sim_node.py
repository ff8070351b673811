"""sim_node: the PyBullet household as a ROS 2 robot (camera, detector, odometry, base and arm drivers).

Published (stamps are ROS time on the simulator's clock: simulated seconds, d1 00:00 = 0, also on
`/clock` (rosgraph_msgs/Clock) for nodes run with `use_sim_time`; frames as REP 105 names them):
- camera/color/image_raw (sensor_msgs/Image rgb8), camera/depth/image_raw (32FC1, metres),
  camera/color/camera_info, camera/pose (PoseStamped of the optical frame), detections
  (memory_interfaces/Detections: 32SC1 instance mask, ids shuffled every frame, + label table),
  all five with the same stamp per frame; rendered only on demand (see below).
- odom (nav_msgs/Odometry, odom -> base_link; drifts when the scenario says so), joint_states
  (sensor_msgs/JointState of the Panda's 7 joints and 2 fingers).
- map_to_odom (geometry_msgs/TransformStamped map -> odom, latched, published at activation): the
  localiser's correction. It is the identity: the simulated robot has no localiser, so its map pose
  is its (drifting) odometry, as the simulator's own skills and the camera pose assume; the ingest
  node and RosRobotSkills compose map pose = map->odom * odom pose. Where tf2_msgs imports (a full
  ROS install; not on PyPI, so untested here) the same links go on /tf_static (map -> odom, constant,
  and base_link -> camera_optical, the fixed head camera) and /tf (odom -> base_link, with every odometry).
Action servers (memory_node.robot.robot_actions: nav2's and control_msgs' types where installed, the
project's own with the same fields otherwise):
- navigate_to_pose (NavigateToPose): plans on the occupancy grid and drives there (the motion is
  simulated at once; simulated time advances by its duration); feedback along the driven path
  (current_pose, distance_remaining, navigation_time); aborted with error_msg when unreachable.
- arm_controller/follow_joint_trajectory (FollowJointTrajectory): panda_joint1..7, points executed in
  order with joint position control and physics; GOAL_TOLERANCE_VIOLATED when the arm stops short.
- gripper_controller/gripper_cmd (GripperCommand): `position` is the opening between the fingers;
  closing on an object holds it when both fingers touch it (`stalled`).
Subscribed:
- cmd_vel (geometry_msgs/Twist): integrated at `control_rate_hz`, clipped to the speed limits; the
  base stops at walls/furniture (occupancy grid).
- camera/render_request (std_msgs/Empty): render and publish one frame now.

Rendering costs ~30 ms a frame, so frames are rendered at `camera_rate_hz` only while someone
subscribes to a camera topic (or always, with `render_on_demand: false`), and on request.

Every frame has its own, increasing stamp on the simulator's clock: simulated time moves only when
the robot does something (a drive or turn takes its simulated duration, a look_around view about
0.8 s of turning), so a frame rendered at an instant already shown first advances the clock by
`frame_interval_s` (one camera period; the backend's sim.backend.FrameClock does it for every render,
this node sets its interval). Odometry is published with each frame's stamp, so the
ingest node can match the pose to the frame. The control loop publishes odometry and joint states
when the clock has moved (never the same stamp twice, which readers count as duplicates), and for
`STATE_REPEAT_S` after a new subscriber appears, so a late joiner hears the robot while it stands still.

Lifecycle (like memory_server, ingest_node, planner_server): configure loads the scenario and creates
the publishers, subscriptions and action servers; activate starts the control and camera timers; an
inactive node publishes nothing (lifecycle publishers), ignores cmd_vel and render requests and rejects
goals; cleanup closes the world it loaded (configure loads it afresh). `autostart` (default true): its
executable configures and activates it; false leaves that to a lifecycle manager (`memstack up` has
one, nav2's lifecycle_manager is another). Parameters read at configure are read-only; the speed
limits and `render_on_demand` may change at run time.
"""

from __future__ import annotations

import math
import sys
import threading

from memory_node.ros_environment import node_main_guard, prepare_ros_environment

prepare_ros_environment()

from memory_node.robot.robot_topics import RobotTopics  # noqa: E402
from memory_stack.foundation.errors import BadInputError  # noqa: E402
from robot_model.panda_kinematics import ARM_JOINT_NAMES, FINGER_JOINT_NAMES  # noqa: E402

try:
    import rclpy
    from geometry_msgs.msg import PoseStamped, TransformStamped, Twist
    from rclpy.lifecycle import Node as LifecycleNode
    from rclpy.lifecycle import State, TransitionCallbackReturn
    from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
    from rosgraph_msgs.msg import Clock
    from sensor_msgs.msg import CameraInfo, Image, JointState
    from std_msgs.msg import Empty
except ImportError:  # main() explains what is missing (node_main_guard); the module stays importable
    LifecycleNode = object

SETTLE_WINDOW_S = 0.5  # a cmd_vel older than this is stale: the base stops
STATE_REPEAT_S = 1.0  # wall seconds the unchanged state is repeated after a new subscriber appears


class SimNode(LifecycleNode):
    """The simulated robot's drivers, as a lifecycle node.

    `backend`: a loaded PyBulletBackend, else the `scenario` parameter is loaded at configure (and
    closed at cleanup). Configure loads the world and creates the publishers, subscriptions and
    action servers; only an active node publishes (its publishers are lifecycle publishers, its
    timers run only while active), moves the base on cmd_vel, renders on request and accepts goals.
    """

    def __init__(self, backend=None, **kwargs) -> None:
        super().__init__("sim_node", **kwargs)
        self._active = False
        self.backend, self._owns_backend, self.manipulator = backend, False, None
        self._publishers_made: list = []
        self._subscriptions_made: list = []
        self._timers_made: list = []
        self._action_servers: list = []
        self._tf_message = None  # tf2_msgs/TFMessage where it imports
        from memory_node.parameter_declaration import (
            declare,
            declare_autostart,
            follow_dynamic_parameters,
            require_parameters_under_namespace,
        )

        self.scenario_path = declare(self, "scenario", "", "scenario YAML of the simulated household (loaded at "
                                     "configure; '' = none: the node stays idle)")
        self.start_time = declare(self, "start_time", "", "simulated time the world starts at ('dN HH:MM'; '' = "
                                  "the scenario's start)")
        self.camera_rate_hz = declare(self, "camera_rate_hz", 2.0, "frames per second while a camera topic has "
                                      "subscribers (0 = only on camera/render_request)", (0.0, 60.0))
        self.render_on_demand = declare(self, "render_on_demand", True, "render only while someone subscribes "
                                        "to a camera topic (false: always at camera_rate_hz)", dynamic=True)
        self.control_rate_hz = declare(self, "control_rate_hz", 20.0, "cmd_vel integration and state publishing "
                                       "rate (Hz)", (0.1, 1000.0))
        self.frame_interval_s = declare(self, "frame_interval_s", 0.1, "a frame at an instant already shown "
                                        "first advances the simulated clock by this (s)", (0.001, 10.0))
        self.max_linear_speed = declare(self, "max_linear_speed", 0.5, "cmd_vel linear.x is clipped to this (m/s)",
                                        (0.0, 10.0), dynamic=True)
        self.max_angular_speed = declare(self, "max_angular_speed", 1.0, "cmd_vel angular.z is clipped to this "
                                         "(rad/s)", (0.0, 20.0), dynamic=True)
        self.finger_stroke_m = declare(self, "finger_stroke_m", 0.085, "widest opening of the gripper (m)",
                                       (0.01, 0.5))
        # FollowJointTrajectory succeeds when every joint ends this close to the last point
        self.joint_tolerance_rad = declare(self, "goal_joint_tolerance_rad", 0.05, "FollowJointTrajectory "
                                           "succeeds when every joint ends this close to the last point (rad)",
                                           (0.0, 3.2))
        self.map_frame = declare(self, "map_frame", "map", "REP 105 map frame (goals and the camera pose)")
        self.odom_frame = declare(self, "odom_frame", "odom", "REP 105 odometry frame (odom's header.frame_id)")
        self.base_frame = declare(self, "base_frame", "base_link", "the robot body's frame")
        self.camera_frame = declare(self, "camera_frame", "camera_optical", "the images' optical frame")
        self.autostart = declare_autostart(self)
        follow_dynamic_parameters(self)
        require_parameters_under_namespace(self)
        self.topics = RobotTopics()
        self._lock = threading.RLock()
        self._twist = (0.0, 0.0)
        self._twist_time = -math.inf
        self.frames_published = 0
        self.last_frame_stamp: float | None = None
        self._state_stamp: float | None = None
        self._state_subscribers = 0
        self._repeat_state_until = -math.inf
        self._clock_published: float | None = None
        self.configure_error = ""  # why the last configure failed ('' = it did not)

    # -- lifecycle ---------------------------------------------------------------------------------
    def on_configure(self, state: State) -> TransitionCallbackReturn:
        try:
            self._load_world()
        except Exception as exc:  # a bad scenario or start time: stay unconfigured, say why
            self.configure_error = str(exc)
            self.get_logger().error(f"configure failed: {exc}")
            self._release_world()
            return TransitionCallbackReturn.FAILURE
        self.configure_error = ""
        self._make_interfaces()
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: State) -> TransitionCallbackReturn:
        result = super().on_activate(state)  # the lifecycle publishers first: the timers publish at once
        self._active = True
        self.publish_localisation()  # latched, before any odometry it applies to
        self._timers_made = [self.create_timer(1.0 / self.control_rate_hz, self._on_control_tick)]
        if self.camera_rate_hz > 0:
            self._timers_made.append(self.create_timer(1.0 / self.camera_rate_hz, self._on_camera_tick))
        return result

    def on_deactivate(self, state: State) -> TransitionCallbackReturn:
        self._active = False
        self._twist = (0.0, 0.0)  # an inactive base stands still
        self._destroy_timers()
        return super().on_deactivate(state)

    def on_cleanup(self, state: State) -> TransitionCallbackReturn:
        self._destroy_interfaces()
        self._release_world()
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: State) -> TransitionCallbackReturn:
        self._active = False
        self._destroy_interfaces()
        self._release_world()
        return TransitionCallbackReturn.SUCCESS

    @property
    def active(self) -> bool:
        return self._active

    # -- set-up ------------------------------------------------------------------------------------
    def _load_world(self) -> None:
        if self.backend is None and self.scenario_path:
            from sim.pybullet_backend import PyBulletBackend

            self.backend = PyBulletBackend(self.scenario_path)
            self._owns_backend = True
        if self.backend is None:
            self.get_logger().warning("no scenario given (parameter `scenario`): sim_node is idle")
            return
        if hasattr(self.backend, "frame_clock"):
            self.backend.frame_clock.interval_s = self.frame_interval_s  # the backend spaces its frames' stamps
        if self.start_time:
            from memory_stack.foundation.time_format import parse_time

            self.backend.advance_to(parse_time(self.start_time))
        if self.manipulator is None:
            self._attach_arm_driver()

    def _release_world(self) -> None:
        if self.manipulator is not None:
            self.manipulator.kinematics.close()
            self.manipulator = None
        if self._owns_backend and self.backend is not None:
            self.backend.close()
            self.backend = None
            self._owns_backend = False

    def _attach_arm_driver(self) -> None:
        from executor.pybullet_manipulation import (
            ArmHandles,
            ManipulationConfig,
            PyBulletManipulator,
            carry_held_objects_with_base,
        )
        from robot_model.dimensions import ARM_HOME
        from robot_model.panda_kinematics import PandaKinematics

        robot = self.backend.robot
        self.manipulator = PyBulletManipulator(
            ArmHandles.from_body(self.backend.client_id, robot.arm_id), PandaKinematics(),
            ManipulationConfig(finger_stroke_m=self.finger_stroke_m, home_pose=ARM_HOME),
            ignored_bodies=(robot.base_id,))
        carry_held_objects_with_base(robot, self.manipulator)

    def _make_interfaces(self) -> None:
        t = self.topics
        from memory_interfaces.msg import Detections
        from nav_msgs.msg import Odometry

        publish = self.create_lifecycle_publisher
        self.rgb_pub = publish(Image, t.rgb, 5)
        self.depth_pub = publish(Image, t.depth, 5)
        self.info_pub = publish(CameraInfo, t.camera_info, 5)
        self.camera_pose_pub = publish(PoseStamped, t.camera_pose, 5)
        self.detections_pub = publish(Detections, t.detections, 5)
        self.odom_pub = publish(Odometry, t.odometry, 10)
        latched = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self.map_to_odom_pub = publish(TransformStamped, t.map_to_odom, latched)
        self._tf_pubs = self._tf_publishers(latched)
        self.joint_pub = publish(JointState, t.joint_states, 10)
        # the simulator's clock for nodes under use_sim_time (ROS time = simulated seconds: d1 00:00 is 0)
        self.clock_pub = publish(Clock, "/clock", 10)
        self._clock_published = None
        self._publishers_made = [self.rgb_pub, self.depth_pub, self.info_pub, self.camera_pose_pub,
                                 self.detections_pub, self.odom_pub, self.map_to_odom_pub, self.joint_pub,
                                 self.clock_pub, *self._tf_pubs]
        self._subscriptions_made = [self.create_subscription(Twist, t.cmd_vel, self._on_cmd_vel, 10),
                                    self.create_subscription(Empty, t.render_request, self._on_render_request, 10)]
        from rclpy.action import ActionServer, CancelResponse
        from rclpy.callback_groups import ReentrantCallbackGroup

        from memory_node.robot.robot_actions import robot_action_types

        self.actions = robot_action_types()
        group = ReentrantCallbackGroup()
        common = {"callback_group": group, "goal_callback": self._accept_when_active,
                  "cancel_callback": lambda _goal: CancelResponse.REJECT}
        self._action_servers = [
            ActionServer(self, self.actions.navigate_to_pose, t.navigate_action, self._execute_navigate, **common),
            ActionServer(self, self.actions.follow_joint_trajectory, t.arm_action, self._execute_trajectory,
                         **common),
            ActionServer(self, self.actions.gripper_command, t.gripper_action, self._execute_gripper, **common),
        ]

    def _tf_publishers(self, latched) -> list:
        """/tf and /tf_static where tf2_msgs imports (a full ROS install; not on PyPI: untested here)."""
        try:
            from tf2_msgs.msg import TFMessage
        except ImportError:
            self._tf_message = None
            return []
        self._tf_message = TFMessage
        self.tf_pub = self.create_lifecycle_publisher(TFMessage, "/tf", 100)
        self.tf_static_pub = self.create_lifecycle_publisher(TFMessage, "/tf_static", latched)
        return [self.tf_pub, self.tf_static_pub]

    def publish_localisation(self) -> None:
        """The localiser's map -> odom, latched (identity, see the module docstring), and TF's static links."""
        if self.backend is None or not self._active:
            return
        from memory_node.message_conversion import transform_stamped_from_pose
        from scene_graph.types import Pose

        now = self.backend.now
        identity = Pose(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0)
        correction = transform_stamped_from_pose(identity, now, self.map_frame, self.odom_frame)
        self.map_to_odom_pub.publish(correction)
        if self._tf_message is not None:
            import numpy as np

            camera_in_base = Pose.from_matrix(np.linalg.inv(self.backend.robot_pose().matrix())
                                              @ self.backend.camera_pose().matrix())  # the head camera is fixed
            mount = transform_stamped_from_pose(camera_in_base, now, self.base_frame, self.camera_frame)
            self.tf_static_pub.publish(self._tf_message(transforms=[correction, mount]))

    def _accept_when_active(self, _goal) -> object:
        from rclpy.action import GoalResponse

        if self._active:
            return GoalResponse.ACCEPT
        self.get_logger().warning("goal rejected: sim_node is not active")
        return GoalResponse.REJECT

    def _destroy_timers(self) -> None:
        for timer in self._timers_made:
            self.destroy_timer(timer)
        self._timers_made = []

    def _destroy_interfaces(self) -> None:
        self._destroy_timers()
        for server in self._action_servers:
            server.destroy()
        for subscription in self._subscriptions_made:
            self.destroy_subscription(subscription)
        for publisher in self._publishers_made:
            self.destroy_lifecycle_publisher(publisher)
        self._action_servers, self._subscriptions_made, self._publishers_made = [], [], []

    def destroy_node(self) -> None:
        self._active = False
        self._destroy_interfaces()
        self._release_world()
        super().destroy_node()

    # -- publishing --------------------------------------------------------------------------------
    def publish_clock(self) -> None:
        """The simulated time on /clock, once per instant (it only moves forward)."""
        if self.backend is None or not self._active:
            return
        from memory_node.message_conversion import seconds_to_stamp

        with self._lock:
            now = self.backend.now
            if self._clock_published is not None and now <= self._clock_published:
                return
            self._clock_published = now
            self.clock_pub.publish(Clock(clock=seconds_to_stamp(now)))

    def publish_state(self) -> None:
        """Odometry and joint states at the current simulated time."""
        if self.backend is None or not self._active:
            return
        from memory_node.message_conversion import make_header, odometry_from_pose

        self.publish_clock()
        with self._lock:
            now = self.backend.now
            self._state_stamp = now
            base = self.backend.robot_pose()  # odometry: drifts when the scenario says so
            self.odom_pub.publish(odometry_from_pose(base, now, self.odom_frame, self.base_frame))
            if self._tf_message is not None:
                from memory_node.message_conversion import transform_stamped_from_pose

                self.tf_pub.publish(self._tf_message(
                    transforms=[transform_stamped_from_pose(base, now, self.odom_frame, self.base_frame)]))
            msg = JointState()
            msg.header = make_header(now, self.base_frame)
            msg.name = list(ARM_JOINT_NAMES) + list(FINGER_JOINT_NAMES)
            import pybullet as p

            robot = self.backend.robot
            joints = list(robot.arm_joint_indices) + list(robot.finger_joint_indices)
            states = p.getJointStates(robot.arm_id, joints, physicsClientId=self.backend.client_id)
            msg.position = [float(s[0]) for s in states]
            msg.velocity = [float(s[1]) for s in states]
            self.joint_pub.publish(msg)

    def publish_frame(self) -> None:
        """Render one frame and publish image, depth, camera info, camera pose, detections (same stamp)."""
        if self.backend is None or not self._active:
            return
        from memory_node.message_conversion import (
            camera_info_from_intrinsics,
            depth_to_image,
            detections_from_mask,
            pose_stamped_from_pose,
            rgb_to_image,
        )

        with self._lock:
            frame = self.backend.render()
            self.last_frame_stamp = frame.time
            self.publish_clock()
            if self._state_stamp != frame.time:
                self.publish_state()
        stamp, cam = frame.time, self.camera_frame
        self.rgb_pub.publish(rgb_to_image(frame.rgb, stamp, cam))
        self.depth_pub.publish(depth_to_image(frame.depth, stamp, cam))
        self.info_pub.publish(camera_info_from_intrinsics(frame.intrinsics, stamp, cam))
        self.camera_pose_pub.publish(pose_stamped_from_pose(frame.camera_pose, stamp, self.map_frame))
        self.detections_pub.publish(detections_from_mask(frame.instance_mask, frame.labels, frame.confidences,
                                                         stamp, cam))
        self.frames_published += 1

    def _camera_watched(self) -> bool:
        return any(pub.get_subscription_count() > 0 for pub in
                   (self.rgb_pub, self.depth_pub, self.detections_pub, self.camera_pose_pub))

    # -- callbacks ---------------------------------------------------------------------------------
    def _on_camera_tick(self) -> None:
        if self.backend is not None and (not self.render_on_demand or self._camera_watched()):
            self.publish_frame()

    def _on_render_request(self, _msg: Empty) -> None:
        self.publish_frame()

    def _on_cmd_vel(self, msg: Twist) -> None:
        if not self._active:
            return
        values = (msg.linear.x, msg.angular.z)
        if not all(math.isfinite(v) for v in values):
            self.get_logger().error(f"topic {self.topics.cmd_vel!r}: non-finite velocity {values}; ignored")
            return
        self._twist = (max(-self.max_linear_speed, min(self.max_linear_speed, float(msg.linear.x))),
                       max(-self.max_angular_speed, min(self.max_angular_speed, float(msg.angular.z))))
        self._twist_time = self._wall_now()

    def _wall_now(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    def _on_control_tick(self) -> None:
        if self.backend is None or not self._active:
            return
        dt = 1.0 / max(self.control_rate_hz, 0.1)
        linear, angular = self._twist
        wall = self._wall_now()
        if wall - self._twist_time < SETTLE_WINDOW_S and (linear or angular):
            with self._lock:
                self._integrate(linear, angular, dt)
        subscribers = self.odom_pub.get_subscription_count() + self.joint_pub.get_subscription_count()
        if subscribers > self._state_subscribers:
            self._repeat_state_until = wall + STATE_REPEAT_S
        self._state_subscribers = subscribers
        if self.backend.now != self._state_stamp or wall < self._repeat_state_until:
            self.publish_state()
        self.publish_clock()

    def _integrate(self, linear: float, angular: float, dt: float) -> None:
        robot = self.backend.robot
        x, y, yaw = robot.base_pose()
        new_yaw = yaw + angular * dt
        mid = yaw + 0.5 * angular * dt
        nx, ny = x + linear * dt * math.cos(mid), y + linear * dt * math.sin(mid)
        if not self.backend.occupancy_grid().is_free_xy(nx, ny):
            nx, ny = x, y  # blocked: turn in place only
        robot.set_base_pose(nx, ny, math.atan2(math.sin(new_yaw), math.cos(new_yaw)))
        self.backend.advance_by(dt)

    def drive_to(self, x: float, y: float, yaw: float | None) -> object:
        """Plan and drive there at once (simulated time advances by the drive); the backend's MotionResult."""
        with self._lock:
            result = self.backend.move_base_to(float(x), float(y), yaw)
        self.publish_state()
        return result

    def _execute_navigate(self, goal_handle) -> object:
        from builtin_interfaces.msg import Duration

        from memory_node.message_conversion import seconds_to_stamp

        action = self.actions.navigate_to_pose
        result = action.Result()
        pose = goal_handle.request.pose
        p, q = pose.pose.position, pose.pose.orientation
        problem = ""
        if self.backend is None:
            problem = "sim_node has no scenario loaded"
        elif pose.header.frame_id not in ("", self.map_frame):
            problem = f"goal field 'pose.header.frame_id': {pose.header.frame_id!r} is not {self.map_frame!r}"
        elif not all(math.isfinite(v) for v in (p.x, p.y, q.x, q.y, q.z, q.w)):
            problem = "goal field 'pose': non-finite pose"
        if problem:
            result.error_code, result.error_msg = action.Result.UNKNOWN, problem
            goal_handle.abort()
            return result
        norm = math.sqrt(q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w)
        yaw = None if norm < 1e-6 else math.atan2(2.0 * (q.w * q.z + q.x * q.y), 1.0 - 2.0 * (q.y * q.y + q.z * q.z))
        started = self.backend.now
        motion = self.drive_to(p.x, p.y, yaw)
        # the drive is simulated at once: its feedback replays the path driven, start to goal
        path = list(motion.path or []) if motion.success else []
        remaining = float(motion.path_length_m)
        for i, (wx, wy) in enumerate(path):
            if i:
                remaining = max(0.0, remaining - math.dist(path[i - 1], (wx, wy)))
            feedback = action.Feedback()
            feedback.current_pose.header.frame_id = self.map_frame
            feedback.current_pose.header.stamp = seconds_to_stamp(self.backend.now)
            feedback.current_pose.pose.position.x, feedback.current_pose.pose.position.y = float(wx), float(wy)
            done = motion.duration_s * (1.0 - remaining / motion.path_length_m) if motion.path_length_m else 0.0
            feedback.navigation_time = Duration(sec=int(done), nanosec=int((done % 1.0) * 1e9))
            feedback.distance_remaining = float(remaining)
            goal_handle.publish_feedback(feedback)
        if not motion.success:
            result.error_code, result.error_msg = action.Result.UNKNOWN, str(motion.reason)
            goal_handle.abort()
            return result
        result.error_code = action.Result.NONE
        goal_handle.succeed()
        self.get_logger().debug(f"navigated {motion.path_length_m:.2f} m in {self.backend.now - started:.1f} s")
        return result

    def _execute_trajectory(self, goal_handle) -> object:
        action = self.actions.follow_joint_trajectory
        result = action.Result()
        trajectory = goal_handle.request.trajectory
        names = list(trajectory.joint_names)
        problem, code = "", action.Result.SUCCESSFUL
        unknown = [n for n in names if n not in ARM_JOINT_NAMES]
        if self.manipulator is None:
            problem, code = "sim_node has no arm (no scenario loaded)", action.Result.INVALID_GOAL
        elif unknown:
            problem, code = f"goal field 'trajectory.joint_names': not arm joints {unknown}", \
                action.Result.INVALID_JOINTS
        else:
            for i, point in enumerate(trajectory.points):
                if len(point.positions) != len(names) or not all(math.isfinite(v) for v in point.positions):
                    problem = f"goal field 'trajectory.points[{i}].positions': need {len(names)} finite values"
                    code = action.Result.INVALID_GOAL
                    break
        if problem:
            result.error_code, result.error_string = code, problem
            goal_handle.abort()
            return result
        final: dict[str, float] = {}
        for point in trajectory.points:
            final = dict(zip(names, (float(v) for v in point.positions)))
            self._execute_point(final)
            self.publish_state()
        reached = dict(zip(ARM_JOINT_NAMES, self.manipulator.arm_joint_positions()))
        off = {n: round(reached[n] - q, 4) for n, q in final.items() if abs(reached[n] - q) > self.joint_tolerance_rad}
        if off:
            result.error_code = action.Result.GOAL_TOLERANCE_VIOLATED
            result.error_string = f"the arm stopped short of the last point (joint errors {off})"
            goal_handle.abort()
            return result
        result.error_code = action.Result.SUCCESSFUL
        goal_handle.succeed()
        return result

    def _execute_gripper(self, goal_handle) -> object:
        action = self.actions.gripper_command
        result = action.Result()
        opening = float(goal_handle.request.command.position)
        if self.manipulator is None or not math.isfinite(opening) or opening < 0:
            result.reached_goal = False
            goal_handle.abort()
            return result
        width_each = opening / 2.0
        self._execute_point({n: width_each for n in FINGER_JOINT_NAMES})
        self.publish_state()
        result.position = float(self.manipulator.finger_width())
        result.reached_goal = abs(result.position - min(opening, 2 * self.finger_stroke_m)) < 0.004
        result.stalled = not result.reached_goal
        goal_handle.succeed()
        return result

    def _execute_point(self, targets: dict[str, float]) -> None:
        m = self.manipulator
        with self._lock:
            current = m.arm_joint_positions()
            arm = [targets.get(name, q) for name, q in zip(ARM_JOINT_NAMES, current)]
            elapsed = m.move_arm(arm)
            fingers = [targets[n] for n in FINGER_JOINT_NAMES if n in targets]
            if fingers:
                width_each = sum(fingers) / len(fingers)
                if width_each < m.finger_width() / 2 - 0.002:
                    elapsed += m.close_gripper(width_each)[1]
                else:
                    elapsed += m.open_gripper(width_each)
            self.backend.advance_by(elapsed)


def main(argv: list[str] | None = None) -> None:
    node_main_guard()
    argv = list(sys.argv if argv is None else argv)
    rclpy.init(args=argv)
    from rclpy.executors import ExternalShutdownException
    from rclpy.parameter import Parameter
    from rclpy.utilities import remove_ros_args

    plain = remove_ros_args(argv)[1:]
    node = None
    try:
        # `sim_node SCENARIO.yaml` as a shorthand for `-p scenario:=SCENARIO.yaml`
        overrides = [Parameter("scenario", value=plain[0])] if plain else []
        node = SimNode(parameter_overrides=overrides)
        if node.autostart:  # else a lifecycle manager (nav2's, `memstack up`'s, a test) drives it
            if node.trigger_configure() != TransitionCallbackReturn.SUCCESS:
                raise BadInputError(f"configure failed: {node.configure_error}")
            node.trigger_activate()
        node.get_logger().info("sim_node ready" if node.autostart else "sim_node waiting for a lifecycle manager")
        rclpy.spin(node)
    except BadInputError as exc:
        print(f"sim_node: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except Exception:
        # SIGINT shuts the context down from rclpy's signal handler; a wait set being built at that
        # instant fails with "context is not valid". That is a normal stop, anything else is not.
        if rclpy.ok():
            raise
    finally:
        if node is not None:
            node.destroy_node()
        if rclpy.ok():
            rclpy.shutdown()


if __name__ == "__main__":
    main()
