"""A memory's epoch: which ROS time its d1 00:00 is, fixed by configuration or by its first frame."""

from __future__ import annotations

import pytest

from memory_stack.foundation.time_epoch import (
    MemoryClock,
    TimeEpochError,
    describe_epoch,
    epoch_for_first_stamp,
    parse_epoch,
)
from memory_stack.foundation.time_format import format_time

MONDAY = 1_765_065_600.0  # 2025-12-07T00:00:00Z


def test_parse_epoch_forms():
    assert parse_epoch("auto") is None and parse_epoch(None) is None
    assert parse_epoch(0) == 0.0 and parse_epoch("1765065600") == MONDAY
    assert parse_epoch("2025-12-07") == MONDAY
    assert parse_epoch("2025-12-07T01:00:00+01:00") == MONDAY
    assert parse_epoch("2025-12-07T00:00:00Z") == MONDAY
    for bad in ("yesterday", -5, float("nan"), True):
        with pytest.raises(TimeEpochError, match="time_epoch"):
            parse_epoch(bad)


def test_auto_epoch_is_zero_for_a_simulation_clock_and_midnight_for_unix_time():
    assert epoch_for_first_stamp(36000.0) == 0.0  # simulator: d1 10:00 stays d1 10:00
    assert epoch_for_first_stamp(2 * 86400.0 + 5.0) == 0.0  # a scenario that starts on d3 stays on d3
    assert epoch_for_first_stamp(MONDAY + 10 * 3600 + 12.5) == MONDAY
    assert describe_epoch(MONDAY) == "2025-12-07T00:00:00Z" and describe_epoch(0.0).startswith("simulation")


def test_a_unix_stamped_stream_reads_as_d1_then_d2():
    clock = MemoryClock()
    assert clock.epoch is None
    assert format_time(clock.memory_time(MONDAY + 10 * 3600)) == "d1 10:00" and clock.resolved_now
    assert clock.epoch == MONDAY
    assert format_time(clock.memory_time(MONDAY + 86400 + 8.5 * 3600)) == "d2 08:30" and not clock.resolved_now
    assert clock.ros_time(36000.0) == MONDAY + 36000.0
    with pytest.raises(TimeEpochError, match="before the memory's d1 00:00"):
        clock.memory_time(MONDAY - 1.0)


def test_a_stored_epoch_wins_and_a_conflicting_configured_one_is_refused():
    restarted = MemoryClock("auto", stored=MONDAY)
    assert restarted.memory_time(MONDAY + 3 * 86400) == 3 * 86400 and not restarted.resolved_now
    assert MemoryClock("2025-12-07", stored=MONDAY).epoch == MONDAY
    with pytest.raises(TimeEpochError, match="configured .* but the memory keeps its times from"):
        MemoryClock("2025-12-08", stored=MONDAY)
    configured = MemoryClock("2025-12-06")
    assert configured.memory_time(MONDAY + 60) == 86400 + 60  # the configured day is d1
