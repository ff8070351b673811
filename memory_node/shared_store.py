"""One MemoryStore per process and database file, shared by the ingest node and the memory server.

How ingestion and queries share the memory (the design `memstack up` and the launch file use):

- In one process (the default: `memstack up`, and the `memory_server` executable, which also hosts
  the ingest node unless `host_ingest` is false) both nodes hold the SAME `SharedStore`, acquired
  by database path. Ingestion runs on its own executor thread plus a worker thread, queries on
  another executor thread (`memory_node.node_process.StackProcess`). Perception (back-projection, the
  expensive part) runs outside any lock; only `MemoryStore.ingest` (one SQLite transaction plus the
  in-memory index update) and each query hold `lock`. A query that arrives during a write is let in
  between two observations of the frame (`MemoryStore.between_observations`), so it waits for one
  observation's update rather than the whole frame's, and ingestion waits at most for one query.
  Such a query sees the frame partly applied (each object either updated or not yet) and its
  transaction not yet committed; if the frame then fails, the memory rolls back to before it. The
  free-surface evidence of a frame (half of a write, and read by no query) is folded in after `lock`
  is released, under `writing`, which every writer holds.
- As separate processes (`ingest_node` and `memory_server host_ingest:=false`), the ingest process is the only writer;
  the server opens the same SQLite file read-only (WAL mode lets a reader run next to the writer). They start in
  either order: until the writer has created the file, the reader answers from an empty memory (it never creates the
  file). `refresh_if_changed()` re-opens the file when it changed (or appeared), at most once per `refresh_period_s`.
  The re-open (which loads the whole memory) runs on a background thread, one at a time; queries keep answering from
  the memory loaded before until the fresh one is swapped in under `lock`, and a re-open that fails (corrupt or locked
  file) is logged and changes nothing. Answers then lag the writer by up to that period plus one load.
- Several writers in one process (`memstack up SCENARIO` with planner_server `robot: ros`: ingest_node
  writes the frames of the camera topics, and the planner's explorer writes the frames its skills
  brought back, which are the same frames) would race on time order. While more than one writer
  holds the store, a frame no later than the last one written is skipped (`SharedMemoryStore`): the
  other writer has already written it, or a later frame of the same camera.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from scene_graph.records import IngestResult
from scene_graph.store import MemoryStore

LOG = logging.getLogger(__name__)
T = TypeVar("T")

_SAME_INSTANT_S = 1e-6


class SharedMemoryStore(MemoryStore):
    """A MemoryStore that, while `several_writers`, skips frames already covered by another writer."""

    several_writers = False
    frames_skipped = 0

    def ingest(self, frame: Any) -> IngestResult:
        if self.several_writers and frame.time <= self.last_time + _SAME_INSTANT_S:
            self.frames_skipped += 1
            return IngestResult(frame_id=frame.frame_id)
        return super().ingest(frame)


_REGISTRY: dict[str, SharedStore] = {}
_REGISTRY_LOCK = threading.Lock()


def _key(db_path: str) -> str:
    return ":memory:" if db_path in ("", ":memory:") else str(Path(db_path).expanduser().resolve())


def load_floor_plan(path: str) -> Any:
    """The floor plan of a floor-plan file or of a scenario file's rooms and doors, or None for "".

    (scene_graph.floor_plan_file: the scenario's other sections are the simulator's and not read here.)
    """
    if not path:
        return None
    from scene_graph.floor_plan_file import load_floor_plan_file

    return load_floor_plan_file(path)


def _no_store_yet(path: str) -> bool:
    """No store file at `path` yet (missing or empty): a writer process has not created it."""
    try:
        return os.path.getsize(path) == 0
    except FileNotFoundError:
        return True


def is_open(db_path: str) -> bool:
    """Whether a node of this process holds the memory of `db_path` (for nodes that must not create one)."""
    with _REGISTRY_LOCK:
        return _key(db_path) in _REGISTRY


class SharedStore:
    """A MemoryStore guarded by one lock, reference-counted per process and path."""

    def __init__(self, key: str, floor_plan: Any = None, config: Any = None, writer: bool = True) -> None:
        self.key = key
        self.path = None if key == ":memory:" else key
        self._open = functools.partial(SharedMemoryStore.open, config=config)
        self.lock = threading.RLock()
        # readers alone open the file read-only, without the writer lock (scene_graph.writer_lock); a reader
        # started before the writer process made the file answers from an empty memory until it appears
        self.awaiting_file = not writer and self.path is not None and _no_store_yet(self.path)
        if self.awaiting_file:
            self.store = self._adopt(self._open(None, floor_plan=floor_plan))
        else:
            self.store = self._adopt(self._open(self.path, floor_plan=floor_plan, read_only=not writer))
        self.floor_plan = floor_plan
        # queries waiting for `lock`, and the signal that one of them got it while a write stepped aside
        self._readers_waiting = 0
        self._readers_count_lock = threading.Lock()
        self._reader_admitted = threading.Event()
        # held by every writer, outside `lock`: the free-surface update of a frame runs after `lock` is
        # released (no query reads that grid) and must not overlap another write
        self.writing = threading.RLock()
        self.users = 0
        self.writers = 0
        self.ingest_reporters: list[Callable[[], Any]] = []
        self.server_attached = False
        # the reader side of a separate writer process: `_refresh_guard` covers the signature, the time and
        # the thread of the latest re-open; `_closed` (set under `lock`) turns a late swap into a no-op
        self._refresh_guard = threading.Lock()
        self._signature = self._file_signature()
        self._last_refresh = time.monotonic()
        self._reloader: threading.Thread | None = None
        self._closed = False

    # ------------------------------------------------------------ acquisition

    @classmethod
    def acquire(cls, db_path: str, floor_plan: Any = None, writer: bool = False, config: Any = None) -> SharedStore:
        """The process's store for `db_path`; `config` (a MemoryConfig) is used by the first to acquire it."""
        key = _key(db_path)
        with _REGISTRY_LOCK:
            shared = _REGISTRY.get(key)
            if shared is None:
                shared = cls(key, floor_plan, config, writer=writer)
                _REGISTRY[key] = shared
            elif writer and (shared.store.file.read_only or shared.awaiting_file):
                # the first writer of a store readers opened (or found no file for yet)
                with shared.writing, shared.lock:
                    fresh = shared._adopt(shared._open(shared.path, floor_plan=floor_plan or shared.floor_plan))
                    shared.store.close()
                    shared.store = fresh
                    shared.awaiting_file = False
            elif floor_plan is not None and shared.floor_plan is None:
                with shared.writing, shared.lock:
                    shared.store.set_floor_plan(floor_plan)
                    shared.floor_plan = floor_plan
            shared.users += 1
            shared.writers += int(writer)
            shared.store.several_writers = shared.writers > 1
            return shared

    def release(self, writer: bool = False) -> None:
        with _REGISTRY_LOCK:
            self.users -= 1
            self.writers -= int(writer)
            self.store.several_writers = self.writers > 1
            if self.users > 0:
                return
            _REGISTRY.pop(self.key, None)
        with self.writing, self.lock:
            self._closed = True
            self.store.close()

    # ------------------------------------------------------------ access

    def _adopt(self, store: MemoryStore) -> MemoryStore:
        """The store's own lock becomes `lock`, so a write can step aside for queries inside `ingest`."""
        store.lock = self.lock
        store.defer_surface_evidence = True
        return store

    def write(self, frame: Any) -> Any:
        """Ingest one frame. Queries wait for one observation's update, not for the frame or its surfaces."""
        with self.writing:
            store = self.store
            store.between_observations = self._let_a_waiting_query_in
            try:
                result = store.ingest(frame)  # takes `lock` (once: the caller must not hold it)
            finally:
                store.between_observations = None
            store.observe_deferred_surfaces()
        return result

    def _let_a_waiting_query_in(self) -> None:
        if not self._readers_waiting:
            return
        self._reader_admitted.clear()
        self.lock.release()
        try:
            # a released lock is not handed over: without this wait the writer would take it straight back
            self._reader_admitted.wait(0.002)
        finally:
            self.lock.acquire()

    def read(self, query: Callable[[Any], T]) -> T:
        with self._readers_count_lock:
            self._readers_waiting += 1
        try:
            self.lock.acquire()
        finally:
            with self._readers_count_lock:
                self._readers_waiting -= 1
        try:
            self._reader_admitted.set()
            return query(self.store)
        finally:
            self.lock.release()

    def db_bytes(self) -> int:
        if self.path is None:
            return 0
        return sum(os.path.getsize(p) for p in (self.path, self.path + "-wal") if os.path.exists(p))

    # ------------------------------------------------------------ reader side of a separate writer process

    def _file_signature(self) -> tuple:
        if self.path is None:
            return ()
        sig = []
        for p in (self.path, self.path + "-wal"):
            try:
                st = os.stat(p)
                sig.append((st.st_mtime_ns, st.st_size))
            except OSError:
                sig.append(None)
        return tuple(sig)

    def refresh_if_changed(self, min_period_s: float) -> bool:
        """Start re-opening the store in the background when another process changed the file.

        Only when nobody here writes, at most once per `min_period_s`, and never while a re-open is still
        running. Returns at once: True when a re-open was started (`wait_for_refresh` waits for it).
        """
        if self.path is None or self.writers > 0 or self._closed:
            return False
        with self._refresh_guard:
            if self._reloader is not None and self._reloader.is_alive():
                return False
            now = time.monotonic()
            if now - self._last_refresh < min_period_s:
                return False
            signature = self._file_signature()  # before the load: a change during it is seen next time
            if signature == self._signature:
                return False
            self._last_refresh = now
            self._reloader = threading.Thread(target=self._reload, args=(signature,), daemon=True,
                                              name=f"reopen {Path(self.path).name}")
            self._reloader.start()
        return True

    def wait_for_refresh(self, timeout: float | None = None) -> bool:
        """Wait for the re-open `refresh_if_changed` started; False if it still runs after `timeout` s."""
        with self._refresh_guard:
            reloader = self._reloader
        if reloader is None:
            return True
        reloader.join(timeout)
        return not reloader.is_alive()

    def _reload(self, signature: tuple) -> None:
        floor_plan = self.floor_plan
        try:
            fresh = self._adopt(self._open(self.path, floor_plan=floor_plan, read_only=True))
        except Exception as exc:  # noqa: BLE001 - any failure leaves the memory loaded before in service
            LOG.warning("could not re-open %s after a change by another process, answering from the memory "
                        "loaded before: %r", self.path, exc)
            return
        retired = fresh  # when released, or written here, during the load
        with self.writing, self.lock:
            if not self._closed and self.writers == 0:
                if self.floor_plan is not floor_plan:  # given by an `acquire` during the load
                    fresh.set_floor_plan(self.floor_plan)
                retired, self.store = self.store, fresh
                self.awaiting_file = False
                with self._refresh_guard:
                    self._signature = signature
        retired.close()
        if retired is not fresh:
            LOG.debug("re-opened %s after a change by another process", self.path)
