"""SharedStore: one store per path in a process; a reader re-opens the file another writer changed."""

from __future__ import annotations

import threading

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
