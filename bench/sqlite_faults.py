"""An SQLite connection that fails on purpose: the fault injector of the frame-atomicity checks.

`bench faults` (its atomicity row) and tests/scene_graph/test_frame_atomicity.py both wrap a store's
connection in it to fail one frame's ingest at its n-th statement. Plain sqlite3, no ROS.
"""

from __future__ import annotations

import sqlite3
from typing import Any


class FaultyConnection:
    """An SQLite connection that fails at its `fail_at`-th statement with the error a full disk gives.

    `steps[0]` counts every `execute`/`executemany` (shared, so a caller can count a whole frame's
    statements with `fail_at=0`, which never fails); every other attribute is the real connection's.
    """

    def __init__(self, conn: sqlite3.Connection, steps: list[int], fail_at: int) -> None:
        self._conn, self._steps, self._fail_at = conn, steps, fail_at

    def _step(self, sql: str) -> None:
        self._steps[0] += 1
        if self._steps[0] == self._fail_at:
            raise sqlite3.OperationalError(f"disk I/O error (injected at step {self._fail_at}: {sql.split()[0]})")

    def execute(self, sql: str, *args: Any) -> Any:
        self._step(sql)
        return self._conn.execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> Any:
        self._step(sql)
        return self._conn.executemany(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)
