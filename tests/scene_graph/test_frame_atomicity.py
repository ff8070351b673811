"""A frame is all or nothing: a failure at any step inside one frame's ingest leaves the memory as it was.

Every step = every SQL statement the frame runs (BEGIN and COMMIT included) and every point between
two observations. The fault is injected at step 1, 2, ... until the frame runs to the end; after each
failure the memory (every track, record, event, episode, the free-surface grid and the bookkeeping
only memory holds) equals the memory before the frame, and the file equals the file before it.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from bench.sqlite_faults import FaultyConnection
from scene_graph.persistence import TABLES, StoreFault
from scene_graph.store import MemoryStore
from scene_graph.unsaved_state import _TRACK_SLOTS

from .conftest import FLOOR_PLAN, BoxWorld


class InjectedFault(RuntimeError):
    pass


def _plain(value):
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return sorted(value)
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if hasattr(value, "__slots__"):  # e.g. a track's running colour summary
        return {k: _plain(getattr(value, k)) for k in value.__slots__}
    return value


def memory_state(store: MemoryStore) -> dict:
    """Everything the memory holds in RAM, as plain comparable values."""
    tracker = store.tracker
    tracks = {oid: {slot: _plain(getattr(obj, slot)) for slot in type(obj).__slots__}
              for oid, obj in tracker.tracks.items()}
    coverage = tracker.coverage
    return {
        "tracks": tracks, "order": list(tracker.tracks),
        "next_object_number": tracker.next_object_number,
        "events": _plain(store.temporal.event_log), "observed": _plain(store.temporal.observed),
        "trajectory": _plain(store.temporal.trajectory),
        "episodes": _plain(store.episodic.episode_map), "open": _plain(store.episodic.open_episode_objects),
        "facts": _plain(store.semantic.fact_map),
        "coverage": _plain([coverage.origin, coverage.floor, coverage.height, coverage.last_empty,
                            coverage.last_clear, coverage.dirty]),
        "laid": _plain(tracker._laid_surfaces), "expiry": tracker._next_expiry_check,
        "last": (store.last_frame_id, store.last_time, store.last_frame_key),
    }


def file_state(path) -> dict:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in TABLES}
    finally:
        conn.close()


def _memory_with_history(path):
    """A memory with history and the next frame to ingest (the keys missing from the table).

    The history leaves bookkeeping that lives only in RAM: an open episode, a door seen opening, bare surfaces.
    """
    world = BoxWorld()
    store = MemoryStore.open(path, FLOOR_PLAN)
    store.begin_episode("patrol", "p1", 0.0)
    world.look(store, "counter", "table", "fridge", times=2)
    store.add_fact("mug_1", "belongs_to", "alice", recorded_at=10.0)
    world.boxes["mug"].centre = (8.3, 2.6, 0.8)
    world.set_open("fridge", True)
    world.look(store, "table", "fridge", times=1)
    world.boxes["keys"].centre = (1.1, 0.5, 0.92)
    return store, world.frame("table")


def test_a_failure_at_every_step_of_a_frame_leaves_memory_and_file_as_before(tmp_path):
    reference, frame = _memory_with_history(tmp_path / "reference.db")
    with reference:  # the frame without a fault: how many steps it has
        steps, between = [0], [0]
        reference.file._conn = FaultyConnection(reference.file._conn, steps, fail_at=0)
        reference.between_observations = lambda: between.__setitem__(0, between[0] + 1)
        result = reference.ingest(frame)
        statements, pauses = steps[0], between[0]
    assert result.matched and statements > 10 and pauses >= 1
    failures = 0
    for fail_at in range(1, statements + pauses + 1):
        store, frame = _memory_with_history(tmp_path / f"fault{fail_at}.db")
        with store:
            before_memory, before_file = memory_state(store), file_state(store.db_path)
            if fail_at <= statements:
                store.file._conn = FaultyConnection(store.file._conn, [0], fail_at)
                expected: type[Exception] = StoreFault
            else:
                pause = [0]

                def fail_between(n=fail_at - statements, pause=pause):
                    pause[0] += 1
                    if pause[0] == n:
                        raise InjectedFault(f"between observations, pause {n}")

                store.between_observations = fail_between
                expected = InjectedFault
            with pytest.raises(expected):
                store.ingest(frame)
            failures += 1
            store.between_observations = None
            store.file._conn = getattr(store.file._conn, "_conn", store.file._conn)
            assert memory_state(store) == before_memory, f"memory changed by a frame failing at step {fail_at}"
            assert file_state(store.db_path) == before_file, f"file changed by a frame failing at step {fail_at}"
            # and the same frame then goes in whole, as it would have without the fault
            store.ingest(frame)
            assert memory_state(store)["last"][0] == frame.frame_id
    assert failures == statements + pauses


def test_a_frame_after_a_failed_one_gives_the_memory_a_clean_run_gives(tmp_path):
    """The memory after fail-then-retry equals the memory after the frame alone (no half frame survives)."""
    clean, frame = _memory_with_history(tmp_path / "clean.db")
    with clean:
        clean.ingest(frame)
        expected_memory, expected_file = memory_state(clean), file_state(clean.db_path)
    store, frame = _memory_with_history(tmp_path / "retried.db")
    with store:
        real = store.file._conn
        store.file._conn = FaultyConnection(real, [0], fail_at=5)
        with pytest.raises(StoreFault, match="disk I/O error"):
            store.ingest(frame)
        store.file._conn = real
        store.ingest(frame)
        assert memory_state(store) == expected_memory
        assert file_state(store.db_path) == expected_file


def test_the_unsaved_bookkeeping_is_the_part_a_reload_alone_would_lose(tmp_path):
    """Breaks if `unsaved_state` stops covering a TrackedObject slot that has no column in the file."""
    from scene_graph.tracking.object_tracks import TrackedObject

    store, _ = _memory_with_history(tmp_path / "m.db")
    store.close()
    conn = sqlite3.connect(tmp_path / "m.db")
    columns = {r[1] for r in conn.execute("PRAGMA table_info(objects)")}
    conn.close()
    derived = {"idx", "position", "bbox_min", "bbox_max", "intervals", "interval_rows", "locations", "states",
               "events"}  # rebuilt from the objects' columns and the history tables
    not_in_file = set(TrackedObject.__slots__) - columns - derived
    assert not_in_file == set(_TRACK_SLOTS)


def test_restore_undoes_changes_made_in_place_to_the_unsaved_bookkeeping(tmp_path):
    """A frame that fails after updating the unsaved bookkeeping in place leaves no trace of it.

    Breaks if `capture` keeps references or shallow copies (the running colour holds a list) instead of copies.
    """
    from scene_graph.attributes import ColourSummary
    from scene_graph.unsaved_state import capture, restore

    store, _ = _memory_with_history(tmp_path / "m.db")
    obj = next(iter(store.tracker.tracks.values()))
    obj.colour = ColourSummary(store.config.colour_seen_share)
    obj.colour.add((0.9, 0.1, 0.1))
    obj.conflict_votes = {"cup": 1.0}
    before = memory_state(store)

    saved = capture(store.tracker, store.episodic)
    obj.colour.add((0.1, 0.1, 0.9))
    obj.conflict_votes["cup"] += 2.0
    obj.conflict_votes["bowl"] = 4.0
    restore(saved, store.tracker, store.episodic)

    assert memory_state(store) == before
    obj.colour.add((0.5, 0.5, 0.5))  # what is restored is not shared with the saved copy either
    restore(saved, store.tracker, store.episodic)
    assert memory_state(store) == before
    store.close()
