"""The durable log: every SQL statement the memory runs, the schema, its version and migrations.

The file is the source of truth; the in-memory tracks and indexes are rebuilt from it on open.
A file that is not SQLite, a SQLite file of another application, a file of another schema version
or a damaged file raises BadInputError naming the file, and nothing is written to it.
Writes happen inside `transaction()`; nothing else in the memory speaks SQL.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from memory_stack.foundation.errors import BadInputError
from scene_graph.record_checks import first_damaged_record
from scene_graph.types import Door, FloorPlan, Room
from scene_graph.writer_lock import WriterLock

if TYPE_CHECKING:
    from scene_graph.records import MemoryEvent
    from scene_graph.tracking.object_tracks import TrackedObject

SCHEMA_VERSION = 2  # PRAGMA user_version; MIGRATIONS bring older stores up to it
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


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    """Version 2: events carry provenance and tell first sightings (discovery) apart from changes."""
    event_columns = {r[1] for r in conn.execute("PRAGMA table_info(events)")}
    if "provenance" not in event_columns:
        conn.execute("ALTER TABLE events ADD COLUMN provenance TEXT NOT NULL DEFAULT 'perception'")
    if "discovery" not in event_columns:
        conn.execute("ALTER TABLE events ADD COLUMN discovery INTEGER NOT NULL DEFAULT 0")


# version -> the function that brings a store of that version to the next one (in one transaction)
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _migrate_1_to_2}

# what a failed SQLite call means for the store (by the primary result code of the error)
_FAULT_KINDS = {"SQLITE_BUSY": "locked", "SQLITE_LOCKED": "locked", "SQLITE_FULL": "full",
                "SQLITE_READONLY": "read-only", "SQLITE_IOERR": "io", "SQLITE_CORRUPT": "damaged",
                "SQLITE_NOTADB": "damaged", "SQLITE_CANTOPEN": "cannot open"}
_FAULT_TEXT = {"locked": "the memory store is locked by another connection",
               "full": "the disk is full (or a file size limit was reached)",
               "read-only": "the memory store is read-only",
               "io": "disk I/O error (a full disk, a file size limit or a failing device)",
               "damaged": "damaged memory store", "cannot open": "cannot open the memory store",
               "error": "memory store error"}


class StoreFault(BadInputError):
    """A store operation failed in SQLite. `kind`: locked, full, read-only, io, damaged, cannot open or error.

    `before_write`: it failed before the transaction changed anything (nothing to roll back in memory).
    `transient`: the same write may succeed later (a lock released, space freed, a remount).
    """

    TRANSIENT = frozenset({"locked", "full", "read-only", "io"})

    def __init__(self, message: str, kind: str, before_write: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        self.before_write = before_write

    @property
    def transient(self) -> bool:
        return self.kind in self.TRANSIENT


def fault_kind(exc: sqlite3.Error) -> str:
    name = getattr(exc, "sqlite_errorname", "") or ""
    primary = name.split("_")[0:2]
    kind = _FAULT_KINDS.get("_".join(primary))
    if kind is None:  # errors raised by the module itself carry no code: read the message
        text = str(exc).lower()
        kind = next((k for needle, k in (("locked", "locked"), ("busy", "locked"), ("disk is full", "full"),
                                         ("readonly", "read-only"), ("disk i/o", "io"), ("malformed", "damaged"),
                                         ("not a database", "damaged")) if needle in text), "error")
    return kind


def store_fault(exc: sqlite3.Error, name: str, doing: str, before_write: bool = False) -> StoreFault:
    kind = fault_kind(exc)
    return StoreFault(f"{name}: {_FAULT_TEXT[kind]} while {doing} ({exc})", kind, before_write)


def _writable(path: Path) -> str | None:
    """Why a writer cannot write the store at `path` (None: it can)."""
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is not writable"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f"its directory {path.parent} is not writable (SQLite keeps its journal there)"
    return None


def _check_file(path: Path, read_only: bool) -> bool:
    """Refuse what is not a store file before SQLite touches it; True when a new store is to be created."""
    name = str(path)
    if path.is_dir():
        raise BadInputError(f"{name}: is a directory, expected a memory store file")
    fresh = not path.exists() or path.stat().st_size == 0
    if read_only and fresh:
        raise BadInputError(f"{name}: {'no such file' if not path.exists() else 'empty file'}, "
                            f"not a memory store (reading never creates one)")
    if not fresh:
        with path.open("rb") as fh:
            if fh.read(16) != SQLITE_MAGIC:
                raise _foreign(name, "not an SQLite file")
    if not path.parent.exists():
        raise BadInputError(f"{name}: directory {path.parent} does not exist")
    if not read_only:
        why = _writable(path)
        if why:
            raise StoreFault(f"{name}: the memory store is read-only ({why}); commands that only read it "
                             f"(query, ask, export) open it read-only", "read-only", before_write=True)
    return fresh


def _connect_read_only(path: Path) -> sqlite3.Connection:
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
        wal = Path(f"{path}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise
    # a WAL-mode store in a directory nobody may write (no -shm can be made) and no pending log: the
    # file alone is the whole store, so it is read as an immutable file
    return sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None, check_same_thread=False)


def _open_connection(path: str | Path | None, read_only: bool = False) -> sqlite3.Connection:
    """Open (or create) the store file; check it is ours, of our schema version and undamaged."""
    if path is None:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        _create(conn)
        return conn
    path = Path(path)
    name = str(path)
    fresh = _check_file(path, read_only)
    try:
        conn = _connect_read_only(path) if read_only else sqlite3.connect(
            name, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise store_fault(exc, name, "opening it", before_write=True) from exc
    try:
        if fresh:
            _create(conn)
        else:
            _check(conn, name, read_only)
        if not read_only:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        fault = store_fault(exc, name, "checking it", before_write=True)
        if fault.kind in ("damaged", "error"):
            raise StoreFault(f"{name}: damaged memory store ({exc}); the file was left untouched", "damaged",
                             before_write=True) from exc
        raise fault from exc
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


def _schema_version(conn: sqlite3.Connection, name: str) -> int:
    """The store's schema version: PRAGMA user_version, which the meta row must repeat."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    if row is None or str(row[0]) != str(version):
        if version == 0 and row is not None and str(row[0]).isdigit():
            return int(row[0])  # written before user_version was kept in step with the meta row
        raise BadInputError(f"{name}: damaged record meta schema_version={None if row is None else row[0]!r}: "
                            f"does not match the file's user_version {version}; the file was left untouched")
    return version


def _migrate(conn: sqlite3.Connection, name: str, version: int) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for v in range(version, SCHEMA_VERSION):
            MIGRATIONS[v](conn)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _check(conn: sqlite3.Connection, name: str, read_only: bool = False) -> None:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if app_id != APPLICATION_ID:
        if not tables and not read_only:
            _create(conn)
            return
        raise _foreign(name, f"application_id {app_id:#x}, tables {sorted(tables)[:5]}")
    missing = [t for t in TABLES if t not in tables]
    if missing:
        raise _foreign(name, f"missing tables {missing}")
    result = conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise BadInputError(f"{name}: damaged memory store (quick_check: {result}); the file was left untouched")
    version = _schema_version(conn, name)
    if version > SCHEMA_VERSION:
        raise BadInputError(f"{name}: memory store schema version {version} is newer than version "
                            f"{SCHEMA_VERSION}, which this memory_stack reads; refusing to open it "
                            f"(the file was left untouched)")
    if version < SCHEMA_VERSION:
        if version not in MIGRATIONS:
            raise BadInputError(f"{name}: memory store schema version {version} cannot be migrated to version "
                                f"{SCHEMA_VERSION} (no migration from it); the file was left untouched")
        if read_only:
            raise BadInputError(f"{name}: memory store schema version {version} must be migrated to version "
                                f"{SCHEMA_VERSION} before it can be read; open it once with a writing command "
                                f"(e.g. replay or import) where it is writable")
        _migrate(conn, name, version)
    damaged = first_damaged_record(conn)
    if damaged:
        raise BadInputError(f"{name}: damaged record {damaged}; the file was left untouched")


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
    """The memory's SQLite file: opened with format and version checks, read on load, written per change.

    Opened for writing it holds the memory's writer lock (`scene_graph.writer_lock`) until closed;
    opened `read_only` it takes no lock, runs no write and never creates, migrates or repairs the file.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path | None, read_only: bool = False,
                 writer_lock: WriterLock | None = None) -> None:
        self._conn: sqlite3.Connection | None = conn
        self.path = path
        self.read_only = read_only
        self._writer_lock = writer_lock

    @classmethod
    def open(cls, path: str | Path | None, read_only: bool = False) -> MemoryFile:
        """Open (or create) the store file (None: in memory); check it is ours and of our schema version."""
        if path is None:
            return cls(_open_connection(None), None)
        lock = None
        if not read_only:
            _check_file(Path(path), read_only=False)  # a read-only store is refused before any lock file is made
            lock = WriterLock.acquire(path)
        try:
            return cls(_open_connection(path, read_only), Path(path), read_only, lock)
        except BaseException:
            if lock is not None:
                lock.release()
            raise

    @property
    def name(self) -> str:
        return str(self.path) if self.path is not None else ":memory:"

    @property
    def closed(self) -> bool:
        return self._conn is None

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
                if self._writer_lock is not None:
                    self._writer_lock.release()

    @property
    def _c(self) -> sqlite3.Connection:
        return self._conn  # type: ignore[return-value]

    def set_busy_timeout(self, seconds: float) -> None:
        """How long a write waits for another connection's lock before failing with a `locked` StoreFault."""
        self._c.execute(f"PRAGMA busy_timeout={max(0, int(seconds * 1000))}")

    @contextmanager
    def transaction(self, doing: str = "writing") -> Iterator[None]:
        """One write transaction: committed when the block ends, rolled back if it raises.

        SQLite failures become a `StoreFault` naming the file and what failed; a fault before anything was
        written says so (`before_write`). A rollback that fails too (SQLite rolls back by itself after some
        I/O errors) never hides the first failure.
        """
        if self.read_only:
            raise StoreFault(f"{self.name}: opened read-only, refusing {doing}", "read-only", before_write=True)
        try:
            self._c.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise store_fault(exc, self.name, doing, before_write=True) from exc
        try:
            yield
            self._c.execute("COMMIT")
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlite3.Error):
                raise store_fault(exc, self.name, doing) from exc
            raise

    def _rollback(self) -> None:
        if not self._c.in_transaction:
            return
        try:
            self._c.execute("ROLLBACK")
        except sqlite3.Error:  # the connection's state is unknown now: the caller reloads from the file
            pass

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
