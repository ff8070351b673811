"""Answers of the typed query's newer projections, read from memory at the time asked.

The location, state, count-of-events, seen and changes kinds go through beliefs and exploration
(planners.belief, planners.acting). These ones are read off memory directly and never explore:

- object_count: objects of the target category present at `now`, in `room` / on `receptacle`
  (objects, not events: "how many mugs", not "how many times");
- exists: whether memory ever saw one of the target category (first sighting at or before `now`);
- attribute: the size class from the remembered box (scene_graph.attributes.size_class); colour
  (named from perception) and any detector-supplied attribute from the semantic memory's facts about
  the object; an attribute memory has no fact for is refused with that reason;
- robot_location: the room of the robot's last trajectory node at or before `time`;
- robot_visit: when the robot last entered / left `room` (from consecutive trajectory nodes).
- identify, affordance: not answered from memory yet: refused with the reason.

Each returns a `MemoryAnswer`; `refusal` set means "I don't know" with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from memory_stack.foundation.time_format import format_time_value
from planners.language.entity_linking import lemma_name
from planners.language.typed_query import TypedQuery
from planners.memory_api import MemoryReader
from scene_graph.attributes import size_class

MEMORY_PROJECTIONS: frozenset[str] = frozenset({
    "object_count", "exists", "attribute", "robot_location", "robot_visit", "identify", "affordance"})


@dataclass
class MemoryAnswer:
    text: str = ""
    value: Any = None
    confidence: float = 0.0
    evidence: list[str] = field(default_factory=list)
    room: str | None = None
    position: tuple[float, float, float] | None = None
    refusal: str | None = None


def _words(name: str | None) -> str:
    return (name or "").replace("_", " ")


def _matches(category: str, target: str | None) -> bool:
    return target is not None and lemma_name(category) == lemma_name(target)


def attribute_of(memory: MemoryReader, obj: Any, name: str, at: float | None = None) -> str | None:
    """An object's attribute: size from its box, anything else from the latest fact memory holds."""
    if name == "size":
        return size_class(obj.bbox_min, obj.bbox_max)
    facts = memory.facts(obj.id, name, at=at)
    return facts[-1].object if facts else None


def select(memory: MemoryReader, objects: list[Any], query: TypedQuery) -> list[Any] | str:
    """Objects that have every attribute the selection asks for; a reason (str) when memory cannot tell."""
    for name, value in query.attributes.items():
        known = [(o, attribute_of(memory, o, name)) for o in objects]
        if objects and all(v is None for _, v in known):
            return f"memory keeps no {name} of the {_words(query.target) or 'objects'} it saw, so it cannot pick " \
                   f"out {value} ones"
        objects = [o for o, v in known if v == value]
    return objects


def answer_from_memory(memory: MemoryReader, query: TypedQuery, now: float) -> MemoryAnswer:
    handler = _HANDLERS.get(query.kind)
    if handler is None:
        return MemoryAnswer(refusal=f"questions of kind {query.kind!r} are read but not answered from memory yet")
    return handler(memory, query, now)


def _object_count(memory: MemoryReader, query: TypedQuery, now: float) -> MemoryAnswer:
    at = query.time if query.time is not None and query.time <= now else None
    found = [o for o in memory.objects(at=at) if _matches(o.category, query.target_category or query.target)]
    if query.room is not None:
        found = [o for o in found if o.room == query.room]
    if query.receptacle is not None:
        found = [o for o in found if query.receptacle in (o.rests_on, o.rests_on_category)]
    if not found and query.target_category is None:  # a category memory never saw anywhere
        return MemoryAnswer(text=f"I have not seen any {_words(query.target)}", value=0, confidence=0.3)
    found = select(memory, found, query)
    if isinstance(found, str):
        return MemoryAnswer(refusal=found)
    n = len(found)
    where = f" in the {_words(query.room)}" if query.room else ""
    where += f" on the {_words(query.receptacle)}" if query.receptacle else ""
    noun = _words(query.target)
    return MemoryAnswer(text=f"{n} {noun}{'s' if n != 1 and not noun.endswith('s') else ''}{where} that I know of",
                        value=n, confidence=0.8, evidence=[f"object:{o.id}" for o in found])


def _exists(memory: MemoryReader, query: TypedQuery, now: float) -> MemoryAnswer:
    seen = [o for o in memory.objects(include_absent=True)
            if _matches(o.category, query.target_category or query.target) and o.first_seen <= now]
    if query.room is not None:
        seen = [o for o in seen if o.room == query.room]
    seen = select(memory, seen, query)
    if isinstance(seen, str):
        return MemoryAnswer(refusal=seen)
    noun = _words(query.target)
    if not seen:
        return MemoryAnswer(text=f"no, I have not seen a {noun}", value=False, confidence=0.7)
    first = min(seen, key=lambda o: o.first_seen)
    return MemoryAnswer(text=f"yes, I saw a {noun} (first at {format_time_value(first.first_seen)})", value=True,
                        confidence=0.9, evidence=[f"object:{o.id}" for o in seen], room=first.room)


def _attribute(memory: MemoryReader, query: TypedQuery, now: float) -> MemoryAnswer:
    name = query.attribute or "colour"
    found = [o for o in memory.objects(include_absent=True) if _matches(o.category, query.target_category or query.target)]
    if query.room is not None:
        found = [o for o in found if o.room == query.room] or found
    if not found:
        return MemoryAnswer(refusal=f"my memory holds nothing about {_words(query.target)}")
    values = [(o, attribute_of(memory, o, name)) for o in found]
    values = [(o, v) for o, v in values if v is not None]
    if not values:
        return MemoryAnswer(refusal=f"memory keeps no {name} of the {_words(query.target)}")
    names = sorted({v for _, v in values})
    # The most recently seen one first when several differ ("what colour is the mug?" with two mugs).
    values.sort(key=lambda ov: -ov[0].last_seen)
    value = values[0][1] if len(names) == 1 else names
    text = f"the {_words(query.target)} is {' or '.join(names)}" if name != "size" else \
        f"the {_words(query.target)} is {' or '.join(names)} (by its size)"
    return MemoryAnswer(text=text, value=value, confidence=0.75 if len(names) == 1 else 0.4,
                        evidence=[f"object:{o.id}" for o, _ in values], room=values[0][0].room)


def _robot_location(memory: MemoryReader, query: TypedQuery, now: float) -> MemoryAnswer:
    at = query.time if query.time is not None else now
    nodes = memory.trajectory(None, at)
    if not nodes:
        return MemoryAnswer(refusal=f"I have no record of where I was at {format_time_value(at)}")
    t, x, y, z, _, room = nodes[-1]
    where = f"in the {_words(room)}" if room else "outside every room of the map"
    return MemoryAnswer(text=f"I was {where} at {format_time_value(at)}", value=room, room=room or "none",
                        position=(x, y, z), confidence=0.9, evidence=[f"trajectory:{t:.0f}"])


def _robot_visit(memory: MemoryReader, query: TypedQuery, now: float) -> MemoryAnswer:
    nodes = memory.trajectory(query.t0, min(query.t1, now) if query.t1 is not None else now)
    times: list[float] = []
    for before, after in zip(nodes, nodes[1:]):
        entered = after[5] == query.room and before[5] != query.room
        left = before[5] == query.room and after[5] != query.room
        if (query.visit == "left" and left) or (query.visit != "left" and entered):
            times.append(after[0])
    room = _words(query.room)
    if not times:
        return MemoryAnswer(refusal=f"I have no record of having {query.visit or 'entered'} the {room}")
    t = times[-1]
    verb = "left" if query.visit == "left" else "entered"
    return MemoryAnswer(text=f"I last {verb} the {room} at {format_time_value(t)}", value=t, confidence=0.9,
                        evidence=[f"trajectory:{t:.0f}"], room=query.room)


_HANDLERS = {"object_count": _object_count, "exists": _exists, "attribute": _attribute,
             "robot_location": _robot_location, "robot_visit": _robot_visit}
