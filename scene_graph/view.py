"""A read-only view of the memory for queries, and the one cache of everything they derive from it.

Queries build derived structures (the packed temporal index, events by time and by room, the place
graph, the spatial index, per-room observation records, priors) on first use and keep them here.
The memory clears the whole cache in one place: after every transaction, committed or rolled back,
and before a reader is let in between the observations of a frame. So no answer is ever derived
from state the memory no longer holds.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from scene_graph.records import MemoryEvent, SceneObject
from scene_graph.spatial_index import RoomIndex, find_support
from scene_graph.tracking.object_tracks import PRESENT, TENTATIVE, ObjectArrays, TrackedObject

if TYPE_CHECKING:
    from scene_graph.temporal import TemporalMemory
    from scene_graph.tracking.track_set import TrackSet

T = TypeVar("T")


class ViewCache:
    """Derived values by key, built on first use and all dropped by `clear`.

    `generation` counts the clears: a value derived outside the cache from generation g is current
    while the generation is still g.
    """

    def __init__(self) -> None:
        self._entries: dict[Hashable, Any] = {}
        self.generation = 0

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        try:
            return self._entries[key]
        except KeyError:
            value = self._entries[key] = build()
            return value

    def clear(self) -> None:
        self._entries.clear()
        self.generation += 1

    def __len__(self) -> int:
        return len(self._entries)


class MemoryView:
    """Read-only access to the memory's state for the query functions of each memory.

    It reads the live tracks and temporal records (never copies) and carries the one `ViewCache`.
    Query functions take a view; only tracking and the memories' recorders write the state.
    """

    def __init__(self, tracks: TrackSet, temporal: TemporalMemory, clock: Callable[[], float],
                 cache: ViewCache) -> None:
        self._tracks = tracks
        self._temporal = temporal
        self._clock = clock
        self.cache = cache
        self.ontology = tracks.ontology
        self.config = tracks.config

    @property
    def tracks(self) -> Mapping[str, TrackedObject]:
        return self._tracks.tracks

    @property
    def by_category(self) -> Mapping[str, set[str]]:
        return self._tracks.by_category

    @property
    def contents_index(self) -> Mapping[str, set[str]]:
        return self._tracks.contents_index

    @property
    def arrays(self) -> ObjectArrays:
        return self._tracks.arrays

    @property
    def rooms(self) -> RoomIndex:
        return self._tracks.rooms

    @property
    def event_log(self) -> list[MemoryEvent]:
        return self._temporal.event_log

    @property
    def observed(self) -> list[list]:
        return self._temporal.observed

    @property
    def trajectory(self) -> list[tuple[float, float, float, float, float, str | None]]:
        return self._temporal.trajectory

    @property
    def now(self) -> float:
        return self._clock()


def id_order(oid: str) -> tuple[str, int]:
    head, _, tail = oid.rpartition("_")
    return (head, int(tail)) if tail.isdigit() else (oid, -1)


def resolve(view: MemoryView, target: str) -> list[str]:
    """Object ids a target names: an object id, a category (synonyms allowed) or a parent category."""
    obj = view.tracks.get(target)
    if obj is not None:
        return [] if obj.status == TENTATIVE else [target]
    onto = view.ontology
    cat = onto.canonical(target)
    out = []
    for c in [cat, *sorted(onto.descendants(cat))]:
        out.extend(oid for oid in view.by_category.get(c, ()) if view.tracks[oid].status != TENTATIVE)
    return sorted(out, key=id_order)


def category_of(view: MemoryView, oid: str | None) -> str | None:
    obj = view.tracks.get(oid) if oid is not None else None
    return obj.category if obj is not None else None


def time_or_now(view: MemoryView, t: float | None) -> float:
    return view.now if t is None else float(t)


def is_current(view: MemoryView, t: float | None) -> bool:
    return t is None or t >= view.now


def scene_object(view: MemoryView, obj: TrackedObject) -> SceneObject:
    """The object as believed now."""
    return obj.to_scene_object(category_of(view, obj.rests_on))


def support_of_tentative(view: MemoryView, obj: TrackedObject) -> str | None:
    """What a tentative object sits on (computed when asked: tentative objects are not in the support index)."""
    a = view.arrays
    n = a.size
    rec = np.flatnonzero((a.status[:n] == PRESENT) & a.is_rec[:n])
    if obj.is_receptacle or not len(rec):
        return None
    cfg = view.config
    k = find_support(obj.position, obj.bbox_min, a.bmin[rec], a.bmax[rec], cfg.support_footprint_margin_m,
                     cfg.support_gap_m, obj.bbox_max, cfg.support_below_tolerance_m)
    return a.owner[int(rec[k])].id if k >= 0 else None
