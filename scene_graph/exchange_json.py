"""A memory as one plain JSON document: the layered scene graph at a time, plus events, facts, episodes.

The document (`memory_to_document`) is also the neutral form the spark_dsg and GraphML exporters
build from, so the three formats always describe the same graph. Schema (version 1):

```
{"format": "memory_stack.scene_graph", "version": 1,
 "time": 117000.0 | null,            "time_text": "d2 08:30" | null,
 "building": {"id": "building", "position": [x, y, z]},
 "rooms":   [{"name", "position": [x, y, z], "polygon": [[x, y], ...]}],
 "doors":   [{"rooms": [a, b], "at": [x, y], "width"}],
 "places":  [{"id", "kind", "position": [x, y, z], "room", "receptacle", "neighbors": [place id, ...]}],
 "objects": [{"id", "category", "position", "bbox_min", "bbox_max", "room", "place", "rests_on",
              "rests_on_category", "state", "confidence", "first_seen", "last_seen", "present",
              "is_receptacle"}],
 "events":  [{"kind", "object_id", "category", "time", "position", "room", "from_place", "to_place",
              "old_state", "new_state", "frame_ids"}],
 "facts":   [{...fields of the memory's facts}],
 "episodes": [{...fields of the memory's episodes}]}
```
Positions are metres in the map frame, times float seconds since d1 00:00. Objects and events are
those believed at `time`; rooms, doors and places are the memory's current ones (places include
receptacle viewpoints, so an export of the past can list a place whose receptacle was seen later).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.time_format import format_time_value
from scene_graph.types import FloorPlan

DOCUMENT_FORMAT = "memory_stack.scene_graph"
DOCUMENT_VERSION = 1
BUILDING_ID = "building"

OBJECT_FIELDS = ("id", "category", "position", "bbox_min", "bbox_max", "room", "rests_on", "rests_on_category",
                 "state", "confidence", "first_seen", "last_seen", "present", "is_receptacle")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...] | None:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        if not dataclasses.is_dataclass(cls):
            return None
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def plain(value: Any) -> Any:
    """Dataclasses, tuples, numpy values and enums -> JSON-ready dicts, lists, floats (NaN/inf -> None)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    names = _field_names(type(value))
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return plain(value.item())
    if hasattr(value, "value") and hasattr(value, "name"):  # enum
        return plain(value.value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


def polygon_centroid(polygon: Iterable[Iterable[float]]) -> tuple[float, float]:
    """Area centroid of a simple polygon (vertex mean for degenerate ones)."""
    points = np.asarray([tuple(p)[:2] for p in polygon], dtype=float)
    if len(points) == 0:
        return 0.0, 0.0
    x, y = points[:, 0], points[:, 1]
    xn, yn = np.roll(x, -1), np.roll(y, -1)
    cross = x * yn - xn * y
    area = cross.sum() / 2.0
    if abs(area) < 1e-12:
        return float(x.mean()), float(y.mean())
    return float(((x + xn) * cross).sum() / (6 * area)), float(((y + yn) * cross).sum() / (6 * area))


def _vector(value: Any, size: int = 3) -> list[float] | None:
    if value is None:
        return None
    items = [float(v) for v in list(value)[:size]]
    while len(items) < size:
        items.append(0.0)
    return [v if math.isfinite(v) else None for v in items]


def _rooms(floor_plan: FloorPlan | None) -> tuple[list[dict], list[dict]]:
    if floor_plan is None:
        return [], []
    rooms = []
    for room in floor_plan.rooms:
        cx, cy = polygon_centroid(room.polygon)
        rooms.append({"name": room.name, "position": [cx, cy, 0.0],
                      "polygon": [[float(x), float(y)] for x, y in room.polygon]})
    doors = [{"rooms": list(door.rooms), "at": [float(door.at[0]), float(door.at[1])], "width": float(door.width)}
             for door in floor_plan.doors]
    return rooms, doors


def _field(item: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(item, dict) and name in item:
            return item[name]
        if hasattr(item, name):
            return getattr(item, name)
    return default


def _memory_graph(memory: Any) -> Any:
    """The memory's own layered networkx graph (`graph()`), or None if it has none."""
    method = getattr(memory, "graph", None)
    return method() if callable(method) else None


def _places_of_memory(memory: Any, layered: Any) -> list[dict] | None:
    """The memory's own places (`places()`), neighbours from its layered graph; None if it has none."""
    method = getattr(memory, "places", None)
    if not callable(method):
        return None
    places = []
    for item in method():
        place_id = str(_field(item, "id"))
        neighbors: set[str] = set(str(n) for n in (_field(item, "neighbors", default=()) or ()))
        if layered is not None and layered.has_node(place_id):
            for other in list(layered.successors(place_id)) + list(layered.predecessors(place_id)):
                if layered.nodes[other].get("layer") == "place" and other != place_id:
                    neighbors.add(str(other))
        places.append({"id": place_id, "kind": _field(item, "kind"), "position": _vector(_field(item, "position")),
                       "room": _field(item, "room"), "receptacle": _field(item, "receptacle"),
                       "neighbors": sorted(neighbors)})
    return places


def places_from_floor_plan(rooms: list[dict], doors: list[dict]) -> list[dict]:
    """A topological place graph from the prior map: one place per room centre, one per doorway.

    A room's place neighbours the places of its doorways; a doorway's place neighbours the places
    of the two rooms it joins.
    """
    places: dict[str, dict] = {}
    for room in rooms:
        places[f"place:{room['name']}"] = {"id": f"place:{room['name']}", "kind": "room",
                                           "position": list(room["position"]), "room": room["name"],
                                           "receptacle": None, "neighbors": set()}
    for door in doors:
        a, b = door["rooms"]
        door_id = f"place:door:{a}:{b}"
        places[door_id] = {"id": door_id, "kind": "door", "position": [door["at"][0], door["at"][1], 0.0],
                           "room": None, "receptacle": None, "neighbors": set()}
        for room_name in (a, b):
            room_place = places.get(f"place:{room_name}")
            if room_place is not None:
                room_place["neighbors"].add(door_id)
                places[door_id]["neighbors"].add(room_place["id"])
    return [dict(p, neighbors=sorted(p["neighbors"])) for p in places.values()]


class PlaceLocator:
    """Which place an object is reached from.

    Its support's place, else its own place (a receptacle's viewpoint), else the nearest place in its
    room (any place when the room has none or the object has no room).
    """

    def __init__(self, places: list[dict]) -> None:
        self.by_receptacle = {p["receptacle"]: p["id"] for p in places if p.get("receptacle")}
        usable = [p for p in places if p.get("position") and None not in p["position"][:2]]
        self.ids = [p["id"] for p in usable]
        self.xy = np.array([p["position"][:2] for p in usable], dtype=float).reshape(-1, 2)
        self.rooms = np.array([p.get("room") or "" for p in usable], dtype=object)

    def place_of(self, record: dict) -> str | None:
        for holder in (record["rests_on"], record["id"] if record["is_receptacle"] else None):
            if holder is not None and holder in self.by_receptacle:
                return self.by_receptacle[holder]
        position = record["position"]
        if position is None or not self.ids or any(v is None for v in position[:2]):
            return None
        candidates = np.flatnonzero(self.rooms == record["room"]) if record["room"] else np.array([], dtype=int)
        if len(candidates) == 0:
            candidates = np.arange(len(self.ids))
        d2 = ((self.xy[candidates] - np.asarray(position[:2], dtype=float)) ** 2).sum(axis=1)
        return self.ids[int(candidates[int(np.argmin(d2))])]


def _objects(memory: Any, at: float | None) -> list[Any]:
    """Objects (receptacles included) believed present at `at`, one per id."""
    return list({str(obj.id): obj for obj in memory.objects(at=at)}.values())


def _object_record(obj: Any, locator: PlaceLocator) -> dict:
    record = {name: plain(getattr(obj, name, None)) for name in OBJECT_FIELDS}
    record["id"] = str(record["id"])
    if record["rests_on"] is not None:
        record["rests_on"] = str(record["rests_on"])
    for name in ("position", "bbox_min", "bbox_max"):
        record[name] = _vector(record[name])
    record["is_receptacle"] = bool(record["is_receptacle"])
    record["present"] = bool(record["present"]) if record["present"] is not None else True
    record["place"] = locator.place_of(record)
    return record


def _call_optional(memory: Any, name: str, *args: Any, **kwargs: Any) -> list[Any]:
    method = getattr(memory, name, None)
    if not callable(method):
        return []
    try:
        return list(method(*args, **kwargs))
    except TypeError:
        return list(method())


def memory_to_document(memory: Any, at: float | None = None) -> dict:
    """The layered scene graph believed at time `at` (None: latest), with events/facts/episodes up to `at`.

    `time` in the document is `at`, or the memory's latest time when `at` is None.
    """
    rooms, doors = _rooms(memory.floor_plan)
    layered = _memory_graph(memory)
    places = _places_of_memory(memory, layered)
    if places is None:
        places = places_from_floor_plan(rooms, doors)
    locator = PlaceLocator(places)
    objects = [_object_record(obj, locator) for obj in _objects(memory, at)]
    objects.sort(key=lambda o: o["id"])
    events = [plain(e) for e in memory.events(t0=None, t1=at)]
    facts = [plain(f) for f in _call_optional(memory, "facts", at=at)]
    episodes = [plain(e) for e in _call_optional(memory, "episodes", None, at)]
    if rooms:
        xs = [r["position"][0] for r in rooms]
        ys = [r["position"][1] for r in rooms]
        building_position = [float(np.mean(xs)), float(np.mean(ys)), 0.0]
    else:
        building_position = [0.0, 0.0, 0.0]
    time = at
    if time is None and isinstance(getattr(memory, "now", None), (int, float)):
        time = float(memory.now)
    return {
        "format": DOCUMENT_FORMAT,
        "version": DOCUMENT_VERSION,
        "time": time,
        "time_text": format_time_value(time),
        "building": {"id": BUILDING_ID, "position": building_position},
        "rooms": rooms,
        "doors": doors,
        "places": places,
        "objects": objects,
        "events": events,
        "facts": facts,
        "episodes": episodes,
    }


def export_json(memory: Any, path: str | Path, at: float | None = None) -> dict:
    """Write the document to `path` (atomically: a partial file never replaces a good one); return it."""
    document = memory_to_document(memory, at)
    write_json_atomically(document, path)
    return document


def write_json_atomically(document: dict, path: str | Path) -> None:
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise BadInputError(f"{path}: directory {path.parent} does not exist")
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(document, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def load_document(path: str | Path) -> dict:
    """Read and check a document written by `export_json` (errors name the file and the field)."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read ({exc.strerror})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("format") != DOCUMENT_FORMAT:
        raise BadInputError(f"{path}: format: expected {DOCUMENT_FORMAT!r}")
    if document.get("version") != DOCUMENT_VERSION:
        raise BadInputError(f"{path}: version: expected {DOCUMENT_VERSION}, got {document.get('version')!r}")
    for key in ("rooms", "places", "objects", "events"):
        if not isinstance(document.get(key), list):
            raise BadInputError(f"{path}: {key}: expected a list")
    return document
