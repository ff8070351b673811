"""Spatial relations between remembered objects, computed from geometry when a question asks.

Nothing here is stored: relations change whenever something moves, and every one follows from
positions and boxes memory already keeps. Thresholds are choices, stated once:

- on / in: the object rests on the other (support relation memory keeps), or its box bottom lies
  within `ON_GAP_M` of the other's top with their footprints overlapping;
- above / below: the object's centre lies over / under the other's footprint (grown by
  `FOOTPRINT_MARGIN_M`) and its box is higher / lower than the other's by more than `ON_GAP_M` (so what
  rests on a table is "on" it, not "above" it);
- near: horizontal gap between the boxes under `NEAR_M` and not on/in; next_to: under `NEXT_TO_M` and not on/in;
- between A and B: the centre projects onto the segment A-B strictly inside it (10%..90%) and lies
  within `BETWEEN_M` of it; what rests on or in another thing found there, or on A or B, is that thing's
  content (the milk in the fridge between the counter and the desk), not an answer of its own;
- closest_to: the one with the smallest gap (ties by id), neither on the anchor nor what the anchor is on;
- near, next_to and closest_to likewise leave out what rests on another thing: the lamp on the side table is
  the side table's content, not a thing next to the sofa of its own; unless it rests on what the anchor rests
  on (the mug next to the laptop, both on the desk);
- left_of / right_of: seen from a viewpoint (the robot's position when it last saw the anchor, or a
  given point): the sign of the 2D cross product of viewpoint->anchor and viewpoint->object, for
  objects within `NEAR_M` of the anchor;
- behind / in_front_of: seen from the same viewpoint (memory keeps no facing of furniture, so "in front of
  the sofa" is the robot's front, not the sofa's): the object's centre lies within the anchor's width across
  the line of sight (grown by `FOOTPRINT_MARGIN_M`), within `NEAR_M` of the anchor, farther than the
  anchor's centre (behind) or between the viewpoint and the anchor (in front of);
- across_from: in the same room, facing the anchor over open floor: a horizontal gap of at least
  `ACROSS_MIN_M`, and no third object standing on the floor taller than `SIGHT_HEIGHT_M` on the line
  between their centres; what rests on another thing is that thing's content.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

ON_GAP_M = 0.12
FOOTPRINT_MARGIN_M = 0.1
NEAR_M = 1.5
NEXT_TO_M = 0.8
BETWEEN_M = 0.75
ACROSS_MIN_M = 1.0
SIGHT_HEIGHT_M = 1.2
RELATIONS = ("on", "in", "near", "next_to", "above", "below", "between", "closest_to", "left_of", "right_of",
             "behind", "in_front_of", "across_from")
VIEWPOINT_RELATIONS = frozenset({"left_of", "right_of", "behind", "in_front_of"})


def _centre(obj: Any) -> tuple[float, float, float]:
    return tuple(float(v) for v in obj.position)  # type: ignore[return-value]


def gap_xy(a: Any, b: Any) -> float:
    """Horizontal distance between two boxes (0 when their footprints overlap)."""
    dx = max(0.0, float(b.bbox_min[0]) - float(a.bbox_max[0]), float(a.bbox_min[0]) - float(b.bbox_max[0]))
    dy = max(0.0, float(b.bbox_min[1]) - float(a.bbox_max[1]), float(a.bbox_min[1]) - float(b.bbox_max[1]))
    return math.hypot(dx, dy)


def _over(a: Any, b: Any) -> bool:
    """Whether a's centre lies over b's footprint (grown by the margin)."""
    x, y, _ = _centre(a)
    m = FOOTPRINT_MARGIN_M
    return (float(b.bbox_min[0]) - m <= x <= float(b.bbox_max[0]) + m
            and float(b.bbox_min[1]) - m <= y <= float(b.bbox_max[1]) + m)


def rests_on(a: Any, b: Any) -> bool:
    if getattr(a, "rests_on", None) == b.id:
        return True
    return _over(a, b) and abs(float(a.bbox_min[2]) - float(b.bbox_max[2])) <= ON_GAP_M


def above(a: Any, b: Any) -> bool:
    return _over(a, b) and float(a.bbox_min[2]) > float(b.bbox_max[2]) + ON_GAP_M


def below(a: Any, b: Any) -> bool:
    return _over(a, b) and float(a.bbox_max[2]) < float(b.bbox_min[2]) - ON_GAP_M


def between(a: Any, b: Any, c: Any) -> bool:
    (ax, ay, _), (bx, by, _), (cx, cy, _) = _centre(a), _centre(b), _centre(c)
    vx, vy = cx - bx, cy - by
    length2 = vx * vx + vy * vy
    if length2 < 1e-9:
        return False
    t = ((ax - bx) * vx + (ay - by) * vy) / length2
    if not 0.1 < t < 0.9:
        return False
    px, py = bx + t * vx, by + t * vy
    return math.hypot(ax - px, ay - py) <= BETWEEN_M


def side_of(a: Any, anchor: Any, viewpoint: Sequence[float]) -> str | None:
    """"left" / "right" of `anchor` as seen from `viewpoint` (x, y); None when straight ahead or behind."""
    vx, vy = float(anchor.position[0]) - viewpoint[0], float(anchor.position[1]) - viewpoint[1]
    wx, wy = float(a.position[0]) - viewpoint[0], float(a.position[1]) - viewpoint[1]
    cross = vx * wy - vy * wx
    norm = math.hypot(vx, vy) * math.hypot(wx, wy)
    if norm < 1e-9 or abs(cross) / norm < 0.05:
        return None
    return "left" if cross > 0 else "right"


def depth_of(a: Any, anchor: Any, viewpoint: Sequence[float]) -> str | None:
    """"behind" / "in_front" of `anchor` as seen from `viewpoint` (x, y); None when off the line of sight."""
    vx, vy = float(anchor.position[0]) - viewpoint[0], float(anchor.position[1]) - viewpoint[1]
    distance = math.hypot(vx, vy)
    if distance < 1e-9:
        return None
    ux, uy = vx / distance, vy / distance
    wx, wy = float(a.position[0]) - float(anchor.position[0]), float(a.position[1]) - float(anchor.position[1])
    along, across = wx * ux + wy * uy, abs(wx * uy - wy * ux)
    corners = [(float(x), float(y)) for x in (anchor.bbox_min[0], anchor.bbox_max[0])
               for y in (anchor.bbox_min[1], anchor.bbox_max[1])]
    half_width = max(abs((x - float(anchor.position[0])) * uy - (y - float(anchor.position[1])) * ux)
                     for x, y in corners)
    if across > half_width + FOOTPRINT_MARGIN_M or gap_xy(a, anchor) > NEAR_M:
        return None
    if along > 0.0:
        return "behind"
    return "in_front" if -along < distance else None


def _segment_crosses(p: Sequence[float], q: Sequence[float], box: Any) -> bool:
    """Whether the 2D segment p-q passes through box's footprint (Liang-Barsky clipping)."""
    t0, t1 = 0.0, 1.0
    for axis in (0, 1):
        d = q[axis] - p[axis]
        lo, hi = float(box.bbox_min[axis]), float(box.bbox_max[axis])
        if abs(d) < 1e-12:
            if not lo <= p[axis] <= hi:
                return False
            continue
        a, b = (lo - p[axis]) / d, (hi - p[axis]) / d
        t0, t1 = max(t0, min(a, b)), min(t1, max(a, b))
        if t0 > t1:
            return False
    return True


def across(a: Any, anchor: Any, others: Sequence[Any]) -> bool:
    """Whether `a` faces `anchor` over open floor in the same room (see the module's thresholds)."""
    if a.room is None or a.room != anchor.room or gap_xy(a, anchor) < ACROSS_MIN_M:
        return False
    p, q = _centre(a)[:2], _centre(anchor)[:2]
    return not any(o.id not in (a.id, anchor.id) and float(o.bbox_min[2]) <= ON_GAP_M
                   and float(o.bbox_max[2]) > SIGHT_HEIGHT_M and _segment_crosses(p, q, o) for o in others)


def _content(a: Any, anchor: Any, others: Sequence[Any]) -> bool:
    """Whether `a` rests on another of `others` that the anchor does not rest on too (that thing's content)."""
    return any(o.id not in (a.id, anchor.id) and rests_on(a, o) and not rests_on(anchor, o) for o in others)


def related(relation: str, candidates: list[Any], anchor: Any, anchor2: Any = None,
            viewpoint: Sequence[float] | None = None) -> list[Any]:
    """The candidates standing in `relation` to `anchor` (and `anchor2` for between), anchors excluded."""
    others = [c for c in candidates if c.id != anchor.id and (anchor2 is None or c.id != anchor2.id)]
    if relation in ("on", "in"):
        return [c for c in others if rests_on(c, anchor)]
    if relation == "above":
        return [c for c in others if above(c, anchor)]
    if relation == "below":
        return [c for c in others if below(c, anchor)]
    if relation == "near":
        return [c for c in others if gap_xy(c, anchor) <= NEAR_M and not rests_on(c, anchor)
                and not _content(c, anchor, candidates)]
    if relation == "next_to":
        return [c for c in others if gap_xy(c, anchor) <= NEXT_TO_M and not rests_on(c, anchor)
                and not rests_on(anchor, c) and not above(c, anchor) and not below(c, anchor)
                and not _content(c, anchor, candidates)]
    if relation == "between":
        inside = [c for c in others if anchor2 is not None and between(c, anchor, anchor2)]
        supports = [*inside, anchor, anchor2]
        return [c for c in inside if not any(o.id != c.id and rests_on(c, o) for o in supports)]
    if relation == "closest_to":
        ranked = sorted((c for c in others if not rests_on(c, anchor) and not rests_on(anchor, c)
                         and not _content(c, anchor, candidates)),
                        key=lambda c: (gap_xy(c, anchor), c.id))
        return ranked[:1]
    if relation in ("left_of", "right_of"):
        if viewpoint is None:
            return []
        side = "left" if relation == "left_of" else "right"
        return [c for c in others if gap_xy(c, anchor) <= NEAR_M and side_of(c, anchor, viewpoint) == side]
    if relation in ("behind", "in_front_of"):
        if viewpoint is None:
            return []
        side = "behind" if relation == "behind" else "in_front"
        return [c for c in others if not rests_on(c, anchor) and not rests_on(anchor, c)
                and depth_of(c, anchor, viewpoint) == side]
    if relation == "across_from":
        return [c for c in others if across(c, anchor, candidates) and not any(
            o.id != c.id and rests_on(c, o) for o in candidates)]
    raise ValueError(f"relation {relation!r}: expected one of {', '.join(RELATIONS)}")


def viewpoint_of(trajectory: list[tuple], seen_at: float) -> tuple[float, float] | None:
    """The robot's (x, y) at the trajectory node nearest to `seen_at` (when it looked at the anchor)."""
    if not trajectory:
        return None
    node = min(trajectory, key=lambda n: abs(float(n[0]) - seen_at))
    return float(node[1]), float(node[2])
