"""Temporal memory: presence intervals, location and state histories, events, where the robot looked.

`TemporalMemory` keeps the event log, the observed-room records and the trajectory, and writes every
temporal record (intervals, locations, states, events) that tracking hands it. The functions below
answer "when" and "as of t" questions over a `MemoryView`: history, events, changes, the snapshot of
the world at t, observed intervals, last_observed.
"""

from __future__ import annotations

import bisect
import json
import math
from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from memory_stack.foundation.errors import BadInputError
from scene_graph.config import MemoryConfig
from scene_graph.persistence import MemoryFile
from scene_graph.records import (
    IngestResult,
    LocationRecord,
    MemoryEvent,
    ObjectHistory,
    PresenceInterval,
    SceneObject,
    SnapshotObjects,
    StateRecord,
    WorldSnapshot,
)
from scene_graph.spatial_index import RoomIndex
from scene_graph.temporal_index import TemporalIndex
from scene_graph.tracking.object_tracks import ABSENT, PRESENT, TENTATIVE, TrackedObject
from scene_graph.types import Frame
from scene_graph.view import (
    MemoryView,
    category_of,
    is_current,
    resolve,
    support_of_tentative,
    time_or_now,
)

EVENT_KINDS = ("appeared", "moved", "disappeared", "state_changed", "opened", "closed", "discovered")
# What `changes` reports: appearances where the place had been seen empty, moves, disappearances confirmed by
# negative evidence and state changes. "discovered" (first sightings with no evidence the place was empty before)
# is a filter kind: those events are stored as kind "appeared" with `discovery` True.
CHANGE_KINDS = ("appeared", "moved", "disappeared", "state_changed")


class TemporalMemory:
    """The event log, the rooms looked at and the robot's trajectory; the writer of every temporal record."""

    def __init__(self, file: MemoryFile, config: MemoryConfig) -> None:
        self.file = file
        self.config = config
        self.event_log: list[MemoryEvent] = []
        self.observed: list[list] = []  # [room, start, end, row id]
        self.trajectory: list[tuple[float, float, float, float, float, str | None]] = []

    def load(self, tracks: Mapping[str, TrackedObject]) -> None:
        """Rebuild every track's intervals, locations, states and events, and the log, from the file."""
        f = self.file
        for oid, row_id, start, end, last_seen, sightings in f.interval_rows():
            obj = tracks.get(oid)
            if obj is not None:
                obj.intervals.append(PresenceInterval(oid, start, end, last_seen, sightings))
                obj.interval_rows.append(row_id)
        for obj in tracks.values():
            if obj.status == PRESENT and obj.intervals and obj.intervals[-1].end is None:
                obj.intervals[-1].last_seen = obj.last_seen
        for oid, t, x, y, z, room, rests_on, rcat in f.location_rows():
            obj = tracks.get(oid)
            if obj is not None:
                obj.locations.append(LocationRecord(oid, t, (x, y, z), room, rests_on, rcat))
        for oid, t, state in f.state_rows():
            obj = tracks.get(oid)
            if obj is not None:
                obj.states.append(StateRecord(oid, t, state))
        for row in f.event_rows():
            pos = (row[5], row[6], row[7]) if row[5] is not None else None
            ev = MemoryEvent(row[1], row[2], row[3], row[4], pos, row[8], row[9], row[10], row[11], row[12],
                             tuple(json.loads(row[13])), row[0], row[14], bool(row[15]))
            self.event_log.append(ev)
            obj = tracks.get(ev.object_id)
            if obj is not None:
                obj.events.append(ev)
        for row_id, room, start, end in f.observed_rows():
            self.observed.append([room, start, end, row_id])
        self.trajectory = [tuple(r) for r in f.trajectory_rows()]

    # ------------------------------------------------------------------ presence intervals
    def open_interval(self, obj: TrackedObject, start: float, last_seen: float, sightings: int) -> None:
        row = self.file.insert_interval(obj.id, start, last_seen, sightings)
        obj.intervals.append(PresenceInterval(obj.id, start, None, last_seen, sightings))
        obj.interval_rows.append(row)

    def save_last_interval(self, obj: TrackedObject) -> None:
        """Write the last interval's last_seen and sightings (changed in memory by the caller)."""
        iv = obj.intervals[-1]
        self.file.save_interval(obj.interval_rows[-1], iv.last_seen, iv.sightings)

    def close_interval(self, obj: TrackedObject, end: float) -> None:
        iv = obj.intervals[-1]
        iv.end = end
        self.file.close_interval(obj.interval_rows[-1], end, iv.last_seen, iv.sightings)

    def reopen_interval(self, obj: TrackedObject) -> None:
        obj.intervals[-1].end = None
        self.file.reopen_interval(obj.interval_rows[-1])

    # ------------------------------------------------------------------ locations and states
    def add_location(self, obj: TrackedObject, t: float, rests_on_category: str | None) -> None:
        pos = (float(obj.position[0]), float(obj.position[1]), float(obj.position[2]))
        obj.locations.append(LocationRecord(obj.id, t, pos, obj.room, obj.rests_on, rests_on_category))
        self.file.insert_location(obj.id, t, pos, obj.room, obj.rests_on, rests_on_category)

    def set_last_location_support(self, obj: TrackedObject, rests_on_category: str | None) -> None:
        loc = obj.locations[-1]
        loc.rests_on, loc.rests_on_category = obj.rests_on, rests_on_category
        self.file.save_location_support(obj.id, loc.time, obj.rests_on, rests_on_category)

    def add_state(self, obj: TrackedObject, t: float, state: str) -> None:
        obj.states.append(StateRecord(obj.id, t, state))
        self.file.insert_state(obj.id, t, state)

    # ------------------------------------------------------------------ events
    def emit(self, ev: MemoryEvent, obj: TrackedObject, result: IngestResult | None) -> None:
        ev.id = self.file.insert_event(ev)
        self.event_log.append(ev)
        obj.events.append(ev)
        if result is not None:
            result.events.append(ev)

    def retract_event(self, ev: MemoryEvent, obj: TrackedObject) -> None:
        self.file.delete_event(ev.id)
        obj.events.remove(ev)
        self.event_log[:] = [e for e in self.event_log if e.id != ev.id]

    def event_became_move(self, ev: MemoryEvent) -> None:
        self.file.save_event_as_move(ev)

    # ------------------------------------------------------------------ merges
    def move_history(self, new: TrackedObject, obj: TrackedObject) -> None:
        """`new`'s locations, states and events become `obj`'s in the file (the caller moves the records)."""
        self.file.move_history(new.id, obj.id)

    def drop_intervals(self, obj: TrackedObject) -> None:
        self.file.delete_intervals(obj.id)

    def erase_history(self, track: TrackedObject) -> None:
        """Forget a track folded into another: its rows and its events."""
        self.file.erase_history(track.id)
        dropped = {ev.id for ev in track.events}
        self.event_log[:] = [ev for ev in self.event_log if ev.id not in dropped]

    # ------------------------------------------------------------------ where the robot looked and went
    def record_coverage(self, frame: Frame, rooms: RoomIndex) -> None:
        cfg = self.config
        t = float(frame.time)
        cp = frame.camera_pose
        room = rooms.room_of(cp.x, cp.y) or "unknown"
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
        node = (t, rp.x, rp.y, rp.z, rp.yaw, rooms.room_of(rp.x, rp.y))
        self.trajectory.append(node)
        self.file.insert_trajectory(node)


# ---------------------------------------------------------------------- objects as of t
def object_at(view: MemoryView, obj: TrackedObject, at: float | None) -> SceneObject | None:
    """The object as believed at time `at` (None: now); None if it was not known yet."""
    if obj.status == TENTATIVE:
        return None
    if is_current(view, at):
        return obj.to_scene_object(category_of(view, obj.rests_on))
    t = float(at)
    loc = obj.location_at(t)
    if loc is None:
        return None
    iv = obj.interval_at(t)
    last = None
    for candidate in obj.intervals:
        if candidate.start <= t:
            last = candidate
    last_seen = min(last.last_seen, t) if last is not None else obj.first_seen
    return SceneObject(obj.id, obj.category, loc.position, _shift(obj, loc, "min"), _shift(obj, loc, "max"),
                       loc.room, loc.rests_on, loc.rests_on_category, obj.state_at(t), obj.confidence,
                       obj.first_seen, last_seen, iv is not None, obj.is_receptacle)


def _shift(obj: TrackedObject, loc: LocationRecord, which: str) -> tuple[float, float, float]:
    corner = obj.bbox_min if which == "min" else obj.bbox_max
    return tuple(float(c - p + q) for c, p, q in zip(corner, obj.position, loc.position))


def get_object(view: MemoryView, object_id: str, at: float | None) -> SceneObject | None:
    obj = view.tracks.get(object_id)
    return object_at(view, obj, at) if obj is not None else None


def objects(view: MemoryView, at: float | None, include_absent: bool,
            include_tentative: bool = False) -> list[SceneObject]:
    """Objects believed present at `at` (with include_absent, the ones believed gone too).

    With include_tentative (current time only) also objects seen but not yet confirmed, flagged `tentative`.
    """
    if is_current(view, at):
        out = []
        for obj in view.tracks.values():
            if obj.status == PRESENT or (include_absent and obj.status == ABSENT) \
                    or (include_tentative and obj.status == TENTATIVE):
                if obj.status == TENTATIVE:
                    so = obj.to_scene_object(None)
                    so.rests_on = support_of_tentative(view, obj)
                    so.rests_on_category = category_of(view, so.rests_on)
                    out.append(so)
                else:
                    out.append(obj.to_scene_object(category_of(view, obj.rests_on)))
        return out
    if not include_absent:
        return snapshot(view, at).objects
    out = [object_at(view, o, at) for o in view.tracks.values()]
    return [o for o in out if o is not None]


def receptacles(view: MemoryView) -> list[SceneObject]:
    return [o.to_scene_object(None) for o in view.tracks.values()
            if o.is_receptacle and o.status in (PRESENT, ABSENT)]


def temporal_index(view: MemoryView) -> TemporalIndex:
    return view.cache.get("temporal_index", lambda: TemporalIndex(list(view.tracks.values())))


def snapshot(view: MemoryView, t: float | None) -> WorldSnapshot:
    """Objects believed present at t, rebuilt from intervals, location and state histories."""
    t = time_or_now(view, t)
    if t >= view.now:
        return WorldSnapshot(t, objects(view, None, False))
    index = temporal_index(view)
    present, loc_idx, st_idx, iv_idx = index.at(t)
    rows = np.flatnonzero(present)
    return WorldSnapshot(t, _lazy_objects(index, rows, loc_idx[rows], st_idx[rows], iv_idx[rows], t))


def _materialise(index: TemporalIndex, rows: np.ndarray, locs: np.ndarray, sts: np.ndarray, ivs: np.ndarray,
                 t: float) -> list[SceneObject]:
    return list(_lazy_objects(index, rows, locs, sts, ivs, t))


def _lazy_objects(index: TemporalIndex, rows: np.ndarray, locs: np.ndarray, sts: np.ndarray, ivs: np.ndarray,
                  t: float) -> SnapshotObjects:
    """The objects at the given rows as columns (gathered now); SceneObjects are built on first access."""
    if len(rows) == 0:
        return SnapshotObjects(())
    o, lc = index.obj_cols, index.loc_cols
    return SnapshotObjects((o["id"][rows], o["category"][rows], lc["position"][locs], lc["bbox_min"][locs],
                            lc["bbox_max"][locs], lc["room"][locs], lc["rests_on"][locs],
                            lc["rests_on_category"][locs], index.st_col[sts], o["confidence"][rows],
                            o["first_seen"][rows], np.minimum(index.iv_last[ivs], t), np.ones(len(rows), dtype=bool),
                            o["is_receptacle"][rows]))


def contents_at(view: MemoryView, receptacle_ids: set[str], t: float) -> list[SceneObject]:
    """Objects on/in the given receptacles at a past time t (only objects ever placed there are examined)."""
    index = temporal_index(view)
    rows = sorted(set().union(*(index.by_receptacle.get(r, set()) for r in receptacle_ids))) if receptacle_ids else []
    if not rows:
        return []
    rows = np.asarray(rows, dtype=np.int64)
    present, loc_idx, st_idx, iv_idx = index.at_rows(rows, t)
    keep = present & np.array([index.loc_ref[k].rests_on in receptacle_ids if k >= 0 else False
                               for k in loc_idx.tolist()], dtype=bool)
    return _materialise(index, rows[keep], loc_idx[keep], st_idx[keep], iv_idx[keep], t)


def history(view: MemoryView, object_id: str, t0: float | None, t1: float | None) -> ObjectHistory:
    obj = view.tracks.get(object_id)
    if obj is None or obj.status == TENTATIVE:
        ids = resolve(view, object_id)
        if len(ids) != 1:
            raise BadInputError(f"history: {object_id!r} is not a remembered object id"
                                + (f" (it names {len(ids)} objects: {ids[:5]})" if ids else ""))
        obj = view.tracks[ids[0]]
    lo = -math.inf if t0 is None else float(t0)
    hi = math.inf if t1 is None else float(t1)
    intervals = [PresenceInterval(iv.object_id, iv.start, iv.end, iv.last_seen, iv.sightings)
                 for iv in obj.intervals if iv.start <= hi and (iv.end is None or iv.end >= lo)]
    locs = [loc for loc in obj.locations if lo <= loc.time <= hi]
    before = obj.location_at(lo) if math.isfinite(lo) else None
    if before is not None and (not locs or locs[0] is not before):
        locs.insert(0, before)
    states = [st for st in obj.states if lo <= st.time <= hi]
    state_before = [st for st in obj.states if st.time < lo]
    if state_before:
        states.insert(0, state_before[-1])
    events = [ev for ev in obj.events if lo <= ev.time <= hi]
    return ObjectHistory(obj.id, obj.category, intervals, list(locs), [StateRecord(s.object_id, s.time, s.state)
                                                                       for s in states], events)


def _sorted_events(view: MemoryView) -> tuple[list[float], list[MemoryEvent]]:
    """Every event in time order, and their times."""
    def build() -> tuple[list[float], list[MemoryEvent]]:
        evs = sorted(view.event_log, key=lambda e: (e.time, e.id))
        return [e.time for e in evs], evs

    return view.cache.get("events_by_time", build)


def _room_of_place(view: MemoryView, place: str | None) -> str | None:
    if place is None:
        return None
    obj = view.tracks.get(place)
    return obj.room if obj is not None else place


def _room_events(view: MemoryView) -> dict[str | None, tuple[list[float], list[MemoryEvent]]]:
    def build() -> dict[str | None, tuple[list[float], list[MemoryEvent]]]:
        by_room: dict[str | None, list[MemoryEvent]] = defaultdict(list)
        for ev in _sorted_events(view)[1]:
            rooms = {ev.room}
            if ev.kind == "moved":
                rooms.add(_room_of_place(view, ev.from_place))
            for r in rooms:
                by_room[r].append(ev)
        return {r: ([e.time for e in evs], evs) for r, evs in by_room.items()}

    return view.cache.get("events_by_room", build)


def changes(view: MemoryView, room: str, t0: float | None, t1: float | None,
            include_discoveries: bool = False) -> list[MemoryEvent]:
    """What changed in `room` within [t0, t1]: events with `is_change` (discoveries too if asked), in time order.

    A moved event belongs to both the room it left and the room it went to.
    """
    if view.rooms.names and room not in view.rooms.names:
        raise BadInputError(f"changes: unknown room {room!r} (rooms: {', '.join(view.rooms.names)})")
    times, evs = _room_events(view).get(room, ([], []))
    lo = 0 if t0 is None else bisect.bisect_left(times, float(t0))
    hi = len(times) if t1 is None else bisect.bisect_right(times, float(t1))
    if include_discoveries:
        return evs[lo:hi]
    return [ev for ev in evs[lo:hi] if not ev.discovery]


def events(view: MemoryView, t0: float | None, t1: float | None, kinds, target: str | None) -> list[MemoryEvent]:
    if isinstance(kinds, str):
        kinds = [kinds]
    if target is not None:
        ids = resolve(view, target)
        pool = sorted((ev for oid in ids for ev in view.tracks[oid].events), key=lambda e: (e.time, e.id))
    else:
        times, pool = _sorted_events(view)
        lo = 0 if t0 is None else bisect.bisect_left(times, float(t0))
        hi = len(times) if t1 is None else bisect.bisect_right(times, float(t1))
        pool = pool[lo:hi]
    out = []
    for ev in pool:
        if t0 is not None and ev.time < t0 or t1 is not None and ev.time > t1:
            continue
        if kinds is not None and not any(_kind_matches(ev, k) for k in kinds):
            continue
        out.append(ev)
    return out


def _kind_matches(ev: MemoryEvent, kind: str) -> bool:
    if kind == "discovered":
        return ev.kind == "appeared" and ev.discovery
    if kind == "opened":
        return ev.kind == "state_changed" and ev.new_state == "open"
    if kind == "closed":
        return ev.kind == "state_changed" and ev.new_state == "closed"
    return ev.kind == kind


def count(view: MemoryView, event_kind: str, target: str, t0: float | None, t1: float | None) -> int:
    if event_kind not in EVENT_KINDS:
        raise BadInputError(f"count: unknown event kind {event_kind!r} (one of {', '.join(EVENT_KINDS)})")
    return len(events(view, t0, t1, [event_kind], target))


def first_seen(view: MemoryView, target: str) -> float | None:
    times = [view.tracks[oid].first_seen for oid in resolve(view, target)]
    return min(times) if times else None


def last_seen(view: MemoryView, target: str) -> float | None:
    times = [view.tracks[oid].last_seen for oid in resolve(view, target)]
    return max(times) if times else None


def observed_intervals(view: MemoryView, t0: float | None, t1: float | None) -> list[tuple[float, float, str]]:
    lo = -math.inf if t0 is None else float(t0)
    hi = math.inf if t1 is None else float(t1)
    return [(start, end, room) for room, start, end, _ in view.observed if end >= lo and start <= hi]


def last_observed(view: MemoryView, room: str | None, t: float) -> float | None:
    """When the robot last looked at `room` at or before t (None: never)."""
    def build() -> dict[str | None, list[list]]:
        by_room: dict[str | None, list[list]] = {}
        for rec in view.observed:
            by_room.setdefault(rec[0], []).append(rec)
        return by_room

    rows = view.cache.get("observed_by_room", build).get(room, [])
    i = bisect.bisect_right([rec[1] for rec in rows], t) - 1 if len(rows) < 64 else \
        bisect.bisect_right(rows, t, key=lambda rec: rec[1]) - 1
    if i < 0:
        return None
    return max(min(rec[2], t) for rec in rows[max(0, i - 1): i + 1])
