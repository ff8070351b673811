"""Beliefs about what happened over a period: counts of events, changes in a room, first / last seen.

What was observed, plus the periods that were not observed (`memory.observed_intervals`):
P(nothing missed) = exp(-event_rate * unobserved hours). Unseen events are never reported as
fact; they lower the confidence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from planners.belief.candidates import AnswerCandidate, Belief
from planners.belief.priors import SECONDS_PER_HOUR, LocationModel, as_xyz
from planners.language.typed_query import TypedQuery
from planners.memory_api import MemoryReader
from scene_graph.records import MemoryEvent, SceneObject


def poisson_pmf(k: int, mean: float) -> float:
    if mean <= 0.0:
        return 1.0 if k == 0 else 0.0
    return math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1))


def merge_intervals(intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for a, b in sorted((float(a), float(b)) for a, b in intervals if b >= a):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def covered_seconds(intervals: Iterable[tuple[float, float]], t0: float, t1: float) -> float:
    total = 0.0
    for a, b in merge_intervals(intervals):
        total += max(0.0, min(b, t1) - max(a, t0))
    return total


def observed_coverage(memory: MemoryReader, room: str | None, t0: float, t1: float) -> tuple[float, float]:
    """(observed seconds, unobserved seconds) of [t0, t1], for `room` when known."""
    spans = [(a, b) for a, b, r in memory.observed_intervals(t0, t1) if room is None or r == room]
    seen = covered_seconds(spans, t0, t1)
    return seen, max(0.0, (t1 - t0) - seen)


def _target_room(model: LocationModel, target: str | None) -> str | None:
    if not target:
        return None
    located = model.located(target, None)
    return located[0].room if located else None


def query_interval(query: TypedQuery, now: float) -> tuple[float, float]:
    t0 = float(query.t0) if query.t0 is not None else 0.0
    t1 = float(query.t1) if query.t1 is not None else now
    return t0, max(t0, t1)


def missed_event_candidates(model: LocationModel, observed_value: Any, observed_count: int, seen_s: float,
                            unseen_s: float, label: str, value_for_missed: Callable[[int], Any],
                            evidence: list[str]) -> list[AnswerCandidate]:
    cfg = model.config
    seen_h, unseen_h = seen_s / SECONDS_PER_HOUR, unseen_s / SECONDS_PER_HOUR
    rate = (observed_count + cfg.event_rate_prior_per_hour * cfg.event_prior_hours) / (
        seen_h + cfg.event_prior_hours)
    mean_missed = rate * unseen_h
    candidates = [AnswerCandidate(label=label, value=observed_value, probability=poisson_pmf(0, mean_missed),
                                  evidence=evidence)]
    for k in range(1, cfg.max_missed_events + 1):
        candidates.append(AnswerCandidate(label=f"{label}+{k}_missed", value=value_for_missed(k),
                                          probability=poisson_pmf(k, mean_missed), speculative=True))
    tail = max(0.0, 1.0 - sum(c.probability for c in candidates))
    candidates[-1].probability += tail
    return candidates


def state_transitions(model: LocationModel, kind: str, target: str, t0: float, t1: float) -> list[tuple[str, float]]:
    """(object id, time) of debounced state changes of `target` in [t0, t1] matching `kind`.

    A state seen for less than `min_state_dwell_s` between two readings of the other state is a
    detector blip (one frame of "open" while turning past a closed door), not a change.
    """
    memory = model.memory
    ids = sorted({e.object_id for e in memory.events(kinds=["state_changed"], target=target)})
    found = []
    for object_id in ids:
        states = sorted(memory.history(object_id).states, key=lambda r: r.time)
        kept = [r for i, r in enumerate(states)
                if i + 1 == len(states) or states[i + 1].time - r.time >= model.config.min_state_dwell_s]
        previous = None
        for record in kept:
            if previous is not None and record.state != previous:
                wanted = (kind == "state_changed" or (kind == "opened" and record.state == "open")
                          or (kind == "closed" and record.state == "closed"))
                if wanted and t0 <= record.time <= t1:
                    found.append((object_id, float(record.time)))
            previous = record.state
    return found


def count(model: LocationModel, query: TypedQuery, now: float) -> Belief:
    t0, t1 = query_interval(query, now)
    kind = query.count_kind or "state_changed"
    target = query.target
    if not target:
        return Belief("count", [], query, t1, ["no object to count events of"])
    memory = model.memory
    if kind in ("opened", "closed", "state_changed"):
        transitions = state_transitions(model, kind, target, t0, t1)
        observed = len(transitions)
        evidence = [f"state_change:{oid}@{t:.0f}" for oid, t in transitions]
    else:
        events = list(memory.events(t0=t0, t1=t1, kinds=[kind], target=target))
        observed = int(memory.count(kind, target, t0, t1))
        evidence = [f"event:{e.kind}@{e.time:.0f}" for e in events]
    seen, unseen = observed_coverage(memory, _target_room(model, target), t0, t1)
    candidates = missed_event_candidates(model, observed, observed, seen, unseen, f"{observed}",
                                         lambda k: observed + k, evidence)
    return Belief("count", candidates, query, t1)


def portable(model: LocationModel, object_id: str | None, category: str | None,
             objects: dict[str, SceneObject]) -> bool:
    """Is this a thing people carry around (not furniture, which a changes answer leaves out)?

    Furniture is what memory holds as a receptacle, what the ontology files under furniture, or
    a track standing on the floor at least `furniture_min_height_m` tall (an armchair or side
    table the detector named with a category the ontology does not know).
    """
    obj = objects.get(object_id)
    if obj is not None and obj.is_receptacle:
        return False
    ontology = model.memory.ontology
    if category:
        try:
            if ontology.is_receptacle(category) or ontology.is_a(category, "furniture"):
                return False
        except (KeyError, LookupError, ValueError):
            pass
    if obj is not None:
        low, high = as_xyz(obj.bbox_min), as_xyz(obj.bbox_max)
        on_floor = low[2] <= model.config.floor_clearance_m
        if on_floor and high[2] - low[2] >= model.config.furniture_min_height_m:
            return False
    return True


def _share_in_window(detected: float, looks: list[tuple[float, float]], t0: float, t1: float) -> float | None:
    """P(a change first seen at `detected` happened in [t0, t1]); None when there was no earlier look.

    The change happened at an unknown moment after the previous look at the room ended and
    before it was seen, uniformly in between (the same model as past locations).
    """
    started = next((a for a, b in looks if a <= detected <= b), detected)
    before = [b for a, b in looks if b <= started]
    if not before:
        return None
    since = max(before)
    if detected <= since:
        return 1.0 if t0 <= detected <= t1 else 0.0
    overlap = max(0.0, min(t1, detected) - max(t0, since))
    return overlap / (detected - since)


def changes(model: LocationModel, query: TypedQuery, now: float) -> Belief:
    """What changed in a room: moves, appearances and disappearances of portable things.

    Left out: furniture (seen for the first time is not a change), open/closed states (asked
    with "how many times was X opened"), discoveries (first sightings where memory has no
    evidence the place was empty) and what the first look at the room found. A change seen at
    a look may have happened any time since the previous look: it is reported when it more
    likely than not fell inside the asked period, so changes seen at the first look after the
    period count and ones that predate it do not. One entry per object that changed.
    """
    memory = model.memory
    t0, t1 = query_interval(query, now)
    room = query.room or query.receptacle or query.target
    if not room:
        return Belief("changes", [], query, t1, ["no room in the question"])
    room_looks = sorted((float(a), float(b)) for a, b, r in memory.observed_intervals(None, None) if r == room)
    later = [b for a, b in room_looks if b > t1]
    horizon = min(later) if later else max(t1, now)
    objects = {o.id: o for o in memory.objects(include_absent=True)}
    changed: dict[str, MemoryEvent] = {}
    for event in sorted(memory.changes(room, t0, horizon), key=lambda e: e.time):
        if event.kind not in ("appeared", "moved", "disappeared") or event.discovery:
            continue
        if not portable(model, event.object_id, event.category, objects):
            continue
        share = _share_in_window(float(event.time), room_looks, t0, t1)
        if share is None or share < 0.5:
            continue
        changed.setdefault(event.object_id, event)
    events = list(changed.values())
    categories = sorted(str(e.category) for e in events if e.category)
    seen, unseen = observed_coverage(memory, room, t0, t1)
    evidence = [f"event:{e.kind}:{e.object_id}@{e.time:.0f}" for e in events]
    candidates = missed_event_candidates(model, categories, len(events), seen, unseen, "observed",
                                         lambda k: None, evidence)
    return Belief("changes", candidates, query, t1)


def first_or_last_seen(model: LocationModel, query: TypedQuery, now: float) -> Belief:
    kind = query.kind
    target = query.target
    if not target:
        return Belief(kind, [], query, now, ["no object in the question"])
    memory = model.memory
    value = memory.first_seen(target) if kind == "first_seen" else memory.last_seen(target)
    if value is None:
        return Belief(kind, [], query, now, [f"I have never seen the {str(target).replace('_', ' ')}"])
    return Belief(kind, [AnswerCandidate(label="seen", value=float(value), probability=1.0,
                                         evidence=[f"{kind}:{target}@{float(value):.0f}"])], query, now)
