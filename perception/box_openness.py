"""Open/closed evidence for an openable thing found from a 2D box (no door part, no simulator label).

A shut cabinet, fridge or wardrobe is a closed box: a convex solid. What a camera sees of a convex
solid is the near side of its own hull, so every seen point is where its ray first meets the hull of
all the seen points. An open door breaks that: through the opening the camera sees the inside (the
back panel, the shelves), points that lie *behind* the hull's near side along their ray, and a door
swung out adds a panel standing off the front, with the front (or the door's own inner face) seen
behind the hull face spanned by the door's free edge. So, from the object's points alone:

- the points at mid height (between `band[0]` and `band[1]` of the object's seen height: no top
  surface seen from above, no floor or shelf it stands on) are taken top-down, in the map frame
  (doors swing about vertical hinges: the geometry that tells open from shut is horizontal);
- the 2D convex hull of those points is built, and for each point the distance it lies behind the
  hull's near side along its camera ray (`behind_m`);
- a door swung out by less than a right angle is a face slanted to the box's right angles: the share
  of the outline's straight pieces off the two perpendicular directions of the rest (`skew`);
- open: more than `open_share` of the points lie more than `behind_m` behind the hull (flanked on
  both sides by nearer points), or more than `open_skew_share` of the outline is slanted; closed: at
  most `closed_share` and `closed_skew_share`, the view is not cut by the image border, the points
  span at least `min_span_m` across the view, and two perpendicular faces show (a single flat face
  is a shut front head-on or a door ajar seen alone: no evidence); otherwise no evidence.

The rule knows no category's size, pose or door side; it is applied to the categories listed as
openable (perception.config.ArticulationConfig.openable_categories).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from perception.door_state import CLOSED, OPEN, DoorReading
from perception.top_down_outline import square_offsets, straight_directions

_MAX_POINTS = 3000


@dataclass(frozen=True)
class BoxOpennessParameters:
    """Thresholds of the rule (perception.config.BoxOpennessConfig holds and validates them)."""

    band: tuple[float, float]
    behind_m: float
    open_share: float
    closed_share: float
    min_points: int
    min_span_m: float
    cell_m: float
    line_radius_m: float
    skew_rad: float
    open_skew_share: float
    closed_skew_share: float
    min_face_share: float


def behind_hull(xy: np.ndarray, camera_xy: np.ndarray, flank_m: float) -> np.ndarray | None:
    """Per point (Nx2, map x/y): how far it lies behind where its ray from `camera_xy` enters the points' hull.

    None when the hull is degenerate (all points on one line: a flat front seen edge-on or head-on,
    nothing behind anything) or the camera stands inside it.
    """
    from scipy.spatial import ConvexHull, QhullError

    try:
        hull = ConvexHull(xy)
    except (QhullError, ValueError):
        return None
    normals, offsets = hull.equations[:, :2], hull.equations[:, 2]  # inside: normals @ x + offsets <= 0
    camera = np.asarray(camera_xy, dtype=np.float64)
    camera_side = normals @ camera + offsets
    if np.all(camera_side <= 0.0):
        return None
    rel = xy - camera
    distance = np.linalg.norm(rel, axis=1)
    rays = rel / np.maximum(distance, 1e-9)[:, None]
    along = rays @ normals.T  # < 0: the ray crosses that facet's line going inwards
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(along < 0.0, -camera_side[None, :] / along, -np.inf)
    entry = t.max(axis=1)
    # An opening is flanked: both ends of the hull edge the ray enters by are nearer than the point by
    # more than `flank_m` (the carcass's front edges around the inside; a door's free edge and the far
    # front corner). A wall or side face running away from the camera past the thing's corner is not.
    facet = np.argmax(t, axis=1)
    ends = hull.points[hull.simplices[facet]]  # (N, 2 ends, 2)
    end_distance = np.linalg.norm(ends - camera, axis=2).max(axis=1)
    return np.where(end_distance < distance - flank_m, distance - entry, 0.0)


def skewed_share(xy: np.ndarray, cell_m: float, radius_m: float, skew_rad: float) -> float:
    """Share of the outline (top-down, Nx2) running at a slant to the rest's right angles.

    A shut box's seen faces meet at right angles: every straight piece of its outline runs along one
    of two perpendicular directions. A door swung out by less than a right angle adds a face slanted
    to them. 0 with fewer than 10 straight pieces.
    """
    directions = straight_directions(xy, cell_m, radius_m)
    if directions.size < 10:
        return 0.0
    off, _ = square_offsets(directions)
    return float(np.mean(off > skew_rad))


def _two_faces(xy: np.ndarray, params: BoxOpennessParameters) -> bool:
    """Whether the outline shows two perpendicular faces, each at least `min_face_share` of its straight pieces."""
    directions = straight_directions(xy, params.cell_m, params.line_radius_m)
    if directions.size < 10:
        return False
    off, along = square_offsets(directions)
    square = off <= params.skew_rad
    return min(np.mean(square & along), np.mean(square & ~along)) >= params.min_face_share


def read_box_openness(params: BoxOpennessParameters, points: np.ndarray, camera_xy: np.ndarray,
                      whole: bool = True) -> DoorReading:
    """Open / closed / undecided from one view of an openable thing's points (Nx3, map frame).

    `whole`: the thing lies inside the image; a view cut by the border can show an opening, but not
    that there is none (the opening may be what the border cut off).
    """
    reading = DoorReading(None, 0.0, "")
    if points.shape[0] < params.min_points:
        reading.reason = f"{points.shape[0]} points"
        return reading
    z = points[:, 2]
    bottom = float(np.quantile(z, 0.02))
    top = float(np.quantile(z, 0.98))
    height = top - bottom
    lo, hi = bottom + params.band[0] * height, bottom + params.band[1] * height
    band = points[(z >= lo) & (z <= hi)]
    step = max(1, band.shape[0] // _MAX_POINTS)
    xy = np.asarray(band[::step, :2], dtype=np.float64)
    if xy.shape[0] < params.min_points:
        reading.reason = f"{xy.shape[0]} points at mid height"
        return reading
    camera = np.asarray(camera_xy, dtype=np.float64)
    view = xy.mean(axis=0) - camera
    across = np.array([-view[1], view[0]]) / max(float(np.linalg.norm(view)), 1e-9)
    spread = xy @ across
    reading.span_m = float(np.quantile(spread, 0.98) - np.quantile(spread, 0.02))
    reading.camera_offset_m = float(np.linalg.norm(view))
    behind = behind_hull(xy, camera, params.behind_m)
    share = 0.0 if behind is None else float(np.mean(behind > params.behind_m))
    skew = skewed_share(xy, params.cell_m, params.line_radius_m, params.skew_rad)
    reading.front_m = share  # the share of points seen through the hull's near side (diagnostics)
    reading.beyond_m = skew  # the share of the outline slanted to the rest (diagnostics)
    if share > params.open_share:
        reading.state = OPEN
        reading.confidence = 0.6 + 0.4 * min(1.0, (share - params.open_share) / max(params.open_share, 1e-9))
        reading.reason = f"{share:.0%} of the points seen behind the front (through an opening or past a door)"
        return reading
    if skew > params.open_skew_share:
        reading.state = OPEN
        reading.confidence = 0.6 + 0.4 * min(1.0, skew)
        reading.reason = f"{skew:.0%} of the outline slanted to the box's right angles (a door swung out)"
        return reading
    if (whole and share <= params.closed_share and skew <= params.closed_skew_share
            and reading.span_m >= params.min_span_m and _two_faces(xy, params)):
        reading.state = CLOSED
        reading.confidence = 0.6 + 0.4 * (1.0 - share / max(params.closed_share, 1e-9))
        reading.reason = f"a closed front: {share:.0%} of the points behind it over {reading.span_m:.2f} m"
        return reading
    reading.reason = f"undecided: {share:.0%} of the points behind the front, seen over {reading.span_m:.2f} m"
    return reading
