"""Travel distances over the prior floor plan: straight lines inside a room, through doors between rooms.

The robot is given rooms and doors only (no furniture), so the travel estimate a planner can make
before driving is the shortest polyline that passes through door centres: Dijkstra over a graph
whose nodes are the start, the goal and the doors, and whose edges join points in a common room.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence

from scene_graph.types import FloorPlan, Room

XY = tuple[float, float]


def point_in_polygon(point: XY, polygon: Sequence[Sequence[float]]) -> bool:
    """Even-odd rule; points on an edge count as inside."""
    x, y = point
    inside = False
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i][0], polygon[i][1]
        x2, y2 = polygon[(i + 1) % n][0], polygon[(i + 1) % n][1]
        if min(y1, y2) <= y <= max(y1, y2) and min(x1, x2) <= x <= max(x1, x2):
            cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
            if abs(cross) < 1e-9:
                return True
        if (y1 > y) != (y2 > y):
            x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < x_cross:
                inside = not inside
    return inside


def polygon_centroid(polygon: Sequence[Sequence[float]]) -> XY:
    """Area centroid of a simple polygon (vertex mean for degenerate ones)."""
    area = 0.0
    cx = cy = 0.0
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i][0], polygon[i][1]
        x2, y2 = polygon[(i + 1) % n][0], polygon[(i + 1) % n][1]
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if abs(area) < 1e-12:
        return (sum(p[0] for p in polygon) / n, sum(p[1] for p in polygon) / n)
    return (cx / (3.0 * area), cy / (3.0 * area))


def room_at(floor_plan: FloorPlan | None, point: XY) -> Room | None:
    if floor_plan is None:
        return None
    for room in floor_plan.rooms:
        if point_in_polygon(point, room.polygon):
            return room
    return None


def room_named(floor_plan: FloorPlan | None, name: str | None) -> Room | None:
    if floor_plan is None or not name:
        return None
    for room in floor_plan.rooms:
        if room.name == name:
            return room
    return None


def _rooms_of(floor_plan: FloorPlan, point: XY) -> set[str]:
    return {room.name for room in floor_plan.rooms if point_in_polygon(point, room.polygon)}


def travel_distance(floor_plan: FloorPlan | None, start: XY, goal: XY) -> float:
    """Metres from start to goal: straight within a room, else the shortest route through doors.

    Points outside every room (or no floor plan) fall back to the straight line, which is a lower
    bound, so an unknown layout never makes a look seem more expensive than it can be.
    """
    straight = math.dist(start, goal)
    if floor_plan is None or not floor_plan.rooms:
        return straight
    start_rooms = _rooms_of(floor_plan, start)
    goal_rooms = _rooms_of(floor_plan, goal)
    if not start_rooms or not goal_rooms or start_rooms & goal_rooms:
        return straight
    nodes: list[tuple[XY, set[str]]] = [(start, start_rooms), (goal, goal_rooms)]
    nodes += [((float(d.at[0]), float(d.at[1])), set(d.rooms)) for d in floor_plan.doors]
    best = [math.inf] * len(nodes)
    best[0] = 0.0
    queue = [(0.0, 0)]
    while queue:
        dist, i = heapq.heappop(queue)
        if i == 1:
            return dist
        if dist > best[i]:
            continue
        for j in range(len(nodes)):
            if j == i or not (nodes[i][1] & nodes[j][1]):
                continue
            candidate = dist + math.dist(nodes[i][0], nodes[j][0])
            if candidate < best[j]:
                best[j] = candidate
                heapq.heappush(queue, (candidate, j))
    return straight
