"""Case memory: past task executions (what was tried where, what failed, where it worked).

Cases live in their own SQLite file (by default next to the memory database: `memory.db` ->
`memory.cases.sqlite`), so the scene-graph store is never touched. A case is keyed by its task
signature (`verb:object_category->destination`); retrieval is by exact signature first, then by
object category (a similar task: the same thing fetched to somewhere else).

Places are remembered by receptacle category and position, not by memory ids, so a case helps
even in a memory rebuilt from scratch (ids there need not be the same).
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memory_stack.foundation.errors import BadInputError

SCHEMA = """
CREATE TABLE IF NOT EXISTS task_cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    signature TEXT NOT NULL,
    task TEXT NOT NULL,
    object_category TEXT NOT NULL,
    destination TEXT NOT NULL,
    time REAL NOT NULL,
    success INTEGER NOT NULL,
    steps INTEGER NOT NULL,
    replans INTEGER NOT NULL,
    path_length_m REAL NOT NULL,
    found_at TEXT,
    failed_at TEXT NOT NULL,
    trace TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS task_cases_signature ON task_cases(signature);
CREATE INDEX IF NOT EXISTS task_cases_object ON task_cases(object_category);
"""


class CaseMemoryError(BadInputError):
    """The case file cannot be used (not SQLite, wrong schema); the message names the file."""


@dataclass(frozen=True)
class PlaceRecord:
    """A place in a case: receptacle category (may be None for a bare spot) and its position."""

    category: str | None
    position: tuple[float, float, float]

    def to_json(self) -> list[Any]:
        return [self.category, list(self.position)]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> PlaceRecord:
        return cls(data[0], tuple(float(v) for v in data[1]))

    def near(self, category: str | None, position: Sequence[float] | None, radius_m: float) -> bool:
        if position is None:
            return False
        if self.category and category and self.category != category:
            return False
        return math.dist(self.position[:2], (float(position[0]), float(position[1]))) <= radius_m


@dataclass
class TaskCase:
    """One past execution of a task."""

    signature: str
    task: str
    object_category: str
    destination: str
    time: float
    success: bool
    steps: int
    replans: int = 0
    path_length_m: float = 0.0
    found_at: PlaceRecord | None = None
    failed_at: list[PlaceRecord] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)
    id: int = 0


@dataclass
class CaseHints:
    """What past cases say about where to look for the object: places to try first and to avoid."""

    prefer: list[PlaceRecord] = field(default_factory=list)
    avoid: list[PlaceRecord] = field(default_factory=list)
    cases: list[TaskCase] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.prefer or self.avoid)


def task_signature(verb: str, object_category: str, destination: str) -> str:
    return f"{verb}:{object_category}->{destination}"


def cases_path_for(db_path: str | Path | None) -> Path | None:
    """`memory.db` -> `memory.cases.sqlite` next to it; None (in-memory memory) -> None."""
    if db_path in (None, "", ":memory:"):
        return None
    path = Path(db_path)
    return path.with_name(path.stem + ".cases.sqlite")


class CaseMemory:
    """A persistent table of `TaskCase`s in its own SQLite file (None: in memory)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = None if path in (None, "", ":memory:") else Path(path)
        target = ":memory:" if self.path is None else str(self.path)
        try:
            self._db = sqlite3.connect(target, check_same_thread=False)
            self._db.executescript(SCHEMA)
            self._db.execute("SELECT signature, found_at, failed_at FROM task_cases LIMIT 1").fetchall()
        except sqlite3.DatabaseError as exc:
            raise CaseMemoryError(f"case memory {target}: cannot be used ({exc})") from exc

    @classmethod
    def open(cls, path: str | Path | None = None) -> CaseMemory:
        return cls(path)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> CaseMemory:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def record(self, case: TaskCase) -> int:
        with self._db:
            cursor = self._db.execute(
                "INSERT INTO task_cases (signature, task, object_category, destination, time, success, steps, "
                "replans, path_length_m, found_at, failed_at, trace) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (case.signature, case.task, case.object_category, case.destination, float(case.time),
                 int(case.success), int(case.steps), int(case.replans), float(case.path_length_m),
                 json.dumps(case.found_at.to_json()) if case.found_at else None,
                 json.dumps([p.to_json() for p in case.failed_at]), json.dumps(case.trace)))
        case.id = int(cursor.lastrowid)
        return case.id

    def _row_to_case(self, row: tuple) -> TaskCase:
        (id_, signature, task, obj, dest, time, success, steps, replans, path, found, failed, trace) = row
        return TaskCase(signature, task, obj, dest, time, bool(success), steps, replans, path,
                        PlaceRecord.from_json(json.loads(found)) if found else None,
                        [PlaceRecord.from_json(p) for p in json.loads(failed)], json.loads(trace), id_)

    def cases(self) -> list[TaskCase]:
        rows = self._db.execute("SELECT * FROM task_cases ORDER BY time, id").fetchall()
        return [self._row_to_case(r) for r in rows]

    def similar(self, signature: str, object_category: str, k: int = 10) -> list[TaskCase]:
        """Cases of the same task first (newest first), then other tasks about the same object category."""
        rows = self._db.execute(
            "SELECT * FROM task_cases WHERE signature = ? OR object_category = ? "
            "ORDER BY (signature = ?) DESC, time DESC, id DESC LIMIT ?",
            (signature, object_category, signature, int(k))).fetchall()
        return [self._row_to_case(r) for r in rows]

    def hints(self, signature: str, object_category: str, k: int = 10) -> CaseHints:
        """Where the object was found before (prefer), and where it was looked for in vain (avoid)."""
        hints = CaseHints(cases=self.similar(signature, object_category, k))
        for case in hints.cases:
            if case.found_at is not None and not any(p == case.found_at for p in hints.prefer):
                hints.prefer.append(case.found_at)
            for place in case.failed_at:
                if place not in hints.avoid:
                    hints.avoid.append(place)
        return hints
