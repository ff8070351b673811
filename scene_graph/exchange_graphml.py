"""GraphML export through networkx: the same layered graph as the JSON and spark_dsg exports.

Nodes carry `layer` (building, room, place, object), `label`, `x`, `y`, `z` and, for objects, the
scalar fields of the JSON document (category, room, state, times, bounding box corners as
`bbox_min_x` ...). Edges carry `relation`: contains (building->room, room->place, place->object,
room->object), adjacent (place<->place), rests_on (object->receptacle). GraphML has no null, so
missing values are left out of a node's attributes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import networkx as nx

from memory_stack.foundation.errors import BadInputError
from scene_graph.exchange_json import memory_to_document

AXES = ("x", "y", "z")


def _scalar_attributes(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            if len(value) == 3 and all(isinstance(v, (int, float)) for v in value):
                for axis, v in zip(AXES, value):
                    out[f"{key}_{axis}"] = float(v)
            continue
        if isinstance(value, (bool, int, float, str)):
            out[key] = value
    return out


def _position(values: list[float] | None) -> dict[str, float]:
    values = values or [0.0, 0.0, 0.0]
    return {axis: float(v if v is not None else 0.0) for axis, v in zip(AXES, values)}


def document_to_networkx(document: dict) -> nx.DiGraph:
    """A directed networkx graph of a `memory_to_document` dict (node ids prefixed by layer)."""
    graph = nx.DiGraph(time=document["time"] if document["time"] is not None else -1.0,
                       format=document["format"], version=document["version"])
    building = f"building:{document['building']['id']}"
    graph.add_node(building, layer="building", label=document["building"]["id"],
                   **_position(document["building"]["position"]))
    for room in document["rooms"]:
        node = f"room:{room['name']}"
        graph.add_node(node, layer="room", label=room["name"], **_position(room["position"]),
                       polygon=" ".join(f"{x},{y}" for x, y in room["polygon"]))
        graph.add_edge(building, node, relation="contains")
    for place in document["places"]:
        node = f"place:{place['id']}" if not place["id"].startswith("place:") else place["id"]
        attributes = {"layer": "place", "label": place["id"], **_position(place["position"])}
        if place.get("room"):
            attributes["room"] = place["room"]
        graph.add_node(node, **attributes)
        if place.get("room") and graph.has_node(f"room:{place['room']}"):
            graph.add_edge(f"room:{place['room']}", node, relation="contains")
    place_node = {p["id"]: (f"place:{p['id']}" if not p["id"].startswith("place:") else p["id"])
                  for p in document["places"]}
    for place in document["places"]:
        for neighbor in place.get("neighbors", ()):
            if neighbor in place_node:
                graph.add_edge(place_node[place["id"]], place_node[neighbor], relation="adjacent")
    for obj in document["objects"]:
        node = f"object:{obj['id']}"
        fields = {k: v for k, v in obj.items() if k not in ("id", "position")}
        graph.add_node(node, layer="object", label=obj["id"], **_position(obj["position"]),
                       **_scalar_attributes(fields))
        if obj.get("place") in place_node:
            graph.add_edge(place_node[obj["place"]], node, relation="contains")
        elif obj.get("room") and graph.has_node(f"room:{obj['room']}"):
            graph.add_edge(f"room:{obj['room']}", node, relation="contains")
    for obj in document["objects"]:
        support = obj.get("rests_on")
        if support and graph.has_node(f"object:{support}") and support != obj["id"]:
            graph.add_edge(f"object:{obj['id']}", f"object:{support}", relation="rests_on")
    return graph


def export_graphml(memory: Any, path: str | Path, at: float | None = None) -> nx.DiGraph:
    """Write the memory's layered graph at `at` (None: latest) as GraphML; returns the networkx graph."""
    path = Path(path)
    if not path.parent.exists():
        raise BadInputError(f"{path}: directory {path.parent} does not exist")
    graph = document_to_networkx(memory_to_document(memory, at))
    tmp = path.with_name(path.name + ".partial")
    nx.write_graphml(graph, tmp)
    os.replace(tmp, path)
    return graph
