"""The durable log: every SQL statement the memory runs, the schema, its version and migrations.

The file is the source of truth; the in-memory tracks and indexes are rebuilt from it on open.
A file that is not SQLite, a SQLite file of another application, a file of another schema version
or a damaged file raises BadInputError naming the file, and nothing is written to it.
Writes happen inside `transaction()`; nothing else in the memory speaks SQL.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from memory_stack.foundation.errors import BadInputError
from scene_graph.types import Door, FloorPlan, Room

if TYPE_CHECKING:
    from scene_graph.records import MemoryEvent
    from scene_graph.tracking.object_tracks import TrackedObject

SCHEMA_VERSION = 1
APPLICATION_ID = 0x4D454D53  # "MEMS"
SQLITE_MAGIC = b"SQLite format 3\x00"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE objects (
    id TEXT PRIMARY KEY, category TEXT NOT NULL, is_receptacle INTEGER NOT NULL, status INTEGER NOT NULL,
    x REAL, y REAL, z REAL, min_x REAL, min_y REAL, min_z REAL, max_x REAL, max_y REAL, max_z REAL,
    room TEXT, rests_on TEXT, state TEXT, sightings INTEGER NOT NULL, first_seen REAL NOT NULL,
    last_seen REAL NOT NULL, misses REAL NOT NULL DEFAULT 0, first_miss REAL, votes TEXT NOT NULL,
    embedding BLOB, created_frame INTEGER);
CREATE TABLE intervals (
    id INTEGER PRIMARY KEY, object_id TEXT NOT NULL, start REAL NOT NULL, end REAL, last_seen REAL NOT NULL,
    sightings INTEGER NOT NULL);
CREATE INDEX intervals_object ON intervals(object_id);
CREATE TABLE locations (
    id INTEGER PRIMARY KEY, object_id TEXT NOT NULL, time REAL NOT NULL, x REAL, y REAL, z REAL,
    room TEXT, rests_on TEXT, rests_on_category TEXT);
CREATE INDEX locations_object ON locations(object_id);
CREATE TABLE states (id INTEGER PRIMARY KEY, object_id TEXT NOT NULL, time REAL NOT NULL, state TEXT NOT NULL);
CREATE INDEX states_object ON states(object_id);
CREATE TABLE events (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, object_id TEXT NOT NULL, category TEXT NOT NULL,
    time REAL NOT NULL, x REAL, y REAL, z REAL, room TEXT, from_place TEXT, to_place TEXT,
    old_state TEXT, new_state TEXT, frame_ids TEXT NOT NULL, provenance TEXT NOT NULL DEFAULT 'perception',
    discovery INTEGER NOT NULL DEFAULT 0);
CREATE INDEX events_object ON events(object_id);
CREATE TABLE episodes (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, start REAL NOT NULL, end REAL,
    summary TEXT NOT NULL);
CREATE TABLE facts (
    id INTEGER PRIMARY KEY, subject TEXT NOT NULL, predicate TEXT NOT NULL, object TEXT NOT NULL,
    valid_from REAL, valid_to REAL, recorded_at REAL NOT NULL, retired_at REAL, confidence REAL NOT NULL,
    provenance TEXT NOT NULL);
CREATE INDEX facts_subject ON facts(subject);
CREATE TABLE observed (id INTEGER PRIMARY KEY, room TEXT NOT NULL, start REAL NOT NULL, end REAL NOT NULL);
CREATE TABLE trajectory (id INTEGER PRIMARY KEY, time REAL NOT NULL, x REAL, y REAL, z REAL, yaw REAL, room TEXT);
"""

TABLES = ("meta", "objects", "intervals", "locations", "states", "events", "episodes", "facts", "observed",
          "trajectory")


def _foreign(path: str, why: str) -> BadInputError:
    return BadInputError(f"{path}: not a memory_stack memory store ({why}); refusing to open or overwrite it")


def _open_connection(path: str | Path | None) -> sqlite3.Connection:
    """Open (or create) the store file; check it is ours and of our schema version before writing."""
    if path is None:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        _create(conn)
        return conn
    path = Path(path)
    name = str(path)
    if path.is_dir():
        raise BadInputError(f"{name}: is a directory, expected a memory store file")
    fresh = not path.exists() or path.stat().st_size == 0
    if not fresh:
        with path.open("rb") as fh:
            if fh.read(16) != SQLITE_MAGIC:
                raise _foreign(name, "not an SQLite file")
    if not path.parent.exists():
        raise BadInputError(f"{name}: directory {path.parent} does not exist")
    try:
        conn = sqlite3.connect(name, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise BadInputError(f"{name}: cannot open ({exc})") from exc
    try:
        if fresh:
            _create(conn)
        else:
            _check(conn, name)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise BadInputError(f"{name}: damaged memory store ({exc}); the file was left untouched") from exc
    except BadInputError:
        conn.close()
        raise
    return conn


def _create(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN")
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    conn.execute("INSERT INTO meta VALUES ('last_frame_id', '-1')")
    conn.execute("INSERT INTO meta VALUES ('last_time', '-inf')")
    conn.execute("INSERT INTO meta VALUES ('next_object_number', '0')")
    conn.execute("COMMIT")


def _check(conn: sqlite3.Connection, name: str) -> None:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if app_id != APPLICATION_ID:
        if not tables:
            _create(conn)
            return
        raise _foreign(name, f"application_id {app_id:#x}, tables {sorted(tables)[:5]}")
    missing = [t for t in TABLES if t not in tables]
    if missing:
        raise _foreign(name, f"missing tables {missing}")
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    version = int(row[0]) if row else None
    if version != SCHEMA_VERSION:
        raise BadInputError(f"{name}: memory store schema version {version}, this memory_stack reads version "
                            f"{SCHEMA_VERSION}; refusing to open it (the file was left untouched)")
    result = conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise BadInputError(f"{name}: damaged memory store (quick_check: {result}); the file was left untouched")
    event_columns = {r[1] for r in conn.execute("PRAGMA table_info(events)")}
    if "provenance" not in event_columns:  # stores written before events carried provenance
        conn.execute("ALTER TABLE events ADD COLUMN provenance TEXT NOT NULL DEFAULT 'perception'")
    if "discovery" not in event_columns:  # stores written before first sightings were told apart from changes
        conn.execute("ALTER TABLE events ADD COLUMN discovery INTEGER NOT NULL DEFAULT 0")



def _floor_plan_to_json(fp: FloorPlan) -> dict:
    return {"rooms": [{"name": r.name, "polygon": [list(p) for p in r.polygon]} for r in fp.rooms],
            "doors": [{"rooms": list(d.rooms), "at": list(d.at), "width": d.width} for d in fp.doors]}


def _floor_plan_from_json(data: dict) -> FloorPlan:
    return FloorPlan(tuple(Room(r["name"], tuple(tuple(p) for p in r["polygon"])) for r in data["rooms"]),
                     tuple(Door(tuple(d["rooms"]), tuple(d["at"]), d["width"]) for d in data["doors"]))


def _votes(obj: TrackedObject) -> str:
    return json.dumps(obj.votes)


def _box(obj: TrackedObject) -> tuple[float, ...]:
    return (*map(float, obj.position), *map(float, obj.bbox_min), *map(float, obj.bbox_max))


class MemoryFile:
    """The memory's SQLite file: opened with format and version checks, read on load, written per change."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self._conn: sqlite3.Connection | None = conn
        self.path = path

    @classmethod
    def open(cls, path: str | Path | None) -> MemoryFile:
        """Open (or create) the store file (None: in memory); check it is ours and of our schema version."""
        return cls(_open_connection(path), Path(path) if path is not None else None)

    @property
    def closed(self) -> bool:
        return self._conn is None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def _c(self) -> sqlite3.Connection:
        return self._conn  # type: ignore[return-value]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        self._c.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._c.execute("ROLLBACK")
            raise
        self._c.execute("COMMIT")

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the main file (so its size on disk is the store's size)."""
        self._c.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def row_count(self, table: str, object_id: str | None = None) -> int:
        if table not in TABLES:
            raise BadInputError(f"row_count: unknown table {table!r} (one of {', '.join(TABLES)})")
        if object_id is None:
            return self._c.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        column = "id" if table == "objects" else "object_id"
        return self._c.execute(f"SELECT COUNT(*) FROM {table} WHERE {column}=?", (object_id,)).fetchone()[0]

    # ------------------------------------------------------------------ meta
    def read_meta(self) -> dict[str, str]:
        return dict(self._c.execute("SELECT key, value FROM meta"))

    def floor_plan(self) -> FloorPlan | None:
        """The floor plan the store was last given (None: never)."""
        row = self._c.execute("SELECT value FROM meta WHERE key='floor_plan'").fetchone()
        return _floor_plan_from_json(json.loads(row[0])) if row else None

    def save_floor_plan(self, floor_plan: FloorPlan) -> None:
        self.write_meta("floor_plan", json.dumps(_floor_plan_to_json(floor_plan)))

    def write_meta(self, key: str, value: str) -> None:
        self._c.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                        "value=excluded.value", (key, value))

    # ------------------------------------------------------------------ loading (rows in the order to replay)
    def object_rows(self) -> list[tuple]:
        return self._c.execute(
            "SELECT id, category, is_receptacle, status, x, y, z, min_x, min_y, min_z, max_x, max_y, max_z, room, "
            "rests_on, state, sightings, first_seen, last_seen, misses, first_miss, votes, embedding, created_frame "
            "FROM objects ORDER BY rowid").fetchall()

    def interval_rows(self) -> Iterable[tuple]:
        return self._c.execute("SELECT object_id, id, start, end, last_seen, sightings FROM intervals "
                               "ORDER BY start, id")

    def location_rows(self) -> Iterable[tuple]:
        return self._c.execute("SELECT object_id, time, x, y, z, room, rests_on, rests_on_category FROM locations "
                               "ORDER BY time, id")

    def state_rows(self) -> Iterable[tuple]:
        return self._c.execute("SELECT object_id, time, state FROM states ORDER BY time, id")

    def event_rows(self) -> Iterable[tuple]:
        return self._c.execute("SELECT id, kind, object_id, category, time, x, y, z, room, from_place, to_place, "
                               "old_state, new_state, frame_ids, provenance, discovery FROM events ORDER BY time, id")

    def observed_rows(self) -> Iterable[tuple]:
        return self._c.execute("SELECT id, room, start, end FROM observed ORDER BY start, id")

    def trajectory_rows(self) -> Iterable[tuple]:
        return self._c.execute("SELECT time, x, y, z, yaw, room FROM trajectory ORDER BY time, id")

    def episode_rows(self) -> Iterable[tuple]:
        return self._c.execute("SELECT id, kind, name, start, end, summary FROM episodes ORDER BY id")

    def fact_rows(self) -> Iterable[tuple]:
        return self._c.execute("SELECT id, subject, predicate, object, valid_from, valid_to, recorded_at, "
                               "retired_at, confidence, provenance FROM facts ORDER BY id")

    # ------------------------------------------------------------------ objects
    def insert_object(self, obj: TrackedObject) -> None:
        self._c.execute(
            "INSERT INTO objects(id, category, is_receptacle, status, x, y, z, min_x, min_y, min_z, max_x, max_y, "
            "max_z, room, rests_on, state, sightings, first_seen, last_seen, misses, first_miss, votes, embedding, "
            "created_frame) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (obj.id, obj.category, int(obj.is_receptacle), obj.status, *_box(obj), obj.room, obj.rests_on,
             obj.state, obj.sightings, obj.first_seen, obj.last_seen, obj.misses, obj.first_miss, _votes(obj),
             obj.embedding.tobytes() if obj.embedding is not None else None, obj.created_frame))

    def save_object(self, obj: TrackedObject) -> None:
        self._c.execute(
            "UPDATE objects SET status=?, x=?, y=?, z=?, min_x=?, min_y=?, min_z=?, max_x=?, max_y=?, max_z=?, "
            "room=?, rests_on=?, state=?, sightings=?, last_seen=?, misses=?, first_miss=?, votes=? WHERE id=?",
            (obj.status, *_box(obj), obj.room, obj.rests_on, obj.state, obj.sightings, obj.last_seen, obj.misses,
             obj.first_miss, _votes(obj), obj.id))

    @staticmethod
    def sighting_row(obj: TrackedObject, t: float) -> tuple:
        """The values `save_sightings` writes for one sighting of `obj` at `t`."""
        return (*_box(obj), obj.sightings, t, _votes(obj), obj.status, obj.category, obj.id)

    def save_sightings(self, objects: list[tuple], intervals: list[tuple]) -> None:
        """A frame's consolidated sightings: `sighting_row`s, and (last_seen, sightings, interval row) triples."""
        if objects:
            self._c.executemany(
                "UPDATE objects SET x=?, y=?, z=?, min_x=?, min_y=?, min_z=?, max_x=?, max_y=?, max_z=?, "
                "sightings=?, last_seen=?, misses=0, first_miss=NULL, votes=?, status=?, category=? WHERE id=?",
                objects)
        if intervals:
            self._c.executemany("UPDATE intervals SET last_seen=?, sightings=? WHERE id=?", intervals)

    def save_votes(self, obj: TrackedObject) -> None:
        self._c.execute("UPDATE objects SET votes=? WHERE id=?", (_votes(obj), obj.id))

    def save_misses(self, obj: TrackedObject) -> None:
        self._c.execute("UPDATE objects SET misses=?, first_miss=? WHERE id=?", (obj.misses, obj.first_miss, obj.id))

    def save_state(self, obj: TrackedObject) -> None:
        self._c.execute("UPDATE objects SET state=? WHERE id=?", (obj.state, obj.id))

    def save_support(self, obj: TrackedObject) -> None:
        self._c.execute("UPDATE objects SET rests_on=? WHERE id=?", (obj.rests_on, obj.id))

    def save_confirmed(self, obj: TrackedObject) -> None:
        self._c.execute("UPDATE objects SET status=?, rests_on=?, room=? WHERE id=?",
                        (obj.status, obj.rests_on, obj.room, obj.id))

    def save_rooms(self, rooms: dict[str, str | None]) -> None:
        self._c.executemany("UPDATE objects SET room=? WHERE id=?", [(r, oid) for oid, r in rooms.items()])

    def delete_object(self, object_id: str) -> None:
        self._c.execute("DELETE FROM objects WHERE id=?", (object_id,))

    def replace_support(self, old: str, new: str) -> None:
        """Everything (now and in the location history) resting on `old` rests on `new`."""
        self._c.execute("UPDATE objects SET rests_on=? WHERE rests_on=?", (new, old))
        self._c.execute("UPDATE locations SET rests_on=? WHERE rests_on=?", (new, old))

    # ------------------------------------------------------------------ histories
    def insert_interval(self, object_id: str, start: float, last_seen: float, sightings: int) -> int:
        cur = self._c.execute("INSERT INTO intervals(object_id, start, end, last_seen, sightings) "
                              "VALUES (?, ?, NULL, ?, ?)", (object_id, start, last_seen, sightings))
        return cur.lastrowid

    def save_interval(self, row: int, last_seen: float, sightings: int) -> None:
        self._c.execute("UPDATE intervals SET last_seen=?, sightings=? WHERE id=?", (last_seen, sightings, row))

    def close_interval(self, row: int, end: float, last_seen: float, sightings: int) -> None:
        self._c.execute("UPDATE intervals SET end=?, last_seen=?, sightings=? WHERE id=?",
                        (end, last_seen, sightings, row))

    def reopen_interval(self, row: int) -> None:
        self._c.execute("UPDATE intervals SET end=NULL WHERE id=?", (row,))

    def delete_intervals(self, object_id: str) -> None:
        self._c.execute("DELETE FROM intervals WHERE object_id=?", (object_id,))

    def insert_location(self, object_id: str, t: float, position: tuple[float, float, float], room: str | None,
                        rests_on: str | None, rests_on_category: str | None) -> None:
        self._c.execute("INSERT INTO locations(object_id, time, x, y, z, room, rests_on, rests_on_category) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (object_id, t, *position, room, rests_on, rests_on_category))

    def save_location_support(self, object_id: str, t: float, rests_on: str | None,
                              rests_on_category: str | None) -> None:
        self._c.execute("UPDATE locations SET rests_on=?, rests_on_category=? WHERE object_id=? AND time=?",
                        (rests_on, rests_on_category, object_id, t))

    def insert_state(self, object_id: str, t: float, state: str) -> None:
        self._c.execute("INSERT INTO states(object_id, time, state) VALUES (?, ?, ?)", (object_id, t, state))

    def insert_event(self, ev: MemoryEvent) -> int:
        cur = self._c.execute(
            "INSERT INTO events(kind, object_id, category, time, x, y, z, room, from_place, to_place, old_state, "
            "new_state, frame_ids, provenance, discovery) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (ev.kind, ev.object_id, ev.category, ev.time, *(ev.position or (None, None, None)), ev.room,
             ev.from_place, ev.to_place, ev.old_state, ev.new_state, json.dumps(list(ev.frame_ids)), ev.provenance,
             int(ev.discovery)))
        return cur.lastrowid

    def delete_event(self, event_id: int) -> None:
        self._c.execute("DELETE FROM events WHERE id=?", (event_id,))

    def save_event_as_move(self, ev: MemoryEvent) -> None:
        self._c.execute("UPDATE events SET kind='moved', from_place=?, category=?, discovery=0 WHERE id=?",
                        (ev.from_place, ev.category, ev.id))

    def move_history(self, from_id: str, to_id: str) -> None:
        """Locations, states and events of `from_id` become `to_id`'s."""
        for table in ("locations", "states", "events"):
            self._c.execute(f"UPDATE {table} SET object_id=? WHERE object_id=?", (to_id, from_id))

    def erase_history(self, object_id: str) -> None:
        for table in ("intervals", "locations", "states", "events"):
            self._c.execute(f"DELETE FROM {table} WHERE object_id=?", (object_id,))

    # ------------------------------------------------------------------ where the robot looked and went
    def insert_observed(self, room: str, start: float, end: float) -> int:
        return self._c.execute("INSERT INTO observed(room, start, end) VALUES (?, ?, ?)", (room, start, end)).lastrowid

    def extend_observed(self, row: int, end: float) -> None:
        self._c.execute("UPDATE observed SET end=? WHERE id=?", (end, row))

    def insert_trajectory(self, node: tuple[float, float, float, float, float, str | None]) -> None:
        self._c.execute("INSERT INTO trajectory(time, x, y, z, yaw, room) VALUES (?, ?, ?, ?, ?, ?)", node)

    # ------------------------------------------------------------------ episodes and facts
    def insert_episode(self, kind: str, name: str, start: float) -> int:
        return self._c.execute("INSERT INTO episodes(kind, name, start, end, summary) VALUES (?, ?, ?, NULL, '{}')",
                               (kind, name, start)).lastrowid

    def end_episode(self, episode_id: int, end: float, summary: dict[str, Any]) -> None:
        self._c.execute("UPDATE episodes SET end=?, summary=? WHERE id=?", (end, json.dumps(summary), episode_id))

    def insert_fact(self, subject: str, predicate: str, object: str, valid_from: float | None,
                    valid_to: float | None, recorded_at: float, confidence: float, provenance: str) -> int:
        return self._c.execute(
            "INSERT INTO facts(subject, predicate, object, valid_from, valid_to, recorded_at, retired_at, "
            "confidence, provenance) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)",
            (subject, predicate, object, valid_from, valid_to, recorded_at, confidence, provenance)).lastrowid

    def retire_fact(self, fact_id: int, at: float) -> None:
        self._c.execute("UPDATE facts SET retired_at=? WHERE id=?", (at, fact_id))

    def end_fact(self, fact_id: int, valid_to: float) -> None:
        self._c.execute("UPDATE facts SET valid_to=? WHERE id=?", (valid_to, fact_id))
