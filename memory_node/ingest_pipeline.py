"""From input messages to a memory write: conversion -> synchroniser -> FrameProcessor -> sink.

This is the ingest path without middleware. `ingest_node` feeds it from subscriptions and
`memstack replay` feeds it from a recorded bag, so a replay goes through exactly the code of a live
run. A bad message is converted (and rejected) on arrival, counted against its topic, and never
reaches the queues; a frame whose parts disagree (sizes, no camera info yet) is rejected whole and
nothing is written for it.

Streams that are synchronised by stamp: rgb, depth, detections, the robot pose and, when
`camera_pose` names a topic, the camera pose. `camera_info` is not synchronised: the latest one
received is used (drivers publish the same intrinsics with every frame).

Frames (REP 105): the memory is in `map`. The camera pose comes from its own PoseStamped topic (the
optical frame in `map`, as the simulator bridge and `SessionRecorder` publish it) or, when that topic
is "", from TF (`transforms`: map <- the images' frame at their stamp, where tf2_ros exists; see
`memory_node.tf_lookup`) or else from the robot pose composed with the fixed camera mount. Every
`header.frame_id` is checked: a robot or camera pose must be in `map`, or be brought there by the
localiser's map -> odom correction (`map_to_odom_topic`, memory_node.map_odom_correction, on pip-only
machines) or by TF (so odometry, in `odom`, is never taken for a map pose); colour, depth and detections
of one frame must share one camera frame. A message in the wrong frame is counted (`wrong_frame`, per topic, in the
diagnostics) and dropped, with a warning that names the topic, its frame and the one expected.
Stamps are ROS time; `clock` maps them onto the memory's time (memory_stack.foundation.time_epoch).
"""

from __future__ import annotations

import logging
import math
import threading
import time as wall
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from memory_node import detection_inputs
from memory_node import message_conversion as conv
from memory_node.frame_synchronizer import ApproximateTimeSynchronizer, StreamCounters, SynchronizedSet
from memory_node.ingest_faults import SparseLog
from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.time_epoch import MemoryClock
from perception.sensor_frame import SensorFrame
from scene_graph.types import CameraIntrinsics, Frame, Pose

LOG = logging.getLogger(__name__)

PoseSource = Literal["odometry", "pose_stamped"]

# optical frame (z forward, x right, y down) relative to a body frame (x forward, y left, z up)
_OPTICAL_IN_BODY = np.array([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])


@dataclass
class IngestTopics:
    """Input topic names (relative names resolve in the node's namespace)."""

    rgb: str = "camera/color/image_raw"
    depth: str = "camera/depth/image_raw"
    camera_info: str = "camera/color/camera_info"
    detections: str = "detections"
    pose: str = "odom"
    camera_pose: str = "camera/pose"  # "" = robot pose composed with the fixed camera mount


@dataclass
class CameraMount:
    """The camera body (x forward, z up) in the robot base frame: translation and roll/pitch/yaw (rad)."""

    xyz: tuple[float, float, float] = (0.0, 0.0, 1.2)
    rpy: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def optical_pose(self, robot_pose: Pose) -> Pose:
        roll, pitch, yaw = self.rpy
        cr, sr, cp, sp, cy, sy = math.cos(roll), math.sin(roll), math.cos(pitch), math.sin(pitch), \
            math.cos(yaw), math.sin(yaw)
        body_in_base = np.array([
            [cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr],
            [sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr],
            [-sp, cp * sr, cp * cr],
        ])
        m = np.eye(4)
        m[:3, :3] = body_in_base @ _OPTICAL_IN_BODY
        m[:3, 3] = self.xyz
        return Pose.from_matrix(robot_pose.matrix() @ m)


class WrongFrameError(conv.MessageConversionError):
    """A message's header.frame_id is not the frame it must be in; the message names topic, frame and expected."""

    def __init__(self, topic: str, problem: str) -> None:
        super().__init__(topic, "header.frame_id", problem)


# target frame, source frame, stamp (ROS s) -> the source frame's pose in the target frame, None if unknown
TransformLookup = Callable[[str, str, float], "Pose | None"]


@dataclass
class IngestSettings:
    topics: IngestTopics = field(default_factory=IngestTopics)
    map_frame: str = "map"  # the memory's frame: every pose is brought into it
    pose_source: PoseSource = "odometry"
    slop_s: float = 0.02
    queue_size: int = 10
    camera_mount: CameraMount = field(default_factory=CameraMount)
    first_frame_id: int = 1
    max_range_m: float = 6.0
    # What the detections topic carries (memory_node.detection_inputs): masks (memory_interfaces/Detections),
    # boxes (Detection2DArray), label_image (sensor_msgs/Image + label_names), or detector (no topic: the
    # pipeline's detector stage finds boxes in the colour image).
    detections_type: str = "masks"
    label_names: dict[int, str] | None = None
    # geometry_msgs/TransformStamped map -> odom (the localiser's correction) where tf2_ros is absent: a pose in
    # odom becomes map->odom * pose (memory_node.map_odom_correction); "" = none (TF only)
    map_to_odom_topic: str = ""


@dataclass
class IngestOutcome:
    """What became of one synchronised frame."""

    frame_id: int
    time: float
    observations: int = 0
    result: Any = None
    error: str | None = None
    processing_ms: float = 0.0


@dataclass
class IngestStatistics:
    frames_ingested: int = 0
    frames_rejected: int = 0
    frames_without_camera_info: int = 0
    frames_not_keyframes: int = 0  # detections_type detector: frames the keyframe rule let pass undetected
    observations: int = 0
    events: int = 0
    last_error: str = ""
    last_frame_time: float | None = None
    processing_ms_total: float = 0.0
    frames_already_stored: int = 0  # replay/resume: the memory holds them (before its last time, or that frame)
    frames_clock_skew: int = 0  # frames whose stamp was too far ahead (ingest_faults.ClockSkewGuard)


class IngestPipeline:
    """Feed messages with `offer(topic, msg)`; complete frames are processed and written to `sink`."""

    def __init__(self, settings: IngestSettings, processor: Any, sink: Callable[[Frame], Any],
                 warn: Callable[[str], None] | None = None, log_period_s: float = 1.0,
                 clock: MemoryClock | None = None, record_epoch: Callable[[float], Any] | None = None,
                 transforms: TransformLookup | None = None, detector_stage: Any = None,
                 log_clock: Callable[[], float] = wall.monotonic) -> None:
        self.settings = settings
        # perception.detector_stage.DetectorStage: SensorFrame -> SensorFrame with boxes, or None (not a keyframe)
        self.detector_stage = detector_stage
        if settings.detections_type not in detection_inputs.DETECTIONS_TYPES:
            raise BadInputError(f"detections_type: {settings.detections_type!r} is not one of "
                                f"{list(detection_inputs.DETECTIONS_TYPES)}")
        if (settings.detections_type == "detector") != (detector_stage is not None):
            raise BadInputError("detections_type: 'detector' needs a detector stage, and only it takes one")
        if settings.detections_type == "label_image" and not settings.label_names:
            raise BadInputError("detections_type label_image: needs the label names (label_space_file)")
        self.transforms = transforms  # TF where tf2_ros exists (ingest_node); None: poses must come in `map`
        from memory_node.map_odom_correction import MapOdomCorrection

        self.corrections = MapOdomCorrection(settings.map_frame)  # from map_to_odom_topic
        self._corrections_counters = StreamCounters()
        # stamps (ROS time) -> memory time; the epoch the first frame fixes is handed to record_epoch (the store)
        self.clock = clock or MemoryClock()
        self._record_epoch = record_epoch
        # every drop is counted in full; the log says it at most once per `log_period_s` per topic
        self._sparse_log = SparseLog(warn or LOG.warning, log_period_s, clock=log_clock)
        self.processor = processor
        self.sink = sink
        topics = settings.topics
        if settings.pose_source not in ("odometry", "pose_stamped"):
            raise BadInputError(f"pose_source: {settings.pose_source!r} is not 'odometry' or 'pose_stamped'")
        self._roles: dict[str, str] = {topics.rgb: "rgb", topics.depth: "depth", topics.pose: "pose"}
        if settings.detections_type != "detector":
            self._roles[topics.detections] = "detections"
        if topics.camera_pose:
            self._roles[topics.camera_pose] = "camera_pose"
        named = [t for t in (topics.rgb, topics.depth, topics.pose, topics.camera_pose, topics.camera_info,
                             topics.detections if "detections" in self._roles.values() else "") if t]
        if len(set(named)) != len(named):
            raise BadInputError(f"input topics must be distinct, got {named}")
        self.synchronizer = ApproximateTimeSynchronizer(self._roles, slop=settings.slop_s,
                                                        queue_size=settings.queue_size)
        self._camera_info: CameraIntrinsics | None = None
        self._camera_info_invalid = 0
        self._camera_info_received = 0
        self._next_frame_id = settings.first_frame_id
        self._frame_lock = threading.Lock()
        self.stats = IngestStatistics()
        # replay and resume (issue 15): frames stamped before `resume_after` (the memory's last time when this
        # pipeline started, in memory time) are already stored, and so is a frame `already_stored` recognises;
        # `clock_guard` (ingest_faults.ClockSkewGuard) rejects stamps too far ahead before they become the memory's now
        self.resume_after: float | None = None
        self.already_stored: Callable[[Frame], bool] | None = None
        self.clock_guard: Any = None
        self._drops_seen: dict[str, tuple[int, ...]] = {}

    @property
    def synchronized_topics(self) -> tuple[str, ...]:
        return tuple(self._roles)

    # ------------------------------------------------------------ input

    def offer(self, topic: str, msg: Any) -> IngestOutcome | None:
        """Convert and queue one message; processes and writes the frame it completes, if any."""
        matched = self.accept(topic, msg)
        return None if matched is None else self.ingest_set(matched)

    def accept(self, topic: str, msg: Any) -> SynchronizedSet | None:
        """Convert and queue one message; returns the synchronised set it completes (not yet processed)."""
        if topic == self.settings.topics.camera_info:
            self._offer_camera_info(msg)
            return None
        if self.settings.map_to_odom_topic and topic == self.settings.map_to_odom_topic:
            self._offer_correction(msg)
            return None
        role = self._roles.get(topic)
        if role is None:
            raise KeyError(f"topic {topic!r} is not an input of this pipeline ({sorted(self._roles)})")
        try:
            stamp, converted = self._convert(role, topic, msg)
        except WrongFrameError as exc:
            self.synchronizer.count_wrong_frame(topic)
            self.stats.last_error = str(exc)
            self._sparse_log.say(topic, f"dropped message on {topic}: {exc}")
            return None
        except BadInputError as exc:
            self.synchronizer.count_invalid(topic)
            self.stats.last_error = str(exc)
            self._sparse_log.say(topic, f"dropped message on {topic}: {exc}")
            return None
        skew = self.clock_guard.check(stamp) if self.clock_guard is not None else None
        if skew:  # before the synchroniser: a far-future stamp there would make later messages look out of order
            self.synchronizer.count_invalid(topic)
            self.stats.frames_clock_skew = self.clock_guard.rejected
            self.stats.last_error = f"topic {topic!r}: {skew}"
            self._sparse_log.say("<clock skew>", f"dropped message on {topic}: {skew}")
            return None
        matched = self.synchronizer.add(topic, stamp, converted)
        self._log_drops()
        return matched

    _DROP_KINDS = ("late", "duplicate", "out_of_order", "unmatched")

    def _log_drops(self) -> None:
        """Say the synchroniser's drops (counted in full there) at most once a second per topic."""
        for topic, counters in self.synchronizer.counters().items():
            now = tuple(getattr(counters, kind) for kind in self._DROP_KINDS)
            seen = self._drops_seen.get(topic)
            if seen is not None and now != seen:
                new = ", ".join(f"{n - o} {kind.replace('_', ' ')}" for kind, n, o in zip(self._DROP_KINDS, now, seen)
                                if n > o)
                total = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in zip(self._DROP_KINDS, now) if n)
                if self._sparse_log.say(topic, f"dropped messages on {topic}: {new} (so far {total})"):
                    self._drops_seen[topic] = now
            elif seen is None:
                self._drops_seen[topic] = now

    def _offer_correction(self, msg: Any) -> None:
        topic = self.settings.map_to_odom_topic
        counters = self._corrections_counters
        counters.received += 1
        try:
            self.corrections.add(msg, topic)
        except BadInputError as exc:
            if "header.frame_id" in str(exc):
                counters.wrong_frame += 1
            else:
                counters.invalid += 1
            self.stats.last_error = str(exc)
            self._sparse_log.say(topic, f"dropped message on {topic}: {exc}")
            return
        counters.matched += 1

    def _offer_camera_info(self, msg: Any) -> None:
        self._camera_info_received += 1
        try:
            self._camera_info = conv.intrinsics_from_camera_info(msg, self.settings.topics.camera_info)
        except BadInputError as exc:
            self._camera_info_invalid += 1
            self.stats.last_error = str(exc)
            topic = self.settings.topics.camera_info
            self._sparse_log.say(topic, f"dropped message on {topic}: {exc}")

    def _convert(self, role: str, topic: str, msg: Any) -> tuple[float, Any]:
        """(stamp, value); camera data carries its frame id: (frame_id, payload)."""
        stamp = conv.stamp_to_seconds(msg.header.stamp)
        frame_id = str(msg.header.frame_id)
        if role == "rgb":
            return stamp, (frame_id, conv.rgb_from_image(msg, topic))
        if role == "depth":
            return stamp, (frame_id, conv.depth_from_image(msg, topic))
        if role == "detections" and self.settings.detections_type == "boxes":
            boxes = detection_inputs.boxes_from_detection_array(msg, topic)
            return stamp, (frame_id, detection_inputs.DetectorOutput({"boxes": boxes}))
        if role == "detections" and self.settings.detections_type == "label_image":
            label_image = detection_inputs.label_image_from_msg(msg, topic)
            return stamp, (frame_id, detection_inputs.DetectorOutput(
                {"label_image": label_image, "label_names": self.settings.label_names}))
        if role == "detections":
            observations = conv.observations_from_detections(msg, topic)
            if conv.has_instance_mask(msg):
                mask, labels, confidences = conv.mask_and_labels_from_detections(msg, topic)
            else:
                if not observations and len(msg.mask_ids):
                    raise conv.MessageConversionError(topic, "instance_mask", "label table without a mask image")
                mask, labels, confidences = None, {}, {}
            return stamp, (frame_id, (mask, labels, confidences, observations))
        if role == "pose":
            if self.settings.pose_source == "odometry":
                if not hasattr(msg, "child_frame_id"):
                    raise conv.MessageConversionError(topic, "type",
                                                      "expected nav_msgs/Odometry (pose_source odometry)")
                return stamp, self._in_map(topic, frame_id, stamp, conv.pose_from_odometry(msg, topic))
            return stamp, self._in_map(topic, frame_id, stamp, conv.pose_from_pose_stamped(msg, topic))
        return stamp, self._in_map(topic, frame_id, stamp, conv.pose_from_pose_stamped(msg, topic))

    def _in_map(self, topic: str, frame_id: str, stamp: float, pose: Pose) -> Pose:
        """`pose` (given in `frame_id`) in the map frame; odometry is never taken for a map pose."""
        map_frame = self.settings.map_frame
        if frame_id == map_frame:
            return pose
        correction = self.settings.map_to_odom_topic
        if self.corrections.knows(frame_id):  # map -> odom from its topic (pip-only machines)
            transform = self.corrections.lookup(map_frame, frame_id, stamp)
            if transform is None:
                raise WrongFrameError(topic, f"no {map_frame!r} -> {frame_id!r} correction on {correction!r} "
                                      f"stamped at or before {stamp:.3f} s")
            return Pose.from_matrix(transform.matrix() @ pose.matrix())
        if self.transforms is None:
            via = f"publish {map_frame!r} -> {frame_id!r} on {correction!r}, " if correction else ""
            raise WrongFrameError(topic, f"{frame_id!r} is not {map_frame!r} and nothing here brings it there "
                                  f"(a pose in {frame_id!r}, e.g. odometry, is not a map pose: give this topic a "
                                  f"pose in {map_frame!r}, {via}or run where tf2_ros provides the transform)")
        transform = self.transforms(map_frame, frame_id, stamp)
        if transform is None:
            raise WrongFrameError(topic, f"no transform {map_frame!r} <- {frame_id!r} at {stamp:.3f} s")
        return Pose.from_matrix(transform.matrix() @ pose.matrix())

    # ------------------------------------------------------------ frames

    def _skipped(self, outcome: IngestOutcome, why: str, counter: str) -> IngestOutcome:
        setattr(self.stats, counter, getattr(self.stats, counter) + 1)
        outcome.error = why
        self._sparse_log.say(counter, f"frame at t={outcome.time:.3f} not ingested: {why}")
        return outcome

    def ingest_set(self, matched: SynchronizedSet) -> IngestOutcome:
        """Assemble, process and write one synchronised set; a bad frame is counted and skipped."""
        outcome = IngestOutcome(frame_id=-1, time=matched.stamp)
        if self.resume_after is not None and matched.stamp < self.clock.ros_time(self.resume_after) - 1e-6:
            return self._skipped(outcome, f"already stored (before the memory's last time {self.resume_after:.3f})",
                                 "frames_already_stored")
        with self._frame_lock:
            frame_id = self._next_frame_id
            self._next_frame_id += 1
        started = wall.perf_counter()
        outcome.frame_id = frame_id
        try:
            outcome.time = self.clock.memory_time(matched.stamp)
            if self.clock.resolved_now and self._record_epoch is not None:
                self._record_epoch(self.clock.epoch)
            frame = self._frame(frame_id, matched, outcome.time)
            if frame is None:  # the detector stage's keyframe rule passed this frame by
                self.stats.frames_not_keyframes += 1
                outcome.error = "not a keyframe"
                return outcome
            outcome.observations = len(frame.observations)
            if self.already_stored is not None and self.already_stored(frame):
                with self._frame_lock:  # frame ids continue from the memory's: this one was not used
                    if self._next_frame_id == frame_id + 1:
                        self._next_frame_id = frame_id
                return self._skipped(outcome, "already stored (the memory's last frame)", "frames_already_stored")
            outcome.result = self.sink(frame)
            if self.clock_guard is not None:
                self.clock_guard.accepted(matched.stamp)
        except BadInputError as exc:
            outcome.error = str(exc)
            self.stats.frames_rejected += 1
            self.stats.last_error = str(exc)
            self._sparse_log.say("<frame>", f"frame {frame_id} stamped {matched.stamp:.3f} rejected: {exc}")
            return outcome
        outcome.processing_ms = (wall.perf_counter() - started) * 1000.0
        self.stats.frames_ingested += 1
        self.stats.observations += outcome.observations
        self.stats.events += len(getattr(outcome.result, "events", ()) or ())
        self.stats.last_frame_time = outcome.time
        self.stats.processing_ms_total += outcome.processing_ms
        return outcome

    def _frame(self, frame_id: int, matched: SynchronizedSet, time: float) -> Frame | None:
        topics = self.settings.topics
        if self._camera_info is None:
            self.stats.frames_without_camera_info += 1
            raise BadInputError(f"topic {topics.camera_info!r}: no valid CameraInfo received yet")
        intrinsics = self._camera_info
        messages = {self._roles[t]: m for t, m in matched.messages.items()}
        camera_frames = {role: messages[role][0] for role in ("rgb", "depth", "detections") if role in messages}
        rgb, depth = messages["rgb"][1], messages["depth"][1]
        payload = messages["detections"][1] if "detections" in messages else detection_inputs.DetectorOutput()
        extra: dict[str, Any] = {}
        if isinstance(payload, detection_inputs.DetectorOutput):  # boxes, a label image, or the detector's turn
            mask, labels, confidences, observations, extra = None, {}, {}, [], payload.fields
        else:
            mask, labels, confidences, observations = payload
        if "label_image" in extra:
            mask_shape = extra["label_image"].shape
        else:
            mask_shape = None if mask is None else mask.shape
        camera_frame = camera_frames["rgb"]
        for role in ("depth", "detections"):
            if role not in camera_frames:
                continue
            if camera_frames[role] != camera_frame:
                topic = getattr(topics, role)
                self.synchronizer.count_wrong_frame(topic, received=False)
                raise WrongFrameError(topic, f"{camera_frames[role]!r} is not the colour image's frame "
                                      f"{camera_frame!r} (depth and detections must be registered to it)")
        robot_pose: Pose = messages["pose"]
        camera_pose = messages.get("camera_pose")
        if camera_pose is None:
            camera_pose = self.settings.camera_mount.optical_pose(robot_pose) if self.transforms is None \
                else self._camera_pose_from_tf(topics.rgb, camera_frame, matched.stamp)
        expected = (intrinsics.height, intrinsics.width)
        for topic, shape in ((topics.rgb, rgb.shape[:2]), (topics.depth, depth.shape),
                             (topics.detections, mask_shape)):
            if shape is not None and tuple(shape) != expected:
                raise conv.MessageConversionError(
                    topic, "width/height", f"{shape[1]}x{shape[0]} does not match {topics.camera_info!r} "
                    f"{expected[1]}x{expected[0]}")
        if mask is None and "detections" in messages and not extra:
            return Frame(frame_id=frame_id, time=time, robot_pose=robot_pose, camera_pose=camera_pose,
                         intrinsics=intrinsics, observations=list(observations), depth=depth,
                         max_range_m=self.settings.max_range_m)
        sensor_frame = SensorFrame(frame_id=frame_id, time=time, rgb=rgb, depth=depth,
                                   instance_mask=mask, labels=labels, intrinsics=intrinsics,
                                   camera_pose=camera_pose, robot_pose=robot_pose, confidences=confidences,
                                   **extra)
        if self.detector_stage is not None:
            sensor_frame = self.detector_stage(sensor_frame)
            if sensor_frame is None:
                return None
        frame = self.processor.process(sensor_frame)
        if observations:
            frame.observations.extend(observations)
        return frame

    def _camera_pose_from_tf(self, topic: str, camera_frame: str, stamp: float) -> Pose:
        """The images' optical frame in the map frame, from TF (no camera pose topic, tf2_ros present)."""
        pose = self.transforms(self.settings.map_frame, camera_frame, stamp) if camera_frame else None
        if pose is None:
            self.synchronizer.count_wrong_frame(topic, received=False)
            raise WrongFrameError(topic, f"no transform {self.settings.map_frame!r} <- {camera_frame!r} at "
                                  f"{stamp:.3f} s for the camera pose")
        return pose

    # ------------------------------------------------------------ reporting

    def topic_counters(self) -> dict[str, StreamCounters]:
        """Per-topic counters, camera_info included (received / invalid only)."""
        counters = self.synchronizer.counters()
        counters[self.settings.topics.camera_info] = StreamCounters(
            received=self._camera_info_received, matched=self._camera_info_received - self._camera_info_invalid,
            invalid=self._camera_info_invalid)
        if self.settings.map_to_odom_topic:
            counters[self.settings.map_to_odom_topic] = StreamCounters(**vars(self._corrections_counters))
        return counters


INGEST_PARAMETER_FIELDS = {
    "rgb_topic": "rgb", "depth_topic": "depth", "camera_info_topic": "camera_info",
    "detections_topic": "detections", "pose_topic": "pose", "camera_pose_topic": "camera_pose",
}


def settings_from_parameters(values: dict[str, Any], source: str = "<parameters>") -> IngestSettings:
    """IngestSettings from ingest_node's parameters (a params-file section); unknown ones are ignored here."""
    topics = IngestTopics(**{field_name: str(values[param]) for param, field_name in INGEST_PARAMETER_FIELDS.items()
                             if param in values})
    settings = IngestSettings(topics=topics)
    try:
        if "pose_source" in values:
            settings.pose_source = str(values["pose_source"])
        if "sync_slop_s" in values:
            settings.slop_s = float(values["sync_slop_s"])
        if "sync_queue_size" in values:
            settings.queue_size = int(values["sync_queue_size"])
        if "max_range_m" in values:
            settings.max_range_m = float(values["max_range_m"])
        if "map_frame" in values:
            settings.map_frame = str(values["map_frame"])
        if "map_to_odom_topic" in values:
            settings.map_to_odom_topic = str(values["map_to_odom_topic"])
        if "detections_type" in values:
            settings.detections_type = str(values["detections_type"])
        if values.get("label_space_file"):
            from perception.label_image import load_label_space

            settings.label_names = load_label_space(str(values["label_space_file"])).names()
        if "camera_mount_xyz" in values or "camera_mount_rpy" in values:
            settings.camera_mount = CameraMount(tuple(float(v) for v in values.get("camera_mount_xyz", (0, 0, 1.2))),
                                                tuple(float(v) for v in values.get("camera_mount_rpy", (0, 0, 0))))
    except (TypeError, ValueError) as exc:
        raise BadInputError(f"{source}: ingest_node parameters: {exc}") from exc
    return settings
