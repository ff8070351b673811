"""SharedStore: one store per path in a process; a reader re-opens the file another writer changed."""

from __future__ import annotations

import threading
import time

import pytest

from memory_node.shared_store import SharedStore
from memory_node.synthetic_stream import FLOOR_PLAN, synthetic_frames
from perception.frame_processing import FrameProcessor
from scene_graph.store import MemoryStore


def test_acquire_shares_one_store_per_path_and_closes_with_the_last_user(tmp_path):
    db = tmp_path / "m.db"
    a = SharedStore.acquire(str(db), FLOOR_PLAN, writer=True)
    b = SharedStore.acquire(str(tmp_path / "." / "m.db"))
    assert a is b and a.users == 2 and a.writers == 1
    a.release(writer=True)
    assert b.store.conn is not None
    b.release()
    assert a.store.conn is None
    c = SharedStore.acquire(str(db))
    assert c is not a
    c.release()


def test_reader_refreshes_after_another_writer_changed_the_file(tmp_path):
    db = tmp_path / "m.db"
    MemoryStore.open(db, FLOOR_PLAN).close()
    reader = SharedStore.acquire(str(db))
    try:
        assert reader.read(lambda s: s.snapshot(None).objects) == []
        processor = FrameProcessor()
        with MemoryStore.open(db) as writer:  # stands in for the ingest_node process
            for frame in synthetic_frames(12):
                writer.ingest(processor.process(frame))
        assert reader.refresh_if_changed(0.0)
        assert len(reader.read(lambda s: s.snapshot(None).objects)) == 6
        assert not reader.refresh_if_changed(0.0)  # unchanged file: no re-open
    finally:
        reader.release()


def test_queries_and_writes_from_threads_are_serialised(tmp_path):
    shared = SharedStore.acquire(str(tmp_path / "m.db"), FLOOR_PLAN, writer=True)
    processor = FrameProcessor()
    frames = [processor.process(f) for f in synthetic_frames(24)]
    errors = []

    def write():
        for frame in frames:
            shared.write(frame)

    def query():
        try:
            for _ in range(200):
                shared.read(lambda s: (s.locate("mug"), s.snapshot(None)))
        except Exception as exc:  # noqa: BLE001 - any error fails the test
            errors.append(exc)

    threads = [threading.Thread(target=write), threading.Thread(target=query), threading.Thread(target=query)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors
        assert len(shared.read(lambda s: s.snapshot(None).objects)) == 6
    finally:
        shared.release(writer=True)


@pytest.fixture
def direct_and_shared(tmp_path):
    """A plain store in memory and a SharedStore on a file, to be fed the same frames."""
    direct = MemoryStore.open(None, FLOOR_PLAN)
    shared = SharedStore.acquire(str(tmp_path / "shared.db"), FLOOR_PLAN, writer=True)
    try:
        yield direct, shared
    finally:
        direct.close()
        shared.release(writer=True)


def test_surface_evidence_folded_in_after_the_lock_gives_the_same_memory(direct_and_shared):
    direct, shared = direct_and_shared
    processor = FrameProcessor()
    frames = [processor.process(f) for f in synthetic_frames(40, period_s=0.5)]
    assert shared.store.defer_surface_evidence and not direct.defer_surface_evidence
    seen_pending = 0
    lock_free_during_surfaces = []
    original = shared.store.observe_deferred_surfaces

    def observe_and_check():
        nonlocal seen_pending
        if not shared.store._deferred_surfaces:  # ingest's own call, after write() has drained them
            return original()
        seen_pending += len(shared.store._deferred_surfaces)
        got = []

        def query_thread():  # what a query would find: the lock free while the grid is updated
            got.append(shared.lock.acquire(blocking=False))
            if got[-1]:
                shared.lock.release()

        probe = threading.Thread(target=query_thread)
        probe.start()
        probe.join()
        lock_free_during_surfaces.append(got[0])
        original()

    shared.store.observe_deferred_surfaces = observe_and_check
    for frame in frames:
        direct.ingest(frame)
        shared.write(frame)
    assert seen_pending == len(frames) and all(lock_free_during_surfaces)
    assert not shared.store._deferred_surfaces
    assert shared.store.coverage.to_text() == direct.coverage.to_text()

    def summary(store):
        return [(e.kind, e.category, e.discovery, round(e.time, 3)) for e in store.events()]

    assert summary(shared.store) == summary(direct)


def test_a_query_during_a_write_gets_in_between_two_observations(direct_and_shared):
    direct, shared = direct_and_shared
    processor = FrameProcessor()
    frames = [processor.process(f) for f in synthetic_frames(12, period_s=0.5)]
    for frame in frames[:-1]:
        direct.ingest(frame)
        shared.write(frame)
    direct.ingest(frames[-1])
    assert len(frames[-1].observations) >= 3
    steps = []
    original = shared.store._update_matched

    def slow_update(*args, **kwargs):  # each observation's update takes 50 ms
        time.sleep(0.05)
        steps.append("update")
        return original(*args, **kwargs)

    shared.store._update_matched = slow_update
    writer = threading.Thread(target=shared.write, args=(frames[-1],))
    writer.start()
    while not steps:
        time.sleep(0.001)
    asked = time.perf_counter()
    answer = shared.read(lambda s: (steps.count("update"), s.locate("mug")))
    waited = time.perf_counter() - asked
    writer.join()
    updates_seen, beliefs = answer
    total = steps.count("update")
    assert 1 <= updates_seen < total, (updates_seen, total)  # inside the frame, not after it
    assert waited < 0.12  # at most about one observation's update, not the frame's
    assert beliefs and beliefs[0].category == "mug"

    def summary(store):
        return ([(e.kind, e.category, round(e.time, 3)) for e in store.events()],
                sorted((o.id, tuple(round(v, 4) for v in o.position)) for o in store.objects()))

    assert summary(shared.store) == summary(direct)  # the query changed nothing in the write


def test_a_write_with_nobody_waiting_never_releases_the_lock(tmp_path):
    processor = FrameProcessor()
    frames = [processor.process(f) for f in synthetic_frames(6)]
    shared = SharedStore.acquire(str(tmp_path / "m.db"), FLOOR_PLAN, writer=True)
    released = []
    try:
        real_lock = shared.lock

        class CountingLock:
            def __enter__(self):
                return real_lock.__enter__()

            def __exit__(self, *exc):
                return real_lock.__exit__(*exc)

            def acquire(self, *args, **kwargs):
                return real_lock.acquire(*args, **kwargs)

            def release(self):
                released.append(1)
                return real_lock.release()

        shared.lock = shared.store.lock = CountingLock()
        for frame in frames:
            shared.write(frame)
        assert not released
        assert shared.store.between_observations is None  # only set for the duration of a write
    finally:
        shared.lock = shared.store.lock = real_lock
        shared.release(writer=True)
