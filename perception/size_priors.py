"""Typical sizes of furniture categories, and the centre of a thing seen from one side.

A camera sees the near side of a thing: the centroid of its seen points lies in front of the thing's
centre, by up to half its depth along the view (a bed seen from its foot: the footboard and the near
half of the mattress). With the category's typical size the centre is put back where the size says:
the near side of the seen points plus half the thing's extent along the view ray, never nearer than
the seen centroid itself (a thing seen from above already shows its whole depth). Its height is the
middle of the seen points' height span, not their mean (most of a bed's or a counter's seen points
are on its top).

The sizes (width across the front, depth front to back, height; metres) are common catalogue sizes of
household furniture, written down once; they were not fitted to any data set (in particular not to
the SUN RGB-D frames `memstack bench perception` scores against). Categories not listed, and small
objects, keep their seen centroid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# How far the seen span across the view may exceed a reading of the size before the reading is unlikely:
# the seen points' quantile span is not exact (a few cm of depth noise and edge pixels).
ACROSS_SLACK_M = 0.1
# Below this sine between a thing's width and the view, its width is not read from its outline across the view.
WIDTH_READABLE_SIN = 0.2


@dataclass(frozen=True)
class SizePrior:
    width: float
    depth: float
    height: float


SIZE_PRIORS: dict[str, SizePrior] = {
    "bed": SizePrior(1.6, 2.0, 0.55),
    "sofa": SizePrior(2.0, 0.9, 0.85),
    "armchair": SizePrior(0.85, 0.85, 0.9),
    "chair": SizePrior(0.5, 0.55, 0.9),
    "ottoman": SizePrior(0.6, 0.6, 0.45),
    "table": SizePrior(1.2, 0.8, 0.75),
    "dining_table": SizePrior(1.6, 0.9, 0.75),
    "coffee_table": SizePrior(1.0, 0.6, 0.45),
    "desk": SizePrior(1.2, 0.6, 0.75),
    "nightstand": SizePrior(0.45, 0.4, 0.55),
    "dresser": SizePrior(1.0, 0.5, 0.8),
    "cabinet": SizePrior(0.8, 0.45, 0.9),
    "wardrobe": SizePrior(1.0, 0.6, 1.9),
    "shelf": SizePrior(0.9, 0.35, 1.8),
    "fridge": SizePrior(0.7, 0.7, 1.8),
    "counter": SizePrior(2.0, 0.6, 0.9),
    "lamp": SizePrior(0.3, 0.3, 0.5),
    "mirror": SizePrior(0.8, 0.05, 0.8),
    "tv": SizePrior(1.0, 0.08, 0.6),
    "toilet": SizePrior(0.4, 0.7, 0.8),
    "bathtub": SizePrior(1.7, 0.75, 0.55),
    "plant": SizePrior(0.4, 0.4, 0.8),
    "sink": SizePrior(0.8, 0.55, 0.85),  # a sink unit (kitchen base or bathroom vanity), not a run of counter
    "washbasin": SizePrior(0.6, 0.45, 0.85),
    "tv_stand": SizePrior(1.4, 0.4, 0.5),
    "side_table": SizePrior(0.5, 0.5, 0.6),
    "bench": SizePrior(1.2, 0.4, 0.45),
    "dishwasher": SizePrior(0.6, 0.6, 0.85),  # the 60 cm built-in appliance module
    "washing_machine": SizePrior(0.6, 0.6, 0.85),
    "oven": SizePrior(0.6, 0.6, 0.9),
}

_ALIASES = {
    "night_stand": "nightstand", "dresser_mirror": "mirror", "couch": "sofa", "refrigerator": "fridge",
    "bookshelf": "shelf", "bookcase": "shelf", "cupboard": "cabinet", "closet": "wardrobe",
    "sideboard": "cabinet", "tv_monitor": "tv", "tvmonitor": "tv", "pottedplant": "plant",
    "potted_plant": "plant", "diningtable": "dining_table", "kitchen_table": "table",
}


def size_prior(label: str) -> SizePrior | None:
    name = label.strip().lower().replace(" ", "_").replace("-", "_")
    return SIZE_PRIORS.get(_ALIASES.get(name, name))


def extent_along(prior: SizePrior, view: np.ndarray, face_direction: float | None, seen_across_m: float) -> float:
    """The thing's horizontal extent along `view` (a unit 2-vector).

    `face_direction`: the direction (radians, mod 90 degrees) of the thing's seen faces, top-down;
    None: unknown, the thing is taken to face the camera. Which of width and depth runs along it is
    the reading whose extent across the view comes closer to the seen one (`seen_across_m`).
    """
    return footprint_reading(prior, view, face_direction, seen_across_m)[0]


def footprint_reading(prior: SizePrior, view: np.ndarray, face_direction: float | None,
                      seen_across_m: float) -> tuple[float, float]:
    """The catalogue footprint's (extent along `view`, extent across it), as `extent_along` reads it."""
    if face_direction is None:
        return prior.depth, prior.width
    angle = float(np.arctan2(view[1], view[0])) - face_direction
    c, s = abs(np.cos(angle)), abs(np.sin(angle))
    readings = [(prior.width * c + prior.depth * s, prior.width * s + prior.depth * c),
                (prior.width * s + prior.depth * c, prior.width * c + prior.depth * s)]
    # What is seen across is at most what the thing spans across (occlusion and the image border only cut
    # it): a reading narrower than the seen span is unlikely (a sink narrower than a counter is still not
    # as deep as the counter is wide); among those that hold it, the closest.
    return min(readings, key=lambda r: (max(0.0, seen_across_m - r[1] - ACROSS_SLACK_M), abs(r[1] - seen_across_m)))


def smaller_than_catalogue(prior: SizePrior, view: np.ndarray, face_direction: float, outline_across_m: float,
                           top_along_m: float | None, chosen_across_m: float) -> float:
    """The extent along `view` of a thing whose whole outline spans less across the view than its catalogue size.

    A solid thing's outline spans its whole extent across the view (only the image border and things in
    front cut it), so when all of it is in the image and the catalogue footprint spans more across, the
    thing is smaller than the catalogue: a 1.2 m counter, not the 2 m one. Widths vary (a counter's run, a
    desk's length), depths are standard: the width is solved from the outline for each way the footprint
    may lie, never above the catalogue's. Which way it lies: where the thing's top is seen from above
    (`top_along_m`: how far the top's points run along the view, its far edge in sight) the way whose extent
    along comes closest to that; otherwise the way the catalogue reading chose (`chosen_across_m`: its
    extent across).
    """
    angle = float(np.arctan2(view[1], view[0])) - face_direction
    c, s = abs(np.cos(angle)), abs(np.sin(angle))
    ways = []  # (extent along, catalogue extent across) for the width running at sin / cos to the view
    for across_w, along_w in ((s, c), (c, s)):
        across_d, along_d = along_w, across_w
        width = prior.width
        if across_w >= WIDTH_READABLE_SIN:  # a width running nearly along the view is not seen across
            width = min(max((outline_across_m + ACROSS_SLACK_M - prior.depth * across_d) / across_w, 0.0), width)
        ways.append((width * along_w + prior.depth * along_d, prior.width * across_w + prior.depth * across_d))
    if top_along_m is not None:
        return min(ways, key=lambda w: abs(w[0] - top_along_m))[0]
    return min(ways, key=lambda w: abs(w[1] - chosen_across_m))[0]


def top_seen_along(points: np.ndarray, camera: np.ndarray, along: np.ndarray, above_m: float = 0.1,
                   top_band_m: float = 0.05, quantile: float = 0.02) -> float | None:
    """How far a thing's top runs along the view when it is seen from above, else None.

    Seen from above: the camera `above_m` over the seen top, and the points within `top_band_m` of it more
    than twice the share a vertical face's top strip holds (`top_band_m` of the seen height: a face spreads
    its points over its height, a horizontal top gathers them in the band). The span of those points' `along`
    between their `quantile` and 1 - `quantile`.
    """
    z = points[:, 2]
    top = float(np.quantile(z, 1.0 - quantile))
    height = top - float(np.quantile(z, quantile))
    on_top = z >= top - top_band_m
    if camera[2] < top + above_m or height <= 0.0 or on_top.mean() <= 2.0 * top_band_m / height:
        return None
    return float(np.quantile(along[on_top], 1.0 - quantile) - np.quantile(along[on_top], quantile))


def within_reach(points: np.ndarray, camera: np.ndarray, reach_m: float) -> np.ndarray:
    """Which points (Nx3, map) lie in the densest stretch `reach_m` long along the view from `camera`.

    A thing spans at most its footprint's diagonal along any view ray: a cluster running further mixes it
    with something in front of it or behind it (a chair before a dresser, the wall behind a mirror), and
    the thing is where most of its points are.
    """
    view = np.asarray(points[:, :2].mean(axis=0) - camera[:2], dtype=np.float64)
    norm = float(np.linalg.norm(view))
    if norm < 1e-6 or points.shape[0] == 0:
        return np.ones(points.shape[0], dtype=bool)
    along = (points[:, :2] - camera[:2]) @ (view / norm)
    ordered = np.sort(along)
    ends = np.searchsorted(ordered, ordered + reach_m, side="right")
    start = int(np.argmax(ends - np.arange(ordered.size)))
    return (along >= ordered[start]) & (along <= ordered[start] + reach_m)


def amodal_height(points: np.ndarray, prior: SizePrior, quantile: float = 0.02) -> float:
    """The height of a thing's centre: the middle between its seen top and its bottom.

    The seen points' mean lies where most of them are (a bed's mattress top, a counter's top): not the
    middle. The bottom is the lowest seen point, or lower where the top seen is above it by less than the
    category's height (the bottom hidden behind something in front, or cut off by the support removal).
    """
    z = points[:, 2]
    top = float(np.quantile(z, 1.0 - quantile))
    bottom = float(np.quantile(z, quantile))
    return (top + bottom) / 2.0


def amodal_centroid(points: np.ndarray, camera: np.ndarray, centroid: np.ndarray, prior: SizePrior,
                    face_direction: float | None, near_quantile: float = 0.05, whole_in_view: bool = False,
                    outline_quantile: float = 0.005) -> np.ndarray:
    """The centre of a thing whose seen points (Nx3, map) have `centroid`, seen from `camera` (map).

    `whole_in_view`: the thing's outline is clear of the image border, so its seen points span all of it
    across the view (`smaller_than_catalogue`; their `outline_quantile` and 1 - `outline_quantile` across).
    """
    ray = np.asarray(centroid[:2], dtype=np.float64) - np.asarray(camera[:2], dtype=np.float64)
    distance = float(np.linalg.norm(ray))
    if distance < 1e-6 or points.shape[0] == 0:
        return np.asarray(centroid, dtype=np.float64)
    view = ray / distance
    across_axis = np.array([-view[1], view[0]])
    rel = points[:, :2] - camera[:2]
    along = rel @ view
    across = rel @ across_axis
    seen_across = float(np.quantile(across, 1.0 - near_quantile) - np.quantile(across, near_quantile))
    near = float(np.quantile(along, near_quantile))
    extent, extent_across = footprint_reading(prior, view, face_direction, seen_across)
    if whole_in_view and face_direction is not None:
        outline = float(np.quantile(across, 1.0 - outline_quantile) - np.quantile(across, outline_quantile))
        if extent_across > outline + ACROSS_SLACK_M:
            extent = smaller_than_catalogue(prior, view, face_direction, outline,
                                            top_seen_along(points, camera, along), extent_across)
    shift = min(max(0.0, near + extent / 2.0 - distance), extent / 2.0)
    out = np.asarray(centroid, dtype=np.float64).copy()
    out[:2] += shift * view
    out[2] = amodal_height(points, prior)
    return out
