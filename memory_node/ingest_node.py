"""ingest_node: camera + detections + pose topics in, memory writes out (a lifecycle node).

Lifecycle (as ros2/demos lifecycle_py): parameters are declared at construction; `on_configure`
opens the memory (a `SharedStore`, shared with a memory_server in the same process) and creates the
subscriptions and publishers; `on_activate` starts the ingest worker; `on_deactivate` stops it
(messages that arrive while inactive are ignored); `on_cleanup` destroys what configure created and
releases the store.

Threads: subscription callbacks (one callback group of their own) only convert and synchronise
messages; a complete frame is handed to one worker thread through a bounded queue (full: the
oldest waiting frame is dropped and counted), which runs perception and the memory write. So a
flood of input never blocks the executor, and queries (another node, on its own executor thread)
are never waiting behind perception.

Subscribed (sensor-data QoS; remap to your drivers, see README "ROS 2 nodes"):
`camera/color/image_raw` (rgb8/bgr8), `camera/depth/image_raw` (32FC1 m / 16UC1 mm),
`camera/color/camera_info`, `detections` (memory_interfaces/Detections), `odom` (nav_msgs/Odometry)
or a PoseStamped per `pose_source`, and `camera/pose` (PoseStamped of the optical frame; "" = TF where
tf2_ros exists, else the fixed `camera_mount_*`), and `map_to_odom` (geometry_msgs/TransformStamped, latched:
the localiser's map -> odom correction). Poses must be in `map_frame` or be brought there by that
correction (odometry in `odom`: map pose = map->odom * odom pose, REP 105) or by TF; `frame_id`
mismatches are counted per topic (`wrong_frame`) in the diagnostics. Published:
`memory/events` (memory_interfaces/MemoryEvent, one per change, its header stamped in ROS time, frame
`map`), and `/diagnostics` when no memory_server in this process reports for it.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Any

from memory_node.ros_environment import node_main_guard

try:
    from diagnostic_msgs.msg import DiagnosticArray
    from geometry_msgs.msg import PoseStamped, TransformStamped
    from memory_interfaces.msg import MemoryEvent as MemoryEventMsg
    from nav_msgs.msg import Odometry
    from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
    from rclpy.lifecycle import Node as LifecycleNode
    from rclpy.lifecycle import State, TransitionCallbackReturn
    from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy, qos_profile_sensor_data
    from sensor_msgs.msg import CameraInfo, Image
except ImportError:  # main() reports what is missing through node_main_guard
    LifecycleNode = object

NODE_NAME = "ingest_node"


class IngestNode(LifecycleNode):
    """Lifecycle node feeding the memory from camera, detection and pose topics."""

    def __init__(self, node_name: str = NODE_NAME, **kwargs: Any) -> None:
        super().__init__(node_name, **kwargs)
        from memory_node.config_file_parameter import declare_config_file
        from memory_node.parameter_declaration import (
            declare,
            declare_autostart,
            follow_dynamic_parameters,
            require_parameters_under_namespace,
        )

        self.stack_config = declare_config_file(self)  # memory section for the store, perception for the frames
        self.db_path = declare(self, "db_path", "memory.db", "SQLite memory file (':memory:' for none)")
        self.floor_plan_file = declare(self, "floor_plan_file", "",
                                       "prior map: a floor-plan or scenario YAML ('' = none)")
        self.rgb_topic = declare(self, "rgb_topic", "camera/color/image_raw", "sensor_msgs/Image rgb8 or bgr8")
        self.depth_topic = declare(self, "depth_topic", "camera/depth/image_raw",
                                   "sensor_msgs/Image 32FC1 (m) or 16UC1 (mm), aligned with rgb")
        self.camera_info_topic = declare(self, "camera_info_topic", "camera/color/camera_info",
                                         "sensor_msgs/CameraInfo of the rgb/depth camera")
        self.detections_topic = declare(self, "detections_topic", "detections",
                                        "memory_interfaces/Detections (instance mask + labels, or 3D observations)")
        self.detections_type = declare(self, "detections_type", "masks",
                                       "what detections_topic carries: masks (memory_interfaces/Detections), boxes "
                                       "(vision_msgs or memory_interfaces Detection2DArray), label_image "
                                       "(sensor_msgs/Image mono8/mono16 + label_space_file), detector (no topic: "
                                       "the detector stage runs on the colour image)",
                                       choices=("masks", "boxes", "label_image", "detector"))
        self.label_space_file = declare(self, "label_space_file", "", "label-space YAML (Hydra's convention)")
        self.detector = declare(self, "detector", "yolov3-tiny",
                                "detections_type detector: 'yolov3-tiny' or a DetectorConfig YAML")
        self.pose_topic = declare(self, "pose_topic", "odom", "robot base pose in the map frame")
        self.pose_source = declare(self, "pose_source", "odometry", "message type of pose_topic",
                                   choices=("odometry", "pose_stamped"))
        self.camera_pose_topic = declare(self, "camera_pose_topic", "camera/pose",
                                         "PoseStamped of the camera optical frame in map; '' = use camera_mount_*")
        self.camera_mount_xyz = declare(self, "camera_mount_xyz", [0.0, 0.0, 1.2],
                                        "camera body origin in the base frame (m), used without camera_pose_topic")
        self.camera_mount_rpy = declare(self, "camera_mount_rpy", [0.0, 0.0, 0.0],
                                        "camera body roll/pitch/yaw in the base frame (rad)")
        self.sync_slop_s = declare(self, "sync_slop_s", 0.02,
                                   "max stamp difference inside one synchronised frame (s)", (0.0, 1.0))
        self.sync_queue_size = declare(self, "sync_queue_size", 30,
                                       "messages kept per topic while waiting for a match", (1, 1000))
        self.qos_depth = declare(self, "qos_depth", 10, "subscription queue depth (sensor-data QoS)", (1, 1000))
        self.work_queue_size = declare(self, "work_queue_size", 8,
                                       "synchronised frames waiting for perception; full = oldest dropped", (1, 1000),
                                       dynamic=True)
        self.max_range_m = declare(self, "max_range_m", 6.0, "depth beyond this is no return (m)", (0.1, 100.0))
        self.diagnostics_period_s = declare(self, "diagnostics_period_s", 1.0,
                                            "period of /diagnostics when no memory_server reports (s)", (0.1, 60.0))
        self.map_frame = declare(self, "map_frame", "map", "the memory's frame (REP 105): poses must be in it or "
                                 "be brought into it by TF")
        self.map_to_odom_topic = declare(self, "map_to_odom_topic", "map_to_odom",
                                         "geometry_msgs/TransformStamped map -> odom (the localiser's correction, "
                                         "latched): a pose in odom is composed with it where tf2_ros is absent; "
                                         "'' = TF only")
        self.use_tf = declare(self, "use_tf", True, "where tf2_ros exists: poses in other frames (odom) and, "
                              "without camera_pose_topic, the camera pose come from TF")
        self.diagnostics_window_s = declare(self, "diagnostics_window_s", 10.0,
                                            "drops and rejects make /diagnostics WARN for this long (s)", (0.1, 3600.0))
        self.perception_process = declare(self, "perception_process", True,
                                          "run perception in a child process, off the interpreter lock that "
                                          "queries in this process need; false = in the ingest worker thread")
        # store faults and clock skew (issue 15): memory_node.ingest_faults
        self.max_clock_skew_s = declare(self, "max_clock_skew_s", 300.0,
                                        "a stamp further ahead of ROS time or of the stream is rejected (s)",
                                        (0.001, 1e9))
        self.store_retry_max_delay_s = declare(self, "store_retry_max_delay_s", 0.25,
                                               "longest wait between retries of a write the store refused (s)",
                                               (0.01, 10.0))
        self.store_fault_give_up_s = declare(self, "store_fault_give_up_s", 0.0,
                                             "a store fault lasting longer takes the node to its error state "
                                             "(s; 0 = retry while the node runs)", (0.0, 1e9))
        self.store_retry = None
        self.fatal_error = ""
        self.autostart = declare_autostart(self)
        follow_dynamic_parameters(self)
        require_parameters_under_namespace(self)
        self.pipeline = None
        self._processor = None
        self.shared = None
        # not `_subscriptions`: rclpy's Node keeps its own list under that name (with the /clock subscription
        # of use_sim_time), and replacing it silently drops those
        self._input_subscriptions: list[Any] = []
        self._active = False
        self._work: collections.deque = collections.deque()
        self._work_ready = threading.Condition()
        self._worker: threading.Thread | None = None
        self._backlog_dropped = 0
        self._ingest_times: collections.deque = collections.deque(maxlen=200)
        self._events_pub = None
        self._diagnostics_pub = None
        self._diagnostics_timer = None
        self._fault_window = None
        self._callback_group = None
        self.last_outcome = None

    # ------------------------------------------------------------ lifecycle

    def on_configure(self, state: State) -> TransitionCallbackReturn:
        from memory_node.detection_inputs import detection_input
        from memory_node.ingest_pipeline import CameraMount, IngestPipeline, IngestSettings, IngestTopics
        from memory_node.shared_store import SharedStore, load_floor_plan
        from memory_node.tf_lookup import tf_lookup_for
        from memory_stack.foundation.errors import BadInputError
        from memory_stack.foundation.time_epoch import MemoryClock
        from perception.frame_processing import FrameProcessor
        from perception.perception_process import PerceptionProcess

        try:
            settings = IngestSettings(
                topics=IngestTopics(rgb=self.rgb_topic, depth=self.depth_topic, camera_info=self.camera_info_topic,
                                    detections=self.detections_topic, pose=self.pose_topic,
                                    camera_pose=self.camera_pose_topic),
                pose_source=self.pose_source, slop_s=self.sync_slop_s, queue_size=self.sync_queue_size,
                camera_mount=CameraMount(tuple(self.camera_mount_xyz), tuple(self.camera_mount_rpy)),
                max_range_m=self.max_range_m, map_frame=self.map_frame, map_to_odom_topic=self.map_to_odom_topic)
            detection = detection_input(self.detections_type, self.label_space_file, self.detector)
            settings.detections_type, settings.label_names = detection.detections_type, detection.label_names
            floor_plan = load_floor_plan(self.floor_plan_file)
            self.shared = SharedStore.acquire(self.db_path, floor_plan, writer=True, config=self.stack_config.memory)
        except Exception as exc:  # a bad parameter or database: stay unconfigured, say why
            self.get_logger().error(f"configure failed: {exc}")
            return TransitionCallbackReturn.FAILURE
        settings.first_frame_id = max(1, int(self.shared.read(lambda store: store.last_frame_id)) + 1)
        try:  # a restarted stack continues its memory on the epoch the memory keeps
            clock = MemoryClock(self.stack_config.memory.time_epoch, self.shared.read(lambda store: store.time_epoch))
        except BadInputError as exc:
            self.get_logger().error(f"configure failed: {exc}")
            self.shared.release(writer=True)
            self.shared = None
            return TransitionCallbackReturn.FAILURE
        perception = self.stack_config.perception
        self._processor = PerceptionProcess(perception) if self.perception_process else FrameProcessor(perception)
        from memory_node.ingest_faults import ClockSkewGuard, RetryPolicy, StoreWriteRetry

        shared = self.shared
        transforms = tf_lookup_for(self) if self.use_tf else None  # None on pip-only machines (no tf2_ros)
        self.store_retry = StoreWriteRetry(
            self.shared.write, RetryPolicy(max_delay_s=self.store_retry_max_delay_s,
                                           give_up_s=self.store_fault_give_up_s),
            warn=lambda message: self.get_logger().warning(message),
            info=lambda message: self.get_logger().info(message))
        self.shared.read(lambda store: store.file.set_busy_timeout(0.1))  # queries never wait 5 s behind a lock
        self.pipeline = IngestPipeline(settings, self._processor, self.store_retry,
                                       warn=lambda message: self.get_logger().warning(message), clock=clock,
                                       transforms=transforms, detector_stage=detection.detector_stage,
                                       record_epoch=lambda e: shared.read(lambda store: store.set_time_epoch(e)))
        self.pipeline.resume_after = self.shared.read(lambda store: store.last_time)
        self.pipeline.already_stored = lambda frame: self.shared.read(lambda store: store.is_last_stored(frame))
        self.pipeline.clock_guard = ClockSkewGuard(self.max_clock_skew_s, ros_now=self._ros_now)
        self.shared.ingest_reporters.append(self.status)
        self._callback_group = MutuallyExclusiveCallbackGroup()
        qos = QoSProfile(depth=self.qos_depth, history=qos_profile_sensor_data.history,
                         reliability=ReliabilityPolicy.BEST_EFFORT, durability=qos_profile_sensor_data.durability)
        pose_type = Odometry if self.pose_source == "odometry" else PoseStamped
        inputs = [(Image, self.rgb_topic), (Image, self.depth_topic), (CameraInfo, self.camera_info_topic),
                  (pose_type, self.pose_topic)]
        if detection.message_class is not None:
            inputs.append((detection.message_class, self.detections_topic))
        if self.camera_pose_topic:
            inputs.append((PoseStamped, self.camera_pose_topic))
        for msg_type, topic in inputs:
            self._input_subscriptions.append(self.create_subscription(
                msg_type, topic, self._callback_for(topic), qos, callback_group=self._callback_group))
        if self.map_to_odom_topic:  # latched, like /tf_static: a late joiner still gets the correction in force
            latched = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE,
                                 durability=DurabilityPolicy.TRANSIENT_LOCAL)
            self._input_subscriptions.append(self.create_subscription(
                TransformStamped, self.map_to_odom_topic, self._callback_for(self.map_to_odom_topic), latched,
                callback_group=self._callback_group))
        self._events_pub = self.create_lifecycle_publisher(MemoryEventMsg, "memory/events", 100)
        self._diagnostics_pub = self.create_publisher(DiagnosticArray, "/diagnostics", 10)
        self._diagnostics_timer = self.create_timer(self.diagnostics_period_s, self._publish_diagnostics,
                                                    callback_group=self._callback_group)
        self.get_logger().info(f"configured: memory {self.shared.key}, inputs {[t for _, t in inputs]}")
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: State) -> TransitionCallbackReturn:
        self._active = True
        if self.store_retry is not None:
            self.store_retry.stopping.clear()
        self._worker = threading.Thread(target=self._work_loop, name="memory-ingest", daemon=True)
        self._worker.start()
        return super().on_activate(state)

    def on_deactivate(self, state: State) -> TransitionCallbackReturn:
        self._stop_worker()
        if self.fatal_error:  # the deactivation `_fail` asked for: on to the error state
            return TransitionCallbackReturn.ERROR
        return super().on_deactivate(state)

    def on_error(self, state: State) -> TransitionCallbackReturn:
        self.get_logger().error(f"in error state: {self.fatal_error or 'a transition failed'}")
        return TransitionCallbackReturn.FAILURE  # finalized: the process reports the fault and exits non-zero

    def _fail(self, exc: BaseException) -> None:
        """A fault ingestion cannot survive: say so, leave the active state through the error state."""
        self.fatal_error = f"{type(exc).__name__}: {exc}"
        self.get_logger().error(f"ingestion stopped by a fault it cannot survive: {exc}")
        self._active = False
        try:
            self.trigger_deactivate()
        except Exception as transition_error:  # noqa: BLE001 - the fault is already reported
            self.get_logger().error(f"error transition failed: {transition_error!r}")

    def _ros_now(self) -> float | None:
        now = self.get_clock().now().nanoseconds * 1e-9
        return now or None

    def on_cleanup(self, state: State) -> TransitionCallbackReturn:
        self._teardown()
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: State) -> TransitionCallbackReturn:
        self._stop_worker()
        self._teardown()
        return TransitionCallbackReturn.SUCCESS

    def _stop_worker(self) -> None:
        self._active = False
        if self.store_retry is not None:
            self.store_retry.stopping.set()  # a frame being retried is given up (counted as rejected)
        with self._work_ready:
            self._work_ready.notify_all()
        if self._worker is not None and self._worker is not threading.current_thread():
            self._worker.join(timeout=10.0)
        self._worker = None

    def _teardown(self) -> None:
        for sub in self._input_subscriptions:
            self.destroy_subscription(sub)
        self._input_subscriptions = []
        if self._diagnostics_timer is not None:
            self.destroy_timer(self._diagnostics_timer)
            self._diagnostics_timer = None
        if self._events_pub is not None:
            self.destroy_lifecycle_publisher(self._events_pub)
            self._events_pub = None
        if self._diagnostics_pub is not None:
            self.destroy_publisher(self._diagnostics_pub)
            self._diagnostics_pub = None
        if self.shared is not None:
            if self.status in self.shared.ingest_reporters:
                self.shared.ingest_reporters.remove(self.status)
            self.shared.release(writer=True)
            self.shared = None
        close = getattr(self._processor, "close", None)  # a PerceptionProcess stops its child
        if close is not None:
            close()
        self._processor = None
        self._work.clear()

    # ------------------------------------------------------------ input

    def _callback_for(self, topic: str):
        def callback(msg: Any) -> None:
            self.offer(topic, msg)

        return callback

    def offer(self, topic: str, msg: Any) -> None:
        """Hand one message to the synchroniser; a completed frame goes to the worker's queue."""
        if not self._active or self.pipeline is None:
            return
        matched = self.pipeline.accept(topic, msg)
        if matched is None:
            return
        with self._work_ready:
            if len(self._work) >= self.work_queue_size:
                self._work.popleft()
                self._backlog_dropped += 1
                self.get_logger().warning(
                    f"ingest backlog full ({self.work_queue_size} frames): dropped the oldest waiting frame",
                    throttle_duration_sec=1.0)
            self._work.append(matched)
            self._work_ready.notify()

    def _work_loop(self) -> None:
        while True:
            with self._work_ready:
                while self._active and not self._work:
                    self._work_ready.wait(0.5)
                if not self._work:  # deactivated and drained: frames already accepted are not lost
                    return
                matched = self._work.popleft()
            try:
                outcome = self.pipeline.ingest_set(matched)
            except Exception as exc:  # noqa: BLE001 - never die silently: the error state says why
                self._fail(exc)
                return
            self.last_outcome = outcome
            if outcome.error:  # counted and logged by the pipeline
                continue
            self._ingest_times.append(time.monotonic())
            self._publish_events(outcome)

    def _publish_events(self, outcome: Any) -> None:
        from memory_node.message_conversion import memory_event_to_msg

        if self._events_pub is None:
            return
        epoch = self.pipeline.clock.epoch or 0.0
        for event in getattr(outcome.result, "events", ()) or ():
            self._events_pub.publish(memory_event_to_msg(event, epoch))

    # ------------------------------------------------------------ reporting

    def ingest_rate_hz(self, window_s: float = 5.0) -> float:
        now = time.monotonic()
        recent = [t for t in self._ingest_times if now - t <= window_s]
        if len(recent) < 2:
            return 0.0
        return (len(recent) - 1) / max(recent[-1] - recent[0], 1e-6)

    def status(self) -> dict[str, Any]:
        """Ingest statistics for diagnostics: rate, frames, drops per topic."""
        pipeline = self.pipeline
        if pipeline is None:
            return {}
        stats = pipeline.stats
        return {
            "node": self.get_name(),
            "ingest_rate_hz": self.ingest_rate_hz(),
            "frames_ingested": stats.frames_ingested,
            "frames_rejected": stats.frames_rejected,
            "frames_dropped_backlog": self._backlog_dropped,
            "frames_waiting": len(self._work),
            "perception_restarts": getattr(self._processor, "restarts", 0),
            "last_error": stats.last_error,
            "frames_already_stored": stats.frames_already_stored,
            "frames_clock_skew": stats.frames_clock_skew,
            **self._store_fault_status(),
            "mean_processing_ms": stats.processing_ms_total / max(stats.frames_ingested, 1),
            "topics": {topic: c.as_dict() for topic, c in pipeline.topic_counters().items()},
        }

    def _store_fault_status(self) -> dict[str, Any]:
        s = self.store_retry.status if self.store_retry is not None else None
        if s is None:
            return {"fatal_error": self.fatal_error}
        return {"store_fault": s.fault, "store_fault_s": (time.monotonic() - s.fault_since) if s.fault_since else 0.0,
                "store_faults": s.faults, "store_retries": s.retries, "store_last_outage_s": s.last_outage_s,
                "store_resume_delay_s": s.resume_delay_s, "fatal_error": self.fatal_error}

    def _publish_diagnostics(self) -> None:
        from memory_node.diagnostics_report import FaultWindow, diagnostic_array, ingest_status

        if self._diagnostics_pub is None or self.shared is None or self.shared.server_attached:
            return
        if self._fault_window is None:
            self._fault_window = FaultWindow(self.diagnostics_window_s)
        status = ingest_status(self.status(), self._fault_window)
        self._diagnostics_pub.publish(diagnostic_array(self.get_clock().now().to_msg(), [status]))


def main(args: list[str] | None = None) -> None:
    node_main_guard()
    from memory_node.node_process import node_executable

    node_executable(args, with_ingest=True, with_server=False)


if __name__ == "__main__":
    main()
