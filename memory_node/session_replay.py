"""Ingest a recorded bag through the live ingest path (conversion -> synchroniser -> FrameProcessor -> store).

No middleware: messages are deserialised with rclpy from the bag's CDR bytes and offered to the same
`IngestPipeline` the ingest node uses, in log-time order. Topics that are not inputs are skipped
and counted; a message that does not deserialise is counted as invalid on its topic.

Topic names: `ros2 bag record` writes absolute names (`/camera/color/image_raw`); the ingest topics
are relative to the node's namespace. A bag topic matches an input when both name the same topic in
the root namespace (a leading `/` is ignored on either side), after `remap` (bag topic -> input
topic, as `--remap from:=to`). A replay that ingests no frame is an error naming the topics the bag
holds and the topics expected: nothing is written then.

Frames: the bag's /tf and /tf_static feed a transform buffer (memory_node.bag_transforms), so a pose in
`odom` is brought into `map` and, with no camera pose topic (`camera_pose_topic: ""`), the camera pose
comes from TF, as tf2 does on the robot.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memory_node.bag_transforms import TF_TYPE, BagTransforms
from memory_node.ingest_faults import ClockSkewGuard
from memory_node.ingest_pipeline import IngestPipeline, IngestSettings
from memory_node.session_recording import message_class, read_bag
from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.time_epoch import MemoryClock

LOG = logging.getLogger(__name__)


@dataclass
class ReplayReport:
    bag: str
    messages: int = 0
    frames_ingested: int = 0
    frames_rejected: int = 0
    frames_already_stored: int = 0
    frames_clock_skew: int = 0
    observations: int = 0
    events: int = 0
    skipped_topics: dict[str, int] = field(default_factory=dict)
    topics: dict[str, dict[str, int]] = field(default_factory=dict)
    last_error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def root_topic(name: str) -> str:
    """A topic name in the root namespace: `/camera/x` and `camera/x` are the same topic."""
    return name[1:] if name.startswith("/") else name


def parse_remaps(values: list[str] | tuple[str, ...] | None) -> dict[str, str]:
    """`["/cam/rgb:=camera/color/image_raw"]` -> {"cam/rgb": "camera/color/image_raw"} (root-namespace names)."""
    remaps: dict[str, str] = {}
    for value in values or ():
        source, sep, target = value.partition(":=")
        if not sep or not root_topic(source.strip()) or not root_topic(target.strip()):
            raise BadInputError(f"--remap {value!r}: expected FROM:=TO (bag topic := input topic)")
        remaps[root_topic(source.strip())] = root_topic(target.strip())
    return remaps


def replay_bag(bag: str | Path, store: Any, settings: IngestSettings | None = None,
               processor: Any = None, remap: dict[str, str] | None = None, bar: Any = None,
               max_clock_skew_s: float = 300.0, detector_stage: Any = None) -> ReplayReport:
    """Replay `bag` into `store` (a MemoryStore); frame ids continue after the store's last one.

    `bar` (memory_stack.foundation.progress.ProgressBar) advances once per message read.

    `remap`: bag topic -> input topic (root-namespace names, see `parse_remaps`). Raises BadInputError
    when no frame was ingested, naming the topics found and expected. Frames the memory already holds
    (a bag replayed again, a resumed replay) are skipped and counted, never ingested twice.
    """
    from rclpy.serialization import deserialize_message

    from perception.frame_processing import FrameProcessor

    settings = settings or IngestSettings()
    settings.first_frame_id = max(1, int(store.last_frame_id) + 1)
    clock = MemoryClock(store.config.time_epoch, store.time_epoch)  # a memory keeps the epoch it started with
    transforms = BagTransforms()  # the bag's /tf and /tf_static, read as they come
    pipeline = IngestPipeline(settings, processor or FrameProcessor(), store.ingest, clock=clock,
                              record_epoch=store.set_time_epoch, transforms=transforms.lookup,
                              detector_stage=detector_stage)
    if store.last_frame_id >= 0:  # resume: what the memory already holds is skipped, never ingested twice
        pipeline.resume_after = store.last_time
        pipeline.already_stored = store.is_last_stored
    # the bag's clock is each message's recording (log) time: a stamp agreeing with it is no skew, so a real
    # jump of the recorded stream (a pause, the simulated clock moving on) loses no frame
    recorded_at: list[float | None] = [None]
    pipeline.clock_guard = ClockSkewGuard(max_clock_skew_s, ros_now=lambda: recorded_at[0])
    inputs = {root_topic(t): t for t in (*pipeline.synchronized_topics, settings.topics.camera_info)}
    remap = remap or {}
    report = ReplayReport(bag=str(bag))
    skipped: Counter[str] = Counter()
    found: Counter[str] = Counter()
    classes: dict[str, type] = {}
    for record in read_bag(bag):
        report.messages += 1
        if bar is not None:
            bar.advance()
        found[record.topic] += 1
        name = root_topic(record.topic)
        if name in ("tf", "tf_static") and record.type_name == TF_TYPE:
            try:
                transforms.add(record.data, static=name == "tf_static")
            except Exception as exc:  # a corrupt TF message: counted like any message that does not decode
                report.last_error = f"topic {record.topic!r}: cannot deserialise {record.type_name!r} ({exc})"
            continue
        topic = inputs.get(remap.get(name, name))
        if topic is None:
            skipped[record.topic] += 1
            continue
        try:
            cls = classes.get(record.type_name) or classes.setdefault(record.type_name, message_class(record.type_name))
            msg = deserialize_message(record.data, cls)
        except Exception as exc:  # corrupt bytes or an unknown type: count it against the topic
            if topic in pipeline.synchronized_topics:
                pipeline.synchronizer.count_invalid(topic)
            report.last_error = f"topic {record.topic!r}: cannot deserialise {record.type_name!r} ({exc})"
            LOG.warning(report.last_error)
            continue
        recorded_at[0] = record.log_time_ns / 1e9
        pipeline.offer(topic, msg)
    stats = pipeline.stats
    report.frames_ingested, report.frames_rejected = stats.frames_ingested, stats.frames_rejected
    report.frames_already_stored, report.frames_clock_skew = stats.frames_already_stored, stats.frames_clock_skew
    report.observations, report.events = stats.observations, stats.events
    report.last_error = stats.last_error or report.last_error
    report.skipped_topics = dict(skipped)
    report.topics = {t: c.as_dict() for t, c in pipeline.topic_counters().items()}
    if report.messages == 0:
        raise BadInputError(f"{bag}: the bag holds no messages")
    if report.frames_ingested == 0 and report.frames_already_stored == 0:
        holds = ", ".join(f"{t} ({n})" for t, n in sorted(found.items()))
        why = f"; last problem: {report.last_error}" if report.last_error else ""
        raise BadInputError(f"{bag}: 0 frames ingested; the bag holds [{holds}], replay expects "
                            f"{sorted(inputs.values())} (a leading '/' is ignored; rename with --remap FROM:=TO "
                            f"or the ingest_node topic parameters){why}")
    return report
