"""Record the stack's input topics to MCAP, and read MCAP files or rosbag2 directories back.

`SessionRecorder(path).write_frame(sensor_frame)` writes one frame as the real input messages
(rgb Image, depth Image, CameraInfo, Detections, Odometry, camera PoseStamped), CDR-serialised by
rclpy (`serialize_message`) under `ros2msg` schemas, so Foxglove opens the file and `memstack replay`
(or `ros2 bag play` with the MCAP storage plugin) plays it back. No running graph is needed. The
floor plan, when given, is stored as MCAP metadata `memory_stack.floor_plan` so a replay into a
fresh store knows the rooms.

`read_bag(path)` yields `BagMessage`s from an `.mcap` file (mcap reader) or a rosbag2 directory (any
storage the `rosbags` reader supports, MCAP or SQLite), in log-time order.
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

from memory_node.ingest_pipeline import IngestTopics
from memory_node.message_conversion import sensor_frame_messages
from memory_stack.foundation.errors import BadInputError

FLOOR_PLAN_METADATA = "memory_stack.floor_plan"
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
    """Writes input-topic messages to an MCAP file (ros2 profile, CDR); usable without a ROS graph."""

    def __init__(self, path: str | Path, topics: IngestTopics | None = None, floor_plan: Any = None,
                 depth_encoding: str = "32FC1") -> None:
        from mcap.writer import CompressionType, Writer

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.topics = topics or IngestTopics()
        self.depth_encoding = depth_encoding
        self._file = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self._writer = Writer(self._file, compression=CompressionType.ZSTD)
        self._writer.start(profile="ros2", library="memory_stack")
        self._schemas: dict[str, int] = {}
        self._channels: dict[str, int] = {}
        self._sequence = 0
        self.frames = 0
        self.messages = 0
        if floor_plan is not None:
            self._writer.add_metadata(FLOOR_PLAN_METADATA, {"json": json.dumps(_floor_plan_json(floor_plan))})

    def _channel(self, topic: str, type_name: str) -> int:
        if topic not in self._channels:
            if type_name not in self._schemas:
                self._schemas[type_name] = self._writer.register_schema(
                    name=type_name, encoding="ros2msg", data=message_definition(type_name).encode("utf-8"))
            self._channels[topic] = self._writer.register_channel(
                topic=topic, message_encoding="cdr", schema_id=self._schemas[type_name])
        return self._channels[topic]

    def write_message(self, topic: str, msg: Any, log_time_s: float) -> None:
        """Serialise one rclpy message (CDR) onto `topic` at `log_time_s` (seconds since d1 00:00)."""
        from rclpy.serialization import serialize_message

        channel = self._channel(topic, type_name_of(msg))
        stamp_ns = int(round(log_time_s * 1e9))
        self._sequence += 1
        self._writer.add_message(channel_id=channel, log_time=stamp_ns, data=serialize_message(msg),
                                 publish_time=stamp_ns, sequence=self._sequence)
        self.messages += 1

    def write_frame(self, sensor_frame: Any) -> None:
        """One SensorFrame as the six input messages, all stamped with its time."""
        messages = sensor_frame_messages(sensor_frame, depth_encoding=self.depth_encoding)
        t = float(sensor_frame.time)
        roles = {"camera_info": self.topics.camera_info, "pose": self.topics.pose, "rgb": self.topics.rgb,
                 "depth": self.topics.depth, "detections": self.topics.detections}
        if self.topics.camera_pose:
            roles = {"camera_pose": self.topics.camera_pose, **roles}
        for role, topic in roles.items():
            self.write_message(topic, messages[role], t)
        self.frames += 1

    def close(self) -> None:
        if self._file.closed:
            return
        self._writer.finish()
        self._file.close()

    def __enter__(self) -> SessionRecorder:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


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
    """The floor plan a SessionRecorder stored in an MCAP file, or None."""
    path = Path(path)
    files = sorted(path.glob("*.mcap")) if path.is_dir() else [path]
    from mcap.reader import make_reader

    for file in files:
        try:
            with open(file, "rb") as stream:
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
