"""The robot's map as a file: the rooms (name, polygon in the map frame) and the doors between them, in YAML.

    rooms:
      - name: kitchen
        polygon: [[0.0, 0.0], [5.0, 0.0], [5.0, 4.0], [0.0, 4.0]]
      - name: living_room
        polygon: [[5.0, 0.0], [11.0, 0.0], [11.0, 5.0], [5.0, 5.0]]
    doors:
      - rooms: [kitchen, living_room]
        at: [5.0, 2.0]
        width: 1.0          # optional, metres (default 1.0)

A scenario file is also a source: its `world.rooms` and `world.doors` have this same form, and only
they are read from it (the rest of a scenario is the simulator's). `python -m sim.scenario_check
SCENARIO --floor-plan-out FILE` writes a scenario's map as a file of its own.

Unknown keys and wrong values raise ConfigError (a BadInputError) naming the file and the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from memory_stack.foundation.typed_config import ConfigError, build_dataclass, load_yaml_file
from scene_graph.types import Door, FloorPlan, Room

NOT_A_ROOM = "none"  # answers use it for "not in the house"


@dataclass
class RoomEntry:
    name: str
    polygon: list[tuple[float, float]]


@dataclass
class DoorEntry:
    rooms: tuple[str, str]
    at: tuple[float, float]
    width: float = 1.0


@dataclass
class FloorPlanDocument:
    rooms: list[RoomEntry]
    doors: list[DoorEntry] = field(default_factory=list)


def floor_plan_from_dict(data: Any, source: str = "<floor plan>") -> FloorPlan:
    """A FloorPlan from a floor-plan document or a scenario's mapping (its world.rooms and world.doors)."""
    prefix = ""
    if isinstance(data, dict) and "world" in data:
        world = data["world"]
        if not isinstance(world, dict):
            raise ConfigError(source, "world", f"expected a mapping, got {type(world).__name__}")
        data, prefix = {key: world[key] for key in ("rooms", "doors") if key in world}, "world"
    document = build_dataclass(FloorPlanDocument, data, source=source, field_path=prefix)
    _check(document, source, f"{prefix}." if prefix else "")
    return FloorPlan(rooms=tuple(Room(r.name, tuple(r.polygon)) for r in document.rooms),
                     doors=tuple(Door(d.rooms, d.at, d.width) for d in document.doors))


def floor_plan_to_dict(plan: FloorPlan) -> dict[str, Any]:
    """The file form of `plan` (plain lists and floats)."""
    return {"rooms": [{"name": room.name, "polygon": [[float(x), float(y)] for x, y in room.polygon]}
                      for room in plan.rooms],
            "doors": [{"rooms": list(door.rooms), "at": [float(door.at[0]), float(door.at[1])],
                       "width": float(door.width)} for door in plan.doors]}


def load_floor_plan_file(path: str | Path) -> FloorPlan:
    """Read a floor-plan file (or a scenario file's rooms and doors)."""
    return floor_plan_from_dict(load_yaml_file(path), source=str(path))


def save_floor_plan_file(plan: FloorPlan, path: str | Path) -> Path:
    """Write `plan` as a floor-plan file; it reads back as an equal FloorPlan."""
    path = Path(path)
    floor_plan_from_dict(floor_plan_to_dict(plan), source=str(path))  # never write a file that cannot be read
    path.write_text(yaml.safe_dump(floor_plan_to_dict(plan), sort_keys=False, default_flow_style=None),
                    encoding="utf-8")
    return path


def _check(document: FloorPlanDocument, source: str, prefix: str) -> None:
    if not document.rooms:
        raise ConfigError(source, f"{prefix}rooms", "at least one room is required")
    names: set[str] = set()
    for i, room in enumerate(document.rooms):
        where = f"{prefix}rooms[{i}]"
        if not room.name.strip():
            raise ConfigError(source, f"{where}.name", "empty room name")
        if room.name in names:
            raise ConfigError(source, f"{where}.name", f"duplicate room name {room.name!r}")
        if room.name == NOT_A_ROOM:
            raise ConfigError(source, f"{where}.name", f"{NOT_A_ROOM!r} is reserved (means: not in the house)")
        if not all(math.isfinite(v) for point in room.polygon for v in point):
            raise ConfigError(source, f"{where}.polygon", "coordinates must be finite numbers")
        if len(room.polygon) < 3:
            raise ConfigError(source, f"{where}.polygon", "a polygon needs at least 3 points")
        if abs(_area(room.polygon)) < 1e-6:
            raise ConfigError(source, f"{where}.polygon", "polygon has zero area")
        names.add(room.name)
    for i, door in enumerate(document.doors):
        where = f"{prefix}doors[{i}]"
        for j, name in enumerate(door.rooms):
            if name not in names:
                raise ConfigError(source, f"{where}.rooms[{j}]", f"unknown room {name!r}")
        if not all(math.isfinite(v) for v in door.at):
            raise ConfigError(source, f"{where}.at", f"coordinates must be finite numbers, got {list(door.at)}")
        if door.rooms[0] == door.rooms[1]:
            raise ConfigError(source, f"{where}.rooms", "a door joins two different rooms")
        if not door.width > 0:
            raise ConfigError(source, f"{where}.width", f"must be positive, got {door.width}")


def _area(polygon: list[tuple[float, float]]) -> float:
    return 0.5 * sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1]))
