"""Floor plans of generated households: rectangular rooms of different sizes, in two kinds of layout.

- "split": a rectangular house cut recursively (guillotine cuts at uneven positions) into rooms;
- "corridor": a hallway with rooms of different widths on both sides, every room opening onto it.
Doors join rooms that share at least 1.1 m of wall: a random spanning tree of the adjacency graph
(so every room is reachable) plus, sometimes, one more door that makes a loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.generation.vocabulary import ROOM_KINDS, ROOM_ORDER

MIN_SIDE_M = 2.6
DOOR_WIDTH_M = 0.9
MIN_SHARED_WALL_M = 1.1


@dataclass
class RoomBox:
    name: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def depth(self) -> float:
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        return self.width * self.depth

    def polygon(self) -> list[list[float]]:
        return [[self.x0, self.y0], [self.x1, self.y0], [self.x1, self.y1], [self.x0, self.y1]]


@dataclass
class DoorPlace:
    rooms: tuple[str, str]
    at: tuple[float, float]
    width: float = DOOR_WIDTH_M


@dataclass
class FloorLayout:
    style: str
    rooms: list[RoomBox]
    doors: list[DoorPlace]


def generate_layout(rng: np.random.Generator, n_rooms: int, style: str | None = None) -> FloorLayout:
    """`n_rooms` rooms (2..10, a hallway counts as one) in a "split" or "corridor" layout (random when None)."""
    if style is None:
        style = "corridor" if n_rooms >= 4 and rng.random() < 0.5 else "split"
    for _ in range(200):
        boxes = _corridor(rng, n_rooms) if style == "corridor" else _split(rng, n_rooms)
        if boxes is not None:
            break
    else:  # pragma: no cover - the size ranges always leave room after a few tries
        raise RuntimeError(f"no {style} layout of {n_rooms} rooms found")
    doors = _doors(rng, boxes, hallway="hallway" if style == "corridor" else None)
    return FloorLayout(style, boxes, doors)


def _kinds(n: int) -> list[str]:
    return list(ROOM_ORDER[:n])


def _split(rng: np.random.Generator, n: int) -> list[RoomBox] | None:
    kinds = _kinds(n)
    area = sum(rng.uniform(ROOM_KINDS[k].min_side_m ** 2, ROOM_KINDS[k].max_side_m ** 2) for k in kinds)
    aspect = rng.uniform(1.0, 1.8)
    width = round(float(np.sqrt(area * aspect)), 1)
    depth = round(area / width, 1)
    rects = _cut(rng, (0.0, 0.0, width, depth), n)
    if rects is None:
        return None
    # the biggest rooms get the kinds that want the most space
    order = sorted(range(n), key=lambda i: -(rects[i][2] - rects[i][0]) * (rects[i][3] - rects[i][1]))
    by_size = sorted(kinds, key=lambda k: -ROOM_KINDS[k].max_side_m)
    boxes = [RoomBox(by_size[rank], *rects[i]) for rank, i in enumerate(order)]
    return sorted(boxes, key=lambda b: ROOM_ORDER.index(b.name))


def _cut(rng: np.random.Generator, rect: tuple[float, float, float, float], k: int):
    x0, y0, x1, y1 = rect
    if k == 1:
        return [rect] if min(x1 - x0, y1 - y0) >= MIN_SIDE_M else None
    k1 = int(rng.integers(1, k))
    along_x = (x1 - x0) >= (y1 - y0)
    length = (x1 - x0) if along_x else (y1 - y0)
    at = round(float(length * k1 / k * rng.uniform(0.8, 1.2)), 1)
    if at < MIN_SIDE_M or length - at < MIN_SIDE_M:
        return None
    if along_x:
        a, b = (x0, y0, x0 + at, y1), (x0 + at, y0, x1, y1)
    else:
        a, b = (x0, y0, x1, y0 + at), (x0, y0 + at, x1, y1)
    first, second = _cut(rng, a, k1), _cut(rng, b, k - k1)
    return None if first is None or second is None else first + second


def _corridor(rng: np.random.Generator, n: int) -> list[RoomBox] | None:
    kinds = _kinds(n - 1)
    rng.shuffle(kinds)
    top_count = (len(kinds) + 1) // 2
    rows = [kinds[:top_count], kinds[top_count:]]
    hall_w = round(float(rng.uniform(1.3, 1.7)), 1)
    widths = [[round(float(rng.uniform(ROOM_KINDS[k].min_side_m, ROOM_KINDS[k].max_side_m)), 1) for k in row]
              for row in rows]
    length = max(sum(w) for w in widths)
    boxes = [RoomBox("hallway", 0.0, 0.0, length, hall_w)]
    for side, (row, row_widths) in enumerate(zip(rows, widths)):
        if not row:
            continue
        # stretch the shorter row's rooms so both rows end where the hallway ends
        scale = length / sum(row_widths)
        x = 0.0
        for k, w in zip(row, row_widths):
            w = round(w * scale, 1) if k != row[-1] else round(length - x, 1)
            depth = round(float(rng.uniform(ROOM_KINDS[k].min_side_m, ROOM_KINDS[k].max_side_m)), 1)
            if side == 0:
                boxes.append(RoomBox(k, x, hall_w, x + w, hall_w + depth))
            else:
                boxes.append(RoomBox(k, x, -depth, x + w, 0.0))
            x += w
    if min(min(b.width, b.depth) for b in boxes[1:]) < MIN_SIDE_M:
        return None
    return boxes


def _shared_wall(a: RoomBox, b: RoomBox) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The segment two rooms' walls share, when they touch along one."""
    eps = 1e-6
    for ax, bx in ((a.x1, b.x0), (a.x0, b.x1)):
        if abs(ax - bx) < eps:
            lo, hi = max(a.y0, b.y0), min(a.y1, b.y1)
            if hi - lo >= MIN_SHARED_WALL_M:
                return (ax, lo), (ax, hi)
    for ay, by in ((a.y1, b.y0), (a.y0, b.y1)):
        if abs(ay - by) < eps:
            lo, hi = max(a.x0, b.x0), min(a.x1, b.x1)
            if hi - lo >= MIN_SHARED_WALL_M:
                return (lo, ay), (hi, ay)
    return None


def _door_on(rng: np.random.Generator, wall) -> tuple[float, float]:
    (ax, ay), (bx, by) = wall
    length = abs(bx - ax) + abs(by - ay)
    margin = DOOR_WIDTH_M / 2 + 0.1
    t = float(rng.uniform(margin, length - margin)) if length > 2 * margin else length / 2
    if ax == bx:
        return (round(ax, 2), round(min(ay, by) + t, 2))
    return (round(min(ax, bx) + t, 2), round(ay, 2))


def _doors(rng: np.random.Generator, boxes: list[RoomBox], hallway: str | None) -> list[DoorPlace]:
    pairs = {}
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            wall = _shared_wall(a, b)
            if wall is not None:
                pairs[(a.name, b.name)] = wall
    doors: list[DoorPlace] = []
    joined: set[tuple[str, str]] = set()
    if hallway is not None:
        for (a, b), wall in pairs.items():
            if hallway in (a, b):
                doors.append(DoorPlace((a, b), _door_on(rng, wall)))
                joined.add((a, b))
    reached = {boxes[0].name} | {n for pair in joined for n in pair}
    names = [b.name for b in boxes]
    while len(reached) < len(names):
        frontier = [(a, b) for (a, b) in pairs if (a in reached) != (b in reached)]
        if not frontier:
            raise RuntimeError("rooms do not touch")  # pragma: no cover - cuts and rows always touch
        a, b = frontier[int(rng.integers(len(frontier)))]
        doors.append(DoorPlace((a, b), _door_on(rng, pairs[(a, b)])))
        joined.add((a, b))
        reached |= {a, b}
    spare = [pair for pair in pairs if pair not in joined]
    if spare and rng.random() < 0.35:
        a, b = spare[int(rng.integers(len(spare)))]
        doors.append(DoorPlace((a, b), _door_on(rng, pairs[(a, b)])))
    return doors
