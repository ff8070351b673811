"""Damage inside records that SQLite's own checks pass: the first damaged record, named, before anything loads.

`PRAGMA quick_check` sees a damaged page; it does not see a value of the wrong type, JSON that does
not parse or a truncated embedding blob, and any of those would surface later as a traceback from
whichever command read the store. `first_damaged_record` looks for them with one query per table
and returns a one-line description of the first (table, row, column and what is wrong), or None.
"""

from __future__ import annotations

import json
import math
import sqlite3

_NUMBER = "typeof({c}) NOT IN ('integer', 'real')"
_NUMBER_OR_NULL = "typeof({c}) NOT IN ('integer', 'real', 'null')"
_INTEGER = "typeof({c}) != 'integer'"
_INTEGER_OR_NULL = "typeof({c}) NOT IN ('integer', 'null')"
_TEXT = "typeof({c}) != 'text'"
_TEXT_OR_NULL = "typeof({c}) NOT IN ('text', 'null')"
_JSON = "(typeof({c}) != 'text' OR json_valid({c}) = 0)"
_JSON_ARRAY = "(CASE WHEN typeof({c}) = 'text' AND json_valid({c}) THEN json_type({c}) != 'array' ELSE 1 END)"
_JSON_OBJECT = "(CASE WHEN typeof({c}) = 'text' AND json_valid({c}) THEN json_type({c}) != 'object' ELSE 1 END)"

_WHAT = {_NUMBER: "is not a number", _NUMBER_OR_NULL: "is not a number", _INTEGER: "is not an integer",
         _INTEGER_OR_NULL: "is not an integer", _TEXT: "is not text", _TEXT_OR_NULL: "is not text",
         _JSON: "is not valid JSON", _JSON_ARRAY: "is not a JSON array", _JSON_OBJECT: "is not a JSON object"}

# table -> (key column naming the row, {column: rule}) for the columns the memory reads back
_COLUMNS: dict[str, tuple[str, dict[str, str]]] = {
    "objects": ("id", {
        "id": _TEXT, "category": _TEXT, "is_receptacle": _INTEGER, "status": _INTEGER,
        **{c: _NUMBER_OR_NULL for c in ("x", "y", "z", "min_x", "min_y", "min_z", "max_x", "max_y", "max_z")},
        "room": _TEXT_OR_NULL, "rests_on": _TEXT_OR_NULL, "state": _TEXT_OR_NULL, "sightings": _INTEGER,
        "first_seen": _NUMBER, "last_seen": _NUMBER, "misses": _NUMBER, "first_miss": _NUMBER_OR_NULL,
        "votes": _JSON_OBJECT, "created_frame": _INTEGER_OR_NULL}),
    "intervals": ("id", {"object_id": _TEXT, "start": _NUMBER, "end": _NUMBER_OR_NULL, "last_seen": _NUMBER,
                         "sightings": _INTEGER}),
    "locations": ("id", {"object_id": _TEXT, "time": _NUMBER, "x": _NUMBER_OR_NULL, "y": _NUMBER_OR_NULL,
                         "z": _NUMBER_OR_NULL, "room": _TEXT_OR_NULL, "rests_on": _TEXT_OR_NULL}),
    "states": ("id", {"object_id": _TEXT, "time": _NUMBER, "state": _TEXT}),
    "events": ("id", {"kind": _TEXT, "object_id": _TEXT, "category": _TEXT, "time": _NUMBER,
                      "x": _NUMBER_OR_NULL, "y": _NUMBER_OR_NULL, "z": _NUMBER_OR_NULL,
                      "frame_ids": _JSON_ARRAY, "provenance": _TEXT, "discovery": _INTEGER}),
    "episodes": ("id", {"kind": _TEXT, "name": _TEXT, "start": _NUMBER, "end": _NUMBER_OR_NULL,
                        "summary": _JSON_OBJECT}),
    "facts": ("id", {"subject": _TEXT, "predicate": _TEXT, "object": _TEXT, "valid_from": _NUMBER_OR_NULL,
                     "valid_to": _NUMBER_OR_NULL, "recorded_at": _NUMBER, "retired_at": _NUMBER_OR_NULL,
                     "confidence": _NUMBER, "provenance": _TEXT}),
    "observed": ("id", {"room": _TEXT, "start": _NUMBER, "end": _NUMBER}),
    "trajectory": ("id", {"time": _NUMBER, **{c: _NUMBER_OR_NULL for c in ("x", "y", "z", "yaw")},
                          "room": _TEXT_OR_NULL}),
}

# meta key -> parser the memory applies on load (floor_plan is checked by the caller, which knows its shape)
_META_NUMBERS = {"last_frame_id": int, "next_object_number": int, "last_time": float, "frames_stored": int}


def _first_bad_row(conn: sqlite3.Connection, table: str) -> str | None:
    key, columns = _COLUMNS[table]
    present = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
    checks = [(column, rule.format(c=column)) for column, rule in columns.items() if column in present]
    where = " OR ".join(condition for _, condition in checks)
    cases = ", ".join(f"{condition} AS bad_{i}" for i, (_, condition) in enumerate(checks))
    row = conn.execute(f"SELECT {key}, {cases} FROM {table} WHERE {where} LIMIT 1").fetchone()
    if row is None:
        return None
    for (column, _), bad in zip(checks, row[1:]):
        if bad:
            return f"{table} {key}={row[0]!r}: {column} {_WHAT[columns[column]]}"
    return f"{table} {key}={row[0]!r}"


def _first_bad_embedding(conn: sqlite3.Connection) -> str | None:
    """Embeddings are float32 vectors of one length: a blob of another length (or not a blob) is damaged."""
    common = conn.execute("SELECT length(embedding) AS n FROM objects WHERE typeof(embedding) = 'blob' "
                          "GROUP BY n ORDER BY COUNT(*) DESC, n DESC LIMIT 1").fetchone()
    if common is None:
        row = conn.execute("SELECT id, typeof(embedding) FROM objects WHERE embedding IS NOT NULL "
                           "LIMIT 1").fetchone()
        return None if row is None else f"objects id={row[0]!r}: embedding is {row[1]}, not a float32 blob"
    n = common[0]
    row = conn.execute("SELECT id, typeof(embedding), length(embedding) FROM objects WHERE embedding IS NOT NULL "
                       "AND (typeof(embedding) != 'blob' OR length(embedding) != ? OR length(embedding) % 4 != 0) "
                       "LIMIT 1", (n,)).fetchone()
    if row is None:
        return None if n % 4 == 0 and n > 0 else f"objects: every embedding is {n} bytes, not float32 values"
    if row[1] != "blob":
        return f"objects id={row[0]!r}: embedding is {row[1]}, not a float32 blob"
    return f"objects id={row[0]!r}: embedding blob of {row[2]} bytes where the others have {n}"


def _first_bad_meta(conn: sqlite3.Connection) -> str | None:
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    for key, parse in _META_NUMBERS.items():
        if key not in meta:
            continue
        try:
            value = parse(meta[key])
        except (TypeError, ValueError):
            return f"meta {key}={meta[key]!r}: is not {'an integer' if parse is int else 'a number'}"
        if parse is float and math.isnan(value):
            return f"meta {key}={meta[key]!r}: is not a number"
    if "floor_plan" in meta:
        try:
            data = json.loads(meta["floor_plan"])
        except (TypeError, ValueError) as exc:
            return f"meta floor_plan: is not valid JSON ({exc})"
        if not isinstance(data, dict) or not isinstance(data.get("rooms"), list) \
                or not isinstance(data.get("doors"), list):
            return "meta floor_plan: is not a floor plan (a JSON object with 'rooms' and 'doors' lists)"
    return None


def first_damaged_record(conn: sqlite3.Connection) -> str | None:
    """The first damaged record as "table key=value: column what is wrong", or None when none is found."""
    found = _first_bad_meta(conn)
    if found:
        return found
    for table in _COLUMNS:
        found = _first_bad_row(conn, table)
        if found:
            return found
    return _first_bad_embedding(conn)
