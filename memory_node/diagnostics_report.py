"""diagnostic_msgs statuses of the memory stack: ingest (rate, drops per topic) and memory (objects, size)."""

from __future__ import annotations

from typing import Any

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from std_msgs.msg import Header

HARDWARE_ID = "memory_stack"


def _kv(key: str, value: Any) -> KeyValue:
    if isinstance(value, float):
        value = f"{value:.3f}"
    return KeyValue(key=key, value=str(value))


def ingest_status(status: dict[str, Any]) -> DiagnosticStatus:
    """One status for an ingest node: WARN when anything was dropped or rejected."""
    topics: dict[str, dict[str, int]] = status.get("topics", {})
    dropped = sum(c.get("dropped", 0) for c in topics.values()) + status.get("frames_dropped_backlog", 0)
    rejected = status.get("frames_rejected", 0)
    values = [_kv(k, status.get(k, "")) for k in ("ingest_rate_hz", "frames_ingested", "frames_rejected",
                                                  "frames_dropped_backlog", "frames_waiting", "mean_processing_ms",
                                                  "perception_restarts", "last_error")]
    for topic, counters in sorted(topics.items()):
        for key in ("received", "matched", "dropped", "unmatched", "late", "duplicate", "out_of_order", "invalid"):
            values.append(_kv(f"{topic}/{key}", counters.get(key, 0)))
    level = DiagnosticStatus.WARN if (dropped or rejected or status.get("perception_restarts")) else DiagnosticStatus.OK
    message = f"{status.get('frames_ingested', 0)} frames ingested, {rejected} rejected, {dropped} messages dropped"
    return DiagnosticStatus(level=level, name=f"{status.get('node', 'ingest_node')}: ingest", message=message,
                            hardware_id=HARDWARE_ID, values=values)


def memory_status(node_name: str, values: dict[str, Any], error: str = "") -> DiagnosticStatus:
    level = DiagnosticStatus.ERROR if error else DiagnosticStatus.OK
    message = error or f"{values.get('objects', 0)} objects, {values.get('db_bytes', 0)} bytes"
    return DiagnosticStatus(level=level, name=f"{node_name}: memory", message=message, hardware_id=HARDWARE_ID,
                            values=[_kv(k, v) for k, v in values.items()])


def diagnostic_array(stamp: Any, statuses: list[DiagnosticStatus]) -> DiagnosticArray:
    return DiagnosticArray(header=Header(stamp=stamp), status=statuses)


def status_values(status: DiagnosticStatus) -> dict[str, str]:
    """The key/value pairs of a status as a dict (for readers and tests)."""
    return {kv.key: kv.value for kv in status.values}
