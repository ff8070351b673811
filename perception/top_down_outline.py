"""The straight pieces of a thing's outline seen top-down (map x/y), and their right angles.

Furniture is built of flat faces meeting at right angles; seen from above, the faces a camera sees
are straight lines along two perpendicular directions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Face:
    """A straight face of a top-down outline: its direction (radians in [0, pi)), the points on it, its length."""

    direction: float
    members: np.ndarray  # bool per point
    length_m: float


def surface_noise(xy: np.ndarray, neighbours: int = 16, queries: int = 400) -> float:
    """How thick a surface the points (Nx2) draw: the median over points of their neighbourhood's minor spread (m).

    A face seen by a noiseless camera is a thin line (~0); depth noise thickens it along the view rays.
    At most `queries` points (evenly taken) are asked.
    """
    from scipy.spatial import cKDTree

    k = min(neighbours, xy.shape[0])
    asked = xy[:: max(1, xy.shape[0] // queries)]
    _, near = cKDTree(xy).query(asked, k=k)
    local = xy[near] - xy[near].mean(axis=1, keepdims=True)
    sxx, syy = np.mean(local[..., 0] ** 2, axis=1), np.mean(local[..., 1] ** 2, axis=1)
    sxy = np.mean(local[..., 0] * local[..., 1], axis=1)
    minor = (sxx + syy) / 2.0 - np.sqrt(((sxx - syy) / 2.0) ** 2 + sxy ** 2)
    return float(np.sqrt(max(float(np.median(minor)), 0.0)))


def straight_faces(xy: np.ndarray, tolerance_m: float, min_length_m: float, max_faces: int = 4,
                   min_points: int = 10, min_share: float = 0.02, samples: int = 256) -> list[Face]:
    """The straight faces of a top-down outline (Nx2), largest first, by repeated robust line fits.

    Each round fits a line to the points not yet on a face (the best of `samples` lines through two of
    them, deterministically drawn, counting the points within `tolerance_m`; then refitted to those
    points twice) and takes its points off. A line holding fewer than `min_points` points or `min_share`
    of all ends the search; one shorter than `min_length_m` (a bump, a blob of stragglers) is no face.
    """
    rng = np.random.default_rng(0)
    n = xy.shape[0]
    free = np.ones(n, dtype=bool)
    faces: list[Face] = []
    enough = max(min_points, int(np.ceil(min_share * n)))
    while len(faces) < max_faces:
        index = np.flatnonzero(free)
        if index.size < enough:
            break
        pts = xy[index]
        a, b = rng.integers(index.size, size=samples), rng.integers(index.size, size=samples)
        chord = pts[b] - pts[a]
        length = np.linalg.norm(chord, axis=1)
        usable = length > min(0.05, min_length_m / 2.0)
        if not usable.any():
            break
        a, chord, length = a[usable], chord[usable], length[usable]
        normal = np.stack([-chord[:, 1], chord[:, 0]], axis=1) / length[:, None]
        offset = np.einsum("ij,ij->i", normal, pts[a])
        best = int(np.argmax((np.abs(pts @ normal.T - offset) < tolerance_m).sum(axis=0)))
        on = np.abs(pts @ normal[best] - offset[best]) < tolerance_m
        for _ in range(2):
            centre = pts[on].mean(axis=0)
            axes = np.linalg.svd(pts[on] - centre, full_matrices=False)[2]
            on = np.abs((pts - centre) @ axes[1]) < tolerance_m
            if np.count_nonzero(on) < 2:
                break
        if np.count_nonzero(on) < enough:
            break
        members = np.zeros(n, dtype=bool)
        members[index[on]] = True
        free &= ~members
        along = (pts[on] - centre) @ axes[0]
        extent = float(np.quantile(along, 0.98) - np.quantile(along, 0.02))
        if extent >= min_length_m:
            faces.append(Face(float(np.arctan2(axes[0][1], axes[0][0]) % np.pi), members, extent))
    return faces


def facing_direction(xy: np.ndarray, noise_factor: float, min_tolerance_m: float, max_tolerance_m: float,
                     min_face_m: float, max_points: int = 250) -> float | None:
    """The direction (radians in [0, pi)) of the largest straight face of a top-down outline (Nx2), or None.

    Robust line fits (`straight_faces`) whose tolerance is `noise_factor` times the thickness the points'
    surface shows, clipped to [`min_tolerance_m`, `max_tolerance_m`]: a real camera's depth noise draws a
    face seen at 4 m several centimetres thick top-down, which fixed 2 cm cells read as a blob with no
    direction (the rule used before session 12: the thing was then taken to face the camera). At most
    `max_points` evenly taken points are fitted: a direction needs few, and the fits cost per point.
    """
    xy = xy[:: max(1, -(-xy.shape[0] // max_points))]
    if xy.shape[0] < 10:
        return None
    tolerance = min(max(noise_factor * surface_noise(xy), min_tolerance_m), max_tolerance_m)
    faces = straight_faces(xy, tolerance, min_face_m, max_faces=1)
    return faces[0].direction if faces else None


def off_square(direction: float, reference: float) -> float:
    """How far (radians, 0..pi/4) `direction` is from `reference` or its perpendicular."""
    return abs((direction - reference + np.pi / 4) % (np.pi / 2) - np.pi / 4)
