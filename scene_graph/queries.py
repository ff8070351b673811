"""Read-only queries over a MemoryStore (free functions; MemoryStore's query methods delegate here)."""

from __future__ import annotations

import bisect
import math
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from memory_stack.foundation.errors import BadInputError
from scene_graph.object_tracks import ABSENT, PRESENT, TENTATIVE, TrackedObject
from scene_graph.records import (
    LocationBelief,
    LocationRecord,
    MemoryEvent,
    ObjectHistory,
    Place,
    PresenceInterval,
    SceneObject,
    SnapshotObjects,
    StateRecord,
    WorldSnapshot,
)
from scene_graph.spatial import RegionIndex, build_places, find_support
from scene_graph.temporal_index import TemporalIndex

if TYPE_CHECKING:
    from scene_graph.store import MemoryStore

EVENT_KINDS = ("appeared", "moved", "disappeared", "state_changed", "opened", "closed", "discovered")
# What `changes` reports: appearances where the place had been seen empty, moves, disappearances confirmed by
# negative evidence and state changes. "discovered" (first sightings with no evidence the place was empty before)
# is a filter kind: those events are stored as kind "appeared" with `discovery` True.
CHANGE_KINDS = ("appeared", "moved", "disappeared", "state_changed")
MAX_PRIOR_ALTERNATIVES = 8
ABSENT_STAYS_GONE = 0.5  # share of an absent object's mass on "it left the house" (its last place)


# ---------------------------------------------------------------------- resolution
def resolve(store: MemoryStore, target: str) -> list[str]:
    """Object ids a target names: an object id, a category (synonyms allowed) or a parent category."""
    obj = store.tracks.get(target)
    if obj is not None:
        return [] if obj.status == TENTATIVE else [target]
    onto = store.ontology
    cat = onto.canonical(target)
    cats = [cat, *sorted(onto.descendants(cat))]
    out = []
    for c in cats:
        out.extend(oid for oid in store.by_category.get(c, ()) if store.tracks[oid].status != TENTATIVE)
    return sorted(out, key=_id_order)


def _id_order(oid: str) -> tuple[str, int]:
    head, _, tail = oid.rpartition("_")
    return (head, int(tail)) if tail.isdigit() else (oid, -1)


def _category_of(store: MemoryStore, oid: str | None) -> str | None:
    obj = store.tracks.get(oid) if oid is not None else None
    return obj.category if obj is not None else None


def _time(store: MemoryStore, t: float | None) -> float:
    return store.now if t is None else float(t)


def _is_current(store: MemoryStore, t: float | None) -> bool:
    return t is None or t >= store.now


# ---------------------------------------------------------------------- objects
def object_at(store: MemoryStore, obj: TrackedObject, at: float | None) -> SceneObject | None:
    """The object as believed at time `at` (None: now); None if it was not known yet."""
    if obj.status == TENTATIVE:
        return None
    if _is_current(store, at):
        return obj.to_scene_object(_category_of(store, obj.rests_on))
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


def get_object(store: MemoryStore, object_id: str, at: float | None) -> SceneObject | None:
    obj = store.tracks.get(object_id)
    return object_at(store, obj, at) if obj is not None else None


def objects(store: MemoryStore, at: float | None, include_absent: bool,
            include_tentative: bool = False) -> list[SceneObject]:
    """Objects believed present at `at` (with include_absent, the ones believed gone too).

    With include_tentative (current time only) also objects seen but not yet confirmed, flagged `tentative`.
    """
    if _is_current(store, at):
        out = []
        for obj in store.tracks.values():
            if obj.status == PRESENT or (include_absent and obj.status == ABSENT) \
                    or (include_tentative and obj.status == TENTATIVE):
                if obj.status == TENTATIVE:
                    so = obj.to_scene_object(None)
                    so.rests_on = _support_of_tentative(store, obj)
                    so.rests_on_category = _category_of(store, so.rests_on)
                    out.append(so)
                else:
                    out.append(obj.to_scene_object(_category_of(store, obj.rests_on)))
        return out
    if not include_absent:
        return snapshot(store, at).objects
    out = [object_at(store, o, at) for o in store.tracks.values()]
    return [o for o in out if o is not None]


def receptacles(store: MemoryStore) -> list[SceneObject]:
    return [o.to_scene_object(None) for o in store.tracks.values()
            if o.is_receptacle and o.status in (PRESENT, ABSENT)]


def temporal_index(store: MemoryStore) -> TemporalIndex:
    return store.cache.get("temporal_index", lambda: TemporalIndex(list(store.tracks.values())))


def snapshot(store: MemoryStore, t: float | None) -> WorldSnapshot:
    """Objects believed present at t, rebuilt from intervals, location and state histories."""
    t = _time(store, t)
    if t >= store.now:
        return WorldSnapshot(t, objects(store, None, False))
    index = temporal_index(store)
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


def contents_at(store: MemoryStore, receptacle_ids: set[str], t: float) -> list[SceneObject]:
    """Objects on/in the given receptacles at a past time t (only objects ever placed there are examined)."""
    index = temporal_index(store)
    rows = sorted(set().union(*(index.by_receptacle.get(r, set()) for r in receptacle_ids))) if receptacle_ids else []
    if not rows:
        return []
    rows = np.asarray(rows, dtype=np.int64)
    present, loc_idx, st_idx, iv_idx = index.at_rows(rows, t)
    keep = present & np.array([index.loc_ref[k].rests_on in receptacle_ids if k >= 0 else False
                               for k in loc_idx.tolist()], dtype=bool)
    return _materialise(index, rows[keep], loc_idx[keep], st_idx[keep], iv_idx[keep], t)


# ---------------------------------------------------------------------- temporal
def history(store: MemoryStore, object_id: str, t0: float | None, t1: float | None) -> ObjectHistory:
    obj = store.tracks.get(object_id)
    if obj is None or obj.status == TENTATIVE:
        ids = resolve(store, object_id)
        if len(ids) != 1:
            raise BadInputError(f"history: {object_id!r} is not a remembered object id"
                                + (f" (it names {len(ids)} objects: {ids[:5]})" if ids else ""))
        obj = store.tracks[ids[0]]
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


def _sorted_events(store: MemoryStore) -> tuple[list[float], list[MemoryEvent]]:
    """Every event in time order, and their times."""
    def build() -> tuple[list[float], list[MemoryEvent]]:
        evs = sorted(store.event_log, key=lambda e: (e.time, e.id))
        return [e.time for e in evs], evs

    return store.cache.get("events_by_time", build)


def _room_of_place(store: MemoryStore, place: str | None) -> str | None:
    if place is None:
        return None
    obj = store.tracks.get(place)
    return obj.room if obj is not None else place


def _room_events(store: MemoryStore) -> dict[str | None, tuple[list[float], list[MemoryEvent]]]:
    def build() -> dict[str | None, tuple[list[float], list[MemoryEvent]]]:
        by_room: dict[str | None, list[MemoryEvent]] = defaultdict(list)
        for ev in _sorted_events(store)[1]:
            rooms = {ev.room}
            if ev.kind == "moved":
                rooms.add(_room_of_place(store, ev.from_place))
            for r in rooms:
                by_room[r].append(ev)
        return {r: ([e.time for e in evs], evs) for r, evs in by_room.items()}

    return store.cache.get("events_by_room", build)


def changes(store: MemoryStore, room: str, t0: float | None, t1: float | None,
            include_discoveries: bool = False) -> list[MemoryEvent]:
    """What changed in `room` within [t0, t1]: events with `is_change` (discoveries too if asked), in time order.

    A moved event belongs to both the room it left and the room it went to.
    """
    if store.rooms.names and room not in store.rooms.names:
        raise BadInputError(f"changes: unknown room {room!r} (rooms: {', '.join(store.rooms.names)})")
    times, evs = _room_events(store).get(room, ([], []))
    lo = 0 if t0 is None else bisect.bisect_left(times, float(t0))
    hi = len(times) if t1 is None else bisect.bisect_right(times, float(t1))
    if include_discoveries:
        return evs[lo:hi]
    return [ev for ev in evs[lo:hi] if not ev.discovery]


def events(store: MemoryStore, t0: float | None, t1: float | None, kinds, target: str | None) -> list[MemoryEvent]:
    if isinstance(kinds, str):
        kinds = [kinds]
    if target is not None:
        ids = resolve(store, target)
        pool = sorted((ev for oid in ids for ev in store.tracks[oid].events), key=lambda e: (e.time, e.id))
    else:
        times, pool = _sorted_events(store)
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


def count(store: MemoryStore, event_kind: str, target: str, t0: float | None, t1: float | None) -> int:
    if event_kind not in EVENT_KINDS:
        raise BadInputError(f"count: unknown event kind {event_kind!r} (one of {', '.join(EVENT_KINDS)})")
    return len(events(store, t0, t1, [event_kind], target))


def first_seen(store: MemoryStore, target: str) -> float | None:
    times = [store.tracks[oid].first_seen for oid in resolve(store, target)]
    return min(times) if times else None


def last_seen(store: MemoryStore, target: str) -> float | None:
    times = [store.tracks[oid].last_seen for oid in resolve(store, target)]
    return max(times) if times else None


def observed_intervals(store: MemoryStore, t0: float | None, t1: float | None) -> list[tuple[float, float, str]]:
    lo = -math.inf if t0 is None else float(t0)
    hi = math.inf if t1 is None else float(t1)
    return [(start, end, room) for room, start, end, _ in store.observed if end >= lo and start <= hi]


def last_observed(store: MemoryStore, room: str | None, t: float) -> float | None:
    """When the robot last looked at `room` at or before t (None: never)."""
    def build() -> dict[str | None, list[list]]:
        by_room: dict[str | None, list[list]] = {}
        for rec in store.observed:
            by_room.setdefault(rec[0], []).append(rec)
        return by_room

    rows = store.cache.get("observed_by_room", build).get(room, [])
    i = bisect.bisect_right([rec[1] for rec in rows], t) - 1 if len(rows) < 64 else \
        bisect.bisect_right(rows, t, key=lambda rec: rec[1]) - 1
    if i < 0:
        return None
    return max(min(rec[2], t) for rec in rows[max(0, i - 1): i + 1])


# ---------------------------------------------------------------------- semantic priors
def move_rate(store: MemoryStore, target: str) -> float:
    """Moves per hour, Gamma-smoothed: (prior moves + observed moves) / (prior hours + observed hours)."""
    cfg = store.config
    ids = resolve(store, target)
    is_rec = (store.tracks[ids[0]].is_receptacle if ids else store.ontology.is_receptacle(target))
    a0 = cfg.receptacle_move_rate_prior_moves if is_rec else cfg.move_rate_prior_moves
    b0 = cfg.receptacle_move_rate_prior_hours if is_rec else cfg.move_rate_prior_hours
    moves, hours = 0, 0.0
    now = store.now
    for oid in ids:
        obj = store.tracks[oid]
        moves += sum(1 for ev in obj.events if ev.kind == "moved")
        hours += max(0.0, now - obj.first_seen) / 3600.0
    if len(ids) > 1:
        moves, hours = moves / len(ids), hours / len(ids)
    return (a0 + moves) / (b0 + hours)


def location_prior(store: MemoryStore, category: str) -> dict[str, float]:
    """P(receptacle category | object category): ontology pseudo-counts plus every remembered placement."""
    cat = store.ontology.canonical(category)
    return dict(store.cache.get(("location_prior", cat), lambda: _location_prior(store, cat)))


def _location_prior(store: MemoryStore, cat: str) -> dict[str, float]:
    cfg = store.config
    onto = store.ontology
    counts: Counter[str] = Counter()
    known = {c for c, members in store.by_category.items()
             if members and onto.is_receptacle(c) and any(store.tracks[m].status != TENTATIVE for m in members)}
    typical = onto.typical_receptacles(cat)
    for rc in known | set(typical):
        counts[rc] += cfg.location_prior_floor
    for rc in typical:
        counts[rc] += cfg.location_prior_strength / len(typical)
    for oid in store.by_category.get(cat, ()):
        for loc in store.tracks[oid].locations:
            if loc.rests_on_category is not None:
                counts[loc.rests_on_category] += 1.0
    total = sum(counts.values())
    return {k: v / total for k, v in sorted(counts.items(), key=lambda kv: -kv[1])} if total > 0 else {}


# ---------------------------------------------------------------------- locate
def _support_of_tentative(store: MemoryStore, obj: TrackedObject) -> str | None:
    """What a tentative object sits on (computed when asked: tentative objects are not in the support index)."""
    a = store.arrays
    n = a.size
    rec = np.flatnonzero((a.status[:n] == PRESENT) & a.is_rec[:n])
    if obj.is_receptacle or not len(rec):
        return None
    cfg = store.config
    k = find_support(obj.position, obj.bbox_min, a.bmin[rec], a.bmax[rec], cfg.support_footprint_margin_m,
                     cfg.support_gap_m, obj.bbox_max, cfg.support_below_tolerance_m)
    return a.owner[int(rec[k])].id if k >= 0 else None


def tentative_beliefs(store: MemoryStore, target: str) -> list[LocationBelief]:
    """Objects of the target's categories seen but not yet confirmed, as `source="tentative"` beliefs.

    Unnormalised: the probability is the track's existence confidence.
    """
    onto = store.ontology
    cat = onto.canonical(target)
    out = []
    for c in [cat, *sorted(onto.descendants(cat))]:
        for oid in sorted(store.by_category.get(c, ()), key=_id_order):
            obj = store.tracks[oid]
            if obj.status != TENTATIVE:
                continue
            support = _support_of_tentative(store, obj)
            out.append(LocationBelief(obj.id, obj.category, tuple(map(float, obj.position)), obj.room, support,
                                      _category_of(store, support), obj.confidence, obj.last_seen, True,
                                      "tentative"))
    return out


def locate(store: MemoryStore, target: str, at: float | None, include_tentative: bool = False
           ) -> list[LocationBelief]:
    """Where the target probably is at `at`: remembered places discounted by staleness, rest spread by prior.

    P(still there) = exp(-move_rate * hours since last seen); the remainder goes to other known
    receptacles in proportion to location_prior(category). Probabilities sum to 1 over the list.
    With include_tentative (current time only), objects seen once and not yet confirmed are added as
    `source="tentative"` beliefs weighted by their existence confidence; alone, they are the answer.
    """
    if include_tentative and _is_current(store, at):
        extra = tentative_beliefs(store, target)
        beliefs = locate(store, target, at)
        if extra:
            weight = 1.0 if not beliefs else 0.5
            total = sum(b.probability for b in extra)
            for b in extra:
                b.probability = weight * b.probability / total
            for b in beliefs:
                b.probability *= 1.0 - weight
            beliefs = sorted(beliefs + extra, key=lambda b: (-b.probability, b.source != "memory"))
        return beliefs
    ids = resolve(store, target)
    t = _time(store, at)
    known = []
    for oid in ids:
        so = object_at(store, store.tracks[oid], at)
        if so is not None:
            known.append(so)
    if not known:
        return []
    w = 1.0 / len(known)
    beliefs: list[LocationBelief] = []
    leftover: dict[str, float] = defaultdict(float)  # category -> mass to spread over its prior
    exclude: set[str] = set()
    for so in known:
        if so.present:
            last = so.last_seen
            if not _is_current(store, at):
                seen_room = last_observed(store, so.room, t)
                if seen_room is not None:
                    last = min(t, max(last, seen_room) if seen_room <= t else last)
            hours = max(0.0, t - last) / 3600.0
            stay = math.exp(-move_rate(store, so.id) * hours) if not so.is_receptacle else 1.0
            p = w * stay
        else:
            p = w * ABSENT_STAYS_GONE
        beliefs.append(LocationBelief(so.id, so.category, so.position, so.room, so.rests_on, so.rests_on_category,
                                      p, so.last_seen, so.present, "memory"))
        if so.rests_on is not None:
            exclude.add(so.rests_on)
        if w - p > 1e-12:
            leftover[so.category] += w - p
    single = known[0].id if len(known) == 1 else None
    anchor = np.array(known[0].position)
    for cat, mass in leftover.items():
        # every receptacle of a category shares its prior mass equally: take the best categories' nearest ones
        options = []
        for rcat, prob in location_prior(store, cat).items():
            ids, positions = _receptacles_of(store, rcat)
            if ids:
                options.append((prob / len(ids), rcat, ids, positions))
        options.sort(key=lambda o: -o[0])
        chosen: list[tuple[str, float]] = []
        for share, _, ids, positions in options:
            order = np.argsort(((positions[:, :2] - anchor[:2]) ** 2).sum(axis=1))
            for j in order.tolist():
                if ids[j] not in exclude:
                    chosen.append((ids[j], mass * share))
                    if len(chosen) >= MAX_PRIOR_ALTERNATIVES:
                        break
            if len(chosen) >= MAX_PRIOR_ALTERNATIVES:
                break
        total_share = sum(o[0] * len(o[2]) for o in options)
        for rid, p in chosen:
            rec = store.tracks[rid]
            top = (float(rec.position[0]), float(rec.position[1]), float(rec.bbox_max[2]))
            beliefs.append(LocationBelief(single, cat, top, rec.room, rid, rec.category, p / max(total_share, 1e-12),
                                          None, False, "prior"))
    total = sum(b.probability for b in beliefs)
    if total > 0:
        for b in beliefs:
            b.probability /= total
    beliefs.sort(key=lambda b: (-b.probability, b.source != "memory"))
    return beliefs


def _receptacles_of(store: MemoryStore, category: str) -> tuple[list[str], np.ndarray]:
    """Present receptacles of a category and their positions (cached until the temporal memory changes)."""
    def build() -> tuple[list[str], np.ndarray]:
        ids = sorted((oid for oid in store.by_category.get(category, ())
                      if store.tracks[oid].is_receptacle and store.tracks[oid].status == PRESENT), key=_id_order)
        return ids, np.array([store.tracks[oid].position for oid in ids], dtype=float).reshape(-1, 3)

    return store.cache.get(("receptacles", category), build)


# ---------------------------------------------------------------------- contents
def contents(store: MemoryStore, receptacle_or_room: str, at: float | None) -> list[SceneObject]:
    """Movable objects on/in a receptacle (id or category) or in a room, at time `at`."""
    key = receptacle_or_room
    room = key if key in store.rooms.names else None
    if room is None:
        obj = store.tracks.get(key)
        if obj is not None and obj.status != TENTATIVE:
            rec_ids = {key}
        else:
            cat = store.ontology.canonical(key)
            rec_ids = {oid for oid in store.by_category.get(cat, ()) if store.tracks[oid].is_receptacle
                       and store.tracks[oid].status != TENTATIVE}
            if not rec_ids and not store.ontology.is_receptacle(cat):
                raise BadInputError(f"contents: {key!r} is neither a room, a receptacle id nor a receptacle category")
    if _is_current(store, at):
        if room is not None:
            return [o.to_scene_object(_category_of(store, o.rests_on)) for o in store.tracks.values()
                    if o.status == PRESENT and not o.is_receptacle and o.room == room]
        out = []
        for rid in sorted(rec_ids, key=_id_order):
            for oid in sorted(store.contents_index.get(rid, ()), key=_id_order):
                o = store.tracks[oid]
                if o.status == PRESENT:
                    out.append(o.to_scene_object(_category_of(store, o.rests_on)))
        return out
    if room is not None:
        return [o for o in snapshot(store, at).objects if not o.is_receptacle and o.room == room]
    return contents_at(store, rec_ids, float(at))


# ---------------------------------------------------------------------- spatial
def place_graph(store: MemoryStore) -> tuple[dict[str, Place], nx.Graph]:
    def build() -> tuple[dict[str, Place], nx.Graph]:
        recs = [(o.id, o.position, o.bbox_min, o.bbox_max, o.room) for o in store.tracks.values()
                if o.is_receptacle and o.status == PRESENT]
        return build_places(store.rooms, recs)

    return store.cache.get("places", build)


def _place_of(store: MemoryStore, name: str) -> str:
    places, _ = place_graph(store)
    if name in places:
        return name
    if f"place:room:{name}" in places:
        return f"place:room:{name}"
    if f"place:{name}" in places:
        return f"place:{name}"
    ids = resolve(store, name)
    for oid in ids:
        obj = store.tracks[oid]
        if obj.rests_on is not None and f"place:{obj.rests_on}" in places:
            return f"place:{obj.rests_on}"
        if obj.room is not None and f"place:room:{obj.room}" in places:
            return f"place:room:{obj.room}"
    raise BadInputError(f"path: {name!r} is not a place, room, receptacle or object the memory knows")


def path(store: MemoryStore, a: str, b: str) -> list[str]:
    _, graph = place_graph(store)
    pa, pb = _place_of(store, a), _place_of(store, b)
    try:
        return nx.shortest_path(graph, pa, pb, weight="weight")
    except nx.NetworkXNoPath as exc:
        raise BadInputError(f"path: no connection between {a!r} and {b!r} in the place graph") from exc


def _region(store: MemoryStore) -> RegionIndex:
    def build() -> RegionIndex:
        live = [o for o in store.tracks.values() if o.status == PRESENT]
        region = RegionIndex()
        region.rebuild([o.id for o in live], np.array([o.position for o in live]).reshape(-1, 3))
        return region

    return store.cache.get("region", build)


def nearest(store: MemoryStore, point, k: int) -> list[tuple[SceneObject, float]]:
    out = []
    for oid, d in _region(store).nearest(point, k):
        o = store.tracks[oid]
        out.append((o.to_scene_object(_category_of(store, o.rests_on)), d))
    return out


def within(store: MemoryStore, point, radius: float) -> list[SceneObject]:
    return [store.tracks[oid].to_scene_object(_category_of(store, store.tracks[oid].rests_on))
            for oid in _region(store).within(point, radius)]


def layered_graph(store: MemoryStore) -> nx.DiGraph:
    """Build the layered graph: building -> rooms -> places -> objects (+ support, connectivity, trajectory)."""
    g = nx.DiGraph()
    g.add_node("building", layer="building")
    for name in store.rooms.names:
        cx, cy = store.rooms.centre(name)
        g.add_node(f"room:{name}", layer="room", name=name, position=(cx, cy, 0.0))
        g.add_edge("building", f"room:{name}", relation="contains")
    places, pgraph = place_graph(store)
    for pid, pl in places.items():
        g.add_node(pid, layer="place", kind=pl.kind, position=pl.position, room=pl.room)
        if pl.room is not None and f"room:{pl.room}" in g:
            g.add_edge(f"room:{pl.room}", pid, relation="contains")
    for u, v, data in pgraph.edges(data=True):
        g.add_edge(u, v, relation="connected", weight=data["weight"])
        g.add_edge(v, u, relation="connected", weight=data["weight"])
    for o in store.tracks.values():
        if o.status != PRESENT:
            continue
        g.add_node(o.id, layer="object", category=o.category, position=tuple(map(float, o.position)),
                   bbox_min=tuple(map(float, o.bbox_min)), bbox_max=tuple(map(float, o.bbox_max)), room=o.room,
                   state=o.state, is_receptacle=o.is_receptacle, first_seen=o.first_seen, last_seen=o.last_seen)
        holder = f"place:{o.rests_on}" if o.rests_on is not None else (
            f"place:{o.id}" if o.is_receptacle else f"place:room:{o.room}")
        if holder in g:
            g.add_edge(holder, o.id, relation="contains")
        if o.rests_on is not None:
            g.add_edge(o.id, o.rests_on, relation="rests_on")
    previous = None
    for i, (t, x, y, z, yaw, room) in enumerate(store.trajectory):
        node = f"agent:{i}"
        g.add_node(node, layer="agent", time=t, position=(x, y, z), yaw=yaw, room=room)
        if previous is not None:
            g.add_edge(previous, node, relation="next")
        previous = node
    return g


def episode_summary(store: MemoryStore, t0: float, t1: float, seen: set[str]) -> dict:
    rooms = sorted({room for start, end, room in observed_intervals(store, t0, t1)})
    evs = events(store, t0, t1, None, None)
    by_kind = Counter(ev.kind for ev in evs)
    return {"rooms_visited": rooms, "objects_seen": len(seen),
            "categories_seen": sorted({store.tracks[o].category for o in seen if o in store.tracks}),
            "event_counts": dict(by_kind), "first_event_id": evs[0].id if evs else None,
            "last_event_id": evs[-1].id if evs else None, "t0": t0, "t1": t1}


__all__ = ["resolve", "locate", "history", "changes", "contents", "count", "first_seen", "last_seen",
           "path", "snapshot", "objects", "receptacles", "events", "observed_intervals", "move_rate",
           "location_prior", "layered_graph", "episode_summary", "ABSENT", "CHANGE_KINDS", "EVENT_KINDS"]
