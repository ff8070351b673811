"""Free space on a surface: is there room for a thing of a given footprint, computed when a question asks.

A surface is a remembered object's top (its box's footprint); what stands on it is every object memory says
rests on it (or whose box bottom lies at its top, scene_graph.spatial_relations.rests_on). The top is a grid
of `CELL_M` cells; a cell is taken when any standing thing's footprint, grown by `CLEARANCE_M`, covers it.
A thing of footprint w x d fits when some axis-aligned w x d window (either way round) holds no taken cell.
Nothing is stored: what stands on a surface changes whenever something moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from scene_graph.spatial_relations import rests_on

CELL_M = 0.02
CLEARANCE_M = 0.02
# With no size asked ("is there room on the desk?"): a clear square this wide counts as room.
MIN_FREE_SIDE_M = 0.25


def _taken(surface: Any, items: Sequence[Any]) -> np.ndarray:
    x0, y0 = float(surface.bbox_min[0]), float(surface.bbox_min[1])
    nx = max(1, int(round((float(surface.bbox_max[0]) - x0) / CELL_M)))
    ny = max(1, int(round((float(surface.bbox_max[1]) - y0) / CELL_M)))
    grid = np.zeros((nx, ny), dtype=bool)
    for o in items:
        i0 = int(np.floor((float(o.bbox_min[0]) - CLEARANCE_M - x0) / CELL_M))
        i1 = int(np.ceil((float(o.bbox_max[0]) + CLEARANCE_M - x0) / CELL_M))
        j0 = int(np.floor((float(o.bbox_min[1]) - CLEARANCE_M - y0) / CELL_M))
        j1 = int(np.ceil((float(o.bbox_max[1]) + CLEARANCE_M - y0) / CELL_M))
        grid[max(0, i0):max(0, min(nx, i1)), max(0, j0):max(0, min(ny, j1))] = True
    return grid


def standing_on(surface: Any, objects: Sequence[Any]) -> list[Any]:
    """What memory holds as standing on `surface`."""
    return [o for o in objects if o.id != surface.id and rests_on(o, surface)]


def _fits(taken: np.ndarray, w: int, d: int) -> bool:
    nx, ny = taken.shape
    if w > nx or d > ny:
        return False
    sums = np.zeros((nx + 1, ny + 1), dtype=np.int32)
    sums[1:, 1:] = taken.astype(np.int32).cumsum(0).cumsum(1)
    window = sums[w:, d:] - sums[:-w, d:] - sums[w:, :-d] + sums[:-w, :-d]
    return bool((window == 0).any())


def fits_on(surface: Any, objects: Sequence[Any], size_xy: tuple[float, float]) -> bool:
    """Whether a thing of footprint `size_xy` (m) fits on `surface` beside what stands on it."""
    taken = _taken(surface, standing_on(surface, objects))
    w, d = (max(1, int(np.ceil(float(s) / CELL_M - 1e-9))) for s in size_xy)
    return _fits(taken, w, d) or _fits(taken, d, w)


def free_share(surface: Any, objects: Sequence[Any]) -> float:
    """The share of the surface's top no standing thing covers (0..1)."""
    taken = _taken(surface, standing_on(surface, objects))
    return float(1.0 - taken.mean())


def footprint_of(obj: Any) -> tuple[float, float]:
    """An object's footprint (x, y extents of its box, m)."""
    return (float(obj.bbox_max[0]) - float(obj.bbox_min[0]), float(obj.bbox_max[1]) - float(obj.bbox_min[1]))
