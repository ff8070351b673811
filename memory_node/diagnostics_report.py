"""diagnostic_msgs statuses of the memory stack: ingest (rate, drops per topic) and memory (objects, size)."""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from std_msgs.msg import Header

HARDWARE_ID = "memory_stack"


def _kv(key: str, value: Any) -> KeyValue:
    if isinstance(value, float):
        value = f"{value:.3f}"
    return KeyValue(key=key, value=str(value))


class FaultWindow:
    """Faults (messages dropped, frames rejected, perception restarts) of the last `window_s` seconds.

    Fed the running totals at every report; the level of a status follows the faults of the window, so
    one burst of drops shows WARN for `window_s` and then OK again, while the totals stay in the values.
    """

    def __init__(self, window_s: float = 10.0, now: float | None = None) -> None:
        self.window_s = window_s
        self._totals: deque[tuple[float, int]] = deque([(time.monotonic() if now is None else now, 0)])

    def recent(self, total: int, now: float | None = None) -> int:
        """Faults since the newest report at least `window_s` old (or since the start)."""
        now = time.monotonic() if now is None else now
        self._totals.append((now, total))
        while len(self._totals) > 1 and now - self._totals[1][0] >= self.window_s:
            self._totals.popleft()
        return max(0, total - self._totals[0][1])


def ingest_status(status: dict[str, Any], window: FaultWindow | None = None) -> DiagnosticStatus:
    """One status for an ingest node: WARN while anything was dropped or rejected in `window` (None: ever)."""
    topics: dict[str, dict[str, int]] = status.get("topics", {})
    dropped = sum(c.get("dropped", 0) for c in topics.values()) + status.get("frames_dropped_backlog", 0)
    rejected = status.get("frames_rejected", 0)
    faults = dropped + rejected + status.get("perception_restarts", 0)
    recent = faults if window is None else window.recent(faults)
    values = [_kv(k, status.get(k, "")) for k in ("ingest_rate_hz", "frames_ingested", "frames_rejected",
                                                  "frames_dropped_backlog", "frames_waiting", "mean_processing_ms",
                                                  "perception_restarts", "last_error")]
    for topic, counters in sorted(topics.items()):
        for key in ("received", "matched", "dropped", "unmatched", "late", "duplicate", "out_of_order", "invalid"):
            values.append(_kv(f"{topic}/{key}", counters.get(key, 0)))
    if window is not None:
        values.append(_kv("faults_in_window", recent))
        values.append(_kv("window_s", float(window.window_s)))
    for key in ("frames_already_stored", "frames_clock_skew", "store_fault", "store_fault_s", "store_faults",
                "store_retries", "store_last_outage_s", "store_resume_delay_s", "fatal_error"):
        if key in status:
            values.append(_kv(key, status[key]))
    level = DiagnosticStatus.WARN if recent else DiagnosticStatus.OK
    message = f"{status.get('frames_ingested', 0)} frames ingested, {rejected} rejected, {dropped} messages dropped"
    if window is not None:
        message += f" ({recent} faults in the last {window.window_s:g} s)"
    if status.get("store_fault") or status.get("fatal_error"):  # ingestion is stalled or stopped (issue 15)
        level = DiagnosticStatus.ERROR
        message = (f"ingestion stopped: {status['fatal_error']}" if status.get("fatal_error") else
                   f"store fault, retrying for {status.get('store_fault_s', 0.0):.1f} s: {status['store_fault']}")
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
