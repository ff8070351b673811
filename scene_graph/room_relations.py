"""Where objects stand within a room, computed from the floor plan and remembered boxes when a question asks.

Like scene_graph.spatial_relations nothing here is stored. Thresholds are choices, stated once:

- in_middle_of (a room): the object stands on the floor (a rug under it does not count) or on nothing memory
  holds (what rests on another thing is that thing's content), and its footprint, grown by
  `MIDDLE_MARGIN_M`, covers the room's centroid or its centre lies within `MIDDLE_FRACTION` of the room's
  shorter side from the centroid;
- on_wall: the object's box bottom is at least `WALL_MIN_Z_M` above the floor, nothing memory holds is under
  it (it rests on nothing, and no other box lies below its footprint), and its footprint comes within
  `WALL_GAP_M` of the room's boundary: hung on a wall.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shapely

from scene_graph.spatial_relations import ON_GAP_M, above, rests_on
from scene_graph.types import Room

MIDDLE_MARGIN_M = 0.1
MIDDLE_FRACTION = 0.2
WALL_MIN_Z_M = 0.3
WALL_GAP_M = 0.3
ROOM_RELATIONS = ("in_middle_of", "on_wall")


def _footprint(obj: Any) -> shapely.Geometry:
    return shapely.box(float(obj.bbox_min[0]), float(obj.bbox_min[1]), float(obj.bbox_max[0]), float(obj.bbox_max[1]))


def _supported(obj: Any, others: Sequence[Any]) -> bool:
    """Whether obj rests on, or stands over, another object memory holds (never when it stands on the floor)."""
    if obj.rests_on and any(o.id == obj.rests_on for o in others):
        return True
    return float(obj.bbox_min[2]) > ON_GAP_M and any(
        o.id != obj.id and (rests_on(obj, o) or above(obj, o)) for o in others)


def in_middle_of(room: Room, objects: Sequence[Any]) -> list[Any]:
    """The objects of `objects` standing in the middle of `room` (see the module's thresholds)."""
    polygon = shapely.Polygon(room.polygon)
    centre = polygon.centroid
    x0, y0, x1, y1 = polygon.bounds
    reach = MIDDLE_FRACTION * min(x1 - x0, y1 - y0)
    found = []
    for o in objects:
        if o.room != room.name or _supported(o, objects):
            continue
        covers = _footprint(o).buffer(MIDDLE_MARGIN_M, join_style="mitre").covers(centre)
        if covers or shapely.Point(float(o.position[0]), float(o.position[1])).distance(centre) <= reach:
            found.append(o)
    return found


def on_wall(room: Room, objects: Sequence[Any]) -> list[Any]:
    """The objects of `objects` hung on a wall of `room` (see the module's thresholds)."""
    boundary = shapely.Polygon(room.polygon).exterior
    return [o for o in objects if o.room == room.name and float(o.bbox_min[2]) >= WALL_MIN_Z_M
            and not _supported(o, objects) and _footprint(o).distance(boundary) <= WALL_GAP_M]


def in_room_relation(relation: str, room: Room, objects: Sequence[Any]) -> list[Any]:
    """The objects standing in `relation` (one of ROOM_RELATIONS) to `room`."""
    if relation == "in_middle_of":
        return in_middle_of(room, objects)
    if relation == "on_wall":
        return on_wall(room, objects)
    raise ValueError(f"relation {relation!r}: expected one of {', '.join(ROOM_RELATIONS)}")
