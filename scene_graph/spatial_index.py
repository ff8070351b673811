"""Spatial memory: rooms from the floor plan, support relations, places, the layered graph, region index."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import shapely
from scipy.spatial import cKDTree

from memory_stack.foundation.errors import BadInputError
from scene_graph.records import Place
from scene_graph.types import FloorPlan

VIEWPOINT_STANDOFF_M = 0.6


class RoomIndex:
    """Point -> room name lookups over the prior floor plan's polygons."""

    def __init__(self, floor_plan: FloorPlan | None) -> None:
        self.floor_plan = floor_plan
        self.names: list[str] = []
        self.polygons: list[shapely.Polygon] = []
        self.bounds = np.zeros((0, 4))
        self.vertices: list[list[tuple[float, float]]] = []
        if floor_plan is None:
            return
        for i, room in enumerate(floor_plan.rooms):
            if len(room.polygon) < 3:
                raise BadInputError(f"floor_plan.rooms[{i}] ({room.name}): polygon needs >= 3 points")
            poly = shapely.Polygon(room.polygon)
            if not poly.is_valid or poly.area <= 0:
                raise BadInputError(f"floor_plan.rooms[{i}] ({room.name}): polygon is not a valid area")
            self.names.append(room.name)
            self.polygons.append(poly)
        for poly in self.polygons:
            shapely.prepare(poly)
        self.bounds = np.array([poly.bounds for poly in self.polygons]).reshape(-1, 4)
        self.vertices = [list(poly.exterior.coords)[:-1] for poly in self.polygons]
        names = set(self.names)
        for i, door in enumerate(floor_plan.doors):
            for r in door.rooms:
                if r not in names:
                    raise BadInputError(f"floor_plan.doors[{i}]: unknown room {r!r}")

    def room_of(self, x: float, y: float, tolerance_m: float = 0.3) -> str | None:
        if not self.polygons:
            return None
        b = self.bounds
        near = np.flatnonzero((b[:, 0] - tolerance_m <= x) & (x <= b[:, 2] + tolerance_m)
                              & (b[:, 1] - tolerance_m <= y) & (y <= b[:, 3] + tolerance_m))
        for i in near:
            if _inside(x, y, self.vertices[i]):
                return self.names[i]
        point = shapely.Point(x, y)
        best, best_d = None, tolerance_m
        for i in near:
            name, poly = self.names[i], self.polygons[i]
            d = poly.distance(point)
            if d <= best_d:
                best, best_d = name, d
        return best

    def sight_blocked(self, a_xy, b_xy, door_margin_m: float = 0.1) -> bool:
        """The floor plan's walls stand between two points: the segment leaves a room away from every door.

        Rooms are walled except at their doors (the prior map); a boundary crossing counts as open within
        half a door's width (plus `door_margin_m`) of the door.
        """
        if not self.polygons:
            return False
        seg = shapely.LineString([tuple(map(float, a_xy[:2])), tuple(map(float, b_xy[:2]))])
        lo_x, hi_x = min(a_xy[0], b_xy[0]), max(a_xy[0], b_xy[0])
        lo_y, hi_y = min(a_xy[1], b_xy[1]), max(a_xy[1], b_xy[1])
        b = self.bounds
        near = np.flatnonzero((b[:, 0] <= hi_x) & (b[:, 2] >= lo_x) & (b[:, 1] <= hi_y) & (b[:, 3] >= lo_y))
        doors = self.floor_plan.doors if self.floor_plan is not None else ()
        for i in near:
            crossing = self.polygons[i].exterior.intersection(seg)
            if crossing.is_empty:
                continue
            for point in getattr(crossing, "geoms", [crossing]):
                for x, y in getattr(point, "coords", []):
                    if not any(math.hypot(x - d.at[0], y - d.at[1]) <= d.width / 2.0 + door_margin_m for d in doors):
                        return True
        return False

    def centre(self, name: str) -> tuple[float, float]:
        poly = self.polygons[self.names.index(name)]
        c = poly.centroid if poly.contains(poly.centroid) else poly.representative_point()
        return (float(c.x), float(c.y))


def _inside(x: float, y: float, vertices: list[tuple[float, float]]) -> bool:
    """Even-odd ray casting point-in-polygon (boundary points may go either way)."""
    inside = False
    j = len(vertices) - 1
    for i in range(len(vertices)):
        xi, yi = vertices[i]
        xj, yj = vertices[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def find_support(position: np.ndarray, bbox_min: np.ndarray, rec_min: np.ndarray, rec_max: np.ndarray,
                 footprint_margin: float, gap: float, bbox_max: np.ndarray | None = None,
                 below_tolerance: float = 0.1) -> int:
    """Index of the receptacle box that holds (contains) or supports (top just below) the object, or -1.

    rec_min/rec_max: Kx3 receptacle boxes. An object whose centre lies inside a box is in it (a mug
    in the fridge); otherwise a receptacle whose footprint (grown by `footprint_margin`) overlaps the
    object's footprint (its box, or its centre without `bbox_max`) supports it when the object's
    bottom lies from `below_tolerance` under to `gap` above its top - or, for a perceived box that
    leaks below the surface (mixed depth at the table edge), when its centre is above the top within
    `gap`. The nearest such top wins.
    """
    if len(rec_min) == 0:
        return -1
    m = footprint_margin
    lo_xy = position[:2] if bbox_max is None else np.minimum(bbox_min[:2], position[:2])
    hi_xy = position[:2] if bbox_max is None else np.maximum(bbox_max[:2], position[:2])
    centre_xy = ((position[0] >= rec_min[:, 0] - m) & (position[0] <= rec_max[:, 0] + m)
                 & (position[1] >= rec_min[:, 1] - m) & (position[1] <= rec_max[:, 1] + m))
    inside = centre_xy & (position[2] >= rec_min[:, 2]) & (position[2] <= rec_max[:, 2] - 0.02)
    if inside.any():
        idx = np.flatnonzero(inside)
        volume = np.prod(rec_max[idx] - rec_min[idx], axis=1)
        return int(idx[np.argmin(volume)])
    overlap_xy = ((hi_xy[0] >= rec_min[:, 0] - m) & (lo_xy[0] <= rec_max[:, 0] + m)
                  & (hi_xy[1] >= rec_min[:, 1] - m) & (lo_xy[1] <= rec_max[:, 1] + m))
    if not overlap_xy.any():
        return -1
    above_bottom = bbox_min[2] - rec_max[:, 2]
    above_centre = position[2] - rec_max[:, 2]
    by_bottom = (above_bottom >= -below_tolerance) & (above_bottom <= gap)
    by_centre = (above_centre > 0.0) & (above_centre <= gap)
    ok = overlap_xy & (by_bottom | by_centre)
    if not ok.any():
        return -1
    idx = np.flatnonzero(ok)
    score = np.where(by_bottom[idx], np.abs(above_bottom[idx]), above_centre[idx])
    return int(idx[np.argmin(score)])


def viewpoint_for(centre: np.ndarray, bbox_min: np.ndarray, bbox_max: np.ndarray,
                  towards: tuple[float, float] | None) -> tuple[float, float, float]:
    """A place to stand and look at a receptacle: in front of it, towards the room centre."""
    cx, cy = float(centre[0]), float(centre[1])
    if towards is None:
        direction = np.array([1.0, 0.0])
    else:
        direction = np.array([towards[0] - cx, towards[1] - cy])
        n = float(np.linalg.norm(direction))
        direction = direction / n if n > 1e-6 else np.array([1.0, 0.0])
    half = 0.5 * float(max(bbox_max[0] - bbox_min[0], bbox_max[1] - bbox_min[1]))
    d = half + VIEWPOINT_STANDOFF_M
    return (cx + d * float(direction[0]), cy + d * float(direction[1]), 0.0)


def build_places(rooms: RoomIndex, receptacles: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, str | None]]
                 ) -> tuple[dict[str, Place], nx.Graph]:
    """Places (room centres, doors, receptacle viewpoints) and their connectivity graph.

    receptacles: (object id, position, bbox_min, bbox_max, room) of every known receptacle.
    """
    places: dict[str, Place] = {}
    graph = nx.Graph()

    def add(place: Place) -> None:
        places[place.id] = place
        graph.add_node(place.id)

    for name in rooms.names:
        cx, cy = rooms.centre(name)
        add(Place(f"place:room:{name}", "room", (cx, cy, 0.0), name))
    if rooms.floor_plan is not None:
        for i, door in enumerate(rooms.floor_plan.doors):
            pid = f"place:door:{i}:{door.rooms[0]}-{door.rooms[1]}"
            add(Place(pid, "door", (float(door.at[0]), float(door.at[1]), 0.0), None))
            for r in door.rooms:
                _connect(graph, places, pid, f"place:room:{r}")
    for rid, pos, bmin, bmax, room in receptacles:
        towards = rooms.centre(room) if room in rooms.names else None
        pid = f"place:{rid}"
        add(Place(pid, "receptacle", viewpoint_for(pos, bmin, bmax, towards), room, rid))
        if room is not None and f"place:room:{room}" in places:
            _connect(graph, places, pid, f"place:room:{room}")
    return places, graph


def _connect(graph: nx.Graph, places: dict[str, Place], a: str, b: str) -> None:
    pa, pb = places[a].position, places[b].position
    graph.add_edge(a, b, weight=math.hypot(pa[0] - pb[0], pa[1] - pb[1]))


class RegionIndex:
    """Nearest / radius queries over object positions (a KD-tree, rebuilt lazily after changes)."""

    def __init__(self) -> None:
        self._tree: cKDTree | None = None
        self._ids: list[str] = []

    def invalidate(self) -> None:
        self._tree = None

    def rebuild(self, ids: list[str], positions: np.ndarray) -> None:
        self._ids = ids
        self._tree = cKDTree(positions) if len(ids) else None

    @property
    def stale(self) -> bool:
        return self._tree is None

    def nearest(self, point: tuple[float, float, float], k: int) -> list[tuple[str, float]]:
        if self._tree is None or not self._ids:
            return []
        k = min(k, len(self._ids))
        dist, idx = self._tree.query(np.asarray(point, dtype=float), k=k)
        dist, idx = np.atleast_1d(dist), np.atleast_1d(idx)
        return [(self._ids[i], float(d)) for d, i in zip(dist, idx)]

    def within(self, point: tuple[float, float, float], radius: float) -> list[str]:
        if self._tree is None:
            return []
        return [self._ids[i] for i in self._tree.query_ball_point(np.asarray(point, dtype=float), radius)]
