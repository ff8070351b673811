"""Beliefs about what is on a receptacle or in a room.

The remembered list holds while nothing there moved: each thing on it leaves at its own move rate
since it was itself last seen, and new things arrive since the receptacle was last seen at the rate
things move in this home (`arrival_rate`), not at a fixed rate: a counter last seen empty half a day
ago in a home where things move about is not certainly empty still.
"""

from __future__ import annotations

from memory_stack.foundation.errors import BadInputError
from planners.acting.floor_plan_routes import polygon_centroid, room_named
from planners.belief.candidates import AnswerCandidate, Belief
from planners.belief.event_beliefs import portable
from planners.belief.interior_visibility import DOOR_STATES, last_seen_inside, visibility
from planners.belief.location_beliefs import query_time
from planners.belief.place_prior import PlacePrior
from planners.belief.priors import SECONDS_PER_HOUR, LocationModel, as_xyz, stay_probability
from planners.language.typed_query import TypedQuery
from planners.memory_api import MemoryReader
from scene_graph.records import SceneObject


def _one_receptacle(memory: MemoryReader, place: str, mention: str | None) -> str:
    """The one receptacle id a category's mention means ("coffee table" among two tables), else `place`."""
    if not mention:
        return place
    same = [r for r in memory.receptacles() if r.category == place]
    if len(same) < 2:
        return place
    from planners.acting.destination_choice import narrow_by_words, sibling_names
    from planners.language.question_parsing import default_embedder

    narrowed = narrow_by_words(same, mention, place, default_embedder, siblings=sibling_names(place))
    return narrowed[0].id if len(narrowed) == 1 else place


def receptacle_target(memory: MemoryReader, query: TypedQuery) -> str | None:
    place = query.receptacle or query.room or query.target
    return _one_receptacle(memory, place, query.mention) if place else place


def _last_looked(memory: MemoryReader, place: str, receptacle: SceneObject | None, t: float) -> float | None:
    if receptacle is not None and receptacle.last_seen is not None:
        return float(receptacle.last_seen)
    ends = [b for a, b, room in memory.observed_intervals(0.0, t) if room == place]
    return max(ends) if ends else None


def arrival_rate(model: LocationModel, places: set[str]) -> float:
    """Things arriving per hour on `places` (receptacle ids).

    The moves per hour of everything else here (each at its learned move rate) times the share of
    this home's placements those places take (the place prior's home counts, one each added);
    `arrival_rate_per_hour` when `learn_arrival_rate` is off.
    """
    cfg = model.config
    if not cfg.learn_arrival_rate:
        return cfg.arrival_rate_per_hour
    receptacles = model.memory.receptacles()
    if not receptacles:
        return cfg.arrival_rate_per_hour
    everything = model.all_objects()
    moves = sum(model.move_rate(o.category) for o in everything
                if o.present and not o.is_receptacle and o.category and o.rests_on not in places)
    counts = PlacePrior(model.memory, cfg, everything, model.similarity).home_counts()
    weights = {r.id: counts.get(r.id, 0) + 1.0 for r in receptacles}
    share = sum(w for rid, w in weights.items() if rid in places) / sum(weights.values())
    return moves * share


def contents(model: LocationModel, query: TypedQuery, now: float) -> Belief:
    memory = model.memory
    t = query_time(query, now)
    place = receptacle_target(memory, query)
    if not place:
        return Belief("contents", [], query, t, ["no receptacle or room in the question"])
    try:
        items = list(memory.contents(place, at=t))
    except BadInputError as exc:
        return Belief("contents", [], query, t, [str(exc)])
    # What is in a room or on a shelf means the things there, not the furniture standing in it.
    by_id = {o.id: o for o in items}
    items = [o for o in items if portable(model, o.id, o.category, by_id)]
    receptacle = next((r for r in memory.receptacles() if place in (r.id, r.category)), None)
    floor_plan = memory.floor_plan
    if receptacle is None and room_named(floor_plan, place) is None and not items:
        return Belief("contents", [], query, t, [f"{place!r} is no receptacle or room I have seen"])
    if receptacle is not None and receptacle.state in DOOR_STATES:
        # a shut door hides the inside: the contents were seen when it was last seen open
        looked = last_seen_inside(model, receptacle, t)
        if looked is None and not items:
            return Belief("contents", [], query, t, [f"I have never seen inside the {receptacle.category}"])
    else:
        looked = _last_looked(memory, place, receptacle, t)
    hours = (t - looked) / SECONDS_PER_HOUR if looked is not None else 0.0
    # Each thing stays since it was itself last seen there: the furniture seen again from afar (on the
    # way to another place) says nothing about the small things on it memory did not see then.
    if receptacle is not None:
        places = {receptacle.id}
    else:
        places = {r.id for r in memory.receptacles() if r.room == place}
    keep = stay_probability(arrival_rate(model, places), hours)
    for o in items:
        since = (t - float(o.last_seen)) / SECONDS_PER_HOUR if o.last_seen is not None else hours
        keep *= stay_probability(model.move_rate(o.id or o.category), since)
    categories = sorted(str(o.category) for o in items)
    position = as_xyz(receptacle.position) if receptacle is not None else None
    if position is None:
        room = room_named(floor_plan, place)
        if room is not None:
            cx, cy = polygon_centroid(room.polygon)
            position = (cx, cy, 0.0)
    reveal = None
    if t >= now and position is not None:
        reveal = receptacle.id if receptacle is not None else place
    seen = visibility(model, receptacle.id, t) if receptacle is not None else 1.0
    candidates = [
        AnswerCandidate(label="as_remembered", value=categories, probability=keep, position=position,
                        room=receptacle.room if receptacle is not None else None, reveal_target=reveal,
                        reveal_position=position, last_seen=looked, evidence=[f"object:{o.id}" for o in items],
                        visibility=seen),
        AnswerCandidate(label="changed", value=None, probability=1.0 - keep, position=position,
                        reveal_target=reveal, reveal_position=position, speculative=True, visibility=seen),
    ]
    return Belief("contents", candidates, query, t)
