"""The durable log: SQLite schema, opening with format/version checks, pragmas.

The file is the source of truth; the in-memory graph and indexes are rebuilt from it on open.
A file that is not SQLite, a SQLite file of another application, a file of another schema version
or a damaged file raises BadInputError naming the file, and nothing is written to it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from memory_stack.foundation.errors import BadInputError

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


def open_log(path: str | Path | None) -> sqlite3.Connection:
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


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT key, value FROM meta"))


def write_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                 (key, value))
