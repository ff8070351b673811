"""A 2D occupancy grid of the house for the base, and A* path planning on it.

Free cells lie inside some room, at least the robot's radius (plus margin) away from every wall and
outside every obstacle footprint inflated by the same amount.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from scene_graph.types import FloorPlan
from sim.walls import Segment, wall_segments

Polygon = Sequence[tuple[float, float]]


class NoPathError(Exception):
    """The planner could not connect start and goal; the message says why."""


@dataclass
class OccupancyGrid:
    origin: tuple[float, float]  # map (x, y) of cell (0, 0)'s centre
    resolution: float
    free: np.ndarray  # bool [ny, nx]

    @property
    def shape(self) -> tuple[int, int]:
        return self.free.shape

    def cell_of(self, x: float, y: float) -> tuple[int, int]:
        return (int(round((y - self.origin[1]) / self.resolution)), int(round((x - self.origin[0]) / self.resolution)))

    def center_of(self, row: int, col: int) -> tuple[float, float]:
        return (self.origin[0] + col * self.resolution, self.origin[1] + row * self.resolution)

    def in_bounds(self, row: int, col: int) -> bool:
        return 0 <= row < self.free.shape[0] and 0 <= col < self.free.shape[1]

    def is_free_xy(self, x: float, y: float) -> bool:
        r, c = self.cell_of(x, y)
        return self.in_bounds(r, c) and bool(self.free[r, c])

    def nearest_free(self, x: float, y: float, max_dist: float) -> tuple[int, int] | None:
        r0, c0 = self.cell_of(x, y)
        reach = int(math.ceil(max_dist / self.resolution))
        best, best_d = None, math.inf
        for r in range(r0 - reach, r0 + reach + 1):
            for c in range(c0 - reach, c0 + reach + 1):
                if self.in_bounds(r, c) and self.free[r, c]:
                    cx, cy = self.center_of(r, c)
                    d = math.hypot(cx - x, cy - y)
                    if d <= max_dist and d < best_d:
                        best, best_d = (r, c), d
        return best

    def segment_free(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        steps = max(1, int(math.ceil(math.hypot(b[0] - a[0], b[1] - a[1]) / (self.resolution * 0.5))))
        for i in range(steps + 1):
            t = i / steps
            if not self.is_free_xy(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t):
                return False
        return True


def _points_in_polygon(xs: np.ndarray, ys: np.ndarray, polygon: Polygon) -> np.ndarray:
    inside = np.zeros(xs.shape, dtype=bool)
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        if y1 == y2:
            continue
        crosses = (y1 > ys) != (y2 > ys)
        x_cross = x1 + (ys - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (xs < x_cross)
    return inside


def _distance_to_segment(xs: np.ndarray, ys: np.ndarray, seg: Segment) -> np.ndarray:
    (ax, ay), (bx, by) = seg
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = np.clip(((xs - ax) * dx + (ys - ay) * dy) / max(length2, 1e-12), 0.0, 1.0)
    return np.hypot(xs - (ax + t * dx), ys - (ay + t * dy))


def build_occupancy_grid(floor_plan: FloorPlan, obstacles: Iterable[Polygon] = (), robot_radius: float = 0.30,
                         margin: float = 0.05, resolution: float = 0.1, wall_thickness: float = 0.1) -> OccupancyGrid:
    """Grid over the floor plan's bounding box; `obstacles` are footprint polygons (e.g. furniture)."""
    all_points = np.array([pt for room in floor_plan.rooms for pt in room.polygon], dtype=float)
    lo, hi = all_points.min(axis=0), all_points.max(axis=0)
    nx = int(math.ceil((hi[0] - lo[0]) / resolution)) + 1
    ny = int(math.ceil((hi[1] - lo[1]) / resolution)) + 1
    xs, ys = np.meshgrid(lo[0] + np.arange(nx) * resolution, lo[1] + np.arange(ny) * resolution)
    inside = np.zeros(xs.shape, dtype=bool)
    for room in floor_plan.rooms:
        inside |= _points_in_polygon(xs, ys, room.polygon)
    clearance = robot_radius + margin
    free = inside.copy()
    for seg in wall_segments(floor_plan):
        free &= _distance_to_segment(xs, ys, seg) >= clearance + wall_thickness / 2
    for poly in obstacles:
        poly = list(poly)
        blocked = _points_in_polygon(xs, ys, poly)
        for i in range(len(poly)):
            blocked |= _distance_to_segment(xs, ys, (poly[i], poly[(i + 1) % len(poly)])) < clearance
        free &= ~blocked
    return OccupancyGrid((float(lo[0]), float(lo[1])), resolution, free)


_NEIGHBOURS = [(-1, 0, 1.0), (1, 0, 1.0), (0, -1, 1.0), (0, 1, 1.0),
               (-1, -1, math.sqrt(2)), (-1, 1, math.sqrt(2)), (1, -1, math.sqrt(2)), (1, 1, math.sqrt(2))]


def plan_path(grid: OccupancyGrid, start: tuple[float, float], goal: tuple[float, float],
              start_tolerance: float = 0.6, goal_tolerance: float = 0.3) -> list[tuple[float, float]]:
    """A* (8-connected) from start to goal, shortcut by line of sight; map-frame waypoints incl. both ends."""
    s = grid.nearest_free(*start, start_tolerance)
    if s is None:
        raise NoPathError(f"start ({start[0]:.2f}, {start[1]:.2f}) is not in free space")
    r, c = grid.cell_of(*goal)
    if not grid.in_bounds(r, c):
        raise NoPathError(f"goal ({goal[0]:.2f}, {goal[1]:.2f}) is outside the floor plan")
    g = grid.nearest_free(*goal, goal_tolerance)
    if g is None:
        raise NoPathError(f"goal ({goal[0]:.2f}, {goal[1]:.2f}) is inside an obstacle, a wall or outside every room")
    cells = _astar(grid.free, s, g)
    if cells is None:
        raise NoPathError(f"goal ({goal[0]:.2f}, {goal[1]:.2f}) is unreachable from "
                          f"({start[0]:.2f}, {start[1]:.2f}): no free path")
    points = [grid.center_of(rr, cc) for rr, cc in cells]
    points[0] = tuple(start) if grid.is_free_xy(*start) else points[0]
    if grid.is_free_xy(*goal):
        points[-1] = tuple(goal)
    return _shortcut(grid, [tuple(map(float, pt)) for pt in points])


def _astar(free: np.ndarray, start: tuple[int, int], goal: tuple[int, int]) -> list[tuple[int, int]] | None:
    ny, nx = free.shape
    gr, gc = goal

    def h(r: int, c: int) -> float:
        dr, dc = abs(r - gr), abs(c - gc)
        return (dr + dc) + (math.sqrt(2) - 2) * min(dr, dc)

    best = {start: 0.0}
    parent: dict[tuple[int, int], tuple[int, int]] = {}
    heap = [(h(*start), 0.0, start)]
    closed: set[tuple[int, int]] = set()
    while heap:
        _, cost, cell = heapq.heappop(heap)
        if cell == goal:
            path = [cell]
            while cell in parent:
                cell = parent[cell]
                path.append(cell)
            return path[::-1]
        if cell in closed:
            continue
        closed.add(cell)
        r, c = cell
        for dr, dc, step in _NEIGHBOURS:
            rr, cc = r + dr, c + dc
            if not (0 <= rr < ny and 0 <= cc < nx) or not free[rr, cc]:
                continue
            if dr and dc and not (free[r + dr, c] and free[r, c + dc]):
                continue
            new_cost = cost + step
            if new_cost < best.get((rr, cc), math.inf):
                best[(rr, cc)] = new_cost
                parent[(rr, cc)] = cell
                heapq.heappush(heap, (new_cost + h(rr, cc), new_cost, (rr, cc)))
    return None


def _shortcut(grid: OccupancyGrid, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(points) <= 2:
        return points
    out = [points[0]]
    i = 0
    while i < len(points) - 1:
        j = len(points) - 1
        while j > i + 1 and not grid.segment_free(points[i], points[j]):
            j -= 1
        out.append(points[j])
        i = j
    return out


def path_length(points: Sequence[tuple[float, float]]) -> float:
    return float(sum(math.hypot(b[0] - a[0], b[1] - a[1]) for a, b in zip(points, points[1:])))
