"""Beliefs about a thing's state ("is the fridge open?").

The last seen state decays towards the long-run share of time things are open/on (a two-state
Markov chain), so "closed" stays likely, at the rate its category's things were seen to change in
this home (`two_state.state_rate_posterior`), so a state read hours ago is not certain. A question
about the state now is itself evidence that it changed since memory read it, as a where-is question
is of a move (`BeliefConfig.asked_state_change_likelihood_ratio`: 1 for tasks and calibration,
`STATE_QUESTION_CHANGE_LIKELIHOOD_RATIO` for questions, below the ratio that would make the unseen
state the answer without a look).
"""

from __future__ import annotations

from planners.belief.candidates import AnswerCandidate, Belief
from planners.belief.location_beliefs import query_time
from planners.belief.priors import SECONDS_PER_HOUR, LocationModel, as_xyz, asked_stay_probability
from planners.belief.two_state import OPPOSITE_STATE, state_keep
from planners.language.typed_query import TypedQuery
from planners.relational_selection import no_related_reason, related_instances, selects_by_relation


def _answer(state: str | None, asked: str | None) -> str | bool | None:
    """The state itself, or whether it is the asked one ("is it open?" -> True / False)."""
    if state is None:
        return None
    if not asked:
        return state
    return state == asked


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
    hours = (t - last_seen) / SECONDS_PER_HOUR if last_seen is not None else 0.0
    keep = state_keep(model, obj.category, state, hours, t)
    if t >= now:
        # "is the fridge open?" is asked when the asker has a reason to doubt what memory last saw:
        # the question is evidence of a change, as "where is X?" is of a move (asked_stay_probability)
        keep = asked_stay_probability(keep, model.config.asked_state_change_likelihood_ratio)
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
