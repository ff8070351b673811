"""Where the robot stands to look when it patrols a room: the floor plan is all it knows."""

from __future__ import annotations

import math

from scene_graph.types import FloorPlan

WALL_CLEARANCE_M = 0.9
SPACING_M = 3.0


def _inside(point: tuple[float, float], polygon: tuple[tuple[float, float], ...]) -> bool:
    x, y = point
    inside = False
    for i in range(len(polygon)):
        (x1, y1), (x2, y2) = polygon[i], polygon[(i + 1) % len(polygon)]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _clearance(point: tuple[float, float], polygon: tuple[tuple[float, float], ...]) -> float:
    px, py = point
    best = math.inf
    for i in range(len(polygon)):
        (x1, y1), (x2, y2) = polygon[i], polygon[(i + 1) % len(polygon)]
        dx, dy = x2 - x1, y2 - y1
        length2 = dx * dx + dy * dy or 1e-12
        t = max(0.0, min(1.0, ((px - x1) * dx + (py - y1) * dy) / length2))
        best = min(best, math.hypot(px - x1 - t * dx, py - y1 - t * dy))
    return best


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
            if _inside(p, room.polygon) and _clearance(p, room.polygon) >= WALL_CLEARANCE_M:
                points.append(p)
    if not points:
        cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
        points.append((cx, cy))
    return points
