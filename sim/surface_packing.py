"""How many things fit on a piece of furniture, without a simulator: its usable surface and a dense packer.

The surface is the rectangle objects may rest on, in the furniture's local frame (front = +y): the
top inset by a margin, or for openable furniture the inner shelf between the panels. Objects are
discs of their category's footprint radius whose centres may overhang the surface by half a radius
(as `sim.house_builder.free_spot` allows). `pack` places discs greedily, largest first, each at
the first free grid point scanning from the front row backwards; it is deterministic, so the
scenario validator and the simulator agree on what fits.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from robot_model.category_shapes import furniture_shape, object_shape

SURFACE_MARGIN = 0.06
PANEL = 0.04  # carcass panel thickness of openable furniture (sim.house_builder builds it)
DOOR_THICKNESS = 0.03
PACK_CLEARANCE = 0.01
PACK_STEP = 0.02

Rect = tuple[float, float, float, float]  # x0, x1, y0, y1 in the furniture's local frame


def support_surface(category: str, size: tuple[float, float, float], openable: bool) -> Rect:
    """The rectangle objects rest on, as sim.house_builder builds the body."""
    w, d, _ = size
    m = SURFACE_MARGIN
    if openable:
        inner_w = w - 2 * PANEL
        return (-inner_w / 2 + m, inner_w / 2 - m, -d / 2 + PANEL + m, d / 2 - DOOR_THICKNESS - m)
    return (-w / 2 + m, w / 2 - m, -d / 2 + m, d / 2 - m)


def spec_surface(spec) -> Rect:
    """The support surface of a scenario FurnitureSpec (duck-typed: category, openable, dimensions())."""
    return support_surface(spec.category, spec.dimensions(), spec.openable)


def pack(surface: Rect, radii: Sequence[float], clearance: float = PACK_CLEARANCE,
         fixed: Sequence[tuple[float, float, float]] = ()) -> list[tuple[float, float]] | None:
    """Local (x, y) centres for discs of `radii` (same order), clear of each other and of `fixed` (x, y, r).

    None when they do not all fit.
    """
    x0, x1, y0, y1 = surface
    placed_xy = np.array([(x, y) for x, y, _ in fixed], dtype=float).reshape(-1, 2)
    placed_r = np.array([r for _, _, r in fixed], dtype=float)
    out: list[tuple[float, float] | None] = [None] * len(radii)
    for i in sorted(range(len(radii)), key=lambda k: (-radii[k], k)):
        r = float(radii[i])
        spot = _first_free(x0, x1, y0, y1, r, placed_xy, placed_r, clearance)
        if spot is None:
            return None
        out[i] = spot
        placed_xy = np.vstack([placed_xy, spot])
        placed_r = np.append(placed_r, r)
    return out  # type: ignore[return-value]


def _first_free(x0: float, x1: float, y0: float, y1: float, r: float, placed_xy: np.ndarray,
                placed_r: np.ndarray, clearance: float) -> tuple[float, float] | None:
    lo_x, hi_x = x0 + r * 0.5, x1 - r * 0.5
    lo_y, hi_y = y0 + r * 0.5, y1 - r * 0.5
    if hi_x < lo_x:
        lo_x = hi_x = 0.5 * (lo_x + hi_x)
    if hi_y < lo_y:
        lo_y = hi_y = 0.5 * (lo_y + hi_y)
    xs = np.linspace(lo_x, hi_x, max(1, int(round((hi_x - lo_x) / PACK_STEP)) + 1))
    ys = np.linspace(hi_y, lo_y, max(1, int(round((hi_y - lo_y) / PACK_STEP)) + 1))  # front row first
    gy, gx = np.meshgrid(ys, xs, indexing="ij")
    candidates = np.column_stack([gx.ravel(), gy.ravel()])
    if len(placed_r):
        gaps = np.linalg.norm(candidates[:, None, :] - placed_xy[None, :, :], axis=2) - placed_r[None, :]
        free = np.all(gaps >= r + clearance - 1e-9, axis=1)
        candidates = candidates[free]
    if not len(candidates):
        return None
    return float(candidates[0, 0]), float(candidates[0, 1])


def fits(surface: Rect, categories: Sequence[str]) -> bool:
    """Whether objects of these categories all fit on the surface at once."""
    return _fits(tuple(round(v, 4) for v in surface), tuple(sorted(categories)))


@lru_cache(maxsize=65536)
def _fits(surface: Rect, categories: tuple[str, ...]) -> bool:
    return pack(surface, [object_shape(c).footprint_radius for c in categories]) is not None


def surface_of_category(category: str, openable: bool) -> Rect:
    shape = furniture_shape(category)
    return support_surface(category, (shape.width, shape.depth, shape.height), openable)
