"""The straight pieces of a thing's outline seen top-down (map x/y), and their right angles.

Furniture is built of flat faces meeting at right angles; seen from above, the faces a camera sees
are straight lines along two perpendicular directions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def straight_directions(xy: np.ndarray, cell_m: float, radius_m: float) -> np.ndarray:
    """Directions (radians in [0, pi)) of the straight pieces of a top-down outline (Nx2).

    The outline is thinned to `cell_m` cells; a cell's direction is its neighbours' (within
    `radius_m`, itself included) principal axis, kept where they lie on a line (at least 4 of them,
    minor spread under 5% of the major: not a corner, not a blob).
    """
    from scipy.spatial import cKDTree

    grid = np.floor(xy / cell_m).astype(np.int64)
    grid -= grid.min(axis=0)
    rows = int(grid[:, 1].max()) + 1
    keys = np.unique(grid[:, 0] * rows + grid[:, 1])  # one integer per cell: far faster than unique rows
    cells = np.column_stack([keys // rows, keys % rows]).astype(np.float64)  # in cells
    n = cells.shape[0]
    if n < 10:
        return np.zeros(0)
    # integer cell coordinates: a neighbour exactly `radius_m` away is in, whatever the rounding
    pairs = cKDTree(cells).query_pairs(radius_m / cell_m + 1e-6, output_type="ndarray")
    i = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(n)])
    j = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(n)])
    count = np.bincount(i, minlength=n).astype(np.float64)
    x, y = cells[j, 0], cells[j, 1]
    mx, my = np.bincount(i, x, n) / count, np.bincount(i, y, n) / count
    sxx = np.bincount(i, x * x, n) / count - mx * mx
    syy = np.bincount(i, y * y, n) / count - my * my
    sxy = np.bincount(i, x * y, n) / count - mx * my
    half_trace, root = (sxx + syy) / 2.0, np.sqrt(((sxx - syy) / 2.0) ** 2 + sxy ** 2)
    major, minor = half_trace + root, half_trace - root
    straight = (count >= 4) & (minor <= 0.05 * major) & (major > 0.0)
    return (0.5 * np.arctan2(2.0 * sxy[straight], (sxx - syy)[straight])) % np.pi


def dominant_direction(angles: np.ndarray) -> float | None:
    """The commonest direction modulo 90 degrees (radians), or None with fewer than 10 directions."""
    return _commonest(angles) if angles.size >= 10 else None


def _commonest(angles: np.ndarray, bins: int = 18) -> float:
    folded = angles % (np.pi / 2)
    counts = np.bincount((folded / (np.pi / 2) * bins).astype(np.int64) % bins, minlength=bins)
    return (int(np.argmax(counts)) + 0.5) * (np.pi / 2) / bins


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


def off_square(direction: float, reference: float) -> float:
    """How far (radians, 0..pi/4) `direction` is from `reference` or its perpendicular."""
    return abs((direction - reference + np.pi / 4) % (np.pi / 2) - np.pi / 4)
