"""The one place where ROS messages become core types and core types become ROS messages.

Every function here is pure (no node, no graph) and validates what it reads: a wrong encoding, a
buffer whose size disagrees with width/height/step, a NaN pose or a non-unit quaternion raises
`MessageConversionError` naming the topic and the field.

Time convention: a stamp is ROS time (wall time, or /clock under use_sim_time). The memory keeps
seconds since its own "d1 00:00", whose ROS time is its epoch (memory_stack.foundation.time_epoch):
converters from memory records take that `epoch` (0 for a simulator session, whose clock starts at d1 00:00).
Depth: `32FC1` is metres; `16UC1` (and `mono16` used as depth) is millimetres; 0 or NaN = no return.
Instance masks: `mono16`, `16UC1` or `32SC1` ids, 0 = background.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from builtin_interfaces.msg import Time
from geometry_msgs.msg import Point, PoseStamped, TransformStamped
from memory_interfaces.msg import Detections, ObjectObservation
from memory_interfaces.msg import MemoryEvent as MemoryEventMsg
from memory_interfaces.msg import SceneObject as SceneObjectMsg
from nav_msgs.msg import Odometry
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import ColorRGBA, Header

from memory_stack.foundation.errors import BadInputError
from scene_graph.types import CameraIntrinsics, Observation, Pose

MAX_IMAGE_SIDE = 16384

# encoding -> (numpy dtype, channels)
IMAGE_ENCODINGS: dict[str, tuple[np.dtype, int]] = {
    "rgb8": (np.dtype(np.uint8), 3),
    "bgr8": (np.dtype(np.uint8), 3),
    "rgba8": (np.dtype(np.uint8), 4),
    "bgra8": (np.dtype(np.uint8), 4),
    "mono8": (np.dtype(np.uint8), 1),
    "32FC1": (np.dtype(np.float32), 1),
    "16UC1": (np.dtype(np.uint16), 1),
    "mono16": (np.dtype(np.uint16), 1),
    "32SC1": (np.dtype(np.int32), 1),
}
COLOR_ENCODINGS = ("rgb8", "bgr8", "rgba8", "bgra8")
DEPTH_ENCODINGS = ("32FC1", "16UC1", "mono16")
MASK_ENCODINGS = ("mono16", "16UC1", "32SC1")


class MessageConversionError(BadInputError):
    """A message cannot be converted; the message names the topic and the field."""

    def __init__(self, topic: str, field: str, problem: str) -> None:
        self.topic = topic
        self.field = field
        self.problem = problem
        super().__init__(f"topic {topic!r}: field {field!r}: {problem}")


# ---------------------------------------------------------------- time

def stamp_to_seconds(stamp: Time) -> float:
    """A ROS stamp as float seconds (sec + nanosec * 1e-9)."""
    return float(stamp.sec) + float(stamp.nanosec) * 1e-9


def seconds_to_stamp(seconds: float) -> Time:
    """Float seconds of ROS time as a stamp (rounded to the nanosecond)."""
    if not math.isfinite(seconds) or seconds < 0:
        raise BadInputError(f"time {seconds!r}: a stamp needs finite, non-negative seconds")
    total_ns = int(round(seconds * 1e9))
    return Time(sec=total_ns // 1_000_000_000, nanosec=total_ns % 1_000_000_000)


def make_header(seconds: float, frame_id: str) -> Header:
    return Header(stamp=seconds_to_stamp(seconds), frame_id=frame_id)


# ---------------------------------------------------------------- images

def image_to_array(msg: Image, topic: str, allowed: Iterable[str] | None = None) -> np.ndarray:
    """Decode an Image into an HxW or HxWxC array of the encoding's dtype (a copy, native byte order)."""
    encoding = msg.encoding
    if allowed is not None and encoding not in tuple(allowed):
        raise MessageConversionError(topic, "encoding", f"{encoding!r} is not one of {list(allowed)}")
    if encoding not in IMAGE_ENCODINGS:
        raise MessageConversionError(topic, "encoding", f"unsupported encoding {encoding!r}")
    dtype, channels = IMAGE_ENCODINGS[encoding]
    height, width, step = int(msg.height), int(msg.width), int(msg.step)
    if height <= 0 or width <= 0 or height > MAX_IMAGE_SIDE or width > MAX_IMAGE_SIDE:
        raise MessageConversionError(topic, "width/height", f"implausible size {width}x{height}")
    row_bytes = width * channels * dtype.itemsize
    if step < row_bytes:
        raise MessageConversionError(topic, "step", f"step {step} < width*bytes per pixel = {row_bytes}")
    data = msg.data
    size = len(data)
    if size != step * height:
        raise MessageConversionError(topic, "data", f"{size} bytes, expected step*height = {step * height}")
    try:
        raw = np.frombuffer(data, dtype=np.uint8)
    except TypeError:
        raw = np.asarray(data, dtype=np.uint8)
    rows = raw.reshape(height, step)[:, :row_bytes]
    order = ">" if msg.is_bigendian else "<"
    array = np.ascontiguousarray(rows).view(dtype.newbyteorder(order)).astype(dtype, copy=True)
    return array.reshape(height, width, channels) if channels > 1 else array.reshape(height, width)


def array_to_image(array: np.ndarray, encoding: str, stamp_seconds: float, frame_id: str) -> Image:
    """Encode an array as an Image (little-endian, packed rows)."""
    if encoding not in IMAGE_ENCODINGS:
        raise BadInputError(f"image encoding {encoding!r} is not one of {sorted(IMAGE_ENCODINGS)}")
    dtype, channels = IMAGE_ENCODINGS[encoding]
    array = np.asarray(array)
    expected_ndim = 3 if channels > 1 else 2
    if array.ndim != expected_ndim or (channels > 1 and array.shape[2] != channels):
        suffix = f"x{channels}" if channels > 1 else ""
        raise BadInputError(f"image encoding {encoding!r} needs shape HxW{suffix}, got {array.shape}")
    data = np.ascontiguousarray(array.astype(dtype.newbyteorder("<"), copy=False))
    msg = Image()
    msg.header = make_header(stamp_seconds, frame_id)
    msg.height, msg.width = int(array.shape[0]), int(array.shape[1])
    msg.encoding = encoding
    msg.is_bigendian = 0
    msg.step = int(array.shape[1]) * channels * dtype.itemsize
    msg.data = data.tobytes()
    return msg


def rgb_from_image(msg: Image, topic: str) -> np.ndarray:
    """HxWx3 uint8 RGB from an rgb8/bgr8/rgba8/bgra8 image."""
    array = image_to_array(msg, topic, COLOR_ENCODINGS)
    if msg.encoding.startswith("bgr"):
        array = array[:, :, 2::-1]
    return np.ascontiguousarray(array[:, :, :3])


def depth_from_image(msg: Image, topic: str) -> np.ndarray:
    """HxW float32 metres (NaN = no return) from 32FC1 (m) or 16UC1/mono16 (mm) depth."""
    array = image_to_array(msg, topic, DEPTH_ENCODINGS)
    if msg.encoding == "32FC1":
        depth = array.astype(np.float32, copy=False)
        if np.isinf(depth).any():
            depth = np.where(np.isinf(depth), np.nan, depth).astype(np.float32)
        if (depth < 0).any():
            raise MessageConversionError(topic, "data", "negative depth values")
        return depth
    depth = array.astype(np.float32) * np.float32(0.001)
    depth[array == 0] = np.nan
    return depth


def mask_from_image(msg: Image, topic: str) -> np.ndarray:
    """HxW int32 instance ids (0 = background) from mono16/16UC1/32SC1."""
    array = image_to_array(msg, topic, MASK_ENCODINGS)
    mask = array.astype(np.int32, copy=False)
    if (mask < 0).any():
        raise MessageConversionError(topic, "instance_mask.data", "negative instance ids")
    return mask


def rgb_to_image(rgb: np.ndarray, stamp_seconds: float, frame_id: str = "camera_optical") -> Image:
    return array_to_image(np.asarray(rgb, dtype=np.uint8), "rgb8", stamp_seconds, frame_id)


def depth_to_image(depth: np.ndarray, stamp_seconds: float, frame_id: str = "camera_optical",
                   encoding: str = "32FC1") -> Image:
    """Metres -> 32FC1 (NaN kept) or 16UC1 millimetres (no return = 0)."""
    depth = np.asarray(depth, dtype=np.float32)
    if encoding == "32FC1":
        return array_to_image(depth, encoding, stamp_seconds, frame_id)
    if encoding in ("16UC1", "mono16"):
        mm = np.nan_to_num(depth * 1000.0, nan=0.0, posinf=0.0, neginf=0.0)
        return array_to_image(np.clip(np.rint(mm), 0, 65535).astype(np.uint16), encoding, stamp_seconds, frame_id)
    raise BadInputError(f"depth encoding {encoding!r} is not one of {list(DEPTH_ENCODINGS)}")


def mask_to_image(mask: np.ndarray, stamp_seconds: float, frame_id: str = "camera_optical",
                  encoding: str = "32SC1") -> Image:
    mask = np.asarray(mask)
    if encoding in ("mono16", "16UC1") and mask.size and int(mask.max()) > 65535:
        raise BadInputError(f"instance ids above 65535 do not fit {encoding}")
    return array_to_image(mask, encoding, stamp_seconds, frame_id)


# ---------------------------------------------------------------- camera info

def intrinsics_from_camera_info(msg: CameraInfo, topic: str) -> CameraIntrinsics:
    k = list(msg.k)
    if len(k) != 9:
        raise MessageConversionError(topic, "k", f"expected 9 values, got {len(k)}")
    fx, fy, cx, cy = float(k[0]), float(k[4]), float(k[2]), float(k[5])
    if not all(math.isfinite(v) for v in (fx, fy, cx, cy)) or fx <= 0 or fy <= 0:
        raise MessageConversionError(topic, "k", f"fx={fx}, fy={fy}, cx={cx}, cy={cy}: need finite, positive focal")
    if msg.width <= 0 or msg.height <= 0:
        raise MessageConversionError(topic, "width/height", f"size {msg.width}x{msg.height}")
    return CameraIntrinsics(int(msg.width), int(msg.height), fx, fy, cx, cy)


def camera_info_from_intrinsics(intrinsics: CameraIntrinsics, stamp_seconds: float,
                                frame_id: str = "camera_optical") -> CameraInfo:
    msg = CameraInfo()
    msg.header = make_header(stamp_seconds, frame_id)
    msg.width, msg.height = int(intrinsics.width), int(intrinsics.height)
    msg.distortion_model = "plumb_bob"
    msg.d = [0.0] * 5
    fx, fy, cx, cy = float(intrinsics.fx), float(intrinsics.fy), float(intrinsics.cx), float(intrinsics.cy)
    msg.k = [fx, 0.0, cx, 0.0, fy, cy, 0.0, 0.0, 1.0]
    msg.r = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    msg.p = [fx, 0.0, cx, 0.0, 0.0, fy, cy, 0.0, 0.0, 0.0, 1.0, 0.0]
    return msg


# ---------------------------------------------------------------- poses

def pose_from_ros_pose(ros_pose: Any, topic: str, field: str = "pose") -> Pose:
    """A geometry_msgs/Pose as a core Pose; NaN or a non-unit quaternion raises."""
    p, q = ros_pose.position, ros_pose.orientation
    values = (p.x, p.y, p.z, q.x, q.y, q.z, q.w)
    if not all(math.isfinite(v) for v in values):
        raise MessageConversionError(topic, field, f"non-finite value in {values}")
    norm = math.sqrt(q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w)
    if abs(norm - 1.0) > 1e-3:
        raise MessageConversionError(topic, f"{field}.orientation", f"quaternion norm {norm:.6f} is not 1")
    return Pose(float(p.x), float(p.y), float(p.z), float(q.x), float(q.y), float(q.z), float(q.w))


def pose_from_odometry(msg: Odometry, topic: str) -> Pose:
    return pose_from_ros_pose(msg.pose.pose, topic, "pose.pose")


def pose_from_pose_stamped(msg: PoseStamped, topic: str) -> Pose:
    return pose_from_ros_pose(msg.pose, topic, "pose")


def _fill_ros_pose(target: Any, pose: Pose) -> None:
    target.position.x, target.position.y, target.position.z = float(pose.x), float(pose.y), float(pose.z)
    o = target.orientation
    o.x, o.y, o.z, o.w = float(pose.qx), float(pose.qy), float(pose.qz), float(pose.qw)


def pose_stamped_from_pose(pose: Pose, stamp_seconds: float, frame_id: str = "map") -> PoseStamped:
    msg = PoseStamped()
    msg.header = make_header(stamp_seconds, frame_id)
    _fill_ros_pose(msg.pose, pose)
    return msg


def transform_stamped_from_pose(pose: Pose, stamp_seconds: float, parent: str, child: str) -> TransformStamped:
    """`child`'s pose in `parent` as the TransformStamped parent -> child (as TF carries it)."""
    msg = TransformStamped()
    msg.header = make_header(stamp_seconds, parent)
    msg.child_frame_id = child
    t, q = msg.transform.translation, msg.transform.rotation
    t.x, t.y, t.z = float(pose.x), float(pose.y), float(pose.z)
    q.x, q.y, q.z, q.w = float(pose.qx), float(pose.qy), float(pose.qz), float(pose.qw)
    return msg


def odometry_from_pose(pose: Pose, stamp_seconds: float, frame_id: str = "map",
                       child_frame_id: str = "base_link") -> Odometry:
    msg = Odometry()
    msg.header = make_header(stamp_seconds, frame_id)
    msg.child_frame_id = child_frame_id
    _fill_ros_pose(msg.pose.pose, pose)
    return msg


# ---------------------------------------------------------------- detections

def _point(values: Iterable[float]) -> Point:
    x, y, z = (float(v) for v in values)
    return Point(x=x, y=y, z=z)


def _xyz(point: Point, topic: str, field: str) -> tuple[float, float, float]:
    values = (float(point.x), float(point.y), float(point.z))
    if not all(math.isfinite(v) for v in values):
        raise MessageConversionError(topic, field, f"non-finite coordinates {values}")
    return values


def label_table_from_detections(msg: Detections, topic: str) -> tuple[dict[int, str], dict[int, float]]:
    """The mask label table (instance id -> label, confidence); lengths must agree, ids be unique."""
    ids, labels, confidences = list(msg.mask_ids), list(msg.mask_labels), list(msg.mask_confidences)
    if len(ids) != len(labels):
        raise MessageConversionError(topic, "mask_labels", f"{len(labels)} labels for {len(ids)} mask_ids")
    if confidences and len(confidences) != len(ids):
        raise MessageConversionError(topic, "mask_confidences",
                                     f"{len(confidences)} confidences for {len(ids)} mask_ids")
    if len(set(ids)) != len(ids):
        raise MessageConversionError(topic, "mask_ids", "duplicate instance ids")
    if any(i <= 0 for i in ids):
        raise MessageConversionError(topic, "mask_ids", "instance ids must be > 0 (0 is background)")
    if any(not label for label in labels):
        raise MessageConversionError(topic, "mask_labels", "empty label")
    conf = {int(i): float(c) for i, c in zip(ids, confidences)} if confidences else {int(i): 1.0 for i in ids}
    if any(not (0.0 <= c <= 1.0) for c in conf.values()):
        raise MessageConversionError(topic, "mask_confidences", "confidences must lie in [0, 1]")
    return {int(i): str(label) for i, label in zip(ids, labels)}, conf


def has_instance_mask(msg: Detections) -> bool:
    return msg.instance_mask.width > 0 and msg.instance_mask.height > 0


def mask_and_labels_from_detections(msg: Detections, topic: str) -> tuple[np.ndarray, dict[int, str], dict[int, float]]:
    mask = mask_from_image(msg.instance_mask, topic)
    labels, confidences = label_table_from_detections(msg, topic)
    return mask, labels, confidences


def observation_from_msg(msg: ObjectObservation, topic: str, index: int) -> Observation:
    field = f"observations[{index}]"
    if not msg.label:
        raise MessageConversionError(topic, f"{field}.label", "empty label")
    centroid = _xyz(msg.centroid, topic, f"{field}.centroid")
    bbox_min = _xyz(msg.bbox_min, topic, f"{field}.bbox_min")
    bbox_max = _xyz(msg.bbox_max, topic, f"{field}.bbox_max")
    if any(lo > hi for lo, hi in zip(bbox_min, bbox_max)):
        raise MessageConversionError(topic, f"{field}.bbox_min", "bbox_min exceeds bbox_max")
    confidence = float(msg.confidence)
    if not 0.0 <= confidence <= 1.0:
        raise MessageConversionError(topic, f"{field}.confidence", f"{confidence} outside [0, 1]")
    color = msg.mean_color
    embedding = np.asarray(msg.embedding, dtype=np.float32) if len(msg.embedding) else None
    return Observation(
        category=str(msg.label), centroid=centroid, bbox_min=bbox_min, bbox_max=bbox_max,
        confidence=confidence, num_points=int(msg.num_points),
        mean_color=(float(color.r), float(color.g), float(color.b)) if (color.r or color.g or color.b) else None,
        embedding=embedding, state=msg.state or None, state_confidence=float(msg.state_confidence),
        instance_id=int(msg.instance_id), partial=bool(msg.partial),
    )


def observations_from_detections(msg: Detections, topic: str) -> list[Observation]:
    return [observation_from_msg(o, topic, i) for i, o in enumerate(msg.observations)]


def observation_to_msg(observation: Observation) -> ObjectObservation:
    msg = ObjectObservation()
    msg.label = observation.category
    msg.instance_id = int(observation.instance_id)
    msg.centroid = _point(observation.centroid)
    msg.bbox_min = _point(observation.bbox_min)
    msg.bbox_max = _point(observation.bbox_max)
    msg.confidence = float(observation.confidence)
    msg.num_points = int(observation.num_points)
    if observation.mean_color is not None:
        r, g, b = (float(c) for c in observation.mean_color)
        msg.mean_color = ColorRGBA(r=r, g=g, b=b, a=1.0)
    if observation.embedding is not None:
        msg.embedding = [float(v) for v in np.asarray(observation.embedding).ravel()]
    msg.state = observation.state or ""
    msg.state_confidence = float(observation.state_confidence)
    msg.partial = bool(observation.partial)
    return msg


def detections_from_mask(mask: np.ndarray, labels: dict[int, str], confidences: dict[int, float],
                         stamp_seconds: float, frame_id: str = "camera_optical",
                         observations: Iterable[Observation] = ()) -> Detections:
    """A Detections message carrying an instance mask (32SC1) and its label table."""
    msg = Detections()
    msg.header = make_header(stamp_seconds, frame_id)
    msg.instance_mask = mask_to_image(np.asarray(mask, dtype=np.int32), stamp_seconds, frame_id)
    ids = sorted(int(i) for i in labels)
    msg.mask_ids = ids
    msg.mask_labels = [str(labels[i]) for i in ids]
    msg.mask_confidences = [float(confidences.get(i, 1.0)) for i in ids]
    msg.observations = [observation_to_msg(o) for o in observations]
    return msg


# ---------------------------------------------------------------- memory -> messages

def _opt_float(value: Any, default: float = 0.0) -> float:
    return default if value is None else float(value)


def memory_stamp(memory_t: Any, epoch: float) -> Time:
    """A memory time (seconds since the memory's d1 00:00; None = never) as a ROS stamp (zero for None)."""
    return Time() if memory_t is None else seconds_to_stamp(epoch + float(memory_t))


def scene_object_to_msg(obj: Any, probability: float | None = None, epoch: float = 0.0) -> SceneObjectMsg:
    """A scene_graph SceneObject (or anything with its fields) as a SceneObject message."""
    msg = SceneObjectMsg()
    msg.id = str(obj.id)
    msg.category = str(obj.category)
    msg.position = _point(obj.position)
    bbox_min = getattr(obj, "bbox_min", None)
    bbox_max = getattr(obj, "bbox_max", None)
    msg.bbox_min = _point(bbox_min if bbox_min is not None else obj.position)
    msg.bbox_max = _point(bbox_max if bbox_max is not None else obj.position)
    msg.room = getattr(obj, "room", None) or ""
    msg.rests_on = getattr(obj, "rests_on", None) or ""
    msg.state = getattr(obj, "state", None) or ""
    msg.confidence = _opt_float(getattr(obj, "confidence", None), 1.0)
    msg.probability = float(probability) if probability is not None else _opt_float(
        getattr(obj, "probability", None), 1.0)
    msg.first_seen = memory_stamp(getattr(obj, "first_seen", None), epoch)
    msg.last_seen = memory_stamp(getattr(obj, "last_seen", None), epoch)
    msg.present = bool(getattr(obj, "present", True))
    return msg


def location_belief_to_msg(belief: Any, epoch: float = 0.0) -> SceneObjectMsg:
    """A LocationBelief (object_id, category, position, room, rests_on, probability, last_seen, present)."""
    msg = SceneObjectMsg()
    msg.id = str(belief.object_id)
    msg.category = str(belief.category)
    msg.position = _point(belief.position)
    msg.bbox_min = _point(belief.position)
    msg.bbox_max = _point(belief.position)
    msg.room = getattr(belief, "room", None) or ""
    msg.rests_on = getattr(belief, "rests_on", None) or ""
    msg.state = getattr(belief, "state", None) or ""
    msg.probability = _opt_float(getattr(belief, "probability", None), 1.0)
    msg.confidence = msg.probability
    msg.first_seen = memory_stamp(getattr(belief, "first_seen", None), epoch)
    msg.last_seen = memory_stamp(getattr(belief, "last_seen", None), epoch)
    msg.present = bool(getattr(belief, "present", True))
    return msg


def memory_event_to_msg(event: Any, epoch: float = 0.0, frame_id: str = "map") -> MemoryEventMsg:
    """A memory event; its header is stamped with when it happened (ROS time) in the map frame."""
    msg = MemoryEventMsg()
    msg.kind = str(event.kind)
    msg.object_id = str(event.object_id or "")
    msg.category = str(getattr(event, "category", "") or "")
    msg.header = Header(stamp=memory_stamp(event.time, epoch), frame_id=frame_id)
    position = getattr(event, "position", None)
    if position is not None:
        msg.position = _point(position)
    msg.room = getattr(event, "room", None) or ""
    msg.from_place = str(getattr(event, "from_place", None) or "")
    msg.to_place = str(getattr(event, "to_place", None) or "")
    msg.old_state = str(getattr(event, "old_state", None) or "")
    msg.new_state = str(getattr(event, "new_state", None) or "")
    msg.frame_ids = [int(f) for f in (getattr(event, "frame_ids", None) or ())]
    return msg


# ---------------------------------------------------------------- one sensor frame as input messages

def sensor_frame_messages(frame: Any, depth_encoding: str = "32FC1", camera_frame_id: str = "camera_optical",
                          map_frame_id: str = "map", base_frame_id: str = "base_link") -> dict[str, Any]:
    """The input messages of one SensorFrame by role, every stamp `frame.time` (ROS seconds).

    Roles: rgb, depth, camera_info, detections, pose (Odometry of the base in the map frame, as a localiser
    publishes it), camera_pose (PoseStamped of the optical frame in the map frame).
    """
    t = float(frame.time)
    return {
        "rgb": rgb_to_image(frame.rgb, t, camera_frame_id),
        "depth": depth_to_image(frame.depth, t, camera_frame_id, encoding=depth_encoding),
        "camera_info": camera_info_from_intrinsics(frame.intrinsics, t, camera_frame_id),
        "detections": detections_from_mask(frame.instance_mask, frame.labels, frame.confidences, t, camera_frame_id),
        "pose": odometry_from_pose(frame.robot_pose, t, map_frame_id, base_frame_id),
        "camera_pose": pose_stamped_from_pose(frame.camera_pose, t, map_frame_id),
    }
