"""MemoryStore: the robot's long-term memory (spatial, temporal, episodic, semantic) over a durable SQLite log.

Writes go through `ingest(frame)` (one SQLite transaction per frame); everything else is read-only
queries that take times as float seconds since d1 00:00 (None = latest). The in-memory objects,
graph and indexes are rebuilt from the file on open; the file is the source of truth.
"""

from __future__ import annotations

import functools
import json
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import networkx as nx
import numpy as np

from memory_stack.foundation.errors import BadInputError
from scene_graph import queries
from scene_graph.association import assign, association_costs
from scene_graph.config import MemoryConfig
from scene_graph.object_tracks import ABSENT, PRESENT, TENTATIVE, ObjectArrays, TrackedObject
from scene_graph.ontology import Ontology
from scene_graph.persistence import MemoryFile
from scene_graph.records import (
    Episode,
    Fact,
    IngestResult,
    LocationBelief,
    LocationRecord,
    MemoryEvent,
    ObjectHistory,
    Place,
    PresenceInterval,
    SceneObject,
    StateRecord,
    WorldSnapshot,
)
from scene_graph.search import TextVectors, search
from scene_graph.spatial import RoomIndex, find_support
from scene_graph.surface_coverage import SurfaceCoverage
from scene_graph.types import Door, FloorPlan, Frame, Observation, Room
from scene_graph.view import ViewCache
from scene_graph.visibility import miss_weights

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
        self._reset_state()
        self._load()
        if floor_plan is not None:
            self.set_floor_plan(floor_plan)

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def open(cls, path: str | Path | None = None, floor_plan: FloorPlan | None = None,
             config: MemoryConfig | None = None) -> MemoryStore:
        file = MemoryFile.open(path)
        try:
            return cls(file, floor_plan, config or MemoryConfig())
        except BaseException:
            file.close()
            raise

    @_locked
    def close(self) -> None:
        if not self.file.closed:
            self.observe_deferred_surfaces()
            if self.coverage.dirty:
                self._write_tx(self._save_coverage)
            self.file.close()

    @property
    def closed(self) -> bool:
        return self.file.closed

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _reset_state(self) -> None:
        self.tracks: dict[str, TrackedObject] = {}
        self.arrays = ObjectArrays()
        self.by_category: dict[str, set[str]] = defaultdict(set)
        self.contents_index: dict[str, set[str]] = defaultdict(set)
        self.tentative: set[str] = set()
        self.event_log: list[MemoryEvent] = []
        self.observed: list[list] = []  # [room, start, end, row id]
        self.trajectory: list[tuple[float, float, float, float, float, str | None]] = []
        self.episode_map: dict[int, Episode] = {}
        self.open_episode_objects: dict[int, set[str]] = {}
        self.fact_map: dict[int, Fact] = {}
        self.facts_by_subject: dict[str, list[int]] = defaultdict(list)
        self.rooms = RoomIndex(None)
        self.last_frame_id = -1
        self.last_time = -math.inf
        self.next_object_number = 0
        self._next_expiry_check = -math.inf
        self._pending_objects: list[tuple] = []
        self._pending_intervals: list[tuple] = []
        self.absent_by_category: dict[str, set[str]] = defaultdict(set)
        cfg = self.config
        self.coverage = SurfaceCoverage(cfg.surface_cell_m, cfg.empty_evidence_range_m,
                                        cfg.empty_evidence_depth_margin_m, cfg.image_edge_margin / 2.0,
                                        cfg.min_view_range_m)
        self._laid_surfaces: dict[str, tuple[int, ...]] = {}  # receptacle id -> box (5 cm units) laid on the grid
        self._coverage_saved_at = -math.inf
        self._deferred_surfaces: list[tuple[Frame, list[Observation], list[str]]] = []

    # ------------------------------------------------------------------ floor plan
    @property
    def floor_plan(self) -> FloorPlan | None:
        return self.rooms.floor_plan

    @_locked
    def set_floor_plan(self, floor_plan: FloorPlan) -> None:
        """Give (or replace) the prior map; remembered objects are re-assigned to rooms."""
        rooms = RoomIndex(floor_plan)  # validates before anything changes
        new_rooms = {oid: rooms.room_of(float(o.position[0]), float(o.position[1])) for oid, o in self.tracks.items()}

        def write() -> None:
            self.file.write_meta("floor_plan", json.dumps(_floor_plan_to_json(floor_plan)))
            self.file.save_rooms(new_rooms)
            self.rooms = rooms
            for oid, room in new_rooms.items():
                self.tracks[oid].room = room
            self._lay_coverage(None)

        self._state_tx(write)

    # ------------------------------------------------------------------ loading
    def _load(self) -> None:
        f = self.file
        meta = f.read_meta()
        self.last_frame_id = int(meta.get("last_frame_id", -1))
        self.last_time = float(meta.get("last_time", "-inf"))
        self.next_object_number = int(meta.get("next_object_number", 0))
        if "floor_plan" in meta:
            self.rooms = RoomIndex(_floor_plan_from_json(json.loads(meta["floor_plan"])))
        for r in f.object_rows():
            obj = TrackedObject(r[0], r[1], bool(r[2]), np.array(r[4:7], dtype=float), np.array(r[7:10], dtype=float),
                                np.array(r[10:13], dtype=float), r[17], r[23] if r[23] is not None else -1)
            obj.status = r[3]
            obj.room, obj.rests_on, obj.state = r[13], r[14], r[15]
            obj.sightings, obj.last_seen, obj.misses, obj.first_miss = r[16], r[18], r[19], r[20]
            obj.votes = json.loads(r[21])
            if r[22] is not None:
                obj.embedding = np.frombuffer(r[22], dtype=np.float32).copy()
            self._register(obj)
        for oid, row_id, start, end, last_seen, sightings in f.interval_rows():
            obj = self.tracks.get(oid)
            if obj is not None:
                obj.intervals.append(PresenceInterval(oid, start, end, last_seen, sightings))
                obj.interval_rows.append(row_id)
        for obj in self.tracks.values():
            if obj.status == PRESENT and obj.intervals and obj.intervals[-1].end is None:
                obj.intervals[-1].last_seen = obj.last_seen
        for oid, t, x, y, z, room, rests_on, rcat in f.location_rows():
            obj = self.tracks.get(oid)
            if obj is not None:
                obj.locations.append(LocationRecord(oid, t, (x, y, z), room, rests_on, rcat))
        for oid, t, state in f.state_rows():
            obj = self.tracks.get(oid)
            if obj is not None:
                obj.states.append(StateRecord(oid, t, state))
        for row in f.event_rows():
            pos = (row[5], row[6], row[7]) if row[5] is not None else None
            ev = MemoryEvent(row[1], row[2], row[3], row[4], pos, row[8], row[9], row[10], row[11], row[12],
                             tuple(json.loads(row[13])), row[0], row[14], bool(row[15]))
            self.event_log.append(ev)
            obj = self.tracks.get(ev.object_id)
            if obj is not None:
                obj.events.append(ev)
        for row_id, room, start, end in f.observed_rows():
            self.observed.append([room, start, end, row_id])
        self.trajectory = [tuple(r) for r in f.trajectory_rows()]
        for row in f.episode_rows():
            self.episode_map[row[0]] = Episode(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]))
            if row[4] is None:
                self.open_episode_objects[row[0]] = set()
        for row in f.fact_rows():
            self.fact_map[row[0]] = Fact(*row)
            self.facts_by_subject[row[1]].append(row[0])
        for obj in self.tracks.values():
            if obj.status == PRESENT and obj.rests_on is not None:
                self.contents_index[obj.rests_on].add(obj.id)
        self._lay_coverage(meta.get("surface_coverage"))

    def _lay_coverage(self, saved: str | None) -> None:
        """Lay the free-surface grid over the floor plan and the remembered furniture (plus saved evidence)."""
        self.coverage.set_rooms(self.rooms)
        self._laid_surfaces = {}
        self._update_surfaces()
        if saved:
            self.coverage.load_text(saved)
        self.coverage.dirty = False

    def _update_surfaces(self, near: tuple[float, float, float, float] | None = None) -> None:
        """Furniture tops are surfaces of the free-surface grid; re-laid where a box changed by > 5 cm.

        `near` (x0, y0, x1, y1): only furniture laid or remembered there is examined (None: all of it).
        """
        a = self.arrays
        n = a.size
        if near is None:
            rec = np.flatnonzero((a.status[:n] == PRESENT) & a.is_rec[:n])
        else:
            rec = a.near(*near)
            rec = rec[(a.status[rec] == PRESENT) & a.is_rec[rec]]
        current = {a.owner[i].id: tuple(np.round(np.concatenate([a.bmin[i], a.bmax[i]]) / 0.05).astype(int).tolist())
                   for i in rec.tolist()}
        if near is None:  # lay everything at once
            self._laid_surfaces = current
            self.coverage.set_surfaces(a.bmin[rec], a.bmax[rec])
            return
        laid = self._laid_surfaces
        stale = [oid for oid, box in laid.items() if oid not in current and (near is None or _key_overlaps(box, near))]
        stale += [oid for oid, box in current.items() if laid.get(oid) != box]
        if not stale:
            return
        windows = [np.array(b, dtype=float) * 0.05 for b in (laid.get(oid) for oid in stale) if b is not None]
        windows += [np.array(current[oid], dtype=float) * 0.05 for oid in stale if oid in current]
        for oid in stale:
            laid.pop(oid, None)
            if oid in current:
                laid[oid] = current[oid]
        m = 0.1
        for w in windows:
            lo, hi = (w[0] - m, w[1] - m), (w[3] + m, w[4] + m)
            around = a.near(lo[0] - 1.0, lo[1] - 1.0, hi[0] + 1.0, hi[1] + 1.0)
            around = around[(a.status[around] == PRESENT) & a.is_rec[around]]
            self.coverage.relay(lo, hi, a.bmin[around], a.bmax[around])

    def _save_coverage(self) -> None:
        self.file.write_meta("surface_coverage", self.coverage.to_text())
        self.coverage.dirty = False

    def _register(self, obj: TrackedObject) -> None:
        self.tracks[obj.id] = obj
        self.arrays.add(obj)
        self.by_category[obj.category].add(obj.id)
        if obj.status == TENTATIVE:
            self.tentative.add(obj.id)
        elif obj.status == ABSENT:
            self.absent_by_category[obj.category].add(obj.id)

    # ------------------------------------------------------------------ transactions
    def _write_tx(self, fn) -> None:
        """`fn` (which writes only the file) in one SQLite transaction."""
        try:
            with self.file.transaction():
                fn()
        finally:
            self.cache.clear()

    def _state_tx(self, fn: Callable[[], T]) -> T:
        """`fn` in one SQLite transaction; if it fails, the file rolls back and memory reloads from it.

        Committed or rolled back, the view's cache is cleared: nothing derived before survives the change.
        """
        try:
            with self.file.transaction():
                value = fn()
        except BaseException:
            self._reset_state()
            self._load()
            raise
        finally:
            self.cache.clear()
        return value

    # ------------------------------------------------------------------ ingest
    @_locked
    def ingest(self, frame: Frame) -> IngestResult:
        """Fold one frame's observations into memory; one SQLite transaction (all or nothing)."""
        if self.file.closed:
            raise BadInputError(f"ingest: the memory store {self.db_path or ':memory:'} is closed")
        observations = [ob for ob in _validate_frame(frame) if ob.confidence >= self.config.min_detection_confidence]
        if frame.time < self.last_time - 1e-6:
            raise BadInputError(f"frame {frame.frame_id}: time {frame.time} is before the last ingested time "
                                f"{self.last_time}; frames must arrive in time order")
        result = IngestResult(frame.frame_id)
        self.observe_deferred_surfaces()  # the previous frame's, if its writer did not get to it
        self._pending_objects, self._pending_intervals = [], []

        def write() -> None:
            self._ingest(frame, observations, result)
            self._flush_sightings()
            if self.coverage.dirty and frame.time - self._coverage_saved_at >= self.config.surface_save_period_s:
                self._save_coverage()
                self._coverage_saved_at = float(frame.time)
            self.file.write_meta("last_frame_id", str(frame.frame_id))
            self.file.write_meta("last_time", repr(float(frame.time)))
            self.file.write_meta("next_object_number", str(self.next_object_number))

        self._state_tx(write)
        self.last_frame_id = frame.frame_id
        self.last_time = max(self.last_time, float(frame.time))
        return result

    def _ingest(self, frame: Frame, observations: list[Observation], result: IngestResult) -> None:
        cfg = self.config
        onto = self.ontology
        t = float(frame.time)
        cats = [onto.canonical(o.category) for o in observations]
        n_obs = len(observations)
        matched_idx: set[int] = set()
        if n_obs:
            obs_pos = np.array([o.centroid for o in observations], dtype=float)
            obs_min = np.array([o.bbox_min for o in observations], dtype=float)
            obs_max = np.array([o.bbox_max for o in observations], dtype=float)
            obs_rec = np.array([onto.is_receptacle(c) for c in cats], dtype=bool)
            a = self.arrays
            gate_max = max(cfg.match_gate_m, cfg.receptacle_match_gate_m)
            lo, hi = obs_pos.min(axis=0) - gate_max, obs_pos.max(axis=0) + gate_max
            cand = a.near(lo[0], lo[1], hi[0], hi[1])
            if len(cand):
                cand = cand[(a.status[cand] == PRESENT) | (a.status[cand] == TENTATIVE)]
            if len(cand):
                p = a.pos[cand]
                near = np.all((p >= lo) & (p <= hi), axis=1)
                cand = cand[near]
            pairs: list[tuple[int, int]] = []
            if len(cand):
                d2 = ((obs_pos[:, None, :] - a.pos[cand][None, :, :]) ** 2).sum(axis=2)
                cand = cand[(d2 <= max(cfg.match_gate_m, cfg.receptacle_match_gate_m) ** 2).any(axis=0)]
            if len(cand):
                owners = [a.owner[i] for i in cand]
                gate = np.where(a.is_rec[cand], cfg.receptacle_match_gate_m, cfg.match_gate_m)
                cost = association_costs(obs_pos, obs_min, obs_max, cats, obs_rec,
                                         [o.embedding for o in observations],
                                         a.pos[cand], a.bmin[cand], a.bmax[cand], [o.category for o in owners],
                                         a.is_rec[cand], [o.embedding for o in owners],
                                         onto.compatibility, gate, 0.0)
                pairs = assign(cost)
            matched_obs = set()
            paired = {a.owner[int(cand[j])].idx for _, j in pairs}
            for i, j in pairs:
                obj = a.owner[int(cand[j])]
                if obj.status == PRESENT and not obj.is_receptacle and self._label_host(
                        obs_pos[i], obs_min[i], obs_max[i], cats[i], obj, cand, paired) is not None:
                    continue  # another thing under a flipped label, not this one moved: a vote (below)
                self._between_observations()
                matched_obs.add(i)
                matched_idx.add(obj.idx)
                obj.conflicts, obj.conflict_votes = 0, {}
                matched_idx.add(self._update_matched(obj, observations[i], cats[i], frame, result).idx)
            for i in range(n_obs):
                if i in matched_obs:
                    continue
                self._between_observations()
                if obs_rec[i]:
                    host = self._touching_receptacle(obs_min[i], obs_max[i], cats[i], matched_idx)
                    if host is not None:  # another part of furniture already remembered: extend it
                        matched_idx.add(host.idx)
                        host.conflicts, host.conflict_votes = 0, {}
                        self._update_matched(host, observations[i], cats[i], frame, result, extend=True)
                        continue
                voted, same_place = self._label_vote(observations[i], cats[i], obs_pos[i], obs_min[i], obs_max[i],
                                                     bool(obs_rec[i]), cand, matched_idx, frame, result)
                if voted is not None:
                    matched_idx.add(voted.idx)  # itself under another label: a vote (and maybe a sighting)
                    continue
                excused = self._label_conflict(obs_pos[i], bool(obs_rec[i]), cand, matched_idx) if same_place else None
                if excused is not None:
                    matched_idx.add(excused.idx)  # probably itself under a wrong label: no evidence either way
                    continue
                # a new track is tentative; when confirmed it is first matched against missing objects
                obj = self._create(observations[i], cats[i], bool(obs_rec[i]), obs_pos[i], obs_min[i],
                                   obs_max[i], frame, result)
                result.created.append(obj.id)
                if self.tracks.get(obj.id) is obj:
                    matched_idx.add(obj.idx)
                elif result.matched and result.matched[-1] in self.tracks:  # folded into a missing object
                    matched_idx.add(self.tracks[result.matched[-1]].idx)
        if n_obs:
            matched_idx |= self._furniture_in_sight(obs_min[obs_rec], obs_max[obs_rec],
                                                    [c for c, r in zip(cats, obs_rec) if r])
        self._between_observations()
        self._negative_evidence(frame, matched_idx, result)
        self._expire_tentative(t, result)
        self._record_coverage(frame)
        if self.defer_surface_evidence:
            self._deferred_surfaces.append((frame, observations, cats))
        else:
            self._observe_surfaces(frame, observations, cats)
        for seen in self.open_episode_objects.values():
            seen.update(result.matched)

    def _between_observations(self) -> None:
        if self.between_observations is not None:
            self.cache.clear()  # a reader let in now sees the frame so far, not what was cached before it
            self.between_observations()

    def observe_deferred_surfaces(self) -> None:
        """Fold the free-surface evidence of frames ingested with `defer_surface_evidence` into the grid.

        No query reads the grid, so a single writer (`memory_node.shared_store.SharedStore.write`) calls
        this after releasing the lock queries wait on; `ingest` and `close` call it first themselves, so
        a frame's evidence always lands before the next frame is associated. The caller must make sure
        no other writer runs meanwhile.
        """
        while self._deferred_surfaces:
            frame, observations, cats = self._deferred_surfaces.pop(0)
            self._observe_surfaces(frame, observations, cats)

    def _observe_surfaces(self, frame: Frame, observations: list[Observation], cats: list[str]) -> None:
        """Free-surface evidence of this frame (after association, so new first sightings used the older evidence)."""
        if frame.depth is None or not self.coverage.floor.size:
            return
        cp, r = frame.camera_pose, self.coverage.max_range + 2.0
        self._update_surfaces((cp.x - r, cp.y - r, cp.x + r, cp.y + r))
        onto = self.ontology
        rec = np.array([onto.is_receptacle(c) for c in cats], dtype=bool)
        lo = np.array([o.bbox_min for o in observations], dtype=float).reshape(-1, 3)
        hi = np.array([o.bbox_max for o in observations], dtype=float).reshape(-1, 3)
        self.coverage.observe(frame, lo[~rec], hi[~rec], lo[rec], hi[rec])

    def _within_label_gate(self, pos: np.ndarray, cand: np.ndarray) -> Iterator[TrackedObject]:
        """Remembered objects among `cand` within `label_noise_gate_m` of `pos`, nearest first (none if 0)."""
        gate = self.config.label_noise_gate_m
        if gate <= 0 or len(cand) == 0:
            return
        a = self.arrays
        d = np.linalg.norm(a.pos[cand] - pos, axis=1)
        for k in np.argsort(d).tolist():
            if d[k] > gate:
                return
            obj = a.owner[int(cand[k])]
            if obj is not None:
                yield obj

    def _label_vote(self, ob: Observation, cat: str, pos: np.ndarray, bmin: np.ndarray, bmax: np.ndarray,
                    is_rec: bool, cand: np.ndarray, taken: set[int], frame: Frame, result: IngestResult
                    ) -> tuple[TrackedObject | None, bool]:
        """Label fusion: a differently-labelled detection on a track's own geometry votes on that track.

        The nearest unmatched track within `label_noise_gate_m` whose box overlaps the detection's by
        `label_vote_min_overlap` of the smaller box is the same physical object seen under another label.
        A tentative track takes the detection as a sighting (its category is the vote winner, so two "keys"
        and two low-confidence "orange" frames make one keys track). A confirmed track takes the vote; the
        detection becomes a sighting under the new category only once that category's votes reach
        `label_flip_margin` times the current one's, else the conflict rule (`_label_conflict`) decides, and
        when it decides "another object" the streak's votes are taken back.

        Returns (the track that took the detection as a sighting or None, whether the detection may still be
        label noise on a track: False when the nearest one's box does not overlap it, e.g. keys lying on a book).
        """
        cfg = self.config
        for obj in self._within_label_gate(pos, cand):
            if obj.idx in taken or obj.status == ABSENT or obj.is_receptacle != is_rec or obj.category == cat:
                continue
            if _overlap_of_smaller(obj.bbox_min, obj.bbox_max, bmin, bmax) < cfg.label_vote_min_overlap:
                return None, False
            weight = max(ob.confidence, 0.05)
            if obj.status == TENTATIVE:
                self._update_matched(obj, ob, cat, frame, result)
                return obj, True
            votes = dict(obj.votes)
            votes[cat] = votes.get(cat, 0.0) + weight
            if votes[cat] >= cfg.label_flip_margin * votes.get(obj.category, 0.0):
                obj.conflicts, obj.conflict_votes = 0, {}
                return self._update_matched(obj, ob, cat, frame, result, flip_margin=cfg.label_flip_margin), True
            if obj.conflicts >= cfg.label_conflicts_tolerated:
                for c, w in obj.conflict_votes.items():  # the streak was another object, not noise on this one
                    left = obj.votes.get(c, 0.0) - w
                    if left > 1e-9:
                        obj.votes[c] = left
                    else:
                        obj.votes.pop(c, None)
                obj.conflict_votes = {}
                self.file.save_votes(obj)
                return None, True
            obj.votes = votes
            obj.conflict_votes[cat] = obj.conflict_votes.get(cat, 0.0) + weight
            self.file.save_votes(obj)
            return None, True  # not clear yet: _label_conflict excuses it (or calls it another object)
        return None, True

    def _label_host(self, pos: np.ndarray, bmin: np.ndarray, bmax: np.ndarray, cat: str, matched: TrackedObject,
                    cand: np.ndarray, paired: set[int]) -> TrackedObject | None:
        """The object a detection sits on when matching it to `matched` would move that object.

        A detection of `cat` beyond `move_threshold_m` from a remembered `cat` but right on (within
        `label_noise_gate_m`, boxes overlapping) an unmatched remembered thing of another category is that
        thing under a flipped label (a book called "keys" half a metre from the keys), not the keys moved.
        """
        cfg = self.config
        if float(np.linalg.norm(pos - matched.position)) <= cfg.move_threshold_m:
            return None
        for other in self._within_label_gate(pos, cand):
            if other is matched or other.idx in paired or other.status == ABSENT or other.is_receptacle \
                    or other.category == cat:
                continue
            if _overlap_of_smaller(other.bbox_min, other.bbox_max, bmin, bmax) >= cfg.label_vote_min_overlap:
                return other
            return None
        return None

    def _label_conflict(self, pos: np.ndarray, is_rec: bool, cand: np.ndarray, taken: set[int]
                        ) -> TrackedObject | None:
        """A confirmed object right where a differently-labelled detection is: label noise, for a while.

        The first `label_conflicts_tolerated` such frames in a row count neither as a sighting of a new
        thing nor as a miss of the old one; after that it is believed to be a different object.
        """
        cfg = self.config
        for obj in self._within_label_gate(pos, cand):
            if obj.idx in taken or obj.status != PRESENT or obj.is_receptacle != is_rec:
                continue
            if obj.conflicts >= cfg.label_conflicts_tolerated:
                return None
            obj.conflicts += 1
            return obj
        return None

    def _furniture_in_sight(self, bmin: np.ndarray, bmax: np.ndarray, cats: list[str]) -> set[int]:
        """Receptacles with a same-category detection on their box this frame: seen, whichever track it fed."""
        out: set[int] = set()
        m = self.config.receptacle_touch_margin_m
        a = self.arrays
        for lo, hi, cat in zip(bmin, bmax, cats):
            for i in a.near(lo[0] - m, lo[1] - m, hi[0] + m, hi[1] + m).tolist():
                obj = a.owner[i]
                if obj is not None and obj.is_receptacle and obj.category == cat \
                        and _boxes_touch(obj.bbox_min, obj.bbox_max, lo, hi, m):
                    out.add(i)
        return out

    def _touching_receptacle(self, bmin: np.ndarray, bmax: np.ndarray, cat: str, taken: set[int]
                             ) -> TrackedObject | None:
        """A remembered receptacle of this category whose box overlaps or touches the observed box."""
        m = self.config.receptacle_touch_margin_m
        a = self.arrays
        cand = a.near(bmin[0] - m, bmin[1] - m, bmax[0] + m, bmax[1] + m)
        best, best_key = None, None
        for i in cand.tolist():
            obj = a.owner[i]
            if obj is None or i in taken or not obj.is_receptacle or obj.status == ABSENT or obj.category != cat:
                continue
            if not _boxes_touch(obj.bbox_min, obj.bbox_max, bmin, bmax, m):
                continue
            key = (obj.status != PRESENT, obj.first_seen)
            if best_key is None or key < best_key:
                best, best_key = obj, key
        return best

    def _merge_touching_receptacles(self, keep: TrackedObject, t: float) -> TrackedObject:
        """Same-category furniture whose boxes overlap or touch is one piece: the oldest track keeps its id."""
        m = self.config.receptacle_touch_margin_m
        merged = True
        while merged:
            merged = False
            for oid in list(self.by_category.get(keep.category, ())):
                other = self.tracks.get(oid)
                if other is None or other is keep or not other.is_receptacle or other.status == ABSENT:
                    continue
                if not _boxes_touch(keep.bbox_min, keep.bbox_max, other.bbox_min, other.bbox_max, m):
                    continue
                older, younger = sorted((keep, other), key=_track_age)
                self._absorb_receptacle(older, younger, t)
                keep, merged = older, True
                break
        return keep

    def _absorb_receptacle(self, keep: TrackedObject, gone: TrackedObject, t: float) -> None:
        """`gone` was a fragment of `keep`: union the boxes, move what rests on it, forget its own records."""
        keep.bbox_min = np.minimum(keep.bbox_min, gone.bbox_min)
        keep.bbox_max = np.maximum(keep.bbox_max, gone.bbox_max)
        keep.position = (keep.bbox_min + keep.bbox_max) / 2.0
        keep.sightings += gone.sightings
        keep.last_seen = max(keep.last_seen, gone.last_seen)
        for oid in list(self.contents_index.pop(gone.id, set())):
            self.contents_index[keep.id].add(oid)
        for obj in self.tracks.values():
            if obj.rests_on == gone.id:
                obj.rests_on = keep.id
            for loc in obj.locations:
                if loc.rests_on == gone.id:
                    loc.rests_on = keep.id
        self.file.replace_support(gone.id, keep.id)
        if gone.status != TENTATIVE:
            self._erase_history(gone, t)
            if keep.intervals:
                iv = keep.intervals[-1]
                iv.last_seen = max(iv.last_seen, keep.last_seen)
                iv.sightings += gone.sightings
                self.file.save_interval(keep.interval_rows[-1], iv.last_seen, iv.sightings)
        self._drop(gone)
        self._save_object(keep)

    def _update_matched(self, obj: TrackedObject, ob: Observation, cat: str, frame: Frame,
                        result: IngestResult, extend: bool = False, flip_margin: float = 1.0) -> TrackedObject:
        """One sighting of `obj`; returns the track that took it (another one when `obj` was merged into it)."""
        cfg = self.config
        t = float(frame.time)
        pos = np.asarray(ob.centroid, dtype=float)
        bmin, bmax = np.asarray(ob.bbox_min, dtype=float), np.asarray(ob.bbox_max, dtype=float)
        obj.sightings += 1
        obj.last_seen = t
        obj.last_frame = frame.frame_id
        obj.misses = 0.0
        obj.first_miss = None
        obj.votes[cat] = obj.votes.get(cat, 0.0) + max(ob.confidence, 0.05)
        if ob.embedding is not None:
            e = np.asarray(ob.embedding, dtype=np.float32).ravel()
            if obj.embedding is None or obj.embedding.shape != e.shape:
                obj.embedding = e
            else:
                obj.embedding = (obj.embedding * 0.8 + e * 0.2).astype(np.float32)
        moved = (obj.status == PRESENT and not obj.is_receptacle
                 and float(np.linalg.norm(pos - obj.position)) > cfg.move_threshold_m)
        if obj.is_receptacle and (extend or getattr(ob, "partial", False)):
            # a view cut by the image border (or of another part) shows only some of the furniture: grow the box
            obj.bbox_min, obj.bbox_max = np.minimum(obj.bbox_min, bmin), np.maximum(obj.bbox_max, bmax)
            obj.position = (obj.bbox_min + obj.bbox_max) / 2.0
        elif moved:
            obj.position, obj.bbox_min, obj.bbox_max = pos, bmin, bmax
            self._relocate(obj, t, "moved", frame, result)
        else:
            w = 1.0 / min(obj.sightings, 20)
            if float(np.linalg.norm(pos - obj.position)) > cfg.refit_distance_m:
                w = max(w, 0.5)  # a real small shift (nudged, not moved): follow it quickly
            obj.position = obj.position + (pos - obj.position) * w
            obj.bbox_min = obj.bbox_min + (bmin - obj.bbox_min) * w
            obj.bbox_max = obj.bbox_max + (bmax - obj.bbox_max) * w
        result.matched.append(obj.id)
        if obj.status == TENTATIVE:
            # confirmed as the vote winner, so a track begun under a flipped label is recognised as the missing object
            self._vote_category(obj, t, frame, flip_margin)
            if obj.sightings >= cfg.confirm_sightings:
                self._confirm(obj, frame, result)
                if self.tracks.get(obj.id) is not obj:
                    return obj  # it was a missing object seen again: folded into that one
        elif obj.intervals:
            iv = obj.intervals[-1]
            iv.last_seen = t
            iv.sightings += 1
        was = obj.category
        self._vote_category(obj, t, frame, flip_margin)
        if obj.category != was and obj.status == PRESENT and not obj.is_receptacle:
            # relabelled: it may be an object of its new category closed as gone meanwhile, moved here
            gone = self._recent_predecessor(obj)
            if gone is not None:
                self._merge_closed(gone, obj, frame, result)
                obj = gone
                result.matched.append(obj.id)
        if obj.is_receptacle and obj.status == PRESENT and (extend or getattr(ob, "partial", False)):
            obj = self._merge_touching_receptacles(obj, t)
        if obj.status == PRESENT and obj.rests_on is None and not obj.is_receptacle and not moved:
            self._attach_support(obj)
        if ob.state is not None and ob.state_confidence >= cfg.min_state_confidence:
            if obj.status == PRESENT:
                self._state_evidence(obj, str(ob.state), t, frame, result)
            elif obj.status == TENTATIVE:
                obj.state = str(ob.state)
        self.arrays.update(obj)
        self._pending_objects.append(self.file.sighting_row(obj, t))
        if obj.status == PRESENT and obj.interval_rows:
            self._pending_intervals.append((t, obj.intervals[-1].sightings, obj.interval_rows[-1]))
        return obj

    def _flush_sightings(self) -> None:
        """Write the frame's consolidated sightings (counters and last_seen, no row per sighting)."""
        self.file.save_sightings(self._pending_objects, self._pending_intervals)
        self._pending_objects, self._pending_intervals = [], []

    def _vote_category(self, obj: TrackedObject, t: float, frame: Frame, margin: float = 1.0) -> None:
        """The category is the vote winner (ahead by `margin` times the current category's votes)."""
        best = max(obj.votes, key=obj.votes.get)
        if best == obj.category or obj.votes[best] <= obj.votes.get(obj.category, 0.0) \
                or obj.votes[best] < margin * obj.votes.get(obj.category, 0.0):
            return
        self.by_category[obj.category].discard(obj.id)
        old = obj.category
        obj.category = best
        self.by_category[best].add(obj.id)
        if obj.status == PRESENT:
            for fact in [self.fact_map[i] for i in self.facts_by_subject.get(obj.id, ())]:
                if fact.subject == obj.id and fact.predicate == "is_a" and fact.object == old \
                        and fact.retired_at is None:
                    self.retire_fact(fact.id, t, _in_tx=True)
            self.add_fact(obj.id, "is_a", best, valid_from=obj.first_seen, recorded_at=t, confidence=obj.confidence,
                          provenance=f"frame:{frame.frame_id}", _in_tx=True)

    def _state_evidence(self, obj: TrackedObject, state: str, t: float, frame: Frame, result: IngestResult) -> None:
        """One sighting's state evidence; a new state is believed after `state_change_sightings` in a row.

        A single odd frame (a door seen edge-on reads "open") changes nothing; a real change is recorded
        at the time of its first consistent sighting, with the frames that showed it.
        """
        if obj.state is None or obj.state == state:
            obj.pending_state, obj.pending_frames = None, []
            if obj.state is None:
                self._set_state(obj, state, t, frame, result)
            return
        if obj.pending_state != state:
            obj.pending_state, obj.pending_time, obj.pending_frames = state, t, []
        obj.pending_frames.append(frame.frame_id)
        if len(obj.pending_frames) >= self.config.state_change_sightings:
            since, frames = obj.pending_time, tuple(obj.pending_frames)
            obj.pending_state, obj.pending_frames = None, []
            self._set_state(obj, state, since, frame, result, frame_ids=frames)

    def _set_state(self, obj: TrackedObject, state: str, t: float, frame: Frame, result: IngestResult,
                   frame_ids: tuple[int, ...] | None = None) -> None:
        state = str(state)
        obj.pending_state, obj.pending_frames = None, []
        if obj.state == state:
            return
        old = obj.state
        obj.state = state
        obj.states.append(StateRecord(obj.id, t, state))
        self.file.insert_state(obj.id, t, state)
        self.file.save_state(obj)
        if old is not None:
            self._emit(MemoryEvent("state_changed", obj.id, obj.category, t, _vec(obj.position), obj.room,
                                   old_state=old, new_state=state, frame_ids=frame_ids or (frame.frame_id,)),
                       obj, result)

    def _create(self, ob: Observation, cat: str, is_rec: bool, pos, bmin, bmax, frame: Frame,
                result: IngestResult | None = None) -> TrackedObject:
        oid = f"{cat}_{self.next_object_number}"
        self.next_object_number += 1
        obj = TrackedObject(oid, cat, is_rec, pos.copy(), bmin.copy(), bmax.copy(), float(frame.time),
                            frame.frame_id)
        obj.votes = {cat: max(ob.confidence, 0.05)}
        if ob.embedding is not None:
            obj.embedding = np.asarray(ob.embedding, dtype=np.float32).ravel()
        if ob.state is not None:
            obj.state = str(ob.state)
        obj.room = self.rooms.room_of(float(pos[0]), float(pos[1]))
        obj.seen_empty = self.coverage.seen_empty(bmin, bmax, float(frame.time))
        decisive = self._decisive_sighting(ob, cat, is_rec, pos, bmin, bmax)
        self._register(obj)
        self.file.insert_object(obj)
        if self.config.confirm_sightings <= 1 or decisive:
            self._confirm(obj, frame, result)
        return obj

    def _decisive_sighting(self, ob: Observation, cat: str, is_rec: bool, pos: np.ndarray, bmin: np.ndarray,
                           bmax: np.ndarray) -> bool:
        """One sighting good enough to believe: a confident label on enough depth points, not on another thing.

        A movable thing must be whole (a border-cut instance may be a sliver of something else); furniture is
        usually cut by the border and counts anyway. A flipped label lands on a real object, so a detection on a
        remembered object of another category (within `label_noise_gate_m`; for furniture, boxes overlapping)
        is not decisive.
        """
        cfg = self.config
        # confidences travel as float32 in ROS messages: 0.9 arrives as 0.89999998
        if cfg.single_sighting_min_confidence >= 1.0 or ob.confidence < cfg.single_sighting_min_confidence - 1e-6 \
                or ob.num_points < cfg.single_sighting_min_points or (getattr(ob, "partial", False) and not is_rec):
            return False
        a = self.arrays
        g = max(cfg.label_noise_gate_m, cfg.receptacle_touch_margin_m)
        lo, hi = (bmin, bmax) if is_rec else (pos, pos)
        near = a.near(lo[0] - g, lo[1] - g, hi[0] + g, hi[1] + g)
        for i in near.tolist():
            other = a.owner[i]
            if other is None or other.status == ABSENT or other.is_receptacle != is_rec or other.category == cat:
                continue
            if is_rec:
                if _boxes_touch(other.bbox_min, other.bbox_max, bmin, bmax, 0.0):
                    return False
            elif float(np.linalg.norm(other.position - pos)) <= cfg.label_noise_gate_m:
                return False
        return True

    def _confirm(self, obj: TrackedObject, frame: Frame, result: IngestResult | None) -> None:
        """A tentative object has been seen often enough: make it permanent (or recognise a missing one)."""
        self.tentative.discard(obj.id)
        missing = self._reidentify(obj.category, obj.is_receptacle, obj.position)
        if missing is None and not obj.is_receptacle:
            missing = self._being_missed(obj)
        if missing is not None:
            self._fold_into(obj, missing, frame, result)
            return
        obj.status = PRESENT
        t0 = obj.first_seen
        row = self.file.insert_interval(obj.id, t0, obj.last_seen, obj.sightings)
        obj.intervals.append(PresenceInterval(obj.id, t0, None, obj.last_seen, obj.sightings))
        obj.interval_rows.append(row)
        self._update_support(obj)
        self._add_location(obj, t0)
        if obj.state is not None:
            obj.states.append(StateRecord(obj.id, t0, obj.state))
            self.file.insert_state(obj.id, t0, obj.state)
        self.file.save_confirmed(obj)
        self.arrays.update(obj)
        self._emit(MemoryEvent("appeared", obj.id, obj.category, t0, _vec(obj.position), obj.room,
                               to_place=self._place_name(obj), frame_ids=tuple(dict.fromkeys((obj.created_frame,
                                                                                               frame.frame_id))),
                               discovery=obj.seen_empty is None),
                   obj, result)
        self.add_fact(obj.id, "is_a", obj.category, valid_from=t0, recorded_at=float(frame.time),
                      confidence=obj.confidence, provenance=f"frame:{frame.frame_id}", _in_tx=True)
        if obj.is_receptacle:
            self._attach_to_new_receptacle(obj)

    def _reidentify(self, cat: str, is_rec: bool, pos: np.ndarray) -> TrackedObject | None:
        """The nearest object of this category that the memory believes has left: the same object, moved."""
        best, best_d = None, math.inf
        for oid in self.absent_by_category.get(cat, ()):
            obj = self.tracks[oid]
            if obj.status != ABSENT or obj.is_receptacle != is_rec:
                continue
            d = float(np.linalg.norm(obj.position - pos))
            if d < best_d:
                best, best_d = obj, d
        return best

    def _being_missed(self, new: TrackedObject) -> TrackedObject | None:
        """A same-category object already missed where it was, since before `new` first appeared: `new` is it, moved.

        Half the miss evidence is weak: it is taken only when the object was last seen long enough before
        (`implausible_change_gap_s`) for someone to have carried it over; the robot's own carrying is told by
        record_manipulation.
        """
        half = self.config.miss_evidence_to_close / 2.0
        gap = self.config.implausible_change_gap_s
        best = None
        for oid in self.by_category.get(new.category, ()):
            other = self.tracks.get(oid)
            if other is None or other is new or other.status != PRESENT or other.is_receptacle:
                continue
            if other.misses < half or other.first_miss is None or other.first_miss > new.first_seen \
                    or new.first_seen - other.last_seen < gap:
                continue
            if best is None or other.misses > best.misses:
                best = other
        return best

    def _open_interval(self, obj: TrackedObject, start: float, last_seen: float, sightings: int) -> None:
        obj.status = PRESENT
        self.absent_by_category[obj.category].discard(obj.id)
        row = self.file.insert_interval(obj.id, start, last_seen, sightings)
        obj.intervals.append(PresenceInterval(obj.id, start, None, last_seen, sightings))
        obj.interval_rows.append(row)

    def _fold_into(self, new: TrackedObject, old: TrackedObject, frame: Frame, result: IngestResult | None) -> None:
        """`new` (never confirmed) is `old` seen somewhere else: `old` moved (or came back) to `new`'s place."""
        t = new.first_seen
        moved = float(np.linalg.norm(new.position - old.position)) > self.config.move_threshold_m
        retracted = False
        if old.status == ABSENT:
            retracted = not moved and t - old.last_seen < self.config.implausible_change_gap_s \
                and self._retract_disappearance(old)
            if not retracted:
                self._open_interval(old, max(t, old.intervals[-1].end or t) if old.intervals else t, new.last_seen,
                                    new.sightings)
        old.position, old.bbox_min, old.bbox_max = new.position, new.bbox_min, new.bbox_max
        old.sightings += new.sightings
        old.last_seen = max(old.last_seen, new.last_seen)
        old.misses, old.first_miss = 0.0, None
        self._drop(new)
        if retracted:
            self.arrays.update(old)
        else:
            self._relocate(old, t, "moved" if moved else "appeared", frame, result,
                           frame_ids=(new.created_frame, frame.frame_id))
        if new.state is not None:
            self._set_state(old, new.state, float(frame.time), frame, result or IngestResult(frame.frame_id))
        self._save_object(old)
        if result is not None:
            result.matched.append(old.id)

    def _retract_disappearance(self, obj: TrackedObject) -> bool:
        """`obj`, closed as gone, is seen again where it was moments later: the misses were wrong, not the world.

        Its last interval is re-opened and the disappeared event that closed it is forgotten. False when
        the last record is not such a disappearance (nothing changed then).
        """
        if not obj.intervals or obj.intervals[-1].end is None:
            return False
        iv = obj.intervals[-1]
        closing = [ev for ev in obj.events if ev.kind == "disappeared" and abs(ev.time - iv.end) < 1e-6]
        if not closing:
            return False
        ev = closing[-1]
        self.file.delete_event(ev.id)
        obj.events.remove(ev)
        self.event_log = [e for e in self.event_log if e.id != ev.id]
        iv.end = None
        self.file.reopen_interval(obj.interval_rows[-1])
        obj.status = PRESENT
        self.absent_by_category[obj.category].discard(obj.id)
        if obj.rests_on is not None:
            self.contents_index[obj.rests_on].add(obj.id)
        return True

    def _relocate(self, obj: TrackedObject, t: float, kind: str, frame: Frame, result: IngestResult | None,
                  frame_ids: tuple[int, ...] | None = None) -> None:
        before = self._place_name(obj)
        if obj.rests_on is not None:
            self.contents_index[obj.rests_on].discard(obj.id)
        obj.room = self.rooms.room_of(float(obj.position[0]), float(obj.position[1]))
        self._update_support(obj)
        self._add_location(obj, t)
        self.arrays.update(obj)
        self._emit(MemoryEvent(kind, obj.id, obj.category, t, _vec(obj.position), obj.room,
                               from_place=before if kind == "moved" else None, to_place=self._place_name(obj),
                               frame_ids=frame_ids or (frame.frame_id,)), obj, result)

    def _drop(self, obj: TrackedObject) -> None:
        """Forget an object that never became permanent."""
        self.tentative.discard(obj.id)
        self.tracks.pop(obj.id, None)
        self.by_category[obj.category].discard(obj.id)
        self.arrays.remove(obj)
        self.file.delete_object(obj.id)

    def _update_support(self, obj: TrackedObject) -> None:
        if obj.is_receptacle:
            obj.rests_on = None
            return
        a = self.arrays
        n = a.size
        rec = np.flatnonzero((a.status[:n] == PRESENT) & a.is_rec[:n])
        k = find_support(obj.position, obj.bbox_min, a.bmin[rec], a.bmax[rec],
                         self.config.support_footprint_margin_m, self.config.support_gap_m, obj.bbox_max,
                         self.config.support_below_tolerance_m)
        obj.rests_on = a.owner[int(rec[k])].id if k >= 0 else None
        if obj.rests_on is not None and obj.status == PRESENT:
            self.contents_index[obj.rests_on].add(obj.id)

    def _attach_to_new_receptacle(self, rec: TrackedObject) -> None:
        a = self.arrays
        n = a.size
        m = self.config.support_footprint_margin_m
        p = a.pos[:n]
        near = ((a.status[:n] == PRESENT) & ~a.is_rec[:n]
                & (p[:, 0] >= rec.bbox_min[0] - m) & (p[:, 0] <= rec.bbox_max[0] + m)
                & (p[:, 1] >= rec.bbox_min[1] - m) & (p[:, 1] <= rec.bbox_max[1] + m))
        for i in np.flatnonzero(near):
            obj = a.owner[int(i)]
            if obj.rests_on is None:
                self._attach_support(obj)

    def _attach_support(self, obj: TrackedObject) -> None:
        """Look again for the support of an object believed to rest on nothing (boxes grow and settle).

        A support found now is where it has been since its last location record.
        """
        self._update_support(obj)
        if obj.rests_on is None:
            return
        rcat = self.tracks[obj.rests_on].category
        if obj.locations:
            loc = obj.locations[-1]
            loc.rests_on, loc.rests_on_category = obj.rests_on, rcat
            self.file.save_location_support(obj.id, loc.time, obj.rests_on, rcat)
        self.file.save_support(obj)

    def _add_location(self, obj: TrackedObject, t: float) -> None:
        rcat = self.tracks[obj.rests_on].category if obj.rests_on in self.tracks else None
        pos = _vec(obj.position)
        obj.locations.append(LocationRecord(obj.id, t, pos, obj.room, obj.rests_on, rcat))
        self.file.insert_location(obj.id, t, pos, obj.room, obj.rests_on, rcat)

    def _save_object(self, obj: TrackedObject) -> None:
        self.arrays.update(obj)
        self.file.save_object(obj)

    def _emit(self, ev: MemoryEvent, obj: TrackedObject, result: IngestResult | None) -> None:
        ev.id = self.file.insert_event(ev)
        self.event_log.append(ev)
        obj.events.append(ev)
        if result is not None:
            result.events.append(ev)

    def _place_name(self, obj: TrackedObject) -> str | None:
        return obj.rests_on if obj.rests_on is not None else obj.room

    # ------------------------------------------------------------------ negative evidence
    def _negative_evidence(self, frame: Frame, seen_idx: set[int], result: IngestResult) -> None:
        cfg = self.config
        a = self.arrays
        n = a.size
        if n == 0:
            return
        cam = np.array([frame.camera_pose.x, frame.camera_pose.y, frame.camera_pose.z])
        r = frame.max_range_m
        idx = a.near(cam[0] - r, cam[1] - r, cam[0] + r, cam[1] + r)
        if len(idx) == 0:
            return
        keep = ((a.status[idx] == PRESENT) | (a.status[idx] == TENTATIVE)) & (
            ((a.pos[idx] - cam) ** 2).sum(axis=1) <= r * r)
        if seen_idx:
            keep &= ~np.isin(idx, np.fromiter(seen_idx, dtype=np.int64))
        idx = idx[keep]
        if len(idx) == 0:
            return
        w = miss_weights(a.pos[idx], frame, cfg.min_view_range_m, cfg.image_edge_margin, cfg.occlusion_margin_m,
                         cfg.miss_weight_without_depth, a.bmin[idx], a.bmax[idx],
                         cfg.miss_pixels_for(frame.detector_min_pixels),
                         cfg.miss_max_range_m)
        t = float(frame.time)
        for i, weight in zip(idx[w > 0], w[w > 0]):
            obj = a.owner[int(i)]
            if obj is None:  # merged into another track or dropped earlier in this loop
                continue
            if self._shut_in(obj) or self._behind_a_wall(obj, frame):
                continue
            obj.misses += float(weight)
            if obj.first_miss is None:
                obj.first_miss = t
            if obj.status == TENTATIVE:
                if obj.misses >= 1.0:
                    self._drop(obj)
                    result.expired.append(obj.id)
                continue
            needed = cfg.receptacle_miss_evidence_to_close if obj.is_receptacle else cfg.miss_evidence_to_close
            if obj.misses >= needed:
                self._disappear(obj, frame, result)
            else:
                self.file.save_misses(obj)

    def _behind_a_wall(self, obj: TrackedObject, frame: Frame) -> bool:
        """In another room than the camera, and the line of sight goes through a wall of the floor plan.

        The depth image rarely says so for a thing standing against the far side of a wall: the wall is
        nearer than the object by less than the occlusion margin.
        """
        cp = frame.camera_pose
        camera_room = self.rooms.room_of(cp.x, cp.y, tolerance_m=0.0)
        if camera_room is None or obj.room is None or obj.room == camera_room:
            return False
        return self.rooms.sight_blocked((cp.x, cp.y), obj.position)

    def _shut_in(self, obj: TrackedObject) -> bool:
        """Inside furniture believed closed (its centre within the box, under the top): no camera sees it."""
        holder = self.tracks.get(obj.rests_on) if obj.rests_on is not None else None
        if holder is None or holder.state is None or holder.state == "open":
            return False
        lo, hi, p = holder.bbox_min, holder.bbox_max, obj.position
        return bool(lo[0] <= p[0] <= hi[0] and lo[1] <= p[1] <= hi[1] and lo[2] <= p[2] <= hi[2] - 0.02)

    def _disappear(self, obj: TrackedObject, frame: Frame, result: IngestResult) -> None:
        """Close the object's presence interval - unless it was already seen elsewhere (then it moved)."""
        newcomer = self._recent_newcomer(obj)
        if newcomer is not None:
            self._merge_newcomer(obj, newcomer, frame, result)
            return
        t_end = obj.first_miss if obj.first_miss is not None else float(frame.time)
        t_end = max(t_end, obj.last_seen)
        obj.status = ABSENT
        self.absent_by_category[obj.category].add(obj.id)
        if obj.intervals:
            iv = obj.intervals[-1]
            iv.end = t_end
            self.file.close_interval(obj.interval_rows[-1], t_end, iv.last_seen, iv.sightings)
        if obj.rests_on is not None:
            self.contents_index[obj.rests_on].discard(obj.id)
        self._save_object(obj)
        self._emit(MemoryEvent("disappeared", obj.id, obj.category, t_end, _vec(obj.position), obj.room,
                               from_place=self._place_name(obj), frame_ids=(frame.frame_id,)), obj, result)

    def _recent_newcomer(self, obj: TrackedObject) -> TrackedObject | None:
        """An object of the same category first seen after `obj` was last seen, never seen leaving: `obj` moved."""
        best = None
        for oid in self.by_category.get(obj.category, ()):
            other = self.tracks[oid]
            if other is obj or other.is_receptacle != obj.is_receptacle or other.status == ABSENT:
                continue
            if other.first_seen <= obj.last_seen or len(other.intervals) > 1:
                continue
            if any(ev.kind == "disappeared" for ev in other.events):
                continue
            if best is None or other.first_seen < best.first_seen:
                best = other
        return best

    def _recent_predecessor(self, new: TrackedObject) -> TrackedObject | None:
        """The mirror of `_recent_newcomer` for a track that took its category late (label fusion).

        An object of `new`'s (new) category closed as gone, last seen before `new` was first seen, while `new`
        was never seen leaving: `_disappear` (or `_confirm`) would have made them one object that moved, had
        `new` carried this category then. The most recently seen such object.
        """
        if new.is_receptacle or len(new.intervals) > 1 or any(ev.kind == "disappeared" for ev in new.events):
            return None
        best = None
        for oid in self.absent_by_category.get(new.category, ()):
            old = self.tracks.get(oid)
            if old is None or old.status != ABSENT or old.is_receptacle or not old.intervals \
                    or old.last_seen >= new.first_seen:
                continue
            if best is None or old.last_seen > best.last_seen:
                best = old
        return best

    def _merge_closed(self, obj: TrackedObject, new: TrackedObject, frame: Frame, result: IngestResult) -> None:
        """`new` is `obj` (closed as gone) moved: `_merge_newcomer` after re-opening `obj`.

        Closed after `new` was first seen, `obj` is as `_disappear` would have merged it: the disappearance is
        taken back and its interval runs on. Closed before, the gap is real: a new interval from `new`'s start.
        """
        end = obj.intervals[-1].end
        if end is None or end < new.first_seen or not self._retract_disappearance(obj):
            self._open_interval(obj, new.first_seen, new.first_seen, 0)
        self._merge_newcomer(obj, new, frame, result)

    def _merge_newcomer(self, obj: TrackedObject, new: TrackedObject, frame: Frame, result: IngestResult) -> None:
        """`new` was `obj` all along: move its records over and turn its appearance into a move of `obj`."""
        if new.status == TENTATIVE:
            self._fold_into(new, obj, frame, result)
            return
        t = new.first_seen
        before = self._place_name(obj)
        if obj.rests_on is not None:
            self.contents_index[obj.rests_on].discard(obj.id)
        if new.rests_on is not None:
            self.contents_index[new.rests_on].discard(new.id)
        self.file.move_history(new.id, obj.id)
        for loc in new.locations:
            loc.object_id = obj.id
            obj.locations.append(loc)
        obj.locations.sort(key=lambda r: r.time)
        for st in new.states:
            st.object_id = obj.id
        obj.states = sorted(obj.states + new.states, key=lambda r: r.time)
        for ev in new.events:
            ev.object_id = obj.id
            if ev.kind == "appeared" and abs(ev.time - t) < 1e-9:
                ev.kind, ev.from_place, ev.category, ev.discovery = "moved", before, obj.category, False
                self.file.save_event_as_move(ev)
            obj.events.append(ev)
        obj.events.sort(key=lambda e: e.time)
        for fact in [self.fact_map[i] for i in self.facts_by_subject.get(new.id, ())]:
            if fact.subject == new.id and fact.retired_at is None:
                self.retire_fact(fact.id, float(frame.time), _in_tx=True)
        iv_new = new.intervals[-1]
        iv = obj.intervals[-1]
        iv.last_seen = max(iv.last_seen, iv_new.last_seen)
        iv.sightings += iv_new.sightings
        self.file.save_interval(obj.interval_rows[-1], iv.last_seen, iv.sightings)
        self.file.delete_intervals(new.id)
        obj.position, obj.bbox_min, obj.bbox_max = new.position, new.bbox_min, new.bbox_max
        obj.room, obj.rests_on = new.room, new.rests_on
        if new.state is not None:
            obj.state = new.state
        obj.sightings += new.sightings
        obj.last_seen = max(obj.last_seen, new.last_seen)
        obj.misses, obj.first_miss = 0.0, None
        new.events = []
        self._drop(new)
        if obj.rests_on is not None:
            self.contents_index[obj.rests_on].add(obj.id)
        self._save_object(obj)

    def _expire_tentative(self, t: float, result: IngestResult) -> None:
        if t < self._next_expiry_check:
            return
        self._next_expiry_check = t + self.config.tentative_expiry_s / 8.0
        limit = t - self.config.tentative_expiry_s
        for oid in [o for o in self.tentative if self.tracks[o].last_seen < limit]:
            self._drop(self.tracks[oid])
            result.expired.append(oid)

    # ------------------------------------------------------------------ the robot's own manipulation
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
        obj = self.tracks.get(object_id) if isinstance(object_id, str) else None
        if obj is None:
            raise BadInputError(f"record_manipulation: object_id {object_id!r} is not a remembered object")
        if obj.is_receptacle:
            raise BadInputError(f"record_manipulation: {object_id} is furniture (a receptacle), not a movable object")
        pos = np.array(_finite_triplet(position, "record_manipulation: position"))
        if isinstance(time, bool) or not isinstance(time, (int, float)) or not math.isfinite(time):
            raise BadInputError(f"record_manipulation: time must be a finite number, got {time!r}")
        t = float(time)
        if obj.locations and t < obj.locations[-1].time:
            raise BadInputError(f"record_manipulation: time {t} is before {object_id}'s last recorded location "
                                f"({obj.locations[-1].time})")
        try:
            fids = tuple(int(f) for f in frame_ids)
        except (TypeError, ValueError) as exc:
            raise BadInputError(f"record_manipulation: frame_ids must be integers, got {frame_ids!r}") from exc
        support = None
        if rests_on is not None:
            support = self.tracks.get(rests_on) if isinstance(rests_on, str) else None
            if support is None or not support.is_receptacle or support.status == TENTATIVE:
                raise BadInputError(f"record_manipulation: rests_on {rests_on!r} is not a remembered receptacle")
        return self._state_tx(lambda: self._apply_manipulation(obj, pos, t, fids, support))

    def _apply_manipulation(self, obj: TrackedObject, pos: np.ndarray, t: float,
                            frame_ids: tuple[int, ...], support: TrackedObject | None = None) -> MemoryEvent:
        # tracks that appeared at the destination since shortly before the robot last saw the object
        seen_before = obj.last_seen - self.config.manipulation_window_s
        if obj.locations:
            seen_before = max(seen_before, obj.locations[-1].time)
        before = self._place_name(obj)
        if obj.status == TENTATIVE:
            self.tentative.discard(obj.id)
            self._open_interval(obj, obj.first_seen, max(obj.last_seen, t), obj.sightings)
            self.add_fact(obj.id, "is_a", obj.category, valid_from=obj.first_seen, recorded_at=t,
                          confidence=obj.confidence, provenance="manipulation", _in_tx=True)
        elif obj.status == ABSENT:
            self._open_interval(obj, t, t, 1)
        if obj.rests_on is not None:
            self.contents_index[obj.rests_on].discard(obj.id)
        shift = pos - obj.position
        obj.position, obj.bbox_min, obj.bbox_max = pos, obj.bbox_min + shift, obj.bbox_max + shift
        obj.last_seen = max(obj.last_seen, t)
        obj.misses, obj.first_miss = 0.0, None
        iv = obj.intervals[-1]
        iv.last_seen = max(iv.last_seen, t)
        self.file.save_interval(obj.interval_rows[-1], iv.last_seen, iv.sightings)
        obj.room = self.rooms.room_of(float(pos[0]), float(pos[1]))
        self.arrays.update(obj)
        if support is None:
            self._update_support(obj)
            if obj.rests_on is None:
                support = self._surface_below(pos)
        if support is not None:
            self._place_on(obj, support, t, frame_ids)
        self._add_location(obj, t)
        ev = MemoryEvent("moved", obj.id, obj.category, t, _vec(obj.position), obj.room, from_place=before,
                         to_place=self._place_name(obj), frame_ids=frame_ids, provenance="manipulation")
        self._emit(ev, obj, None)
        for dup in self._placed_duplicates(obj, seen_before):
            self._absorb_duplicate(obj, dup, t)
        self._save_object(obj)
        return ev

    def _surface_below(self, pos: np.ndarray) -> TrackedObject | None:
        """The remembered receptacle with the highest top under `pos` (footprint grown by the support margin)."""
        cfg = self.config
        m = cfg.support_footprint_margin_m
        best, best_top = None, -math.inf
        for i in self.arrays.near(pos[0] - m, pos[1] - m, pos[0] + m, pos[1] + m).tolist():
            rec = self.arrays.owner[i]
            if rec is None or not rec.is_receptacle or rec.status == TENTATIVE:
                continue
            lo, hi = rec.bbox_min, rec.bbox_max
            top = float(hi[2])
            if not (lo[0] - m <= pos[0] <= hi[0] + m and lo[1] - m <= pos[1] <= hi[1] + m):
                continue
            if top <= pos[2] + cfg.support_below_tolerance_m and top > best_top:
                best, best_top = rec, top
        return best

    def _place_on(self, obj: TrackedObject, support: TrackedObject, t: float, frame_ids: tuple[int, ...]) -> None:
        """`obj` was put on `support`: it rests there, its box sits on the top (or inside, for a container)."""
        cfg = self.config
        if support.status == ABSENT:  # the robot just put something on it: it is there
            self._open_interval(support, t, t, 1)
            support.misses, support.first_miss = 0.0, None
            support.last_seen = max(support.last_seen, t)
            self._save_object(support)
            self._emit(MemoryEvent("appeared", support.id, support.category, t, _vec(support.position), support.room,
                                   to_place=support.room, frame_ids=frame_ids, provenance="manipulation"),
                       support, None)
        top = float(support.bbox_max[2])
        inside = float(support.bbox_min[2]) <= float(obj.position[2]) <= top - 0.02
        bottom = float(obj.bbox_min[2])
        if not inside and not (-cfg.support_below_tolerance_m <= bottom - top <= cfg.support_gap_m):
            lift = np.array([0.0, 0.0, top - bottom])
            obj.bbox_min, obj.bbox_max = obj.bbox_min + lift, obj.bbox_max + lift
            obj.position = np.array([obj.position[0], obj.position[1], max(float(obj.position[2]), top)])
            self.arrays.update(obj)
        obj.rests_on = support.id
        if obj.status == PRESENT:
            self.contents_index[support.id].add(obj.id)

    def _placed_duplicates(self, obj: TrackedObject, since: float) -> list[TrackedObject]:
        """Same-category tracks near `obj`'s new place that first appeared after `obj` was last seen."""
        out = []
        for oid in list(self.by_category.get(obj.category, ())):
            other = self.tracks.get(oid)
            if other is None or other is obj or other.is_receptacle or other.status == ABSENT:
                continue
            if other.first_seen < since - 1e-6 or len(other.intervals) > 1:
                continue
            if float(np.linalg.norm(other.position - obj.position)) <= self.config.manipulation_merge_radius_m:
                out.append(other)
        return out

    def _erase_history(self, track: TrackedObject, t: float) -> None:
        """Forget a track folded into another: its rows, its events; its facts are retired at `t`."""
        self.file.erase_history(track.id)
        dropped = {ev.id for ev in track.events}
        self.event_log = [ev for ev in self.event_log if ev.id not in dropped]
        for fact in [self.fact_map[i] for i in self.facts_by_subject.get(track.id, ())]:
            if fact.retired_at is None:
                self.retire_fact(fact.id, t, _in_tx=True)

    def _absorb_duplicate(self, obj: TrackedObject, dup: TrackedObject, t: float) -> None:
        """`dup` is `obj` seen at its new place before the manipulation was recorded: forget `dup`'s records."""
        obj.sightings += dup.sightings
        obj.last_seen = max(obj.last_seen, dup.last_seen)
        if dup.status == PRESENT:
            if dup.rests_on is not None:
                self.contents_index[dup.rests_on].discard(dup.id)
            self._erase_history(dup, t)
            iv = obj.intervals[-1]
            iv.last_seen = max(iv.last_seen, dup.last_seen)
            iv.sightings += dup.sightings
            self.file.save_interval(obj.interval_rows[-1], iv.last_seen, iv.sightings)
        for seen in self.open_episode_objects.values():
            if dup.id in seen:
                seen.discard(dup.id)
                seen.add(obj.id)
        self._drop(dup)

    # ------------------------------------------------------------------ coverage: observed rooms, trajectory
    def _record_coverage(self, frame: Frame) -> None:
        cfg = self.config
        t = float(frame.time)
        cp = frame.camera_pose
        room = self.rooms.room_of(cp.x, cp.y) or "unknown"
        last = None
        for rec in reversed(self.observed[-8:]):
            if rec[0] == room:
                last = rec
                break
        if last is not None and t - last[2] <= cfg.observed_gap_s:
            last[2] = max(last[2], t)
            self.file.extend_observed(last[3], last[2])
        else:
            self.observed.append([room, t, t, self.file.insert_observed(room, t, t)])
        rp = frame.robot_pose
        if self.trajectory:
            lt, lx, ly = self.trajectory[-1][:3]
            if math.hypot(rp.x - lx, rp.y - ly) < cfg.trajectory_spacing_m and t - lt < cfg.trajectory_period_s:
                return
        rroom = self.rooms.room_of(rp.x, rp.y)
        node = (t, rp.x, rp.y, rp.z, rp.yaw, rroom)
        self.trajectory.append(node)
        self.file.insert_trajectory(node)

    # ------------------------------------------------------------------ episodic memory
    @_locked
    def begin_episode(self, kind: str, name: str, time: float) -> int:
        if not isinstance(kind, str) or not kind:
            raise BadInputError("begin_episode: kind must be a non-empty string")
        holder = {}

        def write() -> None:
            holder["id"] = self.file.insert_episode(kind, name, float(time))

        self._write_tx(write)
        eid = holder["id"]
        self.episode_map[eid] = Episode(eid, kind, name, float(time), None, {})
        self.open_episode_objects[eid] = set()
        return eid

    @_locked
    def end_episode(self, episode_id: int, time: float) -> Episode:
        ep = self.episode_map.get(episode_id)
        if ep is None:
            raise BadInputError(f"end_episode: no episode with id {episode_id}")
        if float(time) < ep.start:
            raise BadInputError(f"end_episode: episode {episode_id} ends ({time}) before it starts ({ep.start})")
        seen = self.open_episode_objects.pop(episode_id, set())
        summary = queries.episode_summary(self, ep.start, float(time), seen)
        self._write_tx(lambda: self.file.end_episode(episode_id, float(time), summary))
        ep.end, ep.summary = float(time), summary
        return ep

    @_locked
    def episodes(self, t0: float | None = None, t1: float | None = None, kind: str | None = None) -> list[Episode]:
        """Episodes overlapping [t0, t1] (coarse recall); follow with `episode_events` for the detail."""
        out = []
        for ep in self.episode_map.values():
            end = ep.end if ep.end is not None else math.inf
            if (t0 is None or end >= t0) and (t1 is None or ep.start <= t1) and (kind is None or ep.kind == kind):
                out.append(ep)
        return sorted(out, key=lambda e: e.start)

    @_locked
    def episode_events(self, episode_id: int) -> list[MemoryEvent]:
        ep = self.episode_map.get(episode_id)
        if ep is None:
            raise BadInputError(f"episode_events: no episode with id {episode_id}")
        return self.events(ep.start, ep.end if ep.end is not None else None)

    # ------------------------------------------------------------------ semantic memory
    @_locked
    def add_fact(self, subject: str, predicate: str, object: str, valid_from: float | None = None,
                 valid_to: float | None = None, recorded_at: float | None = None, confidence: float = 1.0,
                 provenance: str = "user", _in_tx: bool = False) -> int:
        rec = float(recorded_at) if recorded_at is not None else (self.last_time if math.isfinite(self.last_time)
                                                                  else 0.0)
        holder = {}

        def write() -> None:
            holder["id"] = self.file.insert_fact(subject, predicate, object, valid_from, valid_to, rec,
                                                 float(confidence), provenance)

        write() if _in_tx else self._write_tx(write)
        fid = holder["id"]
        self.facts_by_subject[subject].append(fid)
        self.fact_map[fid] = Fact(fid, subject, predicate, object, valid_from, valid_to, rec, None,
                                  float(confidence), provenance)
        return fid

    @_locked
    def retire_fact(self, fact_id: int, at: float, _in_tx: bool = False) -> None:
        """Mark a fact as no longer believed (recorded knowledge changes; the row stays for "as of" queries)."""
        fact = self.fact_map.get(fact_id)
        if fact is None:
            raise BadInputError(f"retire_fact: no fact with id {fact_id}")
        write = lambda: self.file.retire_fact(fact_id, float(at))
        write() if _in_tx else self._write_tx(write)
        fact.retired_at = float(at)

    @_locked
    def end_fact(self, fact_id: int, valid_to: float) -> None:
        """The fact stopped being true in the world at `valid_to` (it was right until then)."""
        fact = self.fact_map.get(fact_id)
        if fact is None:
            raise BadInputError(f"end_fact: no fact with id {fact_id}")
        self._write_tx(lambda: self.file.end_fact(fact_id, float(valid_to)))
        fact.valid_to = float(valid_to)

    @_locked
    def facts(self, subject: str | None = None, predicate: str | None = None, at: float | None = None,
              as_of: float | None = None, include_retired: bool = False) -> list[Fact]:
        """Facts valid in the world at `at`, as known at `as_of` (None: now, retired facts hidden)."""
        out = []
        pool = (self.fact_map[i] for i in self.facts_by_subject.get(subject, ())) if subject is not None \
            else self.fact_map.values()
        for f in pool:
            if subject is not None and f.subject != subject:
                continue
            if predicate is not None and f.predicate != predicate:
                continue
            if at is not None and ((f.valid_from is not None and at < f.valid_from)
                                   or (f.valid_to is not None and at >= f.valid_to)):
                continue
            if as_of is not None:
                if f.recorded_at > as_of or (f.retired_at is not None and f.retired_at <= as_of):
                    continue
            elif f.retired_at is not None and not include_retired:
                continue
            out.append(f)
        return out

    # ------------------------------------------------------------------ queries (see scene_graph/queries.py)
    @property
    def now(self) -> float:
        return self.last_time if math.isfinite(self.last_time) else 0.0

    @_locked
    def locate(self, target: str, at: float | None = None, include_tentative: bool = False) -> list[LocationBelief]:
        return queries.locate(self, target, at, include_tentative)

    @_locked
    def history(self, object_id: str, t0: float | None = None, t1: float | None = None) -> ObjectHistory:
        return queries.history(self, object_id, t0, t1)

    @_locked
    def changes(self, room: str, t0: float | None = None, t1: float | None = None,
                include_discoveries: bool = False) -> list[MemoryEvent]:
        """Changes in the world seen in `room` (see queries.changes); first sightings only with include_discoveries."""
        return queries.changes(self, room, t0, t1, include_discoveries)

    @_locked
    def contents(self, receptacle_or_room: str, at: float | None = None) -> list[SceneObject]:
        return queries.contents(self, receptacle_or_room, at)

    @_locked
    def count(self, event_kind: str, target: str, t0: float | None = None, t1: float | None = None) -> int:
        return queries.count(self, event_kind, target, t0, t1)

    @_locked
    def first_seen(self, target: str) -> float | None:
        return queries.first_seen(self, target)

    @_locked
    def last_seen(self, target: str) -> float | None:
        return queries.last_seen(self, target)

    @_locked
    def search(self, text: str, k: int = 5) -> list[tuple[SceneObject, float]]:
        return search(self, self.text_vectors, text, k)

    @_locked
    def path(self, a: str, b: str) -> list[str]:
        return queries.path(self, a, b)

    @_locked
    def snapshot(self, t: float | None = None) -> WorldSnapshot:
        return queries.snapshot(self, t)

    @_locked
    def objects(self, at: float | None = None, include_absent: bool = False,
                include_tentative: bool = False) -> list[SceneObject]:
        return queries.objects(self, at, include_absent, include_tentative)

    @_locked
    def receptacles(self) -> list[SceneObject]:
        return queries.receptacles(self)

    @_locked
    def events(self, t0: float | None = None, t1: float | None = None, kinds=None,
               target: str | None = None) -> list[MemoryEvent]:
        return queries.events(self, t0, t1, kinds, target)

    @_locked
    def observed_intervals(self, t0: float | None = None, t1: float | None = None) -> list[tuple[float, float, str]]:
        return queries.observed_intervals(self, t0, t1)

    @_locked
    def move_rate(self, target: str) -> float:
        return queries.move_rate(self, target)

    @_locked
    def location_prior(self, category: str) -> dict[str, float]:
        return queries.location_prior(self, category)

    @_locked
    def get_object(self, object_id: str, at: float | None = None) -> SceneObject | None:
        return queries.get_object(self, object_id, at)

    @_locked
    def nearest(self, point: tuple[float, float, float], k: int = 5) -> list[tuple[SceneObject, float]]:
        return queries.nearest(self, point, k)

    @_locked
    def within(self, point: tuple[float, float, float], radius: float) -> list[SceneObject]:
        return queries.within(self, point, radius)

    @_locked
    def places(self) -> list[Place]:
        return list(queries.place_graph(self)[0].values())

    @_locked
    def graph(self) -> nx.DiGraph:
        """The layered scene graph (building -> rooms -> places -> objects, plus trajectory), a fresh copy."""
        return queries.layered_graph(self)

    @_locked
    def resolve(self, target: str) -> list[str]:
        """Object ids a target names: an object id, a category or synonym, or a parent category."""
        return queries.resolve(self, target)


def _vec(a) -> tuple[float, float, float]:
    return (float(a[0]), float(a[1]), float(a[2]))


def _track_age(obj: TrackedObject) -> tuple:
    """Sort key: confirmed before tentative, then first seen, then created first (the id that stays)."""
    number = obj.id.rsplit("_", 1)[-1]
    return (obj.status != PRESENT, obj.first_seen, obj.created_frame, int(number) if number.isdigit() else 0)


def _key_overlaps(box: tuple[int, ...], rect: tuple[float, float, float, float]) -> bool:
    """A receptacle box in 5 cm units (min xyz, max xyz) overlaps the rectangle (x0, y0, x1, y1) in metres."""
    x0, y0, x1, y1 = (v * 0.05 for v in (box[0], box[1], box[3], box[4]))
    return x0 <= rect[2] and x1 >= rect[0] and y0 <= rect[3] and y1 >= rect[1]


def _overlap_of_smaller(a_min: np.ndarray, a_max: np.ndarray, b_min: np.ndarray, b_max: np.ndarray) -> float:
    """The two boxes' intersection as a share of the smaller box's volume (0 apart, 1 one inside the other)."""
    inter = float(np.prod(np.clip(np.minimum(a_max, b_max) - np.maximum(a_min, b_min), 0.0, None)))
    va = float(np.prod(np.clip(a_max - a_min, 1e-6, None)))
    vb = float(np.prod(np.clip(b_max - b_min, 1e-6, None)))
    return inter / min(va, vb)


def _boxes_touch(a_min: np.ndarray, a_max: np.ndarray, b_min: np.ndarray, b_max: np.ndarray, margin: float) -> bool:
    """Axis-aligned boxes overlap or lie within `margin` of each other horizontally (and overlap in height)."""
    return bool(a_min[0] <= b_max[0] + margin and b_min[0] <= a_max[0] + margin
                and a_min[1] <= b_max[1] + margin and b_min[1] <= a_max[1] + margin
                and a_min[2] <= b_max[2] + margin and b_min[2] <= a_max[2] + margin)


def _finite_triplet(value, what: str) -> tuple[float, float, float]:
    try:
        v = tuple(float(x) for x in value)
    except (TypeError, ValueError) as exc:
        raise BadInputError(f"{what}: expected 3 numbers, got {value!r}") from exc
    if len(v) != 3 or not all(math.isfinite(x) for x in v):
        raise BadInputError(f"{what}: expected 3 finite numbers, got {value!r}")
    return v


def _validate_frame(frame: Frame) -> list[Observation]:
    """Check a frame before anything is written; errors name the frame and field."""
    if not isinstance(frame, Frame):
        raise BadInputError(f"ingest: expected a scene_graph.types.Frame, got {type(frame).__name__}")
    fid = frame.frame_id
    if not isinstance(frame.time, (int, float)) or not math.isfinite(frame.time):
        raise BadInputError(f"frame {fid}: time must be a finite number, got {frame.time!r}")
    for name in ("robot_pose", "camera_pose"):
        pose = getattr(frame, name)
        if pose is None or not pose.is_finite():
            raise BadInputError(f"frame {fid}: {name} is not a finite pose with a unit quaternion")
    k = frame.intrinsics
    if k is None or k.width <= 0 or k.height <= 0 or not (k.fx > 0 and k.fy > 0):
        raise BadInputError(f"frame {fid}: intrinsics must have positive width/height/fx/fy")
    if not (frame.max_range_m > 0):
        raise BadInputError(f"frame {fid}: max_range_m must be > 0")
    if frame.depth is not None:
        shape = np.shape(frame.depth)
        if shape != (k.height, k.width):
            raise BadInputError(f"frame {fid}: depth shape {shape} does not match intrinsics "
                                f"({k.height}, {k.width})")
    for i, ob in enumerate(frame.observations):
        where = f"frame {fid}: observations[{i}]"
        if not isinstance(ob, Observation):
            raise BadInputError(f"{where}: expected a scene_graph.types.Observation, got {type(ob).__name__}")
        if not isinstance(ob.category, str) or not ob.category.strip():
            raise BadInputError(f"{where}.category: must be a non-empty string")
        ob.centroid = _finite_triplet(ob.centroid, f"{where}.centroid")
        ob.bbox_min = _finite_triplet(ob.bbox_min, f"{where}.bbox_min")
        ob.bbox_max = _finite_triplet(ob.bbox_max, f"{where}.bbox_max")
        if any(lo > hi for lo, hi in zip(ob.bbox_min, ob.bbox_max)):
            raise BadInputError(f"{where}: bbox_min {ob.bbox_min} exceeds bbox_max {ob.bbox_max}")
        if not isinstance(ob.confidence, (int, float)) or not 0.0 <= ob.confidence <= 1.0:  # NaN fails too
            raise BadInputError(f"{where}.confidence: must be in [0, 1], got {ob.confidence!r}")
        if ob.embedding is not None:
            e = np.asarray(ob.embedding, dtype=float)
            if e.ndim != 1 or not np.all(np.isfinite(e)):
                raise BadInputError(f"{where}.embedding: must be a finite 1-D vector")
    return list(frame.observations)


def _floor_plan_to_json(fp: FloorPlan) -> dict:
    return {"rooms": [{"name": r.name, "polygon": [list(p) for p in r.polygon]} for r in fp.rooms],
            "doors": [{"rooms": list(d.rooms), "at": list(d.at), "width": d.width} for d in fp.doors]}


def _floor_plan_from_json(data: dict) -> FloorPlan:
    return FloorPlan(tuple(Room(r["name"], tuple(tuple(p) for p in r["polygon"])) for r in data["rooms"]),
                     tuple(Door(tuple(d["rooms"]), tuple(d["at"]), d["width"]) for d in data["doors"]))
