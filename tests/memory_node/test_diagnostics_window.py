"""Ingest diagnostics WARN while faults are recent and return to OK after the window, totals kept."""

from __future__ import annotations

import pytest

pytest.importorskip("diagnostic_msgs")

from memory_node.diagnostics_report import FaultWindow, ingest_status, status_values  # noqa: E402


def test_faults_count_only_inside_the_window():
    window = FaultWindow(window_s=10.0, now=0.0)
    assert window.recent(0, now=1.0) == 0
    assert window.recent(3, now=2.0) == 3, "three drops since the start"
    assert window.recent(3, now=9.0) == 3, "still inside the window"
    assert window.recent(3, now=12.5) == 0, "the drops happened more than 10 s ago"
    assert window.recent(5, now=13.0) == 2, "a new burst counts from the last report outside the window"


def test_status_level_follows_the_window_not_the_totals():
    status = {"node": "ingest_node", "frames_ingested": 40, "frames_rejected": 1,
              "topics": {"camera/color/image_raw": {"received": 50, "dropped": 2}}}
    window = FaultWindow(window_s=0.05)
    first = ingest_status(status, window)
    assert first.level == first.WARN and status_values(first)["faults_in_window"] == "3"
    import time

    time.sleep(0.06)
    ingest_status(status, window)  # a report in the window's past: the baseline moves to it
    time.sleep(0.06)
    later = ingest_status(status, window)
    assert later.level == later.OK, "no new fault for longer than the window"
    assert status_values(later)["frames_rejected"] == "1", "totals are still reported"
    assert ingest_status(status).level == later.WARN, "without a window: any fault ever"
