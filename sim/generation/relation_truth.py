"""Spatial relations between a generated household's furniture from its true footprints: relation questions' answers.

Furniture never moves, so a relation between pieces holds at any time. Things resting on or in a piece are its
contents, not answers of their own ("what is next to the sofa?" is the side table, not the lamp on it), and only
pieces in the anchor's room are answers. Each relation has a clear band and a doubtful band around the
threshold memory reads it with (scene_graph.spatial_relations); a question is asked only when no piece falls in
a doubtful band, so the answer does not hang on a few centimetres of a remembered box:

- next_to: a gap of at most `NEXT_TO_IN_M` between the footprints; no piece of any room with a gap between that
  and `NEXT_TO_OUT_M`;
- closest_to: the piece with the smallest gap, at least `CLOSEST_LEAD_M` nearer than every other piece of any room;
- between A and B: the piece's centre projects onto the segment of A's and B's centres within
  `BETWEEN_IN_T` of it and lies within `BETWEEN_IN_M` of it; no piece projecting within `BETWEEN_OUT_T` and
  lying within `BETWEEN_OUT_M` but not clearly in.
"""

from __future__ import annotations

import math

from sim.scenario import FurnitureSpec

NEXT_TO_IN_M = 0.5
NEXT_TO_OUT_M = 1.1
CLOSEST_LEAD_M = 0.4
BETWEEN_IN_T = (0.2, 0.8)
BETWEEN_IN_M = 0.45
BETWEEN_OUT_T = (0.0, 1.0)
BETWEEN_OUT_M = 1.05


def _box(piece: FurnitureSpec) -> tuple[float, float, float, float]:
    xs, ys = zip(*piece.footprint())
    return min(xs), min(ys), max(xs), max(ys)


def footprint_gap(a: FurnitureSpec, b: FurnitureSpec) -> float:
    """Horizontal distance between two pieces' footprints (0 when they touch or overlap)."""
    ax0, ay0, ax1, ay1 = _box(a)
    bx0, by0, bx1, by1 = _box(b)
    return math.hypot(max(0.0, bx0 - ax1, ax0 - bx1), max(0.0, by0 - ay1, ay0 - by1))


def next_to(anchor: FurnitureSpec, pieces: list[FurnitureSpec]) -> list[str] | None:
    """Categories of the pieces next to `anchor` in its room, sorted; None when a piece is doubtful."""
    found = []
    for piece in pieces:
        if piece.id == anchor.id:
            continue
        gap = footprint_gap(piece, anchor)
        if NEXT_TO_IN_M < gap < NEXT_TO_OUT_M:
            return None
        if gap <= NEXT_TO_IN_M:
            if piece.room != anchor.room:
                return None  # through a wall: next to it on the plan, not in the room
            found.append(piece.category)
    return sorted(found)


def closest_to(anchor: FurnitureSpec, pieces: list[FurnitureSpec]) -> list[str] | None:
    """[category] of the piece nearest to `anchor`, in its room and clearly nearer than any other; else None."""
    ranked = sorted((footprint_gap(p, anchor), p.id, p) for p in pieces if p.id != anchor.id)
    if not ranked or ranked[0][2].room != anchor.room:
        return None
    if len(ranked) > 1 and ranked[1][0] - ranked[0][0] < CLOSEST_LEAD_M:
        return None
    return [ranked[0][2].category]


def between(first: FurnitureSpec, second: FurnitureSpec, pieces: list[FurnitureSpec]) -> list[str] | None:
    """Categories of the pieces between two pieces of one room, sorted; None when a piece is doubtful."""
    if first.room != second.room:
        return None
    (bx, by), (cx, cy) = first.at, second.at
    vx, vy = cx - bx, cy - by
    length2 = vx * vx + vy * vy
    if length2 < 1e-9:
        return None
    found = []
    for piece in pieces:
        if piece.id in (first.id, second.id):
            continue
        t = ((piece.at[0] - bx) * vx + (piece.at[1] - by) * vy) / length2
        off = math.hypot(piece.at[0] - (bx + t * vx), piece.at[1] - (by + t * vy))
        inside = BETWEEN_IN_T[0] <= t <= BETWEEN_IN_T[1] and off <= BETWEEN_IN_M
        outside = not BETWEEN_OUT_T[0] < t < BETWEEN_OUT_T[1] or off > BETWEEN_OUT_M
        if not inside and not outside:
            return None
        if inside:
            if piece.room != first.room:
                return None
            found.append(piece.category)
    return sorted(found)
