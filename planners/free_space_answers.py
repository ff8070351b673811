"""Answers to "is there room for X on Y?" and "which surface has room for X?" (kind room_for).

The surface `query.receptacle` (every remembered instance of it), or, when none is named, every remembered
receptacle (in `query.room` when one is named). The thing's footprint is the largest box memory holds of
`query.target`'s category; when memory holds none (or no thing is named) a clear square of
scene_graph.free_space.MIN_FREE_SIDE_M counts as room, and the answer says so with less confidence.
Geometry in scene_graph.free_space.
"""

from __future__ import annotations

from planners.language.entity_linking import display_name
from planners.language.typed_query import TypedQuery
from planners.memory_answers import MemoryAnswer
from planners.memory_api import MemoryReader
from planners.relational_selection import instances
from scene_graph.free_space import MIN_FREE_SIDE_M, fits_on, footprint_of, free_share


def _thing_size(memory: MemoryReader, query: TypedQuery) -> tuple[tuple[float, float], str | None]:
    """The footprint asked about, and why it is only the default (None when memory knows the thing's size)."""
    things = instances(memory, query.target_category or query.target) if query.target else []
    if things:
        return max((footprint_of(o) for o in things), key=lambda s: s[0] * s[1]), None
    side = (MIN_FREE_SIDE_M, MIN_FREE_SIDE_M)
    if query.target is None:
        return side, f"a clear {MIN_FREE_SIDE_M:.2f} m square"
    return side, f"I have seen no {display_name(query.target)}, so I looked for a clear {MIN_FREE_SIDE_M:.2f} m square"


def room_for(memory: MemoryReader, query: TypedQuery, now: float) -> MemoryAnswer:
    objects = memory.objects()
    if query.receptacle is not None:
        surfaces = instances(memory, query.receptacle)
        if not surfaces:
            return MemoryAnswer(refusal=f"my memory holds no {display_name(query.receptacle)}")
    else:
        surfaces = [r for r in memory.receptacles() if query.room is None or r.room == query.room]
        if not surfaces:
            return MemoryAnswer(refusal="my memory holds no surface to put things on"
                                + (f" in the {display_name(query.room)}" if query.room else ""))
    size, default = _thing_size(memory, query)
    surfaces = [s for s in surfaces if s.id != query.target]
    with_room = [s for s in surfaces if fits_on(s, objects, size)]
    evidence = [f"object:{s.id}" for s in surfaces]
    thing = f"a {display_name(query.target)}" if query.target else "something"
    sized = f"{thing} ({size[0]:.2f} x {size[1]:.2f} m)" if default is None else f"{thing} ({default})"
    confidence = 0.7 if default is None else 0.45
    if query.receptacle is not None:
        yes = bool(with_room)
        share = max(free_share(s, objects) for s in surfaces)
        text = (f"{'yes' if yes else 'no'}, there is {'' if yes else 'no '}room for {sized} on the "
                f"{display_name(query.receptacle)} (about {share:.0%} of its top is clear)")
        return MemoryAnswer(text=text, value=yes, confidence=confidence, evidence=evidence,
                            room=(with_room or surfaces)[0].room)
    names = sorted({s.category for s in with_room})
    listed = " and the ".join(display_name(n) for n in names)
    text = (f"the {listed} {'has' if len(names) == 1 else 'have'} room for {sized}"
            if names else f"no surface I remember has room for {sized}")
    return MemoryAnswer(text=text, value=names, confidence=confidence, evidence=evidence,
                        room=with_room[0].room if with_room else None)
