"""Open/closed evidence from a door part and its body, robust to views cut by the image border.

A door is a flat panel hinged on its body's front. Closed, it is flush with the body: the body lies
behind the door's plane and no wider than the door plus the carcass panels, and every edge of the
door that the camera sees meets the body at the same depth. Open by an angle, the door leaves that
plane: parts of the body appear in front of the door's plane (seen from the inner side of the
door) or beyond the door's hinge end (seen from its outer side), and the door's free edges border
whatever lies behind them instead of the body.

Three measurements, all taken from what this frame shows:
- `front_m`: how far the body reaches in front of the door's plane, on the camera's side;
- `beyond_m`: how far the body reaches past the ends of the door along the door's own axis;
- edge contacts: the door's mask boundary, pixel by pixel, against its neighbour outside the mask:
  "attached" (the body at the same depth), "free" (something farther, or nothing), or unknown
  (the image border, or something nearer that hides the edge).

A body reaching in front of or beyond the door means open, whatever was cut off. "Closed" needs
positive evidence: most seen edges attached, spread over most of the door's width. Everything
else (the door cut so that only its hinge side shows, the door seen edge-on or too little of it)
is no evidence at all rather than a guess.

The old rule (door points outside the body's box) read a shut door as open whenever the image
border truncated the body's box; nothing here uses the body's box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scene_graph.types import CameraIntrinsics, Pose

OPEN = "open"
CLOSED = "closed"
_MAX_FIT_POINTS = 4000
_WIDTH_BINS = 10
_DOOR_END_QUANTILE = 0.995  # the door's ends: its points are dense and already free of depth outliers
_DIRECTIONS = ((0, 1), (0, -1), (1, 0), (-1, 0))


@dataclass(frozen=True)
class DoorRuleParameters:
    """Thresholds of the rule (perception.config.ArticulationConfig holds and validates them)."""

    open_offset_m: float
    min_door_span_m: float
    min_camera_offset_m: float
    contact_tolerance_m: float
    contact_tolerance_per_m: float
    min_edge_pixels: int
    open_free_share: float
    open_free_coverage: float
    closed_min_coverage: float
    closed_max_free_coverage: float
    closed_max_offset_m: float
    closed_min_span_m: float
    quantile: float


@dataclass
class DoorReading:
    """What one view says about one door; `state` None means the view cannot decide."""

    state: str | None
    confidence: float
    reason: str
    front_m: float = float("nan")
    beyond_m: float = float("nan")
    span_m: float = 0.0  # the door's seen width
    camera_offset_m: float = 0.0  # the camera's distance from the door's plane
    attached: int = 0
    free: int = 0
    hidden: int = 0
    coverage: float = 0.0  # share of the door's seen width over which its edges meet the body
    free_coverage: float = 0.0  # share of slices across the door's seen width where its edges are free

    @property
    def attached_fraction(self) -> float:
        seen = self.attached + self.free
        return self.attached / seen if seen else float("nan")


@dataclass
class EdgeContacts:
    """The door's mask boundary classified pixel pair by pixel pair (see the module docstring).

    `attached_xy` / `free_xy`: map-frame (x, y) of the door pixels whose edge meets the body / is free.
    """

    attached: int
    free: int
    hidden: int
    attached_xy: np.ndarray
    free_xy: np.ndarray


def edge_contacts(mask: np.ndarray, depth: np.ndarray, intrinsics: CameraIntrinsics, camera_pose: Pose,
                  door_id: int, body_id: int, border_px: int, tolerance_m: float,
                  tolerance_per_m: float) -> EdgeContacts:
    """Classify every (door pixel, outside neighbour) pair of the door's mask boundary.

    Pairs whose neighbour lies within `border_px` of the image edge are not counted: what lies
    beyond the image border is unknown. Depth NaN/0 is no return.
    """
    rows, cols = np.nonzero(mask == door_id)
    empty = EdgeContacts(0, 0, 0, np.zeros((0, 2)), np.zeros((0, 2)))
    if rows.size == 0:
        return empty
    height, width = mask.shape
    r0, r1 = max(int(rows.min()) - 1, 0), min(int(rows.max()) + 2, height)
    c0, c1 = max(int(cols.min()) - 1, 0), min(int(cols.max()) + 2, width)
    sub_mask = mask[r0:r1, c0:c1]
    sub_depth = depth[r0:r1, c0:c1]
    is_door = sub_mask == door_id
    lo = max(border_px, 1)
    p_rows, p_cols, q_rows, q_cols = [], [], [], []
    h, w = is_door.shape
    for dr, dc in _DIRECTIONS:
        i0, i1, j0, j1 = max(0, -dr), h - max(0, dr), max(0, -dc), w - max(0, dc)
        p = is_door[i0:i1, j0:j1]
        q = ~is_door[i0 + dr:i1 + dr, j0 + dc:j1 + dc]
        pr, pc = np.nonzero(p & q)
        pr, pc = pr + i0, pc + j0
        qr, qc = pr + dr, pc + dc
        inside = ((qr + r0 >= lo) & (qr + r0 < height - lo) & (qc + c0 >= lo) & (qc + c0 < width - lo))
        p_rows.append(pr[inside])
        p_cols.append(pc[inside])
        q_rows.append(qr[inside])
        q_cols.append(qc[inside])
    pr, pc, qr, qc = (np.concatenate(a) for a in (p_rows, p_cols, q_rows, q_cols))
    zp = sub_depth[pr, pc].astype(np.float64)
    zq = sub_depth[qr, qc].astype(np.float64)
    has_p = np.isfinite(zp) & (zp > 0.0)
    pr, pc, qr, qc, zp, zq = pr[has_p], pc[has_p], qr[has_p], qc[has_p], zp[has_p], zq[has_p]
    if zp.size == 0:
        return empty
    has_q = np.isfinite(zq) & (zq > 0.0)
    zq = np.where(has_q, zq, 0.0)
    fx, fy, cx, cy = intrinsics.fx, intrinsics.fy, intrinsics.cx, intrinsics.cy
    p_cam = np.stack([(pc + c0 - cx) / fx * zp, (pr + r0 - cy) / fy * zp, zp], axis=1)
    q_cam = np.stack([(qc + c0 - cx) / fx * zq, (qr + r0 - cy) / fy * zq, zq], axis=1)
    gap = np.linalg.norm(p_cam - q_cam, axis=1)
    tolerance = tolerance_m + tolerance_per_m * zp
    is_body = sub_mask[qr, qc] == body_id
    attached = is_body & has_q & (gap < tolerance)
    # Something nearer hides the edge; another surface touching the door (the floor, a wall) says nothing.
    hidden = ~attached & has_q & ~is_body & ((zq < zp - tolerance) | (gap < tolerance))
    free = ~attached & ~hidden
    xy = camera_pose.transform_points(p_cam)[:, :2]
    return EdgeContacts(int(attached.sum()), int(free.sum()), int(hidden.sum()), xy[attached], xy[free])


def read_door(params: DoorRuleParameters, door_xy: np.ndarray, body_xy: np.ndarray, camera_xy: np.ndarray,
              contacts: EdgeContacts | None) -> DoorReading:
    """Open / closed / undecided for one door seen with its body (map-frame (x, y) points, Nx2)."""
    door_xy = _thinned(door_xy)
    body_xy = _thinned(body_xy)
    center = door_xy.mean(axis=0)
    # Doors swing about vertical hinges: the door's horizontal trace is a line segment.
    _, vectors = np.linalg.eigh(np.cov((door_xy - center).T))
    axis, normal = vectors[:, 1], vectors[:, 0]
    camera_offset = float(np.dot(camera_xy - center, normal))
    if camera_offset < 0.0:
        normal, camera_offset = -normal, -camera_offset
    along = (door_xy - center) @ axis
    q = params.quantile
    u0, u1 = np.quantile(along, [1.0 - _DOOR_END_QUANTILE, _DOOR_END_QUANTILE])
    span = float(u1 - u0)
    body_along = (body_xy - center) @ axis
    front = float(np.quantile((body_xy - center) @ normal, q))
    beyond = float(np.quantile(np.maximum(u0 - body_along, body_along - u1), q))
    reading = DoorReading(None, 0.0, "", front, beyond, span, camera_offset)
    if contacts is not None:
        reading.attached, reading.free, reading.hidden = contacts.attached, contacts.free, contacts.hidden
        reading.coverage = _spread(contacts.attached_xy, center, axis, span, q)
        reading.free_coverage = _occupancy(contacts.free_xy, center, axis, u0, span)
    decide(params, reading)
    return reading


def decide(params: DoorRuleParameters, reading: DoorReading) -> None:
    """Set `state`, `confidence` and `reason` of a reading from its measurements."""
    reading.state, reading.confidence = None, 0.0
    if reading.span_m < params.min_door_span_m:
        reading.reason = f"door seen over {reading.span_m:.2f} m only"
        return
    if reading.camera_offset_m < params.min_camera_offset_m:
        reading.reason = "door seen edge-on"
        return
    offset = max(reading.front_m, reading.beyond_m)
    if offset > params.open_offset_m:
        reading.state = OPEN
        reading.confidence = 0.6 + 0.4 * min(1.0, (offset - params.open_offset_m) / params.open_offset_m)
        reading.reason = ("body in front of the door's plane" if reading.front_m >= reading.beyond_m
                          else "body past the door's end")
        return
    seen = reading.attached + reading.free
    if seen < params.min_edge_pixels:
        reading.reason = f"{seen} door edge pixels seen against their surroundings"
        return
    free_share = reading.free / seen
    # A shut door seen obliquely shows one free edge: its far side, a single line across the door's
    # axis. An open door's top and bottom edges leave the body along the door's width.
    if free_share >= params.open_free_share and reading.free_coverage >= params.open_free_coverage:
        reading.state = OPEN
        reading.confidence = 0.6 + 0.4 * min(1.0, free_share) * reading.free_coverage
        reading.reason = f"free door edges ({free_share:.0%} of the seen boundary, {reading.free_coverage:.0%} wide)"
        return
    if (reading.coverage >= params.closed_min_coverage and reading.free_coverage <= params.closed_max_free_coverage
            and offset <= params.closed_max_offset_m and reading.span_m >= params.closed_min_span_m):
        reading.state = CLOSED
        reading.confidence = 0.6 + 0.4 * reading.coverage * (1.0 - reading.free_coverage)
        reading.reason = "door flush with its body"
        return
    reading.reason = (f"undecided: {1.0 - free_share:.0%} of the seen edges attached over {reading.coverage:.0%} of "
                      f"the door's width, free over {reading.free_coverage:.0%}, body {offset:.2f} m off the door")


def _spread(xy: np.ndarray, center: np.ndarray, axis: np.ndarray, span: float, quantile: float) -> float:
    """How much of the door's seen width (`span` along `axis`) the points cover, in [0, 1]."""
    if xy.shape[0] < 2 or span <= 0.0:
        return 0.0
    along = (xy - center) @ axis
    lo, hi = np.quantile(along, [1.0 - quantile, quantile])
    return float(np.clip((hi - lo) / span, 0.0, 1.0))


def _occupancy(xy: np.ndarray, center: np.ndarray, axis: np.ndarray, start: float, span: float) -> float:
    """Share of `_WIDTH_BINS` equal slices of the door's seen width that hold points.

    A vertical edge (the door's side) fills one slice whatever its length; a horizontal edge fills
    the slices it runs across.
    """
    if xy.shape[0] == 0 or span <= 0.0:
        return 0.0
    slices = np.floor(((xy - center) @ axis - start) * (_WIDTH_BINS / span)).astype(np.int64)
    return float(np.unique(np.clip(slices, 0, _WIDTH_BINS - 1)).size) / _WIDTH_BINS


def _thinned(points: np.ndarray) -> np.ndarray:
    """At most _MAX_FIT_POINTS points, evenly strided (the fit needs the shape, not every pixel)."""
    step = max(1, points.shape[0] // _MAX_FIT_POINTS)
    return np.asarray(points[::step], dtype=np.float64)
