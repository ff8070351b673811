"""The straight pieces of a thing's outline seen top-down (map x/y), and their right angles.

Furniture is built of flat faces meeting at right angles; seen from above, the faces a camera sees
are straight lines along two perpendicular directions.
"""

from __future__ import annotations

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


def square_offsets(angles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per direction: its offset (radians) from the commonest direction or its perpendicular.

    Also whether it runs along the commonest direction (True) or across it (False).
    """
    mode = _commonest(angles)
    off = np.abs((angles % (np.pi / 2) - mode + np.pi / 4) % (np.pi / 2) - np.pi / 4)
    close = off <= np.pi / 36
    reference = float(angles[close][0]) if close.any() else mode  # one member: it only splits the two families
    along = np.abs((angles - reference + np.pi / 2) % np.pi - np.pi / 2) < np.pi / 4
    return off, along


def dominant_direction(angles: np.ndarray) -> float | None:
    """The commonest direction modulo 90 degrees (radians), or None with fewer than 10 directions."""
    return _commonest(angles) if angles.size >= 10 else None


def _commonest(angles: np.ndarray, bins: int = 18) -> float:
    folded = angles % (np.pi / 2)
    counts = np.bincount((folded / (np.pi / 2) * bins).astype(np.int64) % bins, minlength=bins)
    return (int(np.argmax(counts)) + 0.5) * (np.pi / 2) / bins
