"""Selecting instances by a spatial relation to another object ("the cabinet below the sink").

`related_instances(memory, candidates, query, now)` keeps the candidates standing in `query.relation` to
an instance of `query.anchor` (and `query.anchor2` for between), computed from remembered geometry
(scene_graph.spatial_relations); left/right are seen from where the robot stood when it last saw the
anchor. Memory answers (identify) and the belief-based kinds (state, location) share it, so "Is the
cabinet below the sink open?" is about that cabinet, or is refused when memory holds none there.
"""

from __future__ import annotations

from typing import Any

from planners.language.entity_linking import lemma_name
from planners.language.typed_query import TypedQuery
from planners.memory_api import MemoryReader
from scene_graph import spatial_relations

# Relations between the robot's own actions, not between objects.
TEMPORAL_RELATIONS = frozenset({"after", "before"})


def _words(name: str | None) -> str:
    return (name or "").replace("_", " ")


def instances(memory: MemoryReader, name: str | None) -> list[Any]:
    """The objects a name denotes: the one with that id, else every present one of that category."""
    if name is None:
        return []
    exact = [o for o in memory.objects() if o.id == name]
    return exact or [o for o in memory.objects() if lemma_name(o.category) == lemma_name(name)]


def selects_by_relation(query: TypedQuery) -> bool:
    """Whether the query's selection names a spatial relation to an anchor object."""
    return bool(query.relation) and query.relation not in TEMPORAL_RELATIONS and bool(query.anchor)


def related_instances(memory: MemoryReader, candidates: list[Any], query: TypedQuery, now: float) -> list[Any] | str:
    """The candidates in `query.relation` to an anchor instance; a reason (str) when memory holds no anchor."""
    anchors = instances(memory, query.anchor)
    if not anchors:
        return f"my memory holds no {_words(query.anchor)}"
    second = instances(memory, query.anchor2)
    found: list[Any] = []
    for anchor in anchors:
        viewpoint = None
        if query.relation in ("left_of", "right_of"):
            viewpoint = spatial_relations.viewpoint_of(memory.trajectory(None, now), float(anchor.last_seen))
        for other in second or [None]:
            found += [c for c in spatial_relations.related(query.relation, candidates, anchor, other, viewpoint)
                      if c not in found]
    return found


def no_related_reason(query: TypedQuery) -> str:
    """Why a relational selection came out empty ("no cabinet I remember is below the sink")."""
    return f"no {_words(query.target)} I remember is {_words(query.relation)} the {_words(query.anchor)}"
