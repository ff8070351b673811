"""Beliefs about where a thing is or was: present location, room of, still present, past location.

The hypotheses are `planners.belief.priors.LocationModel`'s (present: remembered places decayed,
the rest spread by the location prior, a share for "not in the house"; past: the placement at t,
split with a move detected later); here they become the answer each question kind asks for.
"""

from __future__ import annotations

from planners.belief.candidates import NOT_IN_HOUSE, AnswerCandidate, Belief
from planners.belief.interior_visibility import visibility
from planners.belief.priors import LocationModel
from planners.language.typed_query import TypedQuery
from planners.relational_selection import no_related_reason, related_instances, selects_by_relation


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


def _present_hypotheses(model: LocationModel, query: TypedQuery, now: float
                        ) -> tuple[list[AnswerCandidate], list[str]]:
    """The hypotheses for the selected thing, and notes when there are none.

    With a relation ("the mug next to the sink"): for the instances standing in it, or none with the
    reason when memory holds no such instance.
    """
    if not selects_by_relation(query):
        candidates, _ = model.hypotheses(query.target, now)
        return candidates, never_seen(candidates, query.target)
    objects = [o for o in model.memory.objects() if query.target in (o.id, o.category)]
    related = related_instances(model.memory, objects, query, now) if objects else []
    if isinstance(related, str) or not related:
        return [], [related if isinstance(related, str) else no_related_reason(query)]
    if len(related) == 1:
        candidates, _ = model.hypotheses(related[0].id, now)
        return candidates, never_seen(candidates, related[0].id)
    ids = {o.id for o in related}
    candidates, _ = model.hypotheses(query.target, now)
    candidates = [c for c in candidates if c.object_id in ids]
    total = sum(c.probability for c in candidates)
    for c in candidates:
        c.probability = c.probability / total if total > 0 else 1.0 / len(candidates)
    return candidates, never_seen(candidates, query.target)


def _with_visibility(model: LocationModel, candidates: list[AnswerCandidate], now: float) -> list[AnswerCandidate]:
    """Each hypothesis' chance of being seen by a look at its place now (a shut door hides what is inside)."""
    for c in candidates:
        if c.reveal_target is not None and c.label != NOT_IN_HOUSE:
            c.visibility = visibility(model, c.reveal_target, now)
    return candidates


def present_location(model: LocationModel, query: TypedQuery, now: float) -> Belief:
    candidates, notes = _present_hypotheses(model, query, now)
    _with_visibility(model, candidates, now)
    return Belief("present_location", candidates, query, now, notes)


def room_of(model: LocationModel, query: TypedQuery, now: float) -> Belief:
    candidates, notes = _present_hypotheses(model, query, now)
    _with_visibility(model, candidates, now)
    for c in candidates:
        c.value = "none" if c.label == NOT_IN_HOUSE else (c.room or "none")
    return Belief("room_of", candidates, query, now, notes)


def still_present(model: LocationModel, query: TypedQuery, now: float) -> Belief:
    candidates, _ = model.hypotheses(query.target, now)
    _with_visibility(model, candidates, now)
    for c in candidates:
        c.value = c.label != NOT_IN_HOUSE
    return Belief("still_present", candidates, query, now, never_seen(candidates, query.target))


def past_location(model: LocationModel, query: TypedQuery, now: float) -> Belief:
    t = query_time(query, now)
    if t >= now:
        belief = present_location(model, query, now)
        belief.kind = "past_location"
        return belief
    candidates = model.past_hypotheses(query.target, t, now)
    if not candidates:
        return Belief("past_location", [], query, t, [f"nothing known about {query.target} at that time"])
    return Belief("past_location", candidates, query, t)
