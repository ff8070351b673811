"""Beliefs about where a thing is or was: present location, room of, still present, past location.

Present tense: the staleness model of `planners.belief.priors` (remembered places decayed, the rest
spread by the location prior, a share for "not in the house"). Past location: the temporal memory's
answer at t; when a move was detected after t, the move happened uniformly somewhere in the gap
between the last sighting and its detection, so
P(still at the old place at t) = (t_detected - t) / (t_detected - t_last_seen).
"""

from __future__ import annotations

from planners.belief.candidates import NOT_IN_HOUSE, AnswerCandidate, Belief
from planners.belief.priors import SECONDS_PER_HOUR, LocationModel, as_xyz, stay_probability
from planners.language.typed_query import TypedQuery


def never_seen(candidates: list[AnswerCandidate], target: str) -> list[str]:
    if any(c.object_id for c in candidates):
        return []
    return [f"I have never seen the {str(target).replace('_', ' ')}"]


def query_time(query: TypedQuery, now: float) -> float:
    """The moment a question asks about: its time, else the end of its interval, else now."""
    t = query.time
    if t is None:
        t = query.t1
    return float(t) if t is not None else now


def present_location(model: LocationModel, query: TypedQuery, now: float) -> Belief:
    candidates, _ = model.hypotheses(query.target, now)
    return Belief("present_location", candidates, query, now, never_seen(candidates, query.target))


def room_of(model: LocationModel, query: TypedQuery, now: float) -> Belief:
    candidates, _ = model.hypotheses(query.target, now)
    for c in candidates:
        c.value = "none" if c.label == NOT_IN_HOUSE else (c.room or "none")
    return Belief("room_of", candidates, query, now, never_seen(candidates, query.target))


def still_present(model: LocationModel, query: TypedQuery, now: float) -> Belief:
    candidates, _ = model.hypotheses(query.target, now)
    for c in candidates:
        c.value = c.label != NOT_IN_HOUSE
    return Belief("still_present", candidates, query, now, never_seen(candidates, query.target))


def past_location(model: LocationModel, query: TypedQuery, now: float) -> Belief:
    t = query_time(query, now)
    if t >= now:
        belief = present_location(model, query, now)
        belief.kind = "past_location"
        return belief
    memory, cfg = model.memory, model.config
    located = [loc for loc in model.located(query.target, t) if loc.present]
    if not located:
        return Belief("past_location", [], query, t, [f"nothing known about {query.target} at that time"])
    best = located[0]
    object_id = best.object_id
    last_seen = best.last_seen
    position = as_xyz(best.position)
    place = best.rests_on or best.room or object_id
    later = sorted(memory.events(t0=t, t1=now, kinds=["moved", "disappeared"], target=object_id or query.target),
                   key=lambda e: e.time)
    stay = 1.0
    other: AnswerCandidate | None = None
    if later:
        detected = float(later[0].time)
        seen_before = float(last_seen) if last_seen is not None and last_seen <= t else None
        if seen_before is not None and detected > seen_before:
            stay = min(1.0, max(0.0, (detected - t) / (detected - seen_before)))
        else:
            stay = 0.5
        move = next((e for e in later if e.kind == "moved" and e.position is not None), None)
        if move is not None:
            to_position = as_xyz(move.position)
            to_place = move.to_place
            to_category = next((r.category for r in memory.receptacles() if r.id == to_place), None)
            other = AnswerCandidate(
                label=str(to_place or "moved"), value=to_position, position=to_position,
                probability=1.0 - stay, room=move.room, rests_on=to_place, rests_on_category=to_category,
                object_id=object_id, evidence=[f"event:moved@{float(move.time):.0f}"])
    else:
        current = [loc for loc in model.located(object_id or query.target, None)
                   if loc.object_id == object_id and loc.present]
        resighted = current and current[0].last_seen is not None and current[0].last_seen > t
        if resighted:
            stay = cfg.resighted_same_place
        elif last_seen is not None:
            stay = stay_probability(model.move_rate(object_id or query.target), (t - last_seen) / SECONDS_PER_HOUR)
    candidates = [AnswerCandidate(
        label=place, value=position, probability=stay, position=position, room=best.room,
        rests_on=best.rests_on, rests_on_category=best.rests_on_category,
        object_id=object_id, last_seen=last_seen,
        evidence=[f"object:{object_id}"] + ([f"seen@{last_seen:.0f}"] if last_seen is not None else []),
    )]
    if other is not None:
        candidates.append(other)
    elif stay < 1.0:
        candidates.append(AnswerCandidate(label="elsewhere", value=None, probability=1.0 - stay, speculative=True))
    return Belief("past_location", candidates, query, t)
