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
  hull's near side along its camera ray (`behind_m`, plus 2 x `noise_factor` x the surface's
  thickness: noisy points draw the hull's near side in front of the surface);
- the outline's straight faces are found by robust line fits (perception.top_down_outline
  .straight_faces) whose tolerance follows the depth noise the points themselves show
  (`noise_factor` times the surface's thickness, between `min_tolerance_m` and `max_tolerance_m`):
  the same rule reads a noiseless render and a noisy camera;
- a door swung out by less than a right angle is a face slanted to the largest face's right angles:
  the share of the points on slanted faces (`skew`);
- open: more than `open_share` of the points lie more than `behind_m` behind the hull (flanked on
  both sides by nearer points), or more than `open_skew_share` of the points are on slanted faces;
  closed: at most `closed_share` and `closed_skew_share`, the view is `whole`, the points span at
  least `min_span_m` across the view, a second face perpendicular to the largest shows (at least
  `min_face_share` of the faces' length) or the one flat face stands square to the view ray (within
  `head_on_rad`: a front seen head-on), and the square faces hold at least `min_explained` of the
  points (nothing else in the box); otherwise no evidence. `whole` here means the image's side
  borders do not cut the thing (a tall fridge cut at the top still shows its whole width: a door
  hinged on a vertical edge, shut or open, shows at every height);
- points behind the hull that lie on a face the hull touches (at least `junction_share` of that
  face's points on the hull side) are no evidence of an opening: they are the corner where two
  faces meet turning away from the camera, typically a thing's side and the wall beside it in the
  box. Nor are they evidence of a shut door: "closed" counts every point behind the hull.

The rule knows no category's size, pose or door side; it is applied to the categories listed as
openable (perception.config.ArticulationConfig.openable_categories).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from perception.door_state import CLOSED, OPEN, DoorReading
from perception.top_down_outline import Face, off_square, straight_faces, surface_noise

_MAX_POINTS = 1500


@dataclass(frozen=True)
class BoxOpennessParameters:
    """Thresholds of the rule (perception.config.BoxOpennessConfig holds and validates them)."""

    band: tuple[float, float]
    behind_m: float
    open_share: float
    closed_share: float
    min_points: int
    min_span_m: float
    noise_factor: float
    min_tolerance_m: float
    max_tolerance_m: float
    min_face_m: float
    skew_rad: float
    open_skew_share: float
    closed_skew_share: float
    min_face_share: float
    min_explained: float
    head_on_rad: float
    junction_share: float


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


def _faces(xy: np.ndarray, params: BoxOpennessParameters, noise: float) -> list[Face]:
    tolerance = min(max(params.noise_factor * noise, params.min_tolerance_m), params.max_tolerance_m)
    return straight_faces(xy, tolerance, params.min_face_m)


def _head_on(faces: list[Face], view: np.ndarray, params: BoxOpennessParameters) -> bool:
    """Whether the only face (all faces parallel to the largest) stands across the view ray, within `head_on_rad`.

    A shut front seen head-on is one flat face square to the camera. A door ajar seen alone is square
    to the camera only from a bearing off the body's own front, and from there the body's side or
    the inside beside the door's free edge shows.
    """
    if not faces or any(off_square(f.direction, faces[0].direction) > params.skew_rad
                        or abs(np.cos(f.direction - faces[0].direction)) < 0.5 for f in faces[1:]):
        return False
    across = abs(float(np.arctan2(view[1], view[0])) - faces[0].direction) % np.pi
    return abs(across - np.pi / 2.0) <= params.head_on_rad


def _skew_and_square(faces: list[Face], params: BoxOpennessParameters, n: int) -> tuple[float, bool, float]:
    """The share of points on faces slanted to the largest; a perpendicular face shown; the share on square faces."""
    if not faces:
        return 0.0, False, 0.0
    reference = faces[0].direction
    square = [f for f in faces if off_square(f.direction, reference) <= params.skew_rad]
    skew = sum(int(np.count_nonzero(f.members)) for f in faces if f not in square) / n
    total = sum(f.length_m for f in faces)
    perpendicular = any(abs(np.cos(f.direction - reference)) < 0.5 and f.length_m >= params.min_face_share * total
                        for f in square[1:])
    explained = float(np.mean(np.any([f.members for f in square], axis=0)))
    return skew, perpendicular, explained


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
    noise = surface_noise(xy)
    # The hull's near side is drawn by the nearest noisy points, up to ~noise_factor sigmas in front of
    # the surface, and a point may lie as far behind it: a noisy face is not seen through.
    behind_m = params.behind_m + 2.0 * params.noise_factor * noise
    behind = behind_hull(xy, camera, behind_m)
    opening = np.zeros(xy.shape[0], dtype=bool) if behind is None else behind > behind_m
    faces = _faces(xy, params, noise)
    seen_behind = float(np.mean(opening))
    for face in faces:
        # Where two faces meet in a corner that turns away from the camera (a thing's side and the wall
        # beside it), the points near the corner lie behind the hull spanned by the faces' far ends,
        # yet they lie on faces the hull touches: no opening. The inside seen through an opening is a
        # surface of its own (a back panel, shelves).
        on_hull = face.members & ~opening
        if on_hull.any() and np.count_nonzero(on_hull) >= params.junction_share * np.count_nonzero(face.members):
            opening &= ~face.members
    share = float(np.mean(opening))
    skew, perpendicular, explained = _skew_and_square(faces, params, xy.shape[0])
    reading.front_m = share  # the share of points seen through the hull's near side (diagnostics)
    reading.beyond_m = skew  # the share of the points on slanted faces (diagnostics)
    if share > params.open_share:
        reading.state = OPEN
        reading.confidence = 0.6 + 0.4 * min(1.0, (share - params.open_share) / max(params.open_share, 1e-9))
        reading.reason = f"{share:.0%} of the points seen behind the front (through an opening or past a door)"
        return reading
    if skew > params.open_skew_share:
        reading.state = OPEN
        reading.confidence = 0.6 + 0.4 * min(1.0, skew)
        reading.reason = f"{skew:.0%} of the points on faces slanted to the box's right angles (a door swung out)"
        return reading
    # The corner exemption only withholds "open": points behind the hull are never evidence of a shut door.
    if (whole and seen_behind <= params.closed_share and skew <= params.closed_skew_share
            and reading.span_m >= params.min_span_m and explained >= params.min_explained
            and (perpendicular or _head_on(faces, view, params))):
        reading.state = CLOSED
        reading.confidence = 0.6 + 0.4 * (1.0 - share / max(params.closed_share, 1e-9))
        reading.reason = f"a closed front: {share:.0%} of the points behind it over {reading.span_m:.2f} m"
        return reading
    reading.reason = f"undecided: {share:.0%} of the points behind the front, seen over {reading.span_m:.2f} m"
    return reading
