"""Live ingestion's fault rules without middleware: store-write retry, clock skew, replay/resume skipping.

The retry runs against a real MemoryStore on a real SQLite file that another connection locks; the
cross-process versions (real DDS, `memstack up`) are in test_fault_injection.py.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from memory_node.ingest_faults import ClockSkewGuard, RetryPolicy, SparseLog, StoreWriteRetry, UnsurvivableFault
from scene_graph.persistence import StoreFault
from scene_graph.store import MemoryStore
from scene_graph.synthetic_frames import Box, render
from scene_graph.types import CameraIntrinsics

BOXES = [Box("table", (8.0, 2.5, 0.375), (0.6, 0.4, 0.375)), Box("mug", (8.0, 2.5, 0.8), (0.05, 0.05, 0.05))]
K = CameraIntrinsics.from_hfov(32, 24, 70)


def frame(i: int, t: float | None = None):
    return render(i, 10.0 * i if t is None else t, (8.0, 4.6, 1.3), (8.0, 2.5, 0.7), BOXES, K)


def test_a_locked_store_is_retried_until_the_lock_clears_and_the_frame_is_kept(tmp_path):
    db = tmp_path / "m.db"
    with MemoryStore.open(db) as store:
        store.ingest(frame(1))
        store.file.set_busy_timeout(0.02)
        retry = StoreWriteRetry(store.ingest, RetryPolicy(first_delay_s=0.01, max_delay_s=0.05))
        holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        released = []

        def release() -> None:
            time.sleep(0.6)
            holder.execute("ROLLBACK")
            released.append(time.monotonic())

        threading.Thread(target=release).start()
        retry(frame(2))  # blocks until the lock is gone, then writes the frame
        done = time.monotonic()
        holder.close()
        assert store.last_frame_id == 2 and store.frames_stored == 2
        status = retry.status
        assert status.faults == 1 and status.retries >= 3 and status.fault == ""
        assert status.last_outage_s >= 0.5
        assert done - released[0] < 0.2  # resumed within one backoff step of the fault clearing


def test_a_fault_that_is_not_transient_or_lasts_too_long_is_unsurvivable():
    calls = []

    def damaged(_frame):
        calls.append(1)
        raise StoreFault("m.db: damaged memory store (malformed)", "damaged")

    with pytest.raises(UnsurvivableFault, match="damaged"):
        StoreWriteRetry(damaged)(object())
    assert len(calls) == 1  # never retried

    def locked(_frame):
        raise StoreFault("m.db: locked", "locked", before_write=True)

    retry = StoreWriteRetry(locked, RetryPolicy(first_delay_s=0.01, max_delay_s=0.02, give_up_s=0.1))
    with pytest.raises(UnsurvivableFault, match="still failing after"):
        retry(object())
    assert retry.status.retries >= 3


def test_stopping_gives_up_the_frame_in_hand_as_a_store_fault():
    retry = StoreWriteRetry(lambda _f: (_ for _ in ()).throw(StoreFault("m.db: full", "full")),
                            RetryPolicy(first_delay_s=0.01, max_delay_s=0.01))
    threading.Timer(0.1, retry.stopping.set).start()
    with pytest.raises(StoreFault, match="full"):
        retry(object())


def test_a_far_future_stamp_is_rejected_and_never_becomes_now():
    ros_now = [1_000_000.0]
    guard = ClockSkewGuard(tolerance_s=60.0, ros_now=lambda: ros_now[0], confirm_frames=3)
    assert guard.check(999_990.0) is None
    guard.accepted(999_990.0)
    assert "ahead of ROS time" in guard.check(2e9)
    assert guard.check(1_000_040.0) is None  # within the tolerance of ROS time and of the stream
    assert "ahead of ROS time" in guard.check(1_000_061.0)
    assert guard.last_accepted == 999_990.0  # a rejected stamp is never accepted
    no_clock = ClockSkewGuard(tolerance_s=60.0, ros_now=lambda: None)
    zero_clock = ClockSkewGuard(tolerance_s=60.0, ros_now=lambda: 0.0)  # sim time before /clock: no clock
    assert no_clock.check(2e9) is None and zero_clock.check(2e9) is None


def test_a_jump_of_the_stream_that_the_clock_agrees_with_loses_no_frame():
    ros_now = [100.0]
    guard = ClockSkewGuard(tolerance_s=60.0, ros_now=lambda: ros_now[0], confirm_frames=3)
    guard.accepted(100.0)
    ros_now[0] = 3100.0  # the (simulated or recorded) clock moved on: a pause, the next episode
    assert guard.check(3100.0) is None  # the first frame after the jump is taken, not held for confirmation
    guard.accepted(3100.0)
    assert guard.check(3101.0) is None and guard.rejected == 0
    assert "ahead of ROS time" in guard.check(9000.0)  # a stamp ahead of the clock still is not


def test_a_jump_of_the_stream_needs_consecutive_frames_to_agree():
    guard = ClockSkewGuard(tolerance_s=60.0, confirm_frames=3)
    guard.accepted(100.0)
    assert "ahead of the stream" in guard.check(2e9)  # one outlier (all its messages)
    assert "ahead of the stream" in guard.check(2e9)
    assert guard.check(101.0) is None  # the stream goes on
    guard.accepted(101.0)
    assert guard.check(5000.0) and guard.check(5000.0) and guard.check(5001.0)  # a real jump: two frames rejected
    assert guard.check(5002.0) is None  # the third frame in a row confirms it
    assert guard.check(5002.0) is None  # and the rest of that frame's messages pass too
    guard.accepted(5002.0)
    assert guard.check(5003.0) is None
    assert guard.check(4000.0) is None  # not ahead: late frames are for the late rule, not this one
    assert guard.rejected == 3  # frames, not messages


def test_sparse_log_says_a_flood_once_a_second_per_key():
    said, clock = [], [0.0]
    log = SparseLog(said.append, 1.0, clock=lambda: clock[0])
    for i in range(100):
        clock[0] = i * 0.05
        log.say("rgb", f"drop {i}")
        log.say("depth", f"drop {i}")
    assert [m for m in said] == ["drop 0", "drop 0", "drop 20", "drop 20", "drop 40", "drop 40", "drop 60",
                                 "drop 60", "drop 80", "drop 80"]
