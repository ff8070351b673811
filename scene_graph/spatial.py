"""Spatial memory: places and their graph, what is on/in what, nearest and within, paths, the layered graph.

Query functions over a `MemoryView`; the geometric structures they use (room index, support test,
place graph construction, KD-tree) are in `spatial_index`.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from memory_stack.foundation.errors import BadInputError
from scene_graph.records import Place, SceneObject
from scene_graph.spatial_index import RegionIndex, build_places
from scene_graph.temporal import contents_at, snapshot
from scene_graph.tracking.object_tracks import PRESENT, TENTATIVE
from scene_graph.view import MemoryView, category_of, id_order, is_current, resolve


def place_graph(view: MemoryView) -> tuple[dict[str, Place], nx.Graph]:
    def build() -> tuple[dict[str, Place], nx.Graph]:
        recs = [(o.id, o.position, o.bbox_min, o.bbox_max, o.room) for o in view.tracks.values()
                if o.is_receptacle and o.status == PRESENT]
        return build_places(view.rooms, recs)

    return view.cache.get("places", build)


def _place_of(view: MemoryView, name: str) -> str:
    places, _ = place_graph(view)
    if name in places:
        return name
    if f"place:room:{name}" in places:
        return f"place:room:{name}"
    if f"place:{name}" in places:
        return f"place:{name}"
    ids = resolve(view, name)
    for oid in ids:
        obj = view.tracks[oid]
        if obj.rests_on is not None and f"place:{obj.rests_on}" in places:
            return f"place:{obj.rests_on}"
        if obj.room is not None and f"place:room:{obj.room}" in places:
            return f"place:room:{obj.room}"
    raise BadInputError(f"path: {name!r} is not a place, room, receptacle or object the memory knows")


def path(view: MemoryView, a: str, b: str) -> list[str]:
    _, graph = place_graph(view)
    pa, pb = _place_of(view, a), _place_of(view, b)
    try:
        return nx.shortest_path(graph, pa, pb, weight="weight")
    except nx.NetworkXNoPath as exc:
        raise BadInputError(f"path: no connection between {a!r} and {b!r} in the place graph") from exc


def _region(view: MemoryView) -> RegionIndex:
    def build() -> RegionIndex:
        live = [o for o in view.tracks.values() if o.status == PRESENT]
        region = RegionIndex()
        region.rebuild([o.id for o in live], np.array([o.position for o in live]).reshape(-1, 3))
        return region

    return view.cache.get("region", build)


def nearest(view: MemoryView, point, k: int) -> list[tuple[SceneObject, float]]:
    out = []
    for oid, d in _region(view).nearest(point, k):
        o = view.tracks[oid]
        out.append((o.to_scene_object(category_of(view, o.rests_on)), d))
    return out


def within(view: MemoryView, point, radius: float) -> list[SceneObject]:
    return [view.tracks[oid].to_scene_object(category_of(view, view.tracks[oid].rests_on))
            for oid in _region(view).within(point, radius)]


def contents(view: MemoryView, receptacle_or_room: str, at: float | None) -> list[SceneObject]:
    """Movable objects on/in a receptacle (id or category) or in a room, at time `at`."""
    key = receptacle_or_room
    room = key if key in view.rooms.names else None
    if room is None:
        obj = view.tracks.get(key)
        if obj is not None and obj.status != TENTATIVE:
            rec_ids = {key}
        else:
            cat = view.ontology.canonical(key)
            rec_ids = set()
            # the exact category when memory holds one, else its kinds ("the table": coffee_table, desk, ...)
            for kinds in ([cat], sorted(view.ontology.descendants(cat))):
                rec_ids = {oid for kind in kinds for oid in view.by_category.get(kind, ())
                           if view.tracks[oid].is_receptacle and view.tracks[oid].status != TENTATIVE}
                if rec_ids:
                    break
            if not rec_ids and not view.ontology.is_receptacle(cat):
                raise BadInputError(f"contents: {key!r} is neither a room, a receptacle id nor a receptacle category")
    if is_current(view, at):
        if room is not None:
            return [o.to_scene_object(category_of(view, o.rests_on)) for o in view.tracks.values()
                    if o.status == PRESENT and not o.is_receptacle and o.room == room]
        out = []
        for rid in sorted(rec_ids, key=id_order):
            for oid in sorted(view.contents_index.get(rid, ()), key=id_order):
                o = view.tracks[oid]
                if o.status == PRESENT:
                    out.append(o.to_scene_object(category_of(view, o.rests_on)))
        return out
    if room is not None:
        return [o for o in snapshot(view, at).objects if not o.is_receptacle and o.room == room]
    return contents_at(view, rec_ids, float(at))


def receptacles_of(view: MemoryView, category: str) -> tuple[list[str], np.ndarray]:
    """Present receptacles of a category and their positions (cached until the temporal memory changes)."""
    def build() -> tuple[list[str], np.ndarray]:
        ids = sorted((oid for oid in view.by_category.get(category, ())
                      if view.tracks[oid].is_receptacle and view.tracks[oid].status == PRESENT), key=id_order)
        return ids, np.array([view.tracks[oid].position for oid in ids], dtype=float).reshape(-1, 3)

    return view.cache.get(("receptacles", category), build)


def layered_graph(view: MemoryView) -> nx.DiGraph:
    """Build the layered graph: building -> rooms -> places -> objects (+ support, connectivity, trajectory)."""
    g = nx.DiGraph()
    g.add_node("building", layer="building")
    for name in view.rooms.names:
        cx, cy = view.rooms.centre(name)
        g.add_node(f"room:{name}", layer="room", name=name, position=(cx, cy, 0.0))
        g.add_edge("building", f"room:{name}", relation="contains")
    places, pgraph = place_graph(view)
    for pid, pl in places.items():
        g.add_node(pid, layer="place", kind=pl.kind, position=pl.position, room=pl.room)
        if pl.room is not None and f"room:{pl.room}" in g:
            g.add_edge(f"room:{pl.room}", pid, relation="contains")
    for u, v, data in pgraph.edges(data=True):
        g.add_edge(u, v, relation="connected", weight=data["weight"])
        g.add_edge(v, u, relation="connected", weight=data["weight"])
    for o in view.tracks.values():
        if o.status != PRESENT:
            continue
        g.add_node(o.id, layer="object", category=o.category, position=tuple(map(float, o.position)),
                   bbox_min=tuple(map(float, o.bbox_min)), bbox_max=tuple(map(float, o.bbox_max)), room=o.room,
                   state=o.state, is_receptacle=o.is_receptacle, first_seen=o.first_seen, last_seen=o.last_seen)
        holder = f"place:{o.rests_on}" if o.rests_on is not None else (
            f"place:{o.id}" if o.is_receptacle else f"place:room:{o.room}")
        if holder in g:
            g.add_edge(holder, o.id, relation="contains")
        if o.rests_on is not None:
            g.add_edge(o.id, o.rests_on, relation="rests_on")
    previous = None
    for i, (t, x, y, z, yaw, room) in enumerate(view.trajectory):
        node = f"agent:{i}"
        g.add_node(node, layer="agent", time=t, position=(x, y, z), yaw=yaw, room=room)
        if previous is not None:
            g.add_edge(previous, node, relation="next")
        previous = node
    return g
