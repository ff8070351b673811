"""Selecting instances by a spatial relation to another object ("the cabinet below the sink").

`related_instances(memory, candidates, query, now)` keeps the candidates standing in `query.relation` to
an instance of `query.anchor` (and `query.anchor2` for between), computed from remembered geometry
(scene_graph.spatial_relations); left/right, behind and in front of are seen from where the robot stood
when it last saw the anchor (memory keeps no facing of furniture). The relations to a room (in the middle
of it, on its wall) need no anchor: `room_related_instances` (scene_graph.room_relations). Memory answers
(identify) and the belief-based kinds (state, location) share them, so "Is the cabinet below the sink
open?" is about that cabinet, or is refused when memory holds none there.
"""

from __future__ import annotations

from typing import Any

from planners.language.entity_linking import display_name, lemma_name
from planners.language.typed_query import TypedQuery
from planners.memory_api import MemoryReader
from scene_graph import room_relations, spatial_relations

# Relations between the robot's own actions, not between objects.
TEMPORAL_RELATIONS = frozenset({"after", "before"})


def instances(memory: MemoryReader, name: str | None) -> list[Any]:
    """The objects a name denotes: the one with that id, else every present one of that category."""
    if name is None:
        return []
    exact = [o for o in memory.objects() if o.id == name]
    return exact or [o for o in memory.objects() if lemma_name(o.category) == lemma_name(name)]


def selects_by_relation(query: TypedQuery) -> bool:
    """Whether the query's selection names a spatial relation to an anchor object or to a room."""
    if query.relation in room_relations.ROOM_RELATIONS:
        return True
    return bool(query.relation) and query.relation not in TEMPORAL_RELATIONS and bool(query.anchor)


def room_related_instances(memory: MemoryReader, candidates: list[Any], query: TypedQuery) -> list[Any] | str:
    """The candidates in a room relation (in_middle_of, on_wall) to `query.room`, or to any room when none is named."""
    plan = memory.floor_plan
    if plan is None:
        return "my memory holds no floor plan, so I cannot tell where the walls or the middle of a room are"
    rooms = [r for r in plan.rooms if query.room is None or r.name == query.room]
    if not rooms:
        return f"the floor plan has no room {display_name(query.room)}"
    found: list[Any] = []
    for room in rooms:
        found += room_relations.in_room_relation(str(query.relation), room, candidates)
    return found


def related_instances(memory: MemoryReader, candidates: list[Any], query: TypedQuery, now: float) -> list[Any] | str:
    """The candidates in `query.relation` to an anchor instance or a room; a reason (str) when memory holds none."""
    if query.relation in room_relations.ROOM_RELATIONS:
        return room_related_instances(memory, candidates, query)
    anchors = instances(memory, query.anchor)
    if not anchors:
        return f"my memory holds no {display_name(query.anchor)}"
    second = instances(memory, query.anchor2)
    found: list[Any] = []
    for anchor in anchors:
        viewpoint = None
        if query.relation in spatial_relations.VIEWPOINT_RELATIONS:
            viewpoint = spatial_relations.viewpoint_of(memory.trajectory(None, now), float(anchor.last_seen))
        for other in second or [None]:
            found += [c for c in spatial_relations.related(query.relation, candidates, anchor, other, viewpoint)
                      if c not in found]
    return found


def no_related_reason(query: TypedQuery) -> str:
    """Why a relational selection came out empty ("no cabinet I remember is below the sink")."""
    if query.relation in room_relations.ROOM_RELATIONS:
        where = f"the {display_name(query.room)}" if query.room else "a room"
        return f"no {display_name(query.target)} I remember is {display_name(query.relation)} {where}"
    return (f"no {display_name(query.target)} I remember is {display_name(query.relation)} "
            f"the {display_name(query.anchor)}")
