"""Ingest a recorded bag through the live ingest path (conversion -> synchroniser -> FrameProcessor -> store).

No middleware: messages are deserialised with rclpy from the bag's CDR bytes and offered to the same
`IngestPipeline` the ingest node uses, in log-time order. Topics that are not inputs are skipped
and counted; a message that does not deserialise is counted as invalid on its topic.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memory_node.ingest_pipeline import IngestPipeline, IngestSettings
from memory_node.session_recording import message_class, read_bag
from memory_stack.foundation.errors import BadInputError

LOG = logging.getLogger(__name__)


@dataclass
class ReplayReport:
    bag: str
    messages: int = 0
    frames_ingested: int = 0
    frames_rejected: int = 0
    observations: int = 0
    events: int = 0
    skipped_topics: dict[str, int] = field(default_factory=dict)
    topics: dict[str, dict[str, int]] = field(default_factory=dict)
    last_error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def replay_bag(bag: str | Path, store: Any, settings: IngestSettings | None = None,
               processor: Any = None) -> ReplayReport:
    """Replay `bag` into `store` (a MemoryStore); frame ids continue after the store's last one."""
    from rclpy.serialization import deserialize_message

    from perception.frame_processing import FrameProcessor

    settings = settings or IngestSettings()
    settings.first_frame_id = max(1, int(store.last_frame_id) + 1)
    pipeline = IngestPipeline(settings, processor or FrameProcessor(), store.ingest)
    inputs = set(pipeline.synchronized_topics) | {settings.topics.camera_info}
    report = ReplayReport(bag=str(bag))
    skipped: Counter[str] = Counter()
    classes: dict[str, type] = {}
    for record in read_bag(bag):
        report.messages += 1
        if record.topic not in inputs:
            skipped[record.topic] += 1
            continue
        try:
            cls = classes.get(record.type_name) or classes.setdefault(record.type_name, message_class(record.type_name))
            msg = deserialize_message(record.data, cls)
        except Exception as exc:  # corrupt bytes or an unknown type: count it against the topic
            if record.topic in pipeline.synchronized_topics:
                pipeline.synchronizer.count_invalid(record.topic)
            report.last_error = f"topic {record.topic!r}: cannot deserialise {record.type_name!r} ({exc})"
            LOG.warning(report.last_error)
            continue
        pipeline.offer(record.topic, msg)
    stats = pipeline.stats
    report.frames_ingested, report.frames_rejected = stats.frames_ingested, stats.frames_rejected
    report.observations, report.events = stats.observations, stats.events
    report.last_error = stats.last_error or report.last_error
    report.skipped_topics = dict(skipped)
    report.topics = {t: c.as_dict() for t, c in pipeline.topic_counters().items()}
    if report.messages == 0:
        raise BadInputError(f"{bag}: the bag holds no messages")
    return report
