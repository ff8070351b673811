"""MemoryStore: the robot's long-term memory (spatial, temporal, episodic, semantic) over a durable SQLite log.

Writes go through `ingest(frame)` (one SQLite transaction per frame), `record_manipulation`, episodes
and facts; everything else is read-only queries that take times as float seconds since d1 00:00
(None = latest). The in-memory tracks, records and indexes are rebuilt from the file on open (and
after a transaction rolls back); the file is the source of truth.

The store is a facade: tracking (`tracking/`) folds frames into object tracks; the temporal,
spatial, episodic and semantic memories (`temporal.py`, `spatial.py`, `episodic.py`, `semantic.py`)
hold and answer their part; `manipulation.py` records the robot's own placements; `search.py` is
text search; `persistence.py` holds every SQL statement; queries read a `view.MemoryView` whose one
cache is cleared after every transaction.
"""

from __future__ import annotations

import functools
import math
import sqlite3
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import networkx as nx

from memory_stack.foundation.errors import BadInputError
from scene_graph import episodic, manipulation, semantic, spatial, temporal, unsaved_state
from scene_graph.config import MemoryConfig
from scene_graph.episodic import EpisodicMemory
from scene_graph.frame_checks import validate_frame
from scene_graph.frame_identity import frame_identity, is_stored_frame
from scene_graph.ontology import Ontology
from scene_graph.persistence import MemoryFile, StoreFault, store_fault
from scene_graph.records import (
    Episode,
    Fact,
    IngestResult,
    LocationBelief,
    MemoryEvent,
    ObjectHistory,
    Place,
    PresenceInterval,
    SceneObject,
    WorldSnapshot,
)
from scene_graph.search import TextVectors, search
from scene_graph.semantic import SemanticMemory
from scene_graph.spatial_index import RoomIndex
from scene_graph.surface_coverage import SurfaceCoverage
from scene_graph.temporal import TemporalMemory
from scene_graph.tracking.object_tracks import TrackedObject
from scene_graph.tracking.tracker import Tracker
from scene_graph.types import FloorPlan, Frame
from scene_graph.view import MemoryView, ViewCache, resolve, time_or_now

T = TypeVar("T")

__all__ = ["MemoryStore", "MemoryConfig", "SceneObject", "Place", "PresenceInterval", "MemoryEvent", "Fact",
           "Episode", "LocationBelief", "ObjectHistory", "WorldSnapshot", "IngestResult"]

_ontology_cache: dict[str, Ontology] = {}


def _locked(method):
    """Serialise a public method on the store's re-entrant lock (ROS executors call from several threads)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)

    return wrapper


def load_ontology(path: Path) -> Ontology:
    key = str(path)
    if key not in _ontology_cache:
        _ontology_cache[key] = Ontology.load(path)
    return _ontology_cache[key]


class MemoryStore:
    """The memory. Construct with `MemoryStore.open(path, floor_plan, config)`."""

    # True: `ingest` leaves a frame's free-surface evidence for `observe_deferred_surfaces` (see there)
    defer_surface_evidence = False
    # Called by `ingest` between the observations of a frame, with `lock` held once: a writer that shares
    # the store with readers may let a waiting reader in there (memory_node.shared_store.SharedStore.write).
    # The reader then sees part of the frame applied: every object it reads has been fully updated or not
    # at all, but the frame's transaction is not committed yet.
    between_observations: Callable[[], None] | None = None

    def __init__(self, file: MemoryFile, floor_plan: FloorPlan | None, config: MemoryConfig) -> None:
        self.lock = threading.RLock()
        self.file = file
        self.db_path = file.path
        self.config = config
        self.ontology = load_ontology(config.ontology_file)
        self.cache = ViewCache()
        self.text_vectors = TextVectors()
        self._floor_plan_override: FloorPlan | None = None  # a read-only store's floor plan given on open
        self._loading = ""
        self._load()
        if floor_plan is not None:
            self.set_floor_plan(floor_plan)

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def open(cls, path: str | Path | None = None, floor_plan: FloorPlan | None = None,
             config: MemoryConfig | None = None, read_only: bool = False) -> MemoryStore:
        """Open (or create) the memory at `path`; for writing it holds the writer lock until `close`.

        `read_only`: for commands that only read (query, ask, export, a server beside a writer process):
        SQLite `mode=ro`, no writer lock, never created or migrated; a floor plan given here is kept in
        memory only; any write raises a one-line StoreFault.
        """
        file = MemoryFile.open(path, read_only=read_only)
        try:
            return cls(file, floor_plan, config or MemoryConfig())
        except BaseException:
            file.close()
            raise

    @_locked
    def close(self) -> None:
        if not self.file.closed:
            self.observe_deferred_surfaces()
            if self.coverage.dirty and not self.file.read_only:
                self._transaction(self.tracker.save_coverage)
            self.file.close()

    @property
    def closed(self) -> bool:
        return self.file.closed

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _load(self) -> None:
        """Build the memories from the file (on open, and after a rolled-back transaction).

        The file's records were checked on open (`record_checks`); damage they do not catch still ends
        in one line naming the file and the part of the memory that could not be loaded.
        """
        try:
            self._load_records()
        except BadInputError:
            raise
        except sqlite3.Error as exc:
            raise store_fault(exc, self.file.name, "loading the memory") from exc
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            raise BadInputError(f"{self.file.name}: damaged record while loading the {self._loading} "
                                f"({type(exc).__name__}: {exc}); the file was left untouched") from exc

    def _load_records(self) -> None:
        f = self.file
        self._loading = "meta table"
        meta = f.read_meta()
        self.last_frame_id = int(meta.get("last_frame_id", -1))
        self.last_time = float(meta.get("last_time", "-inf"))
        self.last_frame_key = meta.get("last_frame_key")
        self.frames_stored = int(meta.get("frames_stored", 0))  # frames committed: what was acknowledged
        self.temporal = TemporalMemory(f, self.config)
        self.semantic = SemanticMemory(f)
        self.episodic = EpisodicMemory(f)
        self.tracker = Tracker(f, self.config, self.ontology, self.temporal, self.semantic, self.episodic)
        self.tracker.between_observations = self._between_observations
        self._loading = "floor plan (meta floor_plan)"
        floor_plan = self._floor_plan_override or f.floor_plan()
        if floor_plan is not None:
            self.tracker.rooms = RoomIndex(floor_plan)
        self._loading = "objects table"
        self.tracker.load(int(meta.get("next_object_number", 0)))
        self._loading = "intervals, locations, states, events, observed and trajectory tables"
        self.temporal.load(self.tracker.tracks)
        self._loading = "episodes table"
        self.episodic.load()
        self._loading = "facts table"
        self.semantic.load()
        self._loading = "objects' support relations"
        self.tracker.index_contents()
        self._loading = "free-surface evidence (meta surface_coverage)"
        self.tracker.init_surfaces(meta.get("surface_coverage"))
        self.view = MemoryView(self.tracker, self.temporal, lambda: self.now, self.cache)

    def _transaction(self, fn: Callable[[], T]) -> T:
        """`fn` in one SQLite transaction; if it fails, the file rolls back and memory reloads from it.

        Committed or rolled back, the view's cache is cleared: nothing derived before survives the change.
        """
        unsaved = unsaved_state.capture(self.tracker, self.episodic)
        try:
            with self.file.transaction():
                return fn()
        except StoreFault as exc:
            if not exc.before_write:
                self._reload(unsaved)
            raise
        except BaseException:
            self._reload(unsaved)
            raise
        finally:
            self.cache.clear()

    def _reload(self, unsaved: unsaved_state.UnsavedState) -> None:
        """Memory as it was before the failed transaction: the file's state plus what only memory held."""
        self._load()
        unsaved_state.restore(unsaved, self.tracker, self.episodic)

    def _between_observations(self) -> None:
        if self.between_observations is not None:
            self.cache.clear()  # a reader let in now sees the frame so far, not what was cached before it
            self.between_observations()

    # ------------------------------------------------------------------ state other parts of the stack read
    @property
    def tracks(self) -> Mapping[str, TrackedObject]:
        """The object tracks by id (read-only use: tests and benchmarks inspect them)."""
        return self.tracker.tracks

    @property
    def coverage(self) -> SurfaceCoverage:
        """The free-surface evidence grid."""
        return self.tracker.coverage

    @property
    def floor_plan(self) -> FloorPlan | None:
        return self.tracker.rooms.floor_plan

    @property
    def now(self) -> float:
        return self.last_time if math.isfinite(self.last_time) else 0.0

    @property
    def revision(self) -> int:
        """A number that changes with every write (commit or rollback) and mid-frame reader hand-off.

        What was derived from the memory at one revision holds while the revision is the same.
        """
        return self.cache.generation

    # ------------------------------------------------------------------ writes
    @_locked
    def set_floor_plan(self, floor_plan: FloorPlan) -> None:
        """Give (or replace) the prior map; remembered objects are re-assigned to rooms."""
        rooms = RoomIndex(floor_plan)  # validates before anything changes
        if self.file.read_only:  # kept in memory: the rooms the writer assigned stay as the file has them
            self._floor_plan_override = floor_plan
            self._load()
            self.cache.clear()
            return
        rooms_of = self.tracker.rooms_for(rooms)

        def write() -> None:
            self.file.save_floor_plan(floor_plan)
            self.tracker.set_rooms(rooms, rooms_of)
            self.tracker.lay_surfaces(None)

        self._transaction(write)

    @property
    def time_epoch(self) -> float | None:
        """The ROS time (s) of this memory's d1 00:00 (foundation.time_epoch); None while the memory is empty.

        A memory that holds frames but no recorded epoch was written in simulated seconds: its epoch is 0.
        """
        stored = self.file.read_meta().get("time_epoch")
        if stored is not None:
            return float(stored)
        return 0.0 if self.last_frame_id >= 0 else None

    @_locked
    def set_time_epoch(self, epoch_s: float) -> None:
        """Record the memory's epoch (once: a different one for a memory that has one is refused)."""
        current = self.time_epoch
        if current is not None and abs(current - float(epoch_s)) > 1e-6:
            raise BadInputError(f"memory {self.db_path or ':memory:'}: keeps its times from epoch {current!r} s, "
                                f"cannot change it to {float(epoch_s)!r} s")
        self._transaction(lambda: self.file.write_meta("time_epoch", repr(float(epoch_s))))

    @_locked
    def ingest(self, frame: Frame) -> IngestResult:
        """Fold one frame's observations into memory; one SQLite transaction (all or nothing)."""
        if self.file.closed:
            raise BadInputError(f"ingest: the memory store {self.db_path or ':memory:'} is closed")
        observations = [ob for ob in validate_frame(frame) if ob.confidence >= self.config.min_detection_confidence]
        if frame.time < self.last_time - 1e-6:
            raise BadInputError(f"frame {frame.frame_id}: time {frame.time} is before the last ingested time "
                                f"{self.last_time}; frames must arrive in time order")
        identity = frame_identity(frame)
        self.observe_deferred_surfaces()  # the previous frame's, if its writer did not get to it

        def write() -> IngestResult:
            result = self.tracker.ingest_frame(frame, observations, self.defer_surface_evidence)
            self.file.write_meta("last_frame_id", str(frame.frame_id))
            self.file.write_meta("last_time", repr(float(frame.time)))
            self.file.write_meta("last_frame_key", identity)
            self.file.write_meta("frames_stored", str(self.frames_stored + 1))
            self.file.write_meta("next_object_number", str(self.tracker.next_object_number))
            return result

        result = self._transaction(write)
        self.last_frame_id = frame.frame_id
        self.last_time = max(self.last_time, float(frame.time))
        self.last_frame_key = identity
        self.frames_stored += 1
        return result

    @_locked
    def is_last_stored(self, frame: Frame) -> bool:
        """`frame` is the last frame stored (same stamp, same identity), e.g. offered again by a replay or resume."""
        return is_stored_frame(frame, self.last_time, self.last_frame_key)

    def observe_deferred_surfaces(self) -> None:
        """Fold the free-surface evidence of frames ingested with `defer_surface_evidence` into the grid.

        No query reads the grid, so a single writer (`memory_node.shared_store.SharedStore.write`) calls
        this after releasing the lock queries wait on; `ingest` and `close` call it first themselves, so
        a frame's evidence always lands before the next frame is associated. The caller must make sure
        no other writer runs meanwhile.
        """
        self.tracker.observe_deferred_surfaces()

    @property
    def deferred_surface_frames(self) -> int:
        """How many ingested frames' free-surface evidence waits for `observe_deferred_surfaces`."""
        return len(self.tracker.deferred_surfaces)

    @_locked
    def record_manipulation(self, object_id: str, position: tuple[float, float, float], time: float,
                            frame_ids=(), rests_on: str | None = None) -> MemoryEvent:
        """The robot itself moved `object_id` to `position` (its new centre) at `time`, e.g. a verified place.

        Records a `moved` event with provenance "manipulation", a location record, keeps the presence
        interval open (the object never left the house) and recomputes the support relation. Tracks of
        the same category that appeared at the new place since the object was last seen (the placed
        object seen before this call) are folded into it. One SQLite transaction; returns the event.

        Support: `rests_on` (a remembered receptacle id) when the caller knows where it put the object;
        otherwise the usual support test, and failing that (a box distorted while carried) the highest
        remembered surface under `position`. A placed object rests on something: furniture the memory
        believed gone is present again.
        """
        if self.file.closed:
            raise BadInputError(f"record_manipulation: the memory store {self.db_path or ':memory:'} is closed")
        placement = manipulation.check_placement(self.tracks, object_id, position, time, frame_ids, rests_on)
        return self._transaction(lambda: manipulation.apply_placement(self.tracker, placement))

    # ------------------------------------------------------------------ episodic memory
    @_locked
    def begin_episode(self, kind: str, name: str, time: float) -> int:
        self.episodic.check_begin(kind)
        return self._transaction(lambda: self.episodic.begin(kind, name, time))

    @_locked
    def end_episode(self, episode_id: int, time: float) -> Episode:
        self.episodic.check_end(episode_id, time)
        return self._transaction(lambda: self.episodic.end(self.view, episode_id, time))

    @_locked
    def episodes(self, t0: float | None = None, t1: float | None = None, kind: str | None = None) -> list[Episode]:
        """Episodes overlapping [t0, t1] (coarse recall); follow with `episode_events` for the detail."""
        return self.episodic.episodes(t0, t1, kind)

    @_locked
    def episode_events(self, episode_id: int) -> list[MemoryEvent]:
        return episodic.episode_events(self.view, self.episodic.get(episode_id, "episode_events"))

    # ------------------------------------------------------------------ semantic memory
    @_locked
    def add_fact(self, subject: str, predicate: str, object: str, valid_from: float | None = None,
                 valid_to: float | None = None, recorded_at: float | None = None, confidence: float = 1.0,
                 provenance: str = "user") -> int:
        rec = float(recorded_at) if recorded_at is not None else self.now
        return self._transaction(lambda: self.semantic.add(subject, predicate, object, valid_from, valid_to, rec,
                                                           confidence, provenance))

    @_locked
    def retire_fact(self, fact_id: int, at: float) -> None:
        """Mark a fact as no longer believed (recorded knowledge changes; the row stays for "as of" queries)."""
        self.semantic.get(fact_id, "retire_fact")
        self._transaction(lambda: self.semantic.retire(fact_id, at))

    @_locked
    def end_fact(self, fact_id: int, valid_to: float) -> None:
        """The fact stopped being true in the world at `valid_to` (it was right until then)."""
        self.semantic.get(fact_id, "end_fact")
        self._transaction(lambda: self.semantic.end(fact_id, valid_to))

    @_locked
    def facts(self, subject: str | None = None, predicate: str | None = None, at: float | None = None,
              as_of: float | None = None, include_retired: bool = False) -> list[Fact]:
        """Facts valid in the world at `at`, as known at `as_of` (None: now, retired facts hidden)."""
        return self.semantic.facts(subject, predicate, at, as_of, include_retired)

    # ------------------------------------------------------------------ queries
    @_locked
    def locate(self, target: str, at: float | None = None, include_tentative: bool = False) -> list[LocationBelief]:
        """Where the target probably is at `at` (see semantic.locate); best first, probabilities sum to 1."""
        return semantic.locate(self.view, target, at, include_tentative)

    @_locked
    def history(self, object_id: str, t0: float | None = None, t1: float | None = None) -> ObjectHistory:
        """An object's presence intervals, locations, states and events within [t0, t1]."""
        return temporal.history(self.view, object_id, t0, t1)

    @_locked
    def changes(self, room: str, t0: float | None = None, t1: float | None = None,
                include_discoveries: bool = False) -> list[MemoryEvent]:
        """Changes in the world seen in `room` (see temporal.changes); first sightings only with include_discoveries."""
        return temporal.changes(self.view, room, t0, t1, include_discoveries)

    @_locked
    def contents(self, receptacle_or_room: str, at: float | None = None) -> list[SceneObject]:
        """Movable objects on/in a receptacle (id or category) or in a room, at time `at`."""
        return spatial.contents(self.view, receptacle_or_room, at)

    @_locked
    def count(self, event_kind: str, target: str, t0: float | None = None, t1: float | None = None) -> int:
        """How many events of a kind happened to the target within [t0, t1]."""
        return temporal.count(self.view, event_kind, target, t0, t1)

    @_locked
    def first_seen(self, target: str) -> float | None:
        return temporal.first_seen(self.view, target)

    @_locked
    def last_seen(self, target: str) -> float | None:
        return temporal.last_seen(self.view, target)

    @_locked
    def search(self, text: str, k: int = 5) -> list[tuple[SceneObject, float]]:
        """Objects whose category is closest in meaning to `text` (MiniLM similarity)."""
        return search(self.view, self.text_vectors, text, k)

    @_locked
    def path(self, a: str, b: str) -> list[str]:
        """The shortest path between two places, rooms, receptacles or objects in the place graph."""
        return spatial.path(self.view, a, b)

    @_locked
    def snapshot(self, t: float | None = None) -> WorldSnapshot:
        """Objects believed present at t."""
        return temporal.snapshot(self.view, t)

    @_locked
    def objects(self, at: float | None = None, include_absent: bool = False,
                include_tentative: bool = False) -> list[SceneObject]:
        return temporal.objects(self.view, at, include_absent, include_tentative)

    @_locked
    def receptacles(self) -> list[SceneObject]:
        """Furniture the robot has seen (present or believed gone)."""
        return temporal.receptacles(self.view)

    @_locked
    def events(self, t0: float | None = None, t1: float | None = None, kinds=None,
               target: str | None = None) -> list[MemoryEvent]:
        return temporal.events(self.view, t0, t1, kinds, target)

    @_locked
    def observed_intervals(self, t0: float | None = None, t1: float | None = None) -> list[tuple[float, float, str]]:
        """When the robot looked at which room: (start, end, room) overlapping [t0, t1]."""
        return temporal.observed_intervals(self.view, t0, t1)

    @_locked
    def trajectory(self, t0: float | None = None, t1: float | None = None
                   ) -> list[tuple[float, float, float, float, float, str | None]]:
        """Where the robot went: (time, x, y, z, yaw, room) nodes in time order within [t0, t1]."""
        lo = -math.inf if t0 is None else float(t0)
        hi = math.inf if t1 is None else float(t1)
        return [node for node in self.temporal.trajectory if lo <= node[0] <= hi]

    @_locked
    def last_observed(self, room: str | None, at: float | None = None) -> float | None:
        """When the robot last looked at `room` at or before `at` (None: now); None if it never did."""
        return temporal.last_observed(self.view, room, time_or_now(self.view, at))

    @_locked
    def move_rate(self, target: str) -> float:
        """Moves per hour, learned with a prior."""
        return semantic.move_rate(self.view, target)

    @_locked
    def location_prior(self, category: str) -> dict[str, float]:
        """P(receptacle category | object category)."""
        return semantic.location_prior(self.view, category)

    @_locked
    def get_object(self, object_id: str, at: float | None = None) -> SceneObject | None:
        return temporal.get_object(self.view, object_id, at)

    @_locked
    def nearest(self, point: tuple[float, float, float], k: int = 5) -> list[tuple[SceneObject, float]]:
        return spatial.nearest(self.view, point, k)

    @_locked
    def within(self, point: tuple[float, float, float], radius: float) -> list[SceneObject]:
        return spatial.within(self.view, point, radius)

    @_locked
    def places(self) -> list[Place]:
        return list(spatial.place_graph(self.view)[0].values())

    @_locked
    def graph(self) -> nx.DiGraph:
        """The layered scene graph (building -> rooms -> places -> objects, plus trajectory), a fresh copy."""
        return spatial.layered_graph(self.view)

    @_locked
    def resolve(self, target: str) -> list[str]:
        """Object ids a target names: an object id, a category or synonym, or a parent category."""
        return resolve(self.view, target)
