"""SharedStore: one store per path in a process; a reader re-opens the file another writer changed."""

from __future__ import annotations

import threading
import time

import pytest

from memory_node.shared_store import SharedStore, load_floor_plan
from memory_stack.foundation.package_paths import sim_config
from memory_stack.foundation.typed_config import ConfigError
from perception.frame_processing import FrameProcessor
from perception.synthetic_stream import FLOOR_PLAN, synthetic_frames
from scene_graph.floor_plan_file import save_floor_plan_file
from scene_graph.store import MemoryStore


def test_acquire_shares_one_store_per_path_and_closes_with_the_last_user(tmp_path):
    db = tmp_path / "m.db"
    a = SharedStore.acquire(str(db), FLOOR_PLAN, writer=True)
    b = SharedStore.acquire(str(tmp_path / "." / "m.db"))
    assert a is b and a.users == 2 and a.writers == 1
    a.release(writer=True)
    assert not b.store.closed
    b.release()
    assert a.store.closed
    c = SharedStore.acquire(str(db))
    assert c is not a
    c.release()


def test_the_nodes_map_is_a_floor_plan_file_or_a_scenarios_rooms_and_doors(tmp_path):
    assert load_floor_plan("") is None
    assert load_floor_plan(str(save_floor_plan_file(FLOOR_PLAN, tmp_path / "map.yaml"))) == FLOOR_PLAN
    apartment = load_floor_plan(str(sim_config("apartment_two_days.yaml")))
    assert [room.name for room in apartment.rooms] == ["kitchen", "living_room"] and len(apartment.doors) == 1
    with pytest.raises(ConfigError, match="missing.yaml"):
        load_floor_plan(str(tmp_path / "missing.yaml"))


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
        assert reader.wait_for_refresh(10.0)
        assert len(reader.read(lambda s: s.snapshot(None).objects)) == 6
        assert not reader.refresh_if_changed(0.0)  # unchanged file: no re-open
    finally:
        reader.release()


def test_a_reader_started_before_the_writer_process_made_the_file_answers_empty_then_reads_it(tmp_path):
    db = tmp_path / "m.db"
    reader = SharedStore.acquire(str(db), FLOOR_PLAN)  # memory_server host_ingest:=false, started first
    try:
        assert not db.exists(), "a reader never creates the memory"
        assert reader.read(lambda s: s.snapshot(None).objects) == []
        assert not reader.refresh_if_changed(0.0)  # still no file
        processor = FrameProcessor()
        with MemoryStore.open(db) as writer:  # the ingest_node process, started second
            for frame in synthetic_frames(12):
                writer.ingest(processor.process(frame))
        assert reader.refresh_if_changed(0.0) and reader.wait_for_refresh(10.0)
        assert len(reader.read(lambda s: s.snapshot(None).objects)) == 6
        assert reader.store.file.read_only
    finally:
        reader.release()


def test_a_writer_in_the_same_process_opens_the_file_a_reader_found_missing(tmp_path):
    db = tmp_path / "m.db"
    reader = SharedStore.acquire(str(db), FLOOR_PLAN)
    writer = SharedStore.acquire(str(db), writer=True)
    try:
        assert writer is reader and db.exists() and not writer.store.file.read_only
        writer.write(FrameProcessor().process(next(iter(synthetic_frames(1)))))
    finally:
        writer.release(writer=True)
        reader.release()


@pytest.fixture(scope="module")
def processed_frames():
    processor = FrameProcessor()
    return [processor.process(f) for f in synthetic_frames(12)]


def objects_of(shared):
    return shared.read(lambda s: s.snapshot(None).objects)


@pytest.fixture
def reader_before_writes(tmp_path):
    """A reader SharedStore over a file holding only the floor plan, and that file's path for a writer."""
    db = tmp_path / "m.db"
    MemoryStore.open(db, FLOOR_PLAN).close()
    reader = SharedStore.acquire(str(db))
    try:
        yield reader, db
    finally:
        reader.release()


class GatedOpen:
    """The reader's real `_open`, held at its start until `proceed` is set, to catch a reload in flight."""

    def __init__(self, shared):
        self.real = shared._open
        self.started = threading.Event()
        self.proceed = threading.Event()
        self.opened = []
        shared._open = self

    def __call__(self, *args, **kwargs):
        self.started.set()
        assert self.proceed.wait(10.0)
        self.opened.append(self.real(*args, **kwargs))
        return self.opened[-1]


def write_frames(db, frames):
    with MemoryStore.open(db) as writer:  # stands in for the ingest_node process
        for frame in frames:
            writer.ingest(frame)


def test_a_reload_runs_in_the_background_while_queries_answer_from_the_old_store(reader_before_writes,
                                                                                  processed_frames):
    reader, db = reader_before_writes
    write_frames(db, processed_frames)
    gate = GatedOpen(reader)
    old = reader.store
    assert reader.refresh_if_changed(0.0)  # returned while the load cannot finish
    assert gate.started.wait(10.0) and not reader.wait_for_refresh(0.0)
    assert not reader.refresh_if_changed(0.0)  # never two reloads at once
    assert objects_of(reader) == [] and reader.store is old
    gate.proceed.set()
    assert reader.wait_for_refresh(10.0)
    assert len(gate.opened) == 1 and reader.store is gate.opened[0]
    assert len(objects_of(reader)) == 6
    assert old.closed  # the replaced store is closed
    assert not reader.refresh_if_changed(0.0)


def test_a_change_during_the_load_brings_another_reload(reader_before_writes, processed_frames):
    reader, db = reader_before_writes
    write_frames(db, processed_frames[:6])
    gate = GatedOpen(reader)
    assert reader.refresh_if_changed(0.0)
    assert gate.started.wait(10.0)
    write_frames(db, processed_frames[6:])
    gate.proceed.set()
    assert reader.wait_for_refresh(10.0)
    assert reader.refresh_if_changed(0.0)  # the signature was taken before the load, so this write is new
    assert reader.wait_for_refresh(10.0)
    assert len(gate.opened) == 2 and len(objects_of(reader)) == 6


def test_a_reload_is_not_started_again_before_min_period(reader_before_writes, processed_frames):
    reader, db = reader_before_writes
    write_frames(db, processed_frames[:6])
    assert reader.refresh_if_changed(0.0) and reader.wait_for_refresh(10.0)
    write_frames(db, processed_frames[6:])
    assert not reader.refresh_if_changed(3600.0)
    assert reader.refresh_if_changed(0.0) and reader.wait_for_refresh(10.0)


def test_a_failed_reload_keeps_answering_from_the_old_store(tmp_path, processed_frames, caplog):
    db = tmp_path / "m.db"
    MemoryStore.open(db, FLOOR_PLAN).close()
    write_frames(db, processed_frames)
    reader = SharedStore.acquire(str(db))
    try:
        old = reader.store
        assert len(objects_of(reader)) == 6
        db.write_bytes(b"not a database " * 512)  # another process left a corrupt file
        with caplog.at_level("WARNING", logger="memory_node.shared_store"):
            assert reader.refresh_if_changed(0.0)
            assert reader.wait_for_refresh(10.0)
        assert reader.store is old and len(objects_of(reader)) == 6
        assert [r for r in caplog.records if str(db) in r.getMessage() and "could not re-open" in r.getMessage()]
        assert reader.refresh_if_changed(0.0) and reader.wait_for_refresh(10.0)  # tried again, as it may heal
        assert reader.store is old
    finally:
        reader.release()


def test_a_reload_finishing_after_release_closes_what_it_loaded(tmp_path, processed_frames):
    db = tmp_path / "m.db"
    MemoryStore.open(db, FLOOR_PLAN).close()
    reader = SharedStore.acquire(str(db))
    write_frames(db, processed_frames)
    gate = GatedOpen(reader)
    old = reader.store
    assert reader.refresh_if_changed(0.0) and gate.started.wait(10.0)
    reader.release()  # shutdown while the load runs: returns without waiting for it
    assert old.closed
    gate.proceed.set()
    assert reader.wait_for_refresh(10.0)
    assert reader.store is old and gate.opened[0].closed
    assert not reader.refresh_if_changed(0.0)


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
        if not shared.store.deferred_surface_frames:  # ingest's own call, after write() has drained them
            return original()
        seen_pending += shared.store.deferred_surface_frames
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
    assert not shared.store.deferred_surface_frames
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
    original = shared.store.tracker._update_matched

    def slow_update(*args, **kwargs):  # each observation's update takes 50 ms
        time.sleep(0.05)
        steps.append("update")
        return original(*args, **kwargs)

    shared.store.tracker._update_matched = slow_update
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
