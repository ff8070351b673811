"""Approximate-time synchronisation: matching, and counted drops (unmatched, late, duplicate, out-of-order)."""

from __future__ import annotations

import threading

import pytest

from memory_node.frame_synchronizer import ApproximateTimeSynchronizer

STREAMS = ("rgb", "depth", "pose")


def feed(sync, stream, stamp):
    return sync.add(stream, stamp, f"{stream}@{stamp}")


def test_matches_one_message_per_stream_within_slop():
    sync = ApproximateTimeSynchronizer(STREAMS, slop=0.01)
    assert feed(sync, "rgb", 1.000) is None
    assert feed(sync, "depth", 1.004) is None
    matched = feed(sync, "pose", 0.998)
    assert matched is not None
    assert matched.messages == {"rgb": "rgb@1.0", "depth": "depth@1.004", "pose": "pose@0.998"}
    assert matched.stamp == pytest.approx(1.004)
    assert sync.queued() == {"rgb": 0, "depth": 0, "pose": 0}
    assert all(c.matched == 1 and c.dropped == 0 for c in sync.counters().values())


def test_messages_outside_slop_do_not_match_and_older_ones_are_dropped_as_unmatched():
    sync = ApproximateTimeSynchronizer(STREAMS, slop=0.01)
    feed(sync, "rgb", 1.0)
    feed(sync, "depth", 1.05)  # too far from rgb 1.0
    assert feed(sync, "pose", 1.05) is None
    assert feed(sync, "rgb", 1.051) is not None  # rgb 1.0 is now hopeless
    counters = sync.counters()
    assert counters["rgb"].unmatched == 1 and counters["rgb"].matched == 1
    assert counters["depth"].dropped == 0


def test_picks_the_closest_candidate():
    sync = ApproximateTimeSynchronizer(("a", "b"), slop=0.05)
    feed(sync, "a", 1.00)
    feed(sync, "a", 1.03)
    matched = feed(sync, "b", 1.031)
    assert matched.messages["a"] == "a@1.03"
    assert sync.counters()["a"].unmatched == 1  # a@1.00 is older than the emitted set


def test_duplicates_out_of_order_and_late_are_counted_per_stream():
    sync = ApproximateTimeSynchronizer(("a", "b"), slop=0.01)
    feed(sync, "a", 2.0)
    assert feed(sync, "a", 2.0) is None  # duplicate stamp
    assert feed(sync, "a", 1.5) is None  # older than the newest on this stream
    assert feed(sync, "b", 2.0) is not None
    assert feed(sync, "b", 1.99) is None  # out of order on b
    feed(sync, "a", 2.5)
    feed(sync, "b", 2.5)
    c = sync.counters()
    assert (c["a"].duplicate, c["a"].out_of_order, c["a"].matched) == (1, 1, 2)
    assert (c["b"].out_of_order, c["b"].matched) == (1, 2)
    assert c["a"].received == 4 and c["a"].dropped == 2


def test_late_message_after_a_newer_set_was_emitted():
    sync = ApproximateTimeSynchronizer(("a", "b"), slop=0.01)
    feed(sync, "a", 5.0)
    assert feed(sync, "b", 5.005) is not None  # set stamp 5.005
    # newer than a's newest (5.0) but not newer than the emitted set: it can never be matched
    assert sync.add("a", 5.002, "x") is None
    assert sync.counters()["a"].late == 1
    assert sync.queued()["a"] == 0


def test_bounded_queue_overflow_is_counted():
    sync = ApproximateTimeSynchronizer(("a", "b"), slop=0.01, queue_size=3)
    for i in range(10):
        feed(sync, "a", float(i))
    counters = sync.counters()["a"]
    assert sync.queued()["a"] == 3
    assert counters.overflow == 7 and counters.unmatched == 7
    assert feed(sync, "b", 9.0) is not None


def test_invalid_messages_are_counted():
    sync = ApproximateTimeSynchronizer(("a",), slop=0.0)
    sync.count_invalid("a")
    assert sync.counters()["a"].invalid == 1 and sync.counters()["a"].dropped == 1
    with pytest.raises(KeyError):
        sync.add("nope", 1.0, None)


def test_constructor_validates():
    with pytest.raises(ValueError):
        ApproximateTimeSynchronizer([], slop=0.1)
    with pytest.raises(ValueError):
        ApproximateTimeSynchronizer(["a", "a"])
    with pytest.raises(ValueError):
        ApproximateTimeSynchronizer(["a"], slop=-1)


def test_concurrent_producers_emit_each_set_once():
    sync = ApproximateTimeSynchronizer(("a", "b"), slop=0.001, queue_size=1000)
    emitted = []
    lock = threading.Lock()

    def produce(stream):
        for i in range(500):
            result = sync.add(stream, i * 0.1, i)
            if result is not None:
                with lock:
                    emitted.append(result.stamps["a"])

    threads = [threading.Thread(target=produce, args=(s,)) for s in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(emitted) == len(set(emitted))
    counters = sync.counters()
    assert counters["a"].matched == len(emitted)
    assert counters["a"].matched + counters["a"].dropped + sync.queued()["a"] == 500
