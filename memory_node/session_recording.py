"""Record the stack's input topics as a rosbag2 directory, and read rosbag2 directories or MCAP files back.

`SessionRecorder(directory).write_frame(sensor_frame)` writes one frame as the real input messages
(rgb Image, depth Image, CameraInfo, Detections, Odometry, camera PoseStamped) and its /tf, CDR-serialised
by rclpy, into a rosbag2 directory (MCAP storage by default) the way `ros2 bag record` writes one, so
`ros2 bag play`, Foxglove (the .mcap inside) and `memstack replay` play it back. No running graph is
needed. The floor plan, when given, is stored in the bag's `custom_data` (`memory_stack.floor_plan`) so
a replay into a fresh store knows the rooms.

`read_bag(path)` yields `BagMessage`s from a rosbag2 directory (the `rosbags` reader: MCAP or SQLite3
storage) or a single `.mcap` file (mcap reader), in log-time order.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from memory_node.ingest_pipeline import IngestTopics
from memory_node.message_conversion import sensor_frame_messages
from memory_node.robot_frames import RobotFrames
from memory_stack.foundation.errors import BadInputError
from scene_graph.types import Pose

FLOOR_PLAN_METADATA = "memory_stack.floor_plan"
ROSBAG2_VERSION = 9  # metadata.yaml version of Jazzy's and Kilted's rosbag2
TF_TYPE = "tf2_msgs/msg/TFMessage"
_SEPARATOR = "=" * 80
_PRIMITIVES = {"bool", "byte", "char", "float32", "float64", "int8", "uint8", "int16", "uint16", "int32", "uint32",
               "int64", "uint64", "string", "wstring"}


def message_class(type_name: str) -> type:
    """`sensor_msgs/msg/Image` (or `sensor_msgs/Image`) -> the rclpy message class."""
    parts = type_name.split("/")
    if len(parts) == 2:
        parts = [parts[0], "msg", parts[1]]
    if len(parts) != 3:
        raise BadInputError(f"message type {type_name!r}: expected package/msg/Name")
    try:
        return getattr(importlib.import_module(f"{parts[0]}.{parts[1]}"), parts[2])
    except (ImportError, AttributeError) as exc:
        raise BadInputError(f"message type {type_name!r} is not available here ({exc})") from exc


def type_name_of(msg_or_cls: Any) -> str:
    cls = msg_or_cls if isinstance(msg_or_cls, type) else type(msg_or_cls)
    package, kind = cls.__module__.split(".")[:2]
    return f"{package}/{kind}/{cls.__name__}"


def _msg_file(package: str, name: str) -> Path:
    prefixes = [p for p in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep) if p] + [sys.prefix]
    for prefix in prefixes:
        path = Path(prefix, "share", package, "msg", f"{name}.msg")
        if path.is_file():
            return path
    raise BadInputError(f"{package}/msg/{name}.msg: definition not found under AMENT_PREFIX_PATH")


def message_definition(type_name: str) -> str:
    """The ros2msg schema text: the .msg of `type_name`, then every nested type after a MSG: separator."""
    package, _, name = type_name.split("/")
    seen: list[str] = []
    texts: dict[str, str] = {}

    def visit(pkg: str, msg: str) -> None:
        full = f"{pkg}/msg/{msg}"
        if full in texts:
            return
        text = _msg_file(pkg, msg).read_text(encoding="utf-8")
        texts[full] = text
        seen.append(full)
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if not line or "=" in line.split()[0]:
                continue
            field_type = re.sub(r"\[.*\]$", "", line.split()[0])
            field_type = re.sub(r"<=\d+$", "", field_type)
            if field_type in _PRIMITIVES or field_type.startswith(("string<", "wstring<")):
                continue
            if "/" in field_type:
                dep_pkg, dep_name = field_type.split("/")[0], field_type.split("/")[-1]
            elif field_type == "Header":
                dep_pkg, dep_name = "std_msgs", "Header"
            else:
                dep_pkg, dep_name = pkg, field_type
            visit(dep_pkg, dep_name)

    visit(package, name)
    parts = [texts[seen[0]].rstrip("\n")]
    for full in seen[1:]:
        pkg, _, msg = full.split("/")
        parts.append(f"{_SEPARATOR}\nMSG: {pkg}/{msg}\n{texts[full].rstrip(chr(10))}")
    return "\n".join(parts) + "\n"


class SessionRecorder:
    """Writes input topics as a rosbag2 directory, as `ros2 bag record` would; usable without a ROS graph.

    The directory holds `metadata.yaml` (rosbag2 format version 9, offered QoS per topic, the floor plan
    in `custom_data`) and one MCAP file (or an SQLite3 database with `storage="sqlite3"`). Topic names are
    absolute (`/camera/color/image_raw`), stamps are ROS time (the simulator's clock: d1 00:00 = 0), messages
    are CDR-serialised by rclpy. Beside the inputs it writes the REP 105 transforms Foxglove's 3D panel needs
    to place the camera: `/tf_static` map -> odom (identity: the recorded poses are map poses) and, per
    frame, `/tf` odom -> base_link (robot pose) and base_link -> the camera's optical frame.
    """

    def __init__(self, path: str | Path, topics: IngestTopics | None = None, floor_plan: Any = None,
                 depth_encoding: str = "32FC1", storage: str = "mcap", frames: RobotFrames | None = None) -> None:
        from rosbags.rosbag2 import StoragePlugin, Writer

        if storage not in ("mcap", "sqlite3"):
            raise BadInputError(f"storage {storage!r}: expected 'mcap' or 'sqlite3'")
        self.path = Path(path)
        if self.path.exists():
            raise BadInputError(f"{self.path}: exists already; a recording is written into a new directory")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.topics = topics or IngestTopics()
        self.frames_named = frames or RobotFrames()
        self.depth_encoding = depth_encoding
        self._typestore = _recording_typestore()
        plugin = StoragePlugin.MCAP if storage == "mcap" else StoragePlugin.SQLITE3
        self._writer = Writer(self.path, version=ROSBAG2_VERSION, storage_plugin=plugin)
        # rosbag2 reads custom_data as a map of strings: never left empty (a null there fails `ros2 bag info`)
        self._writer.set_custom_data("memory_stack.recorder", "memory_node.session_recording.SessionRecorder")
        if floor_plan is not None:
            self._writer.set_custom_data(FLOOR_PLAN_METADATA, json.dumps(_floor_plan_json(floor_plan)))
        self._writer.open()
        self._closed = False
        self._connections: dict[str, Any] = {}
        self._static_written = False
        self.frames = 0
        self.messages = 0

    def _connection(self, topic: str, type_name: str) -> Any:
        name = absolute_topic(topic)
        if name not in self._connections:
            self._connections[name] = self._writer.add_connection(
                name, type_name, typestore=self._typestore, offered_qos_profiles=[_offered_qos(name)])
        return self._connections[name]

    def write_message(self, topic: str, msg: Any, log_time_s: float) -> None:
        """Serialise one rclpy message (CDR) onto `topic` (made absolute) at ROS time `log_time_s`."""
        from rclpy.serialization import serialize_message

        self._write(topic, type_name_of(msg), serialize_message(msg), log_time_s)

    def _write(self, topic: str, type_name: str, data: bytes, log_time_s: float) -> None:
        self._writer.write(self._connection(topic, type_name), int(round(log_time_s * 1e9)), data)
        self.messages += 1

    def write_frame(self, sensor_frame: Any) -> None:
        """One SensorFrame as the input messages and its transforms, all stamped with its time."""
        names = self.frames_named
        messages = sensor_frame_messages(sensor_frame, depth_encoding=self.depth_encoding,
                                         camera_frame_id=names.camera, map_frame_id=names.map,
                                         base_frame_id=names.base)
        t = float(sensor_frame.time)
        if not self._static_written:
            self._write_transforms("/tf_static", t, [(names.map, names.odom, None)])
            self._static_written = True
        robot, camera = sensor_frame.robot_pose, sensor_frame.camera_pose
        camera_in_base = Pose.from_matrix(np.linalg.inv(robot.matrix()) @ camera.matrix())
        self._write_transforms("/tf", t, [(names.odom, names.base, robot), (names.base, names.camera, camera_in_base)])
        roles = {"camera_info": self.topics.camera_info, "pose": self.topics.pose, "rgb": self.topics.rgb,
                 "depth": self.topics.depth, "detections": self.topics.detections}
        if self.topics.camera_pose:
            roles = {"camera_pose": self.topics.camera_pose, **roles}
        for role, topic in roles.items():
            self.write_message(topic, messages[role], t)
        self.frames += 1

    def _write_transforms(self, topic: str, t: float, links: list[tuple[str, str, Any]]) -> None:
        self._write(topic, TF_TYPE, tf_message_cdr(self._typestore, t, links), t)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._writer.close()

    def __enter__(self) -> SessionRecorder:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def tf_message_cdr(typestore: Any, t: float, links: list[tuple[str, str, Any]]) -> bytes:
    """A tf2_msgs/TFMessage of (parent, child, Pose or None = identity) links at time `t`, CDR-serialised.

    tf2_msgs is not on PyPI: the message is built and serialised with the `rosbags` type store.
    """
    types = typestore.types
    sec, nanosec = divmod(int(round(t * 1e9)), 1_000_000_000)
    stamp = types["builtin_interfaces/msg/Time"](sec=sec, nanosec=nanosec)
    transforms = []
    for parent, child, pose in links:
        pose = pose or Pose(0.0, 0.0, 0.0)
        transforms.append(types["geometry_msgs/msg/TransformStamped"](
            header=types["std_msgs/msg/Header"](stamp=stamp, frame_id=parent),
            child_frame_id=child,
            transform=types["geometry_msgs/msg/Transform"](
                translation=types["geometry_msgs/msg/Vector3"](x=pose.x, y=pose.y, z=pose.z),
                rotation=types["geometry_msgs/msg/Quaternion"](x=pose.qx, y=pose.qy, z=pose.qz, w=pose.qw))))
    return bytes(typestore.serialize_cdr(types[TF_TYPE](transforms=transforms), TF_TYPE))


def absolute_topic(name: str) -> str:
    """`camera/x` -> `/camera/x` (how `ros2 bag record` names topics of the root namespace)."""
    return name if name.startswith("/") else "/" + name


def _offered_qos(topic: str) -> Any:
    """What the publishers of the stack offer: reliable keep-last; /tf_static transient-local (latched)."""
    from rosbags.interfaces import Qos, QosDurability, QosHistory, QosLiveliness, QosReliability, QosTime

    durability = QosDurability.TRANSIENT_LOCAL if topic == "/tf_static" else QosDurability.VOLATILE
    unset = QosTime(sec=0, nsec=0)
    return Qos(history=QosHistory.KEEP_LAST, depth=1 if topic == "/tf_static" else 10,
               reliability=QosReliability.RELIABLE, durability=durability, deadline=unset, lifespan=unset,
               liveliness=QosLiveliness.AUTOMATIC, liveliness_lease_duration=unset,
               avoid_ros_namespace_conventions=False)


def _recording_typestore() -> Any:
    """The Jazzy message types (tf2_msgs among them) plus memory_interfaces' messages, from their .msg files."""
    from rosbags.typesys import Stores, get_types_from_msg, get_typestore

    typestore = get_typestore(Stores.ROS2_JAZZY)
    for name in ("ObjectObservation", "Detections", "MemoryEvent", "SceneObject"):
        typestore.register(get_types_from_msg(_msg_file("memory_interfaces", name).read_text(encoding="utf-8"),
                                              f"memory_interfaces/msg/{name}"))
    return typestore


def _floor_plan_json(floor_plan: Any) -> dict:
    return {"rooms": [{"name": r.name, "polygon": [list(p) for p in r.polygon]} for r in floor_plan.rooms],
            "doors": [{"rooms": list(d.rooms), "at": list(d.at), "width": d.width} for d in floor_plan.doors]}


def floor_plan_from_json(data: dict) -> Any:
    from scene_graph.types import Door, FloorPlan, Room

    return FloorPlan(
        rooms=tuple(Room(r["name"], tuple(tuple(p) for p in r["polygon"])) for r in data.get("rooms", [])),
        doors=tuple(Door(tuple(d["rooms"]), tuple(d["at"]), float(d.get("width", 1.0))) for d in data.get("doors", [])))


# ---------------------------------------------------------------- reading

@dataclass(frozen=True)
class BagMessage:
    topic: str
    type_name: str
    data: bytes
    log_time_ns: int


def read_bag(path: str | Path) -> Iterator[BagMessage]:
    """Messages of an `.mcap` file or a rosbag2 directory, in log-time order (raw CDR)."""
    path = Path(path)
    if path.is_dir():
        yield from _read_rosbag2(path)
    elif path.is_file():
        yield from _read_mcap(path)
    else:
        raise BadInputError(f"{path}: no such MCAP file or rosbag2 directory")


def bag_floor_plan(path: str | Path) -> Any:
    """The floor plan a SessionRecorder stored: in a rosbag2 directory's custom_data, or an MCAP file's metadata."""
    path = Path(path)
    if path.is_dir():
        import yaml

        try:
            info = yaml.safe_load((path / "metadata.yaml").read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            return None
        custom = (info.get("rosbag2_bagfile_information") or {}).get("custom_data") or {}
        return floor_plan_from_json(json.loads(custom[FLOOR_PLAN_METADATA])) if FLOOR_PLAN_METADATA in custom else None
    from mcap.reader import make_reader

    try:
        with open(path, "rb") as stream:
            for record in make_reader(stream).iter_metadata():
                if record.name == FLOOR_PLAN_METADATA:
                    return floor_plan_from_json(json.loads(record.metadata["json"]))
    except Exception:  # not an MCAP file with metadata: no floor plan
        return None
    return None


def _read_mcap(path: Path) -> Iterator[BagMessage]:
    from mcap.exceptions import McapError
    from mcap.reader import make_reader

    with open(path, "rb") as stream:
        try:
            reader = make_reader(stream)
            for schema, channel, message in reader.iter_messages(log_time_order=True):
                if channel.message_encoding != "cdr":
                    raise BadInputError(f"{path}: topic {channel.topic!r} is {channel.message_encoding!r}, "
                                        "only CDR (ROS 2) messages can be replayed")
                yield BagMessage(channel.topic, schema.name if schema else "", message.data, message.log_time)
        except (McapError, ValueError, EOFError) as exc:
            raise BadInputError(f"{path}: not a readable MCAP file ({exc})") from exc


def _read_rosbag2(path: Path) -> Iterator[BagMessage]:
    from rosbags.rosbag2 import Reader
    from rosbags.rosbag2.errors import ReaderError

    try:
        with Reader(path) as reader:
            for connection, timestamp, data in reader.messages():
                yield BagMessage(connection.topic, connection.msgtype, bytes(data), int(timestamp))
    except ReaderError as exc:
        raise BadInputError(f"{path}: not a readable rosbag2 directory ({exc})") from exc
