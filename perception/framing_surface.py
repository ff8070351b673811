"""The surface that frames a 2D box: one plane seen around the box on two or more of its four sides.

A thing hangs on, or stands against, the wall seen around it. The framing surface tells two cases a
box's own depth cannot: a mirror or a pane of glass (its pixels return the depth of what is reflected or
seen through it, behind the wall that frames it on three sides) and a thing whose own pixels give no
depth (dark or glossy surfaces; its top edge and a side seen against one surface): both lie on or in
front of the framing surface, never behind it.

A plane's inverse depth is linear in the normalised image coordinates (n . (x, y, 1) d = c), so the
plane is fitted as 1/d = a x + b y + e: a few three-point hypotheses, the one with most inliers, then
least squares on its inliers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scene_graph.types import CameraIntrinsics

_HYPOTHESES = 48
_MAX_POINTS = 800
_MIN_SIDE_POINTS = 12


@dataclass(frozen=True)
class FramingSurface:
    """1/depth = a x + b y + e over normalised image coordinates (x = (u - cx) / fx, y = (v - cy) / fy)."""

    a: float
    b: float
    e: float
    sides: frozenset[str] = frozenset()  # the box's sides ("top", "bottom", "left", "right") seen on it

    def depth_at(self, cols: np.ndarray, rows: np.ndarray, intrinsics: CameraIntrinsics) -> np.ndarray:
        """Depth of the plane at full-image pixel coordinates (inf where the plane is not in front)."""
        x = (np.asarray(cols, dtype=np.float64) - intrinsics.cx) / intrinsics.fx
        y = (np.asarray(rows, dtype=np.float64) - intrinsics.cy) / intrinsics.fy
        inverse = self.a * x + self.b * y + self.e
        with np.errstate(divide="ignore"):
            return np.where(inverse > 1e-6, 1.0 / np.maximum(inverse, 1e-6), np.inf)


def _tolerance(depth: np.ndarray, fixed_m: float, per_m: float) -> np.ndarray:
    return fixed_m + per_m * depth


def framing_surfaces(depth: np.ndarray, usable: np.ndarray, box: tuple[int, int, int, int],
                     context: tuple[int, int, int, int], intrinsics: CameraIntrinsics, tolerance_m: float,
                     tolerance_per_m: float, min_side_share: float, count: int = 2,
                     rng: np.random.Generator | None = None) -> list[FramingSurface]:
    """Up to `count` planes seen around `box`, each on at least two sides (`sides` names them), most sides first.

    `depth`/`usable` cover the `context` window (x0, y0, x1, y1, full-image pixels) that holds `box`;
    the ring is the context outside the box. A side counts when it has enough usable pixels and at
    least `min_side_share` of them lie on the plane (within tolerance_m + tolerance_per_m x depth).
    Each further plane is fitted to the ring's points off the planes before it (a room's corner: the
    floor below and the wall behind).
    """
    cx0, cy0, cx1, cy1 = context
    bx0, by0, bx1, by1 = box[0] - cx0, box[1] - cy0, box[2] - cx0, box[3] - cy0
    ring = usable.copy()
    ring[by0:by1, bx0:bx1] = False
    ring[:by0, :bx0] = ring[:by0, bx1:] = ring[by1:, :bx0] = ring[by1:, bx1:] = False  # corners: no side's
    rr, cc = np.nonzero(ring)
    rng = rng if rng is not None else np.random.default_rng(0)
    if rr.size > _MAX_POINTS:
        pick = rng.choice(rr.size, _MAX_POINTS, replace=False)
        rr, cc = rr[pick], cc[pick]
    across, along = (cc >= bx0) & (cc < bx1), (rr >= by0) & (rr < by1)
    at_side = {"top": across & (rr < by0), "bottom": across & (rr >= by1),
               "left": along & (cc < bx0), "right": along & (cc >= bx1)}
    d = depth[rr, cc].astype(np.float64)
    x = (cc + cx0 - intrinsics.cx) / intrinsics.fx
    y = (rr + cy0 - intrinsics.cy) / intrinsics.fy
    design = np.stack([x, y, np.ones_like(x)], axis=1)
    tolerance = _tolerance(d, tolerance_m, tolerance_per_m)
    found: list[FramingSurface] = []
    left = np.ones(d.size, dtype=bool)
    for _ in range(count):
        if np.count_nonzero(left) < 2 * _MIN_SIDE_POINTS:
            break
        params = _fit_plane(design[left], d[left], tolerance[left], rng)
        if params is None:
            break
        on = _on_plane(design, d, tolerance, params)
        framed = frozenset(name for name, at in at_side.items()
                           if np.count_nonzero(at & left) >= _MIN_SIDE_POINTS
                           and np.count_nonzero(on & at & left) >= min_side_share * np.count_nonzero(at & left))
        if len(framed) >= 2:
            found.append(FramingSurface(float(params[0]), float(params[1]), float(params[2]), framed))
        left &= ~on
    return sorted(found, key=lambda f: -len(f.sides))


def _on_plane(design: np.ndarray, d: np.ndarray, tolerance: np.ndarray, params: np.ndarray) -> np.ndarray:
    inverse = design @ params
    with np.errstate(divide="ignore", invalid="ignore"):
        predicted = np.where(inverse > 1e-6, 1.0 / np.maximum(inverse, 1e-6), np.inf)
    return np.abs(predicted - d) < tolerance


def _fit_plane(design: np.ndarray, d: np.ndarray, tolerance: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    """Inverse-depth plane parameters with most inliers among three-point hypotheses, refined by least squares."""
    target = 1.0 / d
    triples = rng.integers(0, d.size, size=(_HYPOTHESES, 3))
    systems = design[triples]  # (H, 3, 3)
    solvable = np.abs(np.linalg.det(systems)) > 1e-9
    if not solvable.any():
        return None
    hypotheses = np.linalg.solve(systems[solvable], target[triples[solvable]][..., None])[..., 0]  # (H', 3)
    inverse = design @ hypotheses.T  # (N, H')
    with np.errstate(divide="ignore", invalid="ignore"):
        predicted = np.where(inverse > 1e-6, 1.0 / np.maximum(inverse, 1e-6), np.inf)
    counts = np.count_nonzero(np.abs(predicted - d[:, None]) < tolerance[:, None], axis=0)
    best = int(np.argmax(counts))
    if counts[best] < 3:
        return None
    on = _on_plane(design, d, tolerance, hypotheses[best])
    refined, *_ = np.linalg.lstsq(design[on], target[on], rcond=None)
    return refined
