"""Manipulation memory: the robot's own placements, recorded as moves with provenance "manipulation"."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from memory_stack.foundation.errors import BadInputError
from scene_graph.frame_checks import finite_triplet
from scene_graph.records import MemoryEvent
from scene_graph.tracking.object_tracks import ABSENT, PRESENT, TENTATIVE, TrackedObject, as_xyz

if TYPE_CHECKING:
    from scene_graph.tracking.tracker import Tracker


class Placement(NamedTuple):
    """A checked request to record that the robot moved an object."""

    obj: TrackedObject
    position: np.ndarray
    time: float
    frame_ids: tuple[int, ...]
    support: TrackedObject | None


def check_placement(tracks: Mapping[str, TrackedObject], object_id: str, position: tuple[float, float, float],
                    time: float, frame_ids=(), rests_on: str | None = None) -> Placement:
    """The robot itself moved `object_id` to `position` (its new centre) at `time`, e.g. a verified place.

    Records a `moved` event with provenance "manipulation", a location record, keeps the presence
    interval open (the object never left the house) and recomputes the support relation. Tracks of
    the same category that appeared at the new place since the object was last seen (the placed
    object seen before this call) are folded into it. Nothing is written here (see `apply_placement`).

    Support: `rests_on` (a remembered receptacle id) when the caller knows where it put the object;
    otherwise the usual support test, and failing that (a box distorted while carried) the highest
    remembered surface under `position`. A placed object rests on something: furniture the memory
    believed gone is present again.
    """
    obj = tracks.get(object_id) if isinstance(object_id, str) else None
    if obj is None:
        raise BadInputError(f"record_manipulation: object_id {object_id!r} is not a remembered object")
    if obj.is_receptacle:
        raise BadInputError(f"record_manipulation: {object_id} is furniture (a receptacle), not a movable object")
    pos = np.array(finite_triplet(position, "record_manipulation: position"))
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
        support = tracks.get(rests_on) if isinstance(rests_on, str) else None
        if support is None or not support.is_receptacle or support.status == TENTATIVE:
            raise BadInputError(f"record_manipulation: rests_on {rests_on!r} is not a remembered receptacle")
    return Placement(obj, pos, t, fids, support)


def apply_placement(tracker: Tracker, placement: Placement) -> MemoryEvent:
    """Record a checked placement (inside the caller's transaction); returns the moved event."""
    obj, pos, t, frame_ids, support = placement
    # tracks that appeared at the destination since shortly before the robot last saw the object
    seen_before = obj.last_seen - tracker.config.manipulation_window_s
    if obj.locations:
        seen_before = max(seen_before, obj.locations[-1].time)
    before = tracker.place_name(obj)
    if obj.status == TENTATIVE:
        tracker.tentative.discard(obj.id)
        tracker.open_interval(obj, obj.first_seen, max(obj.last_seen, t), obj.sightings)
        tracker.semantic.add(obj.id, "is_a", obj.category, valid_from=obj.first_seen, recorded_at=t,
                             confidence=obj.confidence, provenance="manipulation")
    elif obj.status == ABSENT:
        tracker.open_interval(obj, t, t, 1)
    if obj.rests_on is not None:
        tracker.contents_index[obj.rests_on].discard(obj.id)
    shift = pos - obj.position
    obj.position, obj.bbox_min, obj.bbox_max = pos, obj.bbox_min + shift, obj.bbox_max + shift
    obj.last_seen = max(obj.last_seen, t)
    obj.misses, obj.first_miss = 0.0, None
    iv = obj.intervals[-1]
    iv.last_seen = max(iv.last_seen, t)
    tracker.temporal.save_last_interval(obj)
    obj.room = tracker.rooms.room_of(float(pos[0]), float(pos[1]))
    tracker.arrays.update(obj)
    if support is None:
        tracker.update_support(obj)
        if obj.rests_on is None:
            support = _surface_below(tracker, pos)
    if support is not None:
        _place_on(tracker, obj, support, t, frame_ids)
    tracker.add_location(obj, t)
    ev = MemoryEvent("moved", obj.id, obj.category, t, as_xyz(obj.position), obj.room, from_place=before,
                     to_place=tracker.place_name(obj), frame_ids=frame_ids, provenance="manipulation")
    tracker.temporal.emit(ev, obj, None)
    for dup in _placed_duplicates(tracker, obj, seen_before):
        tracker.absorb_duplicate(obj, dup, t)
    tracker.save_object(obj)
    return ev


def _surface_below(tracker: Tracker, pos: np.ndarray) -> TrackedObject | None:
    """The remembered receptacle with the highest top under `pos` (footprint grown by the support margin)."""
    cfg = tracker.config
    m = cfg.support_footprint_margin_m
    best, best_top = None, -math.inf
    for i in tracker.arrays.near(pos[0] - m, pos[1] - m, pos[0] + m, pos[1] + m).tolist():
        rec = tracker.arrays.owner[i]
        if rec is None or not rec.is_receptacle or rec.status == TENTATIVE:
            continue
        lo, hi = rec.bbox_min, rec.bbox_max
        top = float(hi[2])
        if not (lo[0] - m <= pos[0] <= hi[0] + m and lo[1] - m <= pos[1] <= hi[1] + m):
            continue
        if top <= pos[2] + cfg.support_below_tolerance_m and top > best_top:
            best, best_top = rec, top
    return best


def _place_on(tracker: Tracker, obj: TrackedObject, support: TrackedObject, t: float,
              frame_ids: tuple[int, ...]) -> None:
    """`obj` was put on `support`: it rests there, its box sits on the top (or inside, for a container)."""
    cfg = tracker.config
    if support.status == ABSENT:  # the robot just put something on it: it is there
        tracker.open_interval(support, t, t, 1)
        support.misses, support.first_miss = 0.0, None
        support.last_seen = max(support.last_seen, t)
        tracker.save_object(support)
        tracker.temporal.emit(MemoryEvent("appeared", support.id, support.category, t, as_xyz(support.position),
                                          support.room, to_place=support.room, frame_ids=frame_ids,
                                          provenance="manipulation"), support, None)
    top = float(support.bbox_max[2])
    inside = float(support.bbox_min[2]) <= float(obj.position[2]) <= top - 0.02
    bottom = float(obj.bbox_min[2])
    if not inside and not (-cfg.support_below_tolerance_m <= bottom - top <= cfg.support_gap_m):
        lift = np.array([0.0, 0.0, top - bottom])
        obj.bbox_min, obj.bbox_max = obj.bbox_min + lift, obj.bbox_max + lift
        obj.position = np.array([obj.position[0], obj.position[1], max(float(obj.position[2]), top)])
        tracker.arrays.update(obj)
    obj.rests_on = support.id
    if obj.status == PRESENT:
        tracker.contents_index[support.id].add(obj.id)


def _placed_duplicates(tracker: Tracker, obj: TrackedObject, since: float) -> list[TrackedObject]:
    """Same-category tracks near `obj`'s new place that first appeared after `obj` was last seen."""
    out = []
    for oid in list(tracker.by_category.get(obj.category, ())):
        other = tracker.tracks.get(oid)
        if other is None or other is obj or other.is_receptacle or other.status == ABSENT:
            continue
        if other.first_seen < since - 1e-6 or len(other.intervals) > 1:
            continue
        if float(np.linalg.norm(other.position - obj.position)) <= tracker.config.manipulation_merge_radius_m:
            out.append(other)
    return out
