"""Beliefs about a thing's state ("is the fridge open?").

The last seen state decays at the object's state-change rate towards the long-run share of time
things are open/on (a two-state Markov chain), so "closed" stays likely.
"""

from __future__ import annotations

import math

from planners.belief.candidates import AnswerCandidate, Belief
from planners.belief.location_beliefs import query_time
from planners.belief.priors import SECONDS_PER_HOUR, LocationModel, as_xyz
from planners.language.typed_query import TypedQuery
from planners.relational_selection import no_related_reason, related_instances, selects_by_relation

ACTIVE_STATES = ("open", "on")
OPPOSITE_STATE = {"open": "closed", "closed": "open", "on": "off", "off": "on"}


def state_keep_probability(state: str | None, rate_per_hour: float, hours: float, active_fraction: float) -> float:
    """P(a two-state thing still shows `state` after `hours`), a two-state Markov chain.

    Changes happen at `rate_per_hour`; in the long run the thing is in an active state (open, on)
    `active_fraction` of the time, so a closed fridge stays likely closed and an open one closes.
    """
    mixing = math.exp(-2.0 * max(0.0, rate_per_hour) * max(0.0, hours))
    if state in ACTIVE_STATES:
        stationary = active_fraction
    elif state in OPPOSITE_STATE:
        stationary = 1.0 - active_fraction
    else:
        stationary = 0.5
    return stationary + (1.0 - stationary) * mixing


def _answer(state: str | None, asked: str | None) -> str | bool | None:
    """The state itself, or whether it is the asked one ("is it open?" -> True / False)."""
    if state is None:
        return None
    if not asked:
        return state
    return state == asked


def state_change_rate(model: LocationModel, target: str, object_id: str | None, first_seen: float | None,
                      now: float) -> float:
    cfg = model.config
    changes = model.memory.count("state_changed", object_id or target)
    hours = max(0.0, (now - first_seen) / SECONDS_PER_HOUR) if first_seen is not None else 0.0
    return (changes + cfg.state_change_prior_per_hour * cfg.state_prior_hours) / (hours + cfg.state_prior_hours)


def object_state(model: LocationModel, query: TypedQuery, now: float) -> Belief:
    t = query_time(query, now)
    asked = query.state
    objects = [o for o in model.memory.objects(at=t, include_absent=False)
               if query.target in (o.id, o.category) and o.state]
    if objects and selects_by_relation(query):  # "is the cabinet below the sink open?": that cabinet
        related = related_instances(model.memory, objects, query, now)
        if isinstance(related, str) or not related:
            return Belief("object_state", [], query, t, [related if isinstance(related, str)
                                                          else no_related_reason(query)])
        objects = related
    if not objects:
        return Belief("object_state", [], query, t, [f"no remembered state for {query.target}"])
    obj = max(objects, key=lambda o: o.last_seen or 0.0)
    state = obj.state
    last_seen = obj.last_seen
    rate = state_change_rate(model, query.target, obj.id, obj.first_seen, now)
    hours = (t - last_seen) / SECONDS_PER_HOUR if last_seen is not None else 0.0
    keep = state_keep_probability(state, rate, hours, model.config.active_state_fraction)
    position = as_xyz(obj.position)
    reveal = obj.id if t >= now else None
    other = OPPOSITE_STATE.get(state, f"not {state}")
    candidates = [
        AnswerCandidate(label=state, value=_answer(state, asked), probability=keep, position=position,
                        room=obj.room, object_id=obj.id, last_seen=last_seen,
                        reveal_target=reveal, reveal_position=position,
                        evidence=[f"object:{obj.id}", f"state:{state}"]),
        AnswerCandidate(label=other, value=_answer(other, asked), probability=1.0 - keep,
                        position=position, room=obj.room, object_id=obj.id,
                        reveal_target=reveal, reveal_position=position),
    ]
    return Belief("object_state", candidates, query, t)
