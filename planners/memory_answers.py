"""Answers of the typed query's newer projections, read from memory at the time asked.

The location, state, count-of-events, seen and changes kinds go through beliefs and exploration
(planners.belief, planners.acting). These ones are read off memory directly and never explore:

- object_count: objects of the target category present at `now`, in `room` / on `receptacle`
  (objects, not events: "how many mugs", not "how many times");
- exists: whether memory ever saw one of the target category (first sighting at or before `now`);
- attribute: the size class from the remembered box (scene_graph.attributes.size_class); colour
  (named from perception) and any detector-supplied attribute from the semantic memory's facts about
  the object; an attribute memory has no fact for is refused with that reason; a relation in the selection
  ("the chair behind the table") keeps the instances in it (planners.relational_selection);
- robot_location: the room of the robot's last trajectory node at or before `time`;
- robot_visit: when the robot last entered / left `room` (from consecutive trajectory nodes).
- robot_actions: what the robot itself did, in order, from its episodic memory (episodes of kind
  "action" that planners.acting.task_planning records): the action right after / before the latest
  one matching the question's verb (`activity`) and object (`target`), or every action in `t0..t1`;
  each as "<verb> <category>" ("open fridge", "pick bowl", "place bowl on counter"). With `action` set, the
  nearest action of that verb (on `target` when named) before / after the one named by `activity` and
  `anchor`, answered by what it was on or with: "what did you put the bowl on right after you picked it
  up" -> [counter] (the receptacle of a place, the object of a pick/open/close).
- identify: the objects standing in the asked relation to the anchor (scene_graph.spatial_relations,
  computed now from remembered geometry), filtered by category and attributes when the question gives
  them ("the red object on the table");
- affordance: the things memory holds that afford the asked activity (scene_graph.affordances: the
  affordance table matched by sentence embeddings), best first, with the room of the best one.

Each returns a `MemoryAnswer`; `refusal` set means "I don't know" with that reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from memory_stack.foundation.time_format import format_time_value
from planners.language.entity_linking import display_name, lemma_name
from planners.language.typed_query import TypedQuery
from planners.memory_api import MemoryReader
from planners.relational_selection import instances, no_related_reason, related_instances, selects_by_relation
from scene_graph.attributes import size_class
from scene_graph.room_relations import ROOM_RELATIONS

MEMORY_PROJECTIONS: frozenset[str] = frozenset({
    "object_count", "exists", "attribute", "robot_location", "robot_visit", "identify", "affordance",
    "robot_actions", "room_for"})


@dataclass
class MemoryAnswer:
    text: str = ""
    value: Any = None
    confidence: float = 0.0
    evidence: list[str] = field(default_factory=list)
    room: str | None = None
    position: tuple[float, float, float] | None = None
    refusal: str | None = None


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
            return f"memory keeps no {name} of the {display_name(query.target) or 'objects'} it saw, so it " \
                   f"cannot pick out {value} ones"
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
        return MemoryAnswer(text=f"I have not seen any {display_name(query.target)}", value=0, confidence=0.3)
    found = select(memory, found, query)
    if isinstance(found, str):
        return MemoryAnswer(refusal=found)
    n = len(found)
    where = f" in the {display_name(query.room)}" if query.room else ""
    where += f" on the {display_name(query.receptacle)}" if query.receptacle else ""
    noun = display_name(query.target)
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
    noun = display_name(query.target)
    if not seen:
        return MemoryAnswer(text=f"no, I have not seen a {noun}", value=False, confidence=0.7)
    first = min(seen, key=lambda o: o.first_seen)
    return MemoryAnswer(text=f"yes, I saw a {noun} (first at {format_time_value(first.first_seen)})", value=True,
                        confidence=0.9, evidence=[f"object:{o.id}" for o in seen], room=first.room)


def _attribute(memory: MemoryReader, query: TypedQuery, now: float) -> MemoryAnswer:
    name = query.attribute or "colour"
    wanted = query.target_category or query.target
    found = [o for o in memory.objects(include_absent=True) if _matches(o.category, wanted)]
    if query.room is not None:
        found = [o for o in found if o.room == query.room] or found
    if not found:
        return MemoryAnswer(refusal=f"my memory holds nothing about {display_name(query.target)}")
    if selects_by_relation(query):  # "the chair behind the table": only the chairs memory holds there
        related = related_instances(memory, found, query, now)
        if isinstance(related, str) or not related:
            return MemoryAnswer(refusal=related if isinstance(related, str) else no_related_reason(query))
        found = related
    values = [(o, attribute_of(memory, o, name)) for o in found]
    values = [(o, v) for o, v in values if v is not None]
    if not values and name not in ("colour", "size"):
        # Only a detector that reports the attribute writes such facts (subject object id, predicate the name);
        # none of this robot's does, and a category's usual material would be a guess, not an observation.
        return MemoryAnswer(refusal=f"memory keeps no {name} of the {display_name(query.target)}: no detector of this "
                                    f"robot reports {name} (colour is named from what perception saw, size from "
                                    f"the box), and I do not guess it")
    if not values:
        return MemoryAnswer(refusal=f"memory keeps no {name} of the {display_name(query.target)}")
    names = sorted({v for _, v in values})
    # The most recently seen one first when several differ ("what colour is the mug?" with two mugs).
    values.sort(key=lambda ov: -ov[0].last_seen)
    value = values[0][1] if len(names) == 1 else names
    text = f"the {display_name(query.target)} is {' or '.join(names)}" if name != "size" else \
        f"the {display_name(query.target)} is {' or '.join(names)} (by its size)"
    return MemoryAnswer(text=text, value=value, confidence=0.75 if len(names) == 1 else 0.4,
                        evidence=[f"object:{o.id}" for o, _ in values], room=values[0][0].room)


def _robot_location(memory: MemoryReader, query: TypedQuery, now: float) -> MemoryAnswer:
    at = query.time if query.time is not None else now
    nodes = memory.trajectory(None, at)
    if not nodes:
        return MemoryAnswer(refusal=f"I have no record of where I was at {format_time_value(at)}")
    t, x, y, z, _, room = nodes[-1]
    where = f"in the {display_name(room)}" if room else "outside every room of the map"
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
    room = display_name(query.room)
    if not times:
        return MemoryAnswer(refusal=f"I have no record of having {query.visit or 'entered'} the {room}")
    t = times[-1]
    verb = "left" if query.visit == "left" else "entered"
    return MemoryAnswer(text=f"I last {verb} the {room} at {format_time_value(t)}", value=t, confidence=0.9,
                        evidence=[f"trajectory:{t:.0f}"], room=query.room)


_PAST_TENSE = {"pick": "picked up", "place": "put", "open": "opened", "close": "closed"}


def _category_of(memory: MemoryReader, name: str) -> str:
    obj = memory.get_object(name)
    return obj.category if obj is not None else name


def _action(memory: MemoryReader, episode: Any) -> tuple[str, str, str, str | None]:
    """(verb, object id or category, its category, receptacle category) of an "action" episode's name."""
    parts = episode.name.split()
    verb = parts[0] if parts else "?"
    thing = parts[1] if len(parts) > 1 else "object"
    receptacle = _category_of(memory, parts[3]) if len(parts) > 3 and parts[2] == "on" else None
    return verb, thing, _category_of(memory, thing), receptacle


def _action_value(action: tuple[str, str, str, str | None]) -> str:
    verb, _, category, receptacle = action
    return f"{verb} {category}" + (f" on {receptacle}" if receptacle else "")


def _action_phrase(action: tuple[str, str, str, str | None]) -> str:
    verb, _, category, receptacle = action
    where = f" on the {display_name(receptacle)}" if receptacle else ""
    return f"{_PAST_TENSE.get(verb, verb)} the {display_name(category)}{where}"


def _robot_actions(memory: MemoryReader, query: TypedQuery, now: float) -> MemoryAnswer:
    episodes = sorted((e for e in memory.episodes(None, now, kind="action") if e.start <= now),
                      key=lambda e: (e.start, e.id))
    if query.relation is None and (query.t0 is not None or query.t1 is not None):
        t0, t1 = query.t0 if query.t0 is not None else -1e18, query.t1 if query.t1 is not None else now
        episodes = [e for e in episodes if t0 <= e.start <= t1]
    if not episodes:
        return MemoryAnswer(refusal="I have no record of doing anything myself" +
                            (" then" if query.t0 is not None or query.t1 is not None else ""))
    actions = [_action(memory, e) for e in episodes]
    if query.action is not None and query.relation in ("before", "after"):
        return _action_relative(query, episodes, actions)
    if query.relation is None:
        chosen = list(range(len(actions)))
        text = "I " + ", then ".join(f"{_action_phrase(a)} at {format_time_value(e.start)}"
                                     for a, e in zip(actions, episodes))
    else:
        wanted = query.target_category or query.target
        matching = [i for i, (verb, thing, category, _) in enumerate(actions) if verb == query.activity
                    and (wanted is None or thing == query.target or _matches(category, wanted))]
        past = _PAST_TENSE.get(query.activity or "", query.activity or "did")
        what = f"{past} the {display_name(wanted) or 'object'}"
        if not matching:
            return MemoryAnswer(refusal=f"I have no record of having {what}")
        anchor = matching[-1]
        other = anchor + 1 if query.relation == "after" else anchor - 1
        if not 0 <= other < len(actions):
            return MemoryAnswer(refusal=f"I recorded nothing I did {query.relation} I {what} "
                                        f"(at {format_time_value(episodes[anchor].start)})")
        chosen = [other]
        text = (f"{'right ' + query.relation} I {what} (at {format_time_value(episodes[anchor].start)}), I "
                f"{_action_phrase(actions[other])} at {format_time_value(episodes[other].start)}")
    return MemoryAnswer(text=text, value=[_action_value(actions[i]) for i in chosen], confidence=0.9,
                        evidence=[f"episode:{episodes[i].id}" for i in chosen])


def _names_thing(action: tuple[str, str, str, str | None], name: str | None) -> bool:
    return name is None or action[1] == name or _matches(action[2], name)


def _action_relative(query: TypedQuery, episodes: list[Any], actions: list[tuple[str, str, str, str | None]]
                     ) -> MemoryAnswer:
    """The nearest `query.action` before/after the latest action named by `activity` and `anchor` (or target)."""
    named = query.anchor or query.target
    what = f"{_PAST_TENSE.get(query.activity or '', query.activity or 'did')} the {display_name(named) or 'object'}"
    matching = [i for i, a in enumerate(actions) if a[0] == query.activity and _names_thing(a, named)]
    if not matching:
        return MemoryAnswer(refusal=f"I have no record of having {what}")
    anchor = matching[-1]
    order = range(anchor + 1, len(actions)) if query.relation == "after" else range(anchor - 1, -1, -1)
    asked = query.target if query.anchor is not None else None
    found = next((i for i in order if actions[i][0] == query.action and _names_thing(actions[i], asked)), None)
    past = _PAST_TENSE.get(query.action or "", query.action or "")
    asked_text = f"{past} {display_name(asked) or 'anything'}".strip()
    if found is None:
        return MemoryAnswer(refusal=f"I recorded no {asked_text} {query.relation} I {what} "
                                    f"(at {format_time_value(episodes[anchor].start)})")
    verb, _, category, receptacle = actions[found]
    if verb == "place" and receptacle is None:
        return MemoryAnswer(refusal=f"my record of when I {_action_phrase(actions[found])} does not say on what")
    value = [receptacle if verb == "place" else category]
    text = (f"right {query.relation} I {what} (at {format_time_value(episodes[anchor].start)}), I "
            f"{_action_phrase(actions[found])} at {format_time_value(episodes[found].start)}")
    return MemoryAnswer(text=text, value=value, confidence=0.9,
                        evidence=[f"episode:{episodes[anchor].id}", f"episode:{episodes[found].id}"])



def _identify(memory: MemoryReader, query: TypedQuery, now: float) -> MemoryAnswer:
    anchors = instances(memory, query.anchor)
    if query.anchor is not None and not anchors:
        return MemoryAnswer(refusal=f"my memory holds no {display_name(query.anchor)}")
    by_room = query.relation in ROOM_RELATIONS
    if query.relation is not None and not anchors and not by_room:
        return MemoryAnswer(refusal="the question names no object to relate to")
    candidates = memory.objects()
    if query.room is not None:
        candidates = [o for o in candidates if o.room == query.room]
    found: list[Any] = []
    if (anchors or by_room) and query.relation is not None:
        related = related_instances(memory, candidates, query, now)
        if isinstance(related, str) and by_room:
            return MemoryAnswer(refusal=related)
        found = related if isinstance(related, list) else []
    elif not anchors:
        found = candidates
    if query.target is not None and query.target_category is not None:
        found = [o for o in found if _matches(o.category, query.target_category)]
    found = select(memory, found, query)
    if isinstance(found, str):
        return MemoryAnswer(refusal=found)
    names = sorted(o.category for o in found)
    what = " and ".join(display_name(n) for n in names) if names else "nothing that I saw"
    relation = display_name(query.relation) if query.relation else ""
    place = f" {relation} the {display_name(query.anchor)}" if query.anchor else ""
    if query.anchor and query.anchor2:
        place += f" and the {display_name(query.anchor2)}"
    if by_room:
        said = {"in_middle_of": "in the middle of", "on_wall": "on a wall of"}[str(query.relation)]
        place = f" {said} the {display_name(query.room) or 'room'}"
    return MemoryAnswer(text=f"{what}{place}", value=names, confidence=0.7 if names else 0.5,
                        evidence=[f"object:{o.id}" for o in found] + [f"object:{a.id}" for a in anchors],
                        room=found[0].room if found else None)


_AFFORDANCES: list[Any] = []


def affordance_table() -> Any:
    """The process's affordance table (scene_graph.affordances), loaded and embedded on first use."""
    from scene_graph.affordances import Affordances

    if not _AFFORDANCES:
        table = Affordances.load()
        table.warm_up()
        _AFFORDANCES.append(table)
    return _AFFORDANCES[0]


def _affordance(memory: MemoryReader, query: TypedQuery, now: float) -> MemoryAnswer:
    activity = re.sub(r"^(to|for)\s+", "", (query.activity or "").strip())
    if not activity:
        return MemoryAnswer(refusal="the question names no activity")
    objects = [o for o in memory.objects() if query.room is None or o.room == query.room]
    matches = affordance_table().match(activity, {o.category for o in objects})
    if not matches:
        return MemoryAnswer(refusal=f"I know of nothing here that is for '{activity}'")
    best = matches[0][1]
    chosen = [c for c, sim, _ in matches if sim >= best - 0.05][:3]
    holders = [o for o in objects if o.category == chosen[0]]
    holder = max(holders, key=lambda o: o.last_seen)
    room = f" in the {display_name(holder.room)}" if holder.room else ""
    return MemoryAnswer(text=f"the {' or the '.join(display_name(c) for c in chosen)}{room} (for '{activity}')",
                        value=chosen, room=holder.room, position=tuple(float(v) for v in holder.position),
                        confidence=0.6, evidence=[f"object:{holder.id}", f"affordance:{matches[0][2]}"])


def _room_for(memory: MemoryReader, query: TypedQuery, now: float) -> MemoryAnswer:
    from planners.free_space_answers import room_for  # it builds on this module's MemoryAnswer

    return room_for(memory, query, now)


_HANDLERS = {"affordance": _affordance, "identify": _identify, "object_count": _object_count, "exists": _exists,
             "attribute": _attribute,
             "robot_location": _robot_location, "robot_visit": _robot_visit, "robot_actions": _robot_actions,
             "room_for": _room_for}
