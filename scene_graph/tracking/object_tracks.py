"""The in-memory state of each remembered object, plus packed arrays for vectorised lookups."""

from __future__ import annotations

import bisect
import math
from collections import defaultdict

import numpy as np

from scene_graph.records import LocationRecord, MemoryEvent, PresenceInterval, SceneObject, StateRecord

TENTATIVE, PRESENT, ABSENT = 1, 2, 3
GRID_CELL_M = 2.0


class TrackedObject:
    """One remembered object: current belief plus its full temporal record (rebuilt from SQLite on open)."""

    __slots__ = ("id", "idx", "category", "is_receptacle", "status", "position", "bbox_min", "bbox_max", "room",
                 "rests_on", "state", "sightings", "first_seen", "last_seen", "misses", "first_miss", "votes",
                 "embedding", "intervals", "interval_rows", "locations", "states", "events", "created_frame",
                 "last_frame", "conflicts", "conflict_votes", "pending_state", "pending_time", "pending_frames",
                 "seen_empty", "colour")

    def __init__(self, id: str, category: str, is_receptacle: bool, position: np.ndarray, bbox_min: np.ndarray,
                 bbox_max: np.ndarray, time: float, frame_id: int) -> None:
        self.id = id
        self.idx = -1
        self.category = category
        self.is_receptacle = is_receptacle
        self.status = TENTATIVE
        self.position = position
        self.bbox_min = bbox_min
        self.bbox_max = bbox_max
        self.room: str | None = None
        self.rests_on: str | None = None
        self.state: str | None = None
        self.sightings = 1
        self.first_seen = time
        self.last_seen = time
        self.misses = 0.0
        self.first_miss: float | None = None
        self.votes: dict[str, float] = {category: 1.0}
        self.embedding: np.ndarray | None = None
        self.colour = None  # scene_graph.attributes.ColourSummary once a sighting carried a mean colour
        self.intervals: list[PresenceInterval] = []
        self.interval_rows: list[int] = []
        self.locations: list[LocationRecord] = []
        self.states: list[StateRecord] = []
        self.events: list[MemoryEvent] = []
        self.created_frame = frame_id
        self.last_frame = frame_id
        self.conflicts = 0  # consecutive frames in which a differently-labelled detection sat on it
        self.conflict_votes: dict[str, float] = {}  # the label votes those frames added (taken back if another object)
        # a state seen in consecutive sightings but not yet believed: since when, in which frames
        self.pending_state: str | None = None
        self.pending_time = 0.0
        self.pending_frames: list[int] = []
        # when the surface under its first sighting was last seen bare (None: never, so finding it is a discovery)
        self.seen_empty: float | None = None

    @property
    def confidence(self) -> float:
        return 1.0 - math.exp(-self.sightings / 3.0)

    def interval_at(self, t: float) -> PresenceInterval | None:
        starts = [iv.start for iv in self.intervals]
        i = bisect.bisect_right(starts, t) - 1
        if i < 0:
            return None
        iv = self.intervals[i]
        return iv if iv.end is None or t < iv.end else None

    def location_at(self, t: float) -> LocationRecord | None:
        times = [loc.time for loc in self.locations]
        i = bisect.bisect_right(times, t) - 1
        return self.locations[i] if i >= 0 else None

    def state_at(self, t: float) -> str | None:
        times = [s.time for s in self.states]
        i = bisect.bisect_right(times, t) - 1
        return self.states[i].state if i >= 0 else None

    def to_scene_object(self, rests_on_category: str | None) -> SceneObject:
        return SceneObject(self.id, self.category, as_xyz(self.position), as_xyz(self.bbox_min), as_xyz(self.bbox_max),
                           self.room, self.rests_on, rests_on_category, self.state, self.confidence,
                           self.first_seen, self.last_seen, self.status in (PRESENT, TENTATIVE), self.is_receptacle,
                           self.status == TENTATIVE)


def as_xyz(a: np.ndarray) -> tuple[float, float, float]:
    return (float(a[0]), float(a[1]), float(a[2]))


class ObjectArrays:
    """Positions, boxes and status of all tracked objects packed in numpy arrays (index = TrackedObject.idx).

    A horizontal grid hash (GRID_CELL_M cells) of the same indices serves "what is near here" lookups
    (association candidates, objects within camera range) without scanning every object.
    """

    def __init__(self, capacity: int = 256) -> None:
        self.size = 0
        self.pos = np.zeros((capacity, 3))
        self.bmin = np.zeros((capacity, 3))
        self.bmax = np.zeros((capacity, 3))
        self.status = np.zeros(capacity, dtype=np.int8)
        self.is_rec = np.zeros(capacity, dtype=bool)
        self.owner: list[TrackedObject | None] = []
        self.cells: dict[tuple[int, int], set[int]] = defaultdict(set)
        self.cell_of: list[tuple[int, int] | None] = []

    def add(self, obj: TrackedObject) -> None:
        if self.size == len(self.status):
            cap = 2 * len(self.status)
            for name in ("pos", "bmin", "bmax"):
                arr = np.zeros((cap, 3))
                arr[: self.size] = getattr(self, name)[: self.size]
                setattr(self, name, arr)
            status = np.zeros(cap, dtype=np.int8)
            status[: self.size] = self.status[: self.size]
            self.status = status
            is_rec = np.zeros(cap, dtype=bool)
            is_rec[: self.size] = self.is_rec[: self.size]
            self.is_rec = is_rec
        obj.idx = self.size
        self.owner.append(obj)
        self.cell_of.append(None)
        self.size += 1
        self.update(obj)

    def update(self, obj: TrackedObject) -> None:
        i = obj.idx
        self.pos[i] = obj.position
        self.bmin[i] = obj.bbox_min
        self.bmax[i] = obj.bbox_max
        self.status[i] = obj.status
        self.is_rec[i] = obj.is_receptacle
        cell = (math.floor(obj.position[0] / GRID_CELL_M), math.floor(obj.position[1] / GRID_CELL_M))
        old = self.cell_of[i]
        if old != cell:
            if old is not None:
                self.cells[old].discard(i)
            self.cells[cell].add(i)
            self.cell_of[i] = cell

    def remove(self, obj: TrackedObject) -> None:
        self.status[obj.idx] = 0
        self.owner[obj.idx] = None
        old = self.cell_of[obj.idx]
        if old is not None:
            self.cells[old].discard(obj.idx)
            self.cell_of[obj.idx] = None

    def near(self, lo_x: float, lo_y: float, hi_x: float, hi_y: float) -> np.ndarray:
        """Indices of objects whose grid cell overlaps the rectangle (a superset; callers filter exactly)."""
        x0, x1 = math.floor(lo_x / GRID_CELL_M), math.floor(hi_x / GRID_CELL_M)
        y0, y1 = math.floor(lo_y / GRID_CELL_M), math.floor(hi_y / GRID_CELL_M)
        if (x1 - x0 + 1) * (y1 - y0 + 1) > len(self.cells):
            return np.flatnonzero(self.status[: self.size] > 0)
        out: list[int] = []
        for cx in range(x0, x1 + 1):
            for cy in range(y0, y1 + 1):
                members = self.cells.get((cx, cy))
                if members:
                    out.extend(members)
        return np.array(sorted(out), dtype=np.int64)
