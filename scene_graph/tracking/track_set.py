"""The set of remembered object tracks: its indexes, support relations and the writes that keep them.

`TrackSet` is the base of `Tracker`: the tracks by id, the packed arrays and grid, the category,
absence and contents indexes, the floor plan's rooms, and the bookkeeping every tracking step shares
(register, drop, relocate, support). Temporal records go to the temporal memory, facts to the
semantic memory, seen objects to the episodic memory, through their methods.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from scene_graph.config import MemoryConfig
from scene_graph.episodic import EpisodicMemory
from scene_graph.ontology import Ontology
from scene_graph.persistence import MemoryFile
from scene_graph.records import IngestResult, MemoryEvent
from scene_graph.semantic import SemanticMemory
from scene_graph.spatial_index import RoomIndex, find_support
from scene_graph.temporal import TemporalMemory
from scene_graph.tracking.object_tracks import ABSENT, PRESENT, TENTATIVE, ObjectArrays, TrackedObject, as_xyz
from scene_graph.types import Frame


class TrackSet:
    """The tracks and their indexes; the writes shared by association, fusion, negative evidence and merges."""

    def __init__(self, file: MemoryFile, config: MemoryConfig, ontology: Ontology, temporal: TemporalMemory,
                 semantic: SemanticMemory, episodic: EpisodicMemory) -> None:
        self.file = file
        self.config = config
        self.ontology = ontology
        self.temporal = temporal
        self.semantic = semantic
        self.episodic = episodic
        self.tracks: dict[str, TrackedObject] = {}
        self.arrays = ObjectArrays()
        self.by_category: dict[str, set[str]] = defaultdict(set)
        self.contents_index: dict[str, set[str]] = defaultdict(set)
        self.tentative: set[str] = set()
        self.absent_by_category: dict[str, set[str]] = defaultdict(set)
        self.rooms = RoomIndex(None)
        self.next_object_number = 0
        # called between the observations of a frame (the store lets a waiting reader in there)
        self.between_observations: Callable[[], None] = _nothing

    def load_objects(self, next_object_number: int) -> None:
        """Rebuild the tracks from the file's object rows (their histories are the temporal memory's)."""
        self.next_object_number = next_object_number
        for r in self.file.object_rows():
            obj = TrackedObject(r[0], r[1], bool(r[2]), np.array(r[4:7], dtype=float), np.array(r[7:10], dtype=float),
                                np.array(r[10:13], dtype=float), r[17], r[23] if r[23] is not None else -1)
            obj.status = r[3]
            obj.room, obj.rests_on, obj.state = r[13], r[14], r[15]
            obj.sightings, obj.last_seen, obj.misses, obj.first_miss = r[16], r[18], r[19], r[20]
            obj.votes = json.loads(r[21])
            if r[22] is not None:
                obj.embedding = np.frombuffer(r[22], dtype=np.float32).copy()
            self._register(obj)

    def index_contents(self) -> None:
        for obj in self.tracks.values():
            if obj.status == PRESENT and obj.rests_on is not None:
                self.contents_index[obj.rests_on].add(obj.id)

    def rooms_for(self, rooms: RoomIndex) -> dict[str, str | None]:
        """The room of every track under another floor plan."""
        return {oid: rooms.room_of(float(o.position[0]), float(o.position[1])) for oid, o in self.tracks.items()}

    def set_rooms(self, rooms: RoomIndex, rooms_of: dict[str, str | None]) -> None:
        self.file.save_rooms(rooms_of)
        self.rooms = rooms
        for oid, room in rooms_of.items():
            self.tracks[oid].room = room

    def _register(self, obj: TrackedObject) -> None:
        self.tracks[obj.id] = obj
        self.arrays.add(obj)
        self.by_category[obj.category].add(obj.id)
        if obj.status == TENTATIVE:
            self.tentative.add(obj.id)
        elif obj.status == ABSENT:
            self.absent_by_category[obj.category].add(obj.id)

    def _drop(self, obj: TrackedObject) -> None:
        """Forget an object that never became permanent."""
        self.tentative.discard(obj.id)
        self.tracks.pop(obj.id, None)
        self.by_category[obj.category].discard(obj.id)
        self.arrays.remove(obj)
        self.file.delete_object(obj.id)

    def open_interval(self, obj: TrackedObject, start: float, last_seen: float, sightings: int) -> None:
        obj.status = PRESENT
        self.absent_by_category[obj.category].discard(obj.id)
        self.temporal.open_interval(obj, start, last_seen, sightings)

    def _relocate(self, obj: TrackedObject, t: float, kind: str, frame: Frame, result: IngestResult | None,
                  frame_ids: tuple[int, ...] | None = None) -> None:
        before = self.place_name(obj)
        if obj.rests_on is not None:
            self.contents_index[obj.rests_on].discard(obj.id)
        obj.room = self.rooms.room_of(float(obj.position[0]), float(obj.position[1]))
        self.update_support(obj)
        self.add_location(obj, t)
        self.arrays.update(obj)
        self.temporal.emit(MemoryEvent(kind, obj.id, obj.category, t, as_xyz(obj.position), obj.room,
                                       from_place=before if kind == "moved" else None, to_place=self.place_name(obj),
                                       frame_ids=frame_ids or (frame.frame_id,)), obj, result)

    def update_support(self, obj: TrackedObject) -> None:
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
        self.update_support(obj)
        if obj.rests_on is None:
            return
        rcat = self.tracks[obj.rests_on].category
        if obj.locations:
            self.temporal.set_last_location_support(obj, rcat)
        self.file.save_support(obj)

    def add_location(self, obj: TrackedObject, t: float) -> None:
        rcat = self.tracks[obj.rests_on].category if obj.rests_on in self.tracks else None
        self.temporal.add_location(obj, t, rcat)

    def save_object(self, obj: TrackedObject) -> None:
        self.arrays.update(obj)
        self.file.save_object(obj)

    def place_name(self, obj: TrackedObject) -> str | None:
        return obj.rests_on if obj.rests_on is not None else obj.room


def _nothing() -> None:
    pass
