"""Exchange with spark_dsg's DynamicSceneGraph (the format of MIT-SPARK's Hydra).

Export: the memory's layered graph at a time becomes a DSG with Hydra's layers (objects 2, places 3,
rooms 4, building 5 in `spark_dsg.DsgLayers`), node symbols `O`, `p`, `R`, `B`, node positions,
names, semantic labels (with per-layer labelspaces), axis-aligned bounding boxes, and edges
building->room, room->place, place->object (room->object when the room has no place), place<->place
and object<->receptacle (rests on). Everything spark_dsg has no attribute for (category, room,
state, times, polygons) rides along in node and graph metadata under the key `memory_stack`.

Import: a DSG file (ours or Hydra's) becomes rooms (a floor plan) and object observations that are
ingested into a MemoryStore through its public `ingest` API, so association and persistence work as
for any other input.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from memory_stack.foundation.errors import BadInputError
from scene_graph.exchange_json import memory_to_document
from scene_graph.types import CameraIntrinsics, Door, FloorPlan, Frame, Observation, Pose, Room

METADATA_KEY = "memory_stack"
SUPPORTED_SUFFIXES = (".json", ".sparkdsg", ".bson", "")
DEFAULT_OBJECT_HALF_EXTENT_M = 0.05
PLACE_DISTANCE_M = 0.5  # Hydra's place attribute: distance to the nearest obstacle (unknown here)


class DsgFormatError(BadInputError):
    """A scene-graph file cannot be read or written; the message names the file."""


def _spark_dsg():
    try:
        import spark_dsg
    except ImportError as exc:
        raise DsgFormatError("spark_dsg is not installed: pip install spark-dsg (or run `make setup`)") from exc
    return spark_dsg


def check_dsg_suffix(path: Path) -> None:
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise DsgFormatError(
            f"{path}: spark_dsg files end in .json, .sparkdsg or .bson (or have no extension), not {path.suffix!r}"
        )


def _float3(values: Any) -> np.ndarray:
    array = np.asarray([np.nan if v is None else float(v) for v in values], dtype=float)
    return np.nan_to_num(array, nan=0.0)


def _labelspace(names: list[str]) -> dict[int, str]:
    return {i: name for i, name in enumerate(sorted(set(names)))}


def _bounding_box(dsg, lo: Any, hi: Any):
    if lo is None or hi is None or any(v is None for v in list(lo) + list(hi)):
        return None
    lo, hi = np.asarray(lo, dtype=np.float32), np.asarray(hi, dtype=np.float32)
    if np.any(hi < lo):
        return None
    return dsg.BoundingBox(hi - lo, (hi + lo) / 2.0)


def document_to_dsg(document: dict):
    """Build a spark_dsg.DynamicSceneGraph from a `memory_to_document` dict."""
    dsg = _spark_dsg()
    layers = dsg.DsgLayers
    graph = dsg.DynamicSceneGraph()

    building = dsg.NodeSymbol("B", 0)
    attrs = dsg.SemanticNodeAttributes()
    attrs.position = _float3(document["building"]["position"])
    attrs.name = document["building"]["id"]
    graph.add_node(layers.BUILDINGS, building, attrs)

    room_labels = _labelspace([r["name"] for r in document["rooms"]])
    room_label_of = {name: label for label, name in room_labels.items()}
    room_symbols: dict[str, Any] = {}
    for index, room in enumerate(document["rooms"]):
        symbol = dsg.NodeSymbol("R", index)
        attrs = dsg.RoomNodeAttributes()
        attrs.position = _float3(room["position"])
        attrs.name = room["name"]
        attrs.semantic_label = room_label_of[room["name"]]
        polygon = np.asarray(room["polygon"], dtype=float).reshape(-1, 2)
        if len(polygon):
            box = _bounding_box(dsg, [*polygon.min(axis=0), 0.0], [*polygon.max(axis=0), 0.0])
            if box is not None:
                attrs.bounding_box = box
        attrs.metadata.set({METADATA_KEY: {"polygon": room["polygon"]}})
        graph.add_node(layers.ROOMS, symbol, attrs)
        graph.insert_edge(building, symbol)
        room_symbols[room["name"]] = symbol

    place_symbols: dict[str, Any] = {}
    for index, place in enumerate(document["places"]):
        symbol = dsg.NodeSymbol("p", index)
        attrs = dsg.PlaceNodeAttributes()
        attrs.position = _float3(place["position"])
        attrs.name = place["id"]
        attrs.distance = PLACE_DISTANCE_M
        attrs.real_place = True
        attrs.metadata.set({METADATA_KEY: {"id": place["id"], "room": place.get("room")}})
        graph.add_node(layers.PLACES, symbol, attrs)
        place_symbols[place["id"]] = symbol
        if place.get("room") in room_symbols:
            graph.insert_edge(room_symbols[place["room"]], symbol)
    for place in document["places"]:
        for neighbor in place.get("neighbors", ()):
            if neighbor in place_symbols and not graph.has_edge(place_symbols[place["id"]], place_symbols[neighbor]):
                graph.insert_edge(place_symbols[place["id"]], place_symbols[neighbor])

    object_labels = _labelspace([o["category"] or "unknown" for o in document["objects"]])
    object_label_of = {name: label for label, name in object_labels.items()}
    object_symbols: dict[str, Any] = {}
    for index, obj in enumerate(document["objects"]):
        symbol = dsg.NodeSymbol("O", index)
        attrs = dsg.ObjectNodeAttributes()
        attrs.position = _float3(obj["position"] or (0.0, 0.0, 0.0))
        attrs.name = obj["id"]
        attrs.semantic_label = object_label_of[obj["category"] or "unknown"]
        color = dsg.distinct_150_color(attrs.semantic_label)
        attrs.color = np.array([color.r, color.g, color.b], dtype=np.uint8)
        box = _bounding_box(dsg, obj.get("bbox_min"), obj.get("bbox_max"))
        if box is not None:
            attrs.bounding_box = box
        attrs.is_active = bool(obj.get("present", True))
        if obj.get("last_seen") is not None:
            attrs.last_update_time_ns = int(round(float(obj["last_seen"]) * 1e9))
        attrs.metadata.set({METADATA_KEY: {k: v for k, v in obj.items() if k not in ("position", "bbox_min",
                                                                                       "bbox_max")}})
        graph.add_node(layers.OBJECTS, symbol, attrs)
        object_symbols[obj["id"]] = symbol
        if obj.get("place") in place_symbols:
            graph.insert_edge(place_symbols[obj["place"]], symbol)
        elif obj.get("room") in room_symbols:
            graph.insert_edge(room_symbols[obj["room"]], symbol)
    for obj in document["objects"]:
        support = obj.get("rests_on")
        if support in object_symbols and support != obj["id"]:
            info = dsg.EdgeAttributes()
            info.metadata.set({METADATA_KEY: {"relation": "rests_on", "child": obj["id"], "parent": support}})
            graph.insert_edge(object_symbols[obj["id"]], object_symbols[support], info)

    graph.set_labelspace(dsg.Labelspace(object_labels), layers.OBJECTS)
    graph.set_labelspace(dsg.Labelspace(room_labels), layers.ROOMS)
    graph.metadata.add({METADATA_KEY: {
        "format": document["format"], "version": document["version"], "time": document["time"],
        "time_text": document["time_text"], "doors": document["doors"],
    }})
    return graph


def save_dsg(graph, path: str | Path) -> None:
    """Save with spark_dsg (format from the suffix); a partial file never replaces a good one."""
    path = Path(path)
    check_dsg_suffix(path)
    if not path.parent.exists():
        raise DsgFormatError(f"{path}: directory {path.parent} does not exist")
    tmp = path.with_name(f"{path.stem}.partial{path.suffix}")
    try:
        graph.save(str(tmp), include_mesh=False)
    except Exception as exc:
        tmp.unlink(missing_ok=True)
        raise DsgFormatError(f"{path}: spark_dsg could not save ({exc})") from exc
    os.replace(tmp, path)


def export_dsg(memory: Any, path: str | Path, at: float | None = None):
    """Export the memory as believed at `at` (None: latest) to a spark_dsg file; returns the graph."""
    check_dsg_suffix(Path(path))
    graph = document_to_dsg(memory_to_document(memory, at))
    save_dsg(graph, path)
    return graph


def load_dsg(path: str | Path):
    """Load a spark_dsg file; errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise DsgFormatError(f"{path}: no such file")
    check_dsg_suffix(path)
    dsg = _spark_dsg()
    try:
        return dsg.DynamicSceneGraph.load(str(path))
    except Exception as exc:
        raise DsgFormatError(f"{path}: not a spark_dsg scene graph ({str(exc).strip() or type(exc).__name__})") from exc


@dataclass
class ImportedObject:
    """An object read from a DSG: what an observation of it needs."""

    node: str
    name: str
    category: str
    position: tuple[float, float, float]
    bbox_min: tuple[float, float, float]
    bbox_max: tuple[float, float, float]
    state: str | None = None
    room: str | None = None


@dataclass
class ImportedGraph:
    """What a DSG file says that the memory can take in: rooms (a floor plan) and objects."""

    rooms: list[Room] = field(default_factory=list)
    doors: list[Door] = field(default_factory=list)
    objects: list[ImportedObject] = field(default_factory=list)
    time: float | None = None

    def floor_plan(self) -> FloorPlan:
        return FloorPlan(rooms=tuple(self.rooms), doors=tuple(self.doors))


_SYMBOL_NAME = re.compile(r"^\s*[A-Za-z]\(?\d+\)?\s*$")  # a node symbol such as "O(3)" or "O3" names no category
_TRAILING_INDEX = re.compile(r"[\s_\-:#(]*\(?\d+\)?$")


def category_from_name(name: str) -> str:
    """`"mug_3"` -> `"mug"`, `"coffee table 2"` -> `"coffee table"`; an empty result -> ""."""
    return _TRAILING_INDEX.sub("", name.strip()).strip()


def _node_metadata(node) -> dict:
    try:
        data = node.attributes.metadata.get()
    except Exception:
        return {}
    ours = data.get(METADATA_KEY) if data else None
    return dict(ours) if isinstance(ours, dict) else {}


def _layer_nodes(graph, layer_id: int) -> list:
    if not graph.has_layer(layer_id):
        return []
    return list(graph.get_layer(layer_id).nodes)


def _box_of(attrs) -> tuple[np.ndarray, np.ndarray] | None:
    box = getattr(attrs, "bounding_box", None)
    if box is None or not box.is_valid():
        return None
    lo, hi = np.asarray(box.min, dtype=float), np.asarray(box.max, dtype=float)
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        return None
    return lo, hi


def _descendant_positions(graph, node, depth: int = 2) -> list[np.ndarray]:
    positions = []
    frontier = [node]
    for _ in range(depth):
        children = []
        for item in frontier:
            for child_id in item.children():
                child = graph.get_node(child_id)
                positions.append(np.asarray(child.attributes.position, dtype=float))
                children.append(child)
        frontier = children
    return positions


def read_dsg(path: str | Path) -> ImportedGraph:
    """Rooms and objects of a DSG file (ours or Hydra's); errors name the file and the node."""
    path = Path(path)
    graph = load_dsg(path)
    dsg = _spark_dsg()
    layers = dsg.DsgLayers
    graph_meta = {}
    try:
        graph_meta = dict(graph.metadata.get().get(METADATA_KEY) or {})
    except Exception:
        graph_meta = {}

    file_time = graph_meta.get("time")
    if file_time is not None and (isinstance(file_time, bool) or not isinstance(file_time, (int, float))
                                  or not np.isfinite(file_time) or file_time < 0):
        raise DsgFormatError(f"{path}: metadata.{METADATA_KEY}.time: expected seconds >= 0, got {file_time!r}")
    imported = ImportedGraph(time=file_time)
    room_labels = graph.get_labelspace(layers.ROOMS) if graph.has_layer(layers.ROOMS) else None
    object_labels = graph.get_labelspace(layers.OBJECTS) if graph.has_layer(layers.OBJECTS) else None

    room_of_node: dict[int, str] = {}
    used_names: set[str] = set()
    for node in _layer_nodes(graph, layers.ROOMS):
        attrs = node.attributes
        name = (getattr(attrs, "name", "") or "").strip()
        if not name and room_labels is not None and attrs.semantic_label in room_labels.labels_to_names:
            name = room_labels.labels_to_names[attrs.semantic_label]
        if not name or name in used_names:
            name = f"{name or 'room'}_{node.id.category_id}"
        used_names.add(name)
        position = np.asarray(attrs.position, dtype=float)
        polygon = _node_metadata(node).get("polygon")
        if not isinstance(polygon, list) or len(polygon) < 3:
            box = _box_of(attrs)
            if box is None or np.any((box[1] - box[0])[:2] <= 1e-6):
                extent = _descendant_positions(graph, node) + [position]
                lo = np.min(extent, axis=0)[:2] - 0.5
                hi = np.max(extent, axis=0)[:2] + 0.5
            else:
                lo, hi = box[0][:2], box[1][:2]
            polygon = [[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]]
        try:
            room = Room(name=name, polygon=tuple((float(x), float(y)) for x, y in polygon))
        except (TypeError, ValueError) as exc:
            raise DsgFormatError(f"{path}: room node {node.id.str()}: bad polygon ({exc})") from exc
        imported.rooms.append(room)
        room_of_node[node.id.value] = name

    for door in graph_meta.get("doors") or []:
        try:
            a, b = door["rooms"]
            imported.doors.append(Door(rooms=(str(a), str(b)), at=(float(door["at"][0]), float(door["at"][1])),
                                       width=float(door.get("width", 1.0))))
        except (KeyError, TypeError, ValueError) as exc:
            raise DsgFormatError(f"{path}: metadata.{METADATA_KEY}.doors: bad door {door!r} ({exc})") from exc

    latest_ns = 0
    for node in _layer_nodes(graph, layers.OBJECTS):
        attrs = node.attributes
        ours = _node_metadata(node)
        name = (getattr(attrs, "name", "") or "").strip() or node.id.str()
        category = ours.get("category")
        label = getattr(attrs, "semantic_label", None)
        if not category and object_labels is not None and label in object_labels.labels_to_names:
            category = object_labels.labels_to_names[label]
        if not category and not _SYMBOL_NAME.match(getattr(attrs, "name", "") or ""):
            category = category_from_name(getattr(attrs, "name", "") or "")
        if not category:
            category = f"label_{label}" if label is not None and label != attrs.NO_SEMANTIC_LABEL else "unknown"
        position = np.asarray(attrs.position, dtype=float)
        if not np.all(np.isfinite(position)):
            raise DsgFormatError(f"{path}: object node {node.id.str()}: position is not finite")
        box = _box_of(attrs)
        if box is None:
            box = (position - DEFAULT_OBJECT_HALF_EXTENT_M, position + DEFAULT_OBJECT_HALF_EXTENT_M)
        latest_ns = max(latest_ns, int(getattr(attrs, "last_update_time_ns", 0) or 0))
        room = ours.get("room")
        if room is None:
            for parent_id in node.parents():
                parent = graph.get_node(parent_id)
                room = room_of_node.get(parent_id) or next(
                    (room_of_node[p] for p in parent.parents() if p in room_of_node), None)
                if room:
                    break
        imported.objects.append(ImportedObject(
            node=node.id.str(), name=name, category=str(category),
            position=tuple(float(v) for v in position),
            bbox_min=tuple(float(v) for v in box[0]), bbox_max=tuple(float(v) for v in box[1]),
            state=ours.get("state"), room=room,
        ))
    if imported.time is None and latest_ns > 0:
        imported.time = latest_ns / 1e9
    return imported


@dataclass
class ImportSummary:
    """What `import_dsg` put into the memory."""

    rooms: int
    objects_in_file: int
    frames: int
    created: int
    matched: int
    time: float


def observation_frames(imported: ImportedGraph, time: float, sightings: int = 3, sighting_interval_s: float = 0.01,
                       first_frame_id: int = 0, max_observations_per_frame: int = 256) -> list[Frame]:
    """Frames that report every imported object `sightings` times (memories confirm objects over frames).

    Objects are sorted by position and split into chunks of at most `max_observations_per_frame`
    (association cost grows faster than linearly with a frame's size); each chunk is shown
    `sightings` times in a row, `sighting_interval_s` apart. These are not views of the house: the
    "camera" sits outside every room looking up, with a 0.1 m range, so the memory takes no
    negative evidence from them and logs no room as observed.
    """
    if sightings < 1:
        raise BadInputError(f"sightings: must be at least 1, got {sightings}")
    if max_observations_per_frame < 1:
        raise BadInputError(f"max_observations_per_frame: must be at least 1, got {max_observations_per_frame}")
    corners = [p for room in imported.rooms for p in room.polygon] + [o.position[:2] for o in imported.objects]
    x0 = min((float(p[0]) for p in corners), default=0.0) - 100.0
    y0 = min((float(p[1]) for p in corners), default=0.0) - 100.0
    robot_pose = Pose.from_xyz_yaw(x0, y0, 0.0, 0.0)
    camera_pose = Pose(x0, y0, 1.0)  # optical +z along map +z: looking at the sky
    intrinsics = CameraIntrinsics.from_hfov(64, 48, 60.0)
    ordered = sorted(imported.objects, key=lambda o: (o.room or "", round(o.position[0], 1), round(o.position[1], 1)))
    frames: list[Frame] = []
    for start in range(0, len(ordered), max_observations_per_frame):
        chunk = ordered[start:start + max_observations_per_frame]
        for _ in range(sightings):
            observations = [
                Observation(category=o.category, centroid=o.position, bbox_min=o.bbox_min, bbox_max=o.bbox_max,
                            confidence=1.0, num_points=100, state=o.state,
                            state_confidence=1.0 if o.state else 0.0, instance_id=k + 1)
                for k, o in enumerate(chunk)
            ]
            frames.append(Frame(frame_id=first_frame_id + len(frames), time=time + len(frames) * sighting_interval_s,
                                robot_pose=robot_pose, camera_pose=camera_pose, intrinsics=intrinsics,
                                observations=observations, depth=None, max_range_m=0.1))
    return frames


def merge_floor_plans(existing: FloorPlan | None, imported: FloorPlan) -> FloorPlan:
    """The existing plan plus the imported rooms/doors it does not have (existing rooms win by name)."""
    if existing is None:
        return imported
    names = {room.name for room in existing.rooms}
    rooms = tuple(existing.rooms) + tuple(r for r in imported.rooms if r.name not in names)
    doors = tuple(existing.doors) + tuple(d for d in imported.doors if d not in existing.doors)
    return FloorPlan(rooms=rooms, doors=doors)


def _count(value: Any) -> int:
    return value if isinstance(value, int) else len(value or ())


def _confirm_sightings(memory: Any) -> int:
    config = getattr(memory, "config", None)
    return max(1, int(getattr(config, "confirm_sightings", 2) or 2))


def import_graph_into_memory(imported: ImportedGraph, memory: Any, time: float | None = None,
                             sightings: int | None = None) -> ImportSummary:
    """Ingest the rooms and objects of a read DSG into `memory` (a MemoryStore).

    Objects are shown in as many frames as the memory needs to confirm a sighting (its
    `confirm_sightings`), so they become permanent objects, not tentative ones.
    """
    latest = getattr(memory, "last_time", None)
    latest = float(latest) if latest is not None and np.isfinite(latest) else None
    if time is not None:
        when = float(time)
        if latest is not None and when < latest - 1e-6:
            raise BadInputError(f"import time {when:g} s is before the memory's latest time {latest:g} s; "
                                "a memory takes sightings in time order")
    else:
        when = float(imported.time) if imported.time is not None else 0.0
        if latest is not None:
            when = max(when, latest)
    if imported.rooms:
        memory.set_floor_plan(merge_floor_plans(memory.floor_plan, imported.floor_plan()))
    created = matched = 0
    count = sightings if sightings is not None else _confirm_sightings(memory)
    first_frame_id = int(getattr(memory, "last_frame_id", -1)) + 1
    frames = observation_frames(imported, when, sightings=count, first_frame_id=first_frame_id) \
        if imported.objects else []
    for frame in frames:
        result = memory.ingest(frame)
        created += _count(getattr(result, "created", 0))
        matched += _count(getattr(result, "matched", 0))
    return ImportSummary(rooms=len(imported.rooms), objects_in_file=len(imported.objects), frames=len(frames),
                         created=created, matched=matched, time=when)


def import_dsg(path: str | Path, memory: Any, time: float | None = None, sightings: int | None = None) -> ImportSummary:
    """Read a DSG file and ingest its rooms and objects into `memory` (a MemoryStore).

    `time` defaults to the file's own time (our metadata, or its newest node update), else 0.
    The whole file is read and checked before anything is written to the memory.
    """
    return import_graph_into_memory(read_dsg(path), memory, time=time, sightings=sightings)
