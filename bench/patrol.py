"""Where the robot stands to look when it patrols a room: the floor plan is all it knows."""

from __future__ import annotations

from scene_graph.types import FloorPlan
from sim.scenario import distance_to_polygon_boundary, point_in_polygon

WALL_CLEARANCE_M = 0.9
SPACING_M = 3.0


def patrol_viewpoints(floor_plan: FloorPlan, room_name: str) -> list[tuple[float, float]]:
    """Viewpoints on a grid of `SPACING_M` inside the room, clear of its walls; the centre for small rooms.

    A point may still be blocked by furniture the robot does not know yet: navigation then fails
    and the patrol moves on to the next viewpoint.
    """
    room = next((r for r in floor_plan.rooms if r.name == room_name), None)
    if room is None:
        return []
    xs = [p[0] for p in room.polygon]
    ys = [p[1] for p in room.polygon]
    nx = max(1, round((max(xs) - min(xs)) / SPACING_M))
    ny = max(1, round((max(ys) - min(ys)) / SPACING_M))
    points = []
    for i in range(nx):
        for j in range(ny):
            p = (min(xs) + (i + 0.5) * (max(xs) - min(xs)) / nx, min(ys) + (j + 0.5) * (max(ys) - min(ys)) / ny)
            if point_in_polygon(p, room.polygon) and distance_to_polygon_boundary(p, room.polygon) >= WALL_CLEARANCE_M:
                points.append(p)
    if not points:
        cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
        points.append((cx, cy))
    return points
