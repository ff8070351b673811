"""One writer per memory: an OS-level lock on `<db>.lock` beside the store, holding the writer's PID.

`flock` on an open file description: the kernel releases it when the holder exits, however it exits
(kill -9 included), so a lock is never stale; the PID in the file only names the holder in the refusal.
Readers never take it (SQLite's WAL mode lets them read beside the writer). A second writer, in this
process or another, is refused at once with `WriterLockHeld` (exit 2 from the CLI), never queued.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from memory_stack.foundation.errors import BadInputError


class WriterLockHeld(BadInputError):
    """Another writer holds the memory's lock."""


def lock_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}.lock")


def holder_pid(db_path: str | Path) -> int | None:
    """The PID written by the lock's current (or last) holder; None when there is none or it is unreadable."""
    try:
        text = lock_path(db_path).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


class WriterLock:
    """Held while a store is open for writing; `release` (or process exit) lets the next writer in."""

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = Path(db_path)
        self.path = lock_path(db_path)
        self._fd: int | None = None

    @classmethod
    def acquire(cls, db_path: str | Path) -> WriterLock:
        lock = cls(db_path)
        lock._take()
        return lock

    def _take(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise BadInputError(f"{self.db_path}: cannot create the writer lock {self.path} "
                                f"({exc.strerror}); is the directory writable?") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            pid = holder_pid(self.db_path)
            holder = f"PID {pid}" if pid is not None else "an unknown process"
            raise WriterLockHeld(f"{self.db_path}: another writer holds this memory ({holder}, lock "
                                 f"{self.path}); refusing to write to it (readers are not affected)") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)  # a later reader of the file sees no holder
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
