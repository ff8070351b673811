"""Wall segments of a floor plan: every room polygon edge, minus a gap at each doorway on it."""

from __future__ import annotations

import math

from scene_graph.types import FloorPlan

Segment = tuple[tuple[float, float], tuple[float, float]]

DOOR_SNAP_M = 0.25  # a door this close to an edge's line opens a gap in that edge


def wall_segments(floor_plan: FloorPlan) -> list[Segment]:
    """Wall pieces as 2D segments; an edge shared by two rooms appears once."""
    pieces: list[Segment] = []
    seen: set[tuple] = set()
    for room in floor_plan.rooms:
        poly = room.polygon
        for i in range(len(poly)):
            a, b = poly[i], poly[(i + 1) % len(poly)]
            key = tuple(sorted((tuple(round(v, 3) for v in a), tuple(round(v, 3) for v in b))))
            if key in seen:
                continue
            seen.add(key)
            pieces.extend(_cut_doors((a, b), floor_plan))
    return pieces


def _cut_doors(edge: Segment, floor_plan: FloorPlan) -> list[Segment]:
    (ax, ay), (bx, by) = edge
    length = math.hypot(bx - ax, by - ay)
    if length < 1e-9:
        return []
    ux, uy = (bx - ax) / length, (by - ay) / length
    gaps = []
    for door in floor_plan.doors:
        dx, dy = door.at[0] - ax, door.at[1] - ay
        along = dx * ux + dy * uy
        across = abs(-dx * uy + dy * ux)
        if across <= DOOR_SNAP_M and -door.width / 2 <= along <= length + door.width / 2:
            gaps.append((along - door.width / 2, along + door.width / 2))
    gaps.sort()
    pieces = []
    start = 0.0
    for g0, g1 in gaps:
        if g0 > start + 1e-6:
            pieces.append((start, min(g0, length)))
        start = max(start, g1)
    if start < length - 1e-6:
        pieces.append((start, length))
    return [((ax + ux * s, ay + uy * s), (ax + ux * e, ay + uy * e)) for s, e in pieces if e - s > 1e-3]
