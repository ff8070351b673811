"""Furniture against the walls of generated rooms, and the objects on (and in) it.

Furniture stands against a wall with its front (local +y) facing the room, clear of doorways and of
other furniture. A piece is kept only if the robot can still drive from the start to a spot in
front of every piece kept so far (sim.occupancy_grid with the robot's radius). Objects fill each
surface up to `clutter` x what really fits there (sim.surface_packing, the validator's packer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from robot_model.category_shapes import furniture_shape, object_shape
from robot_model.dimensions import BASE_RADIUS
from scene_graph.types import Door, FloorPlan, Room
from sim.generation.floor_layout import FloorLayout, RoomBox
from sim.generation.vocabulary import NOT_A_SURFACE, OBJECT_GROUPS, OPENABLE, ROOM_KINDS
from sim.occupancy_grid import build_occupancy_grid
from sim.surface_packing import fits, pack, surface_of_category

DOOR_CLEARANCE_M = 1.0
GAP_M = 0.1
WALL_GAP_M = 0.03
APPROACH_M = 0.55  # the spot in front of a piece the robot must be able to reach


@dataclass
class Piece:
    id: str
    category: str
    room: str
    at: tuple[float, float]
    yaw: float
    openable: bool

    def footprint(self) -> list[tuple[float, float]]:
        shape = furniture_shape(self.category)
        c, s = math.cos(self.yaw), math.sin(self.yaw)
        return [(self.at[0] + c * lx - s * ly, self.at[1] + s * lx + c * ly)
                for lx, ly in ((-shape.width / 2, -shape.depth / 2), (shape.width / 2, -shape.depth / 2),
                               (shape.width / 2, shape.depth / 2), (-shape.width / 2, shape.depth / 2))]

    def approach(self) -> tuple[float, float]:
        depth = furniture_shape(self.category).depth
        d = depth / 2 + APPROACH_M
        return (self.at[0] - math.sin(self.yaw) * d, self.at[1] + math.cos(self.yaw) * d)

    def is_surface(self) -> bool:
        return self.category not in NOT_A_SURFACE


def floor_plan_of(layout: FloorLayout) -> FloorPlan:
    return FloorPlan(rooms=tuple(Room(b.name, tuple(tuple(p) for p in b.polygon())) for b in layout.rooms),
                     doors=tuple(Door(d.rooms, d.at, d.width) for d in layout.doors))


def robot_start(layout: FloorLayout) -> tuple[float, float]:
    first = layout.rooms[0]
    return (round((first.x0 + first.x1) / 2, 2), round((first.y0 + first.y1) / 2, 2))


def furnish(rng: np.random.Generator, layout: FloorLayout, extra_probability: float = 0.6) -> list[Piece]:
    plan = floor_plan_of(layout)
    start = robot_start(layout)
    pieces: list[Piece] = []
    counts: dict[str, int] = {}
    for box in layout.rooms:
        if box.name not in ROOM_KINDS:
            continue
        kind = ROOM_KINDS[box.name]
        doors = [d.at for d in layout.doors if box.name in d.rooms]
        room_pieces: list[Piece] = []
        for rank, category in enumerate(kind.furniture):
            if rank >= kind.required and rng.random() > extra_probability:
                continue
            for _ in range(25):
                piece = _against_a_wall(rng, box, category, counts)
                if piece is not None and _clear(piece, pieces + room_pieces, doors, start):
                    room_pieces.append(piece)
                    counts[category] = counts.get(category, 0) + 1
                    break
        # the room's pieces that keep every spot in front of a piece reachable (the last placed go first)
        while room_pieces and not _all_reachable(plan, pieces + room_pieces, start):
            dropped = room_pieces.pop()
            counts[dropped.category] -= 1
        pieces += room_pieces
    return pieces


def _against_a_wall(rng: np.random.Generator, box: RoomBox, category: str, counts: dict[str, int]) -> Piece | None:
    shape = furniture_shape(category)
    wall = int(rng.integers(4))
    half_w, half_d = shape.width / 2, shape.depth / 2
    if wall in (0, 1):  # bottom / top wall: width along x
        span = box.width - 2 * (half_w + WALL_GAP_M)
        if span < 0:
            return None
        x = box.x0 + half_w + WALL_GAP_M + float(rng.uniform(0, span))
        y = box.y0 + half_d + WALL_GAP_M if wall == 0 else box.y1 - half_d - WALL_GAP_M
        yaw = 0.0 if wall == 0 else math.pi
    else:  # left / right wall: width along y
        span = box.depth - 2 * (half_w + WALL_GAP_M)
        if span < 0:
            return None
        y = box.y0 + half_w + WALL_GAP_M + float(rng.uniform(0, span))
        x = box.x0 + half_d + WALL_GAP_M if wall == 2 else box.x1 - half_d - WALL_GAP_M
        yaw = -math.pi / 2 if wall == 2 else math.pi / 2
    index = counts.get(category, 0) + 1
    name = category if index == 1 else f"{category}_{index}"
    return Piece(name, category, box.name, (round(x, 3), round(y, 3)), round(yaw, 4), category in OPENABLE)


def _bounds(points: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _clear(piece: Piece, pieces: list[Piece], doors: list[tuple[float, float]], start: tuple[float, float]) -> bool:
    x0, y0, x1, y1 = _bounds(piece.footprint())
    for other in pieces:
        a0, b0, a1, b1 = _bounds(other.footprint())
        if x0 < a1 + GAP_M and a0 < x1 + GAP_M and y0 < b1 + GAP_M and b0 < y1 + GAP_M:
            return False
    for dx, dy in doors:
        if math.hypot(min(max(dx, x0), x1) - dx, min(max(dy, y0), y1) - dy) < DOOR_CLEARANCE_M:
            return False
    sx, sy = start
    return math.hypot(min(max(sx, x0), x1) - sx, min(max(sy, y0), y1) - sy) > BASE_RADIUS + 0.3


def _all_reachable(plan: FloorPlan, pieces: list[Piece], start: tuple[float, float]) -> bool:
    grid = build_occupancy_grid(plan, [p.footprint() for p in pieces], robot_radius=BASE_RADIUS, resolution=0.1)
    labels, _ = ndimage.label(grid.free)
    home = grid.nearest_free(*start, 0.3)
    if home is None:
        return False
    component = labels[home]
    for piece in pieces:
        spot = grid.nearest_free(*piece.approach(), 0.35)
        if spot is None or labels[spot] != component:
            return False
    return True


def surface_capacity_ok(piece: Piece, categories: list[str]) -> bool:
    return fits(surface_of_category(piece.category, piece.openable), categories)


def stock(rng: np.random.Generator, pieces: list[Piece], clutter: float, max_objects: int) -> list[tuple[str, str]]:
    """(category, furniture id) of the initial objects: each surface filled to `clutter` of what fits there."""
    homes: dict[str, list[str]] = {}
    for group in OBJECT_GROUPS:
        for home in group.homes:
            homes.setdefault(home, []).extend(group.categories)
    placed: list[tuple[str, str]] = []
    surfaces = [p for p in pieces if p.is_surface() and p.category in homes]
    rng.shuffle(surfaces)
    for piece in surfaces:
        choices = homes[piece.category]
        capacity: list[str] = []
        surface = surface_of_category(piece.category, piece.openable)
        centres: list[tuple[float, float, float]] = []
        # how many of these categories really fit here: add one at a time next to those already placed
        for _ in range(40):
            candidate = choices[int(rng.integers(len(choices)))]
            radius = object_radius(candidate)
            spot = pack(surface, [radius], fixed=centres)
            if spot is not None:
                capacity.append(candidate)
                centres.append((*spot[0], radius))
            elif len(capacity) >= 1 and rng.random() < 0.3:
                break
        while capacity and not surface_capacity_ok(piece, capacity):  # as the validator packs them
            capacity.pop()
        keep = int(round(len(capacity) * clutter)) if capacity else 0
        for category in capacity[:keep]:
            if len(placed) >= max_objects:
                return placed
            placed.append((category, piece.id))
    return placed


def object_radius(category: str) -> float:
    return object_shape(category).footprint_radius
