"""Durability: reopen rebuilds the same memory; bad files are refused untouched; kill -9 loses <= 1 frame."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from memory_stack.foundation.errors import BadInputError
from scene_graph.persistence import SCHEMA_VERSION
from scene_graph.store import MemoryStore

from .conftest import FLOOR_PLAN

ROOT = Path(__file__).resolve().parents[2]


def _state(store):
    objs = sorted((o.id, o.category, o.present, o.rests_on, o.room, o.state)
                  for o in store.objects(include_absent=True))
    evs = [(e.kind, e.object_id, e.time) for e in store.events()]
    snaps = sorted(o.id for o in store.snapshot(20.0).objects)
    return objs, evs, snaps, store.observed_intervals(), [e.summary for e in store.episodes()]


def test_reopen_rebuilds_the_same_memory(tmp_path, world):
    path = tmp_path / "memory.db"
    with MemoryStore.open(path, FLOOR_PLAN) as store:
        ep = store.begin_episode("patrol", "p1", 0.0)
        world.look(store, "counter", "table", "fridge")
        world.time = 3600.0
        world.boxes["mug"].centre = (8.3, 2.6, 0.8)
        world.set_open("fridge", True)
        world.look(store, "counter", "table", "fridge", times=3)
        store.end_episode(ep, world.time)
        store.add_fact("mug_1", "belongs_to", "alice", recorded_at=10.0)
        before = _state(store)
        history = store.history(store.locate("mug")[0].object_id)
    with MemoryStore.open(path) as store:
        assert store.floor_plan == FLOOR_PLAN
        assert _state(store) == before
        assert store.history(history.object_id) == history
        assert store.facts(predicate="belongs_to")[0].object == "alice"
        world.look(store, "counter", "table")  # and it keeps working after the reopen
        assert store.count("moved", "mug") == 1


def _unchanged_after_refusal(path: Path, match: str) -> None:
    data = path.read_bytes()
    with pytest.raises(BadInputError, match=match) as info:
        MemoryStore.open(path)
    assert str(path) in str(info.value)
    assert path.read_bytes() == data
    assert not Path(str(path) + "-wal").exists() or Path(str(path) + "-wal").stat().st_size == 0


def test_a_non_sqlite_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(os.urandom(5000))
    _unchanged_after_refusal(path, "not an SQLite file")


def test_a_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers(name) VALUES ('x')")
    conn.commit()
    conn.close()
    _unchanged_after_refusal(path, "not a memory_stack memory store")


def test_a_damaged_store_is_refused_and_left_untouched(tmp_path, world):
    path = tmp_path / "memory.db"
    with MemoryStore.open(path, FLOOR_PLAN) as store:
        for _ in range(20):
            world.look(store, "counter", "table", times=1)
        store.file.checkpoint()
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    data[2 * page: len(data) - page] = os.urandom(len(data) - 3 * page)
    path.write_bytes(bytes(data))
    _unchanged_after_refusal(path, "damaged memory store|not a memory_stack")


def test_a_newer_schema_version_is_refused_naming_both_versions(tmp_path):
    path = tmp_path / "memory.db"
    MemoryStore.open(path, FLOOR_PLAN).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=99")
    conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    _unchanged_after_refusal(path, f"schema version 99 is newer than version {SCHEMA_VERSION}, which this")


def test_a_schema_version_the_meta_row_contradicts_is_a_damaged_record(tmp_path):
    path = tmp_path / "memory.db"
    MemoryStore.open(path, FLOOR_PLAN).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    _unchanged_after_refusal(path, "damaged record meta schema_version='99': does not match the file's user_version")


def test_an_empty_file_becomes_a_new_store(tmp_path):
    path = tmp_path / "memory.db"
    path.touch()
    with MemoryStore.open(path, FLOOR_PLAN) as store:
        assert store.objects() == []
    with pytest.raises(BadInputError, match="is a directory"):
        MemoryStore.open(tmp_path)


KILL_CHILD = textwrap.dedent("""
    import sys
    from scene_graph.store import MemoryStore
    from scene_graph.synthetic_frames import Box, render
    from scene_graph.types import CameraIntrinsics
    store = MemoryStore.open(sys.argv[1])
    boxes = [Box("table", (8.0, 2.5, 0.375), (0.6, 0.4, 0.375)), Box("mug", (8.0, 2.5, 0.8), (0.05, 0.05, 0.05))]
    k = CameraIntrinsics.from_hfov(32, 24, 70)
    i = store.last_frame_id + 1
    while True:
        boxes[1].centre = (7.7 + 0.6 * ((i // 10) % 2), 2.5, 0.8)
        store.ingest(render(i, 10.0 * i, (8.0, 4.6, 1.3), (8.0, 2.5, 0.7), boxes, k))
        print(i, flush=True)
        i += 1
""")


def test_kill_9_during_ingest_loses_at_most_the_frame_in_flight(tmp_path):
    path = tmp_path / "memory.db"
    MemoryStore.open(path, FLOOR_PLAN).close()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for round_ in range(2):
        proc = subprocess.Popen([sys.executable, "-c", KILL_CHILD, str(path)], stdout=subprocess.PIPE, env=env,
                                cwd=ROOT, text=True)
        last = -1
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                line = proc.stdout.readline()
                if not line:
                    break
                last = int(line)
                if last >= 60 * (round_ + 1):
                    break
            # Freeze the child wherever it is (possibly mid-transaction), collect every commit it
            # reported before that instant, then kill it: only the frame in flight is unaccounted for.
            proc.send_signal(signal.SIGSTOP)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            for line in proc.stdout:
                last = int(line)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        assert last >= 60 * (round_ + 1), "the child did not ingest"
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        with MemoryStore.open(path) as store:
            assert store.last_frame_id >= last  # every frame the child reported as committed is there
            assert store.last_frame_id <= last + 1  # at most the frame in flight had also committed
            mugs = [o for o in store.objects() if o.category == "mug"]
            assert len(mugs) == 1 and store.count("moved", "mug") >= 5


def test_days_without_change_do_not_grow_the_store(tmp_path, world):
    path = tmp_path / "memory.db"

    def day(store):
        for hour in range(24):
            world.time = world.day * 86400.0 + hour * 3600.0
            world.look(store, "counter", "table", "fridge", times=2)
        world.day += 1

    world.day = 0
    with MemoryStore.open(path, FLOOR_PLAN) as store:
        day(store)
        store.file.checkpoint()
        size1 = path.stat().st_size
        rows = [store.file.row_count(t) for t in ("events", "locations", "intervals", "objects")]
        for _ in range(3):
            day(store)
        store.file.checkpoint()
        size4 = path.stat().st_size
        assert [store.file.row_count(t)
                for t in ("events", "locations", "intervals", "objects")] == rows
        assert store.history(store.locate("mug")[0].object_id).intervals[0].sightings >= 4 * 24 * 2
    assert (size4 - size1) / 3 < 64 * 1024, f"{(size4 - size1) / 3:.0f} bytes per unchanged day"


def _answers(store, past: float):
    beliefs = [(b.object_id, b.probability, b.last_seen, b.rests_on) for b in store.locate("mug", at=past)]
    snap = sorted((o.id, o.last_seen, o.room) for o in store.snapshot(past).objects)
    looked = [store.last_observed(room, t) for room in ("kitchen", "living_room") for t in (past, 200.0)]
    return (beliefs, snap, looked, store.observed_intervals(),
            [(e.kind, e.object_id, e.time) for e in store.events()])


def test_a_rolled_back_frame_leaves_no_trace_in_answers(tmp_path, world, monkeypatch):
    """Queries after a failed frame answer from what the file holds, even with their caches warm before it."""
    from scene_graph.surface_coverage import SurfaceCoverage

    path = tmp_path / "memory.db"
    with MemoryStore.open(path, FLOOR_PLAN) as store:
        world.look(store, "counter", times=3)  # the kitchen looked at until t=15
        world.look(store, "table", times=1, dt=60.0)  # then the living room at t=75
        past = 70.0  # kitchen last looked at 15 s, answered from the warm caches
        warm = _answers(store, past)

        def fail(*args, **kwargs):
            raise RuntimeError("disk full")

        # the kitchen again at t=135: the frame extends the kitchen's observed interval, then fails
        monkeypatch.setattr(SurfaceCoverage, "observe", fail)
        with pytest.raises(RuntimeError, match="disk full"):
            store.ingest(world.frame("counter", dt=60.0))
        monkeypatch.undo()
        after = _answers(store, past)
    with MemoryStore.open(path, FLOOR_PLAN) as reopened:
        held = _answers(reopened, past)
    assert held == warm  # the file holds nothing of the failed frame
    assert after == held
