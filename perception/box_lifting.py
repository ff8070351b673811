"""2D boxes + depth -> an instance mask: the object's own pixels inside each box.

A box holds the object and whatever lies around it: the floor or table it stands on, the wall behind,
things in front. The object's pixels are what is left when the support plane is removed (by height
in the map frame) and the best depth-continuous cluster of the box is kept: one that spans the box,
lies near, ends near the box's edges (the box's surroundings are clustered too), is no farther than
the category's size allows and is not the surface seen around the box (see BoxLiftingConfig). A
thing whose own pixels give no usable depth (a mirror, glass, a dark front) is placed against the
surface that frames its box (perception.framing_surface), or dropped. A thing whose box mostly
shows a bigger detected thing in front of it is dropped too: its box's depth would put it on that
thing or on the wall. The mask then goes through FrameProcessor like a segmenter's, so boxes become
the same 3D observations masks give.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from perception.box_detections import BoxDetection
from perception.config import BoxLiftingConfig
from perception.framing_surface import FramingSurface, framing_surfaces
from perception.size_priors import SizePrior, size_prior
from scene_graph.types import CameraIntrinsics, Pose


def heights_in_map(depth: np.ndarray, intrinsics: CameraIntrinsics, camera_pose: Pose) -> np.ndarray:
    """Map-frame z of every pixel's point (HxW float32; NaN where depth is not positive and finite)."""
    h, w = depth.shape
    row = camera_pose.rotation_matrix()[2]
    u = (np.arange(w, dtype=np.float32) - np.float32(intrinsics.cx)) / np.float32(intrinsics.fx)
    v = (np.arange(h, dtype=np.float32) - np.float32(intrinsics.cy)) / np.float32(intrinsics.fy)
    per_depth = np.float32(row[0]) * u[None, :] + np.float32(row[1]) * v[:, None] + np.float32(row[2])
    z = depth * per_depth + np.float32(camera_pose.z)
    z[~(np.isfinite(depth) & (depth > 0))] = np.nan
    return z


def depth_clusters(depth: np.ndarray, valid: np.ndarray, config: BoxLiftingConfig,
                   heights: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Label image of depth-continuous 4-connected clusters of the valid pixels (0 = not valid).

    With `heights` (map z), neighbours at one height (within `level_tolerance_m`, depths within
    `level_max_gap_m`) join too: a table top seen at a grazing angle changes fast in depth, not in height.
    """
    h, w = depth.shape
    tolerance = config.continuity_m + config.continuity_per_m * depth
    # The graph drawn as an image twice the size: pixel (i, j) at (2i, 2j), a join between neighbours at
    # the point between them; its 4-connected components are the graph's (and numbered in the same
    # raster order of their first pixel).
    graph = np.zeros((max(1, 2 * h - 1), max(1, 2 * w - 1)), dtype=bool)
    graph[::2, ::2] = valid
    pairs = ((np.s_[:, :-1], np.s_[:, 1:], np.s_[::2, 1::2]), (np.s_[:-1, :], np.s_[1:, :], np.s_[1::2, ::2]))
    for sa, sb, between in pairs:
        a, b = depth[sa], depth[sb]
        if a.size == 0:
            continue
        gap = np.abs(a - b)
        close = gap < tolerance[sa]
        if heights is not None:
            close |= (np.abs(heights[sa] - heights[sb]) < config.level_tolerance_m) & (gap < config.level_max_gap_m)
        graph[between] = valid[sa] & valid[sb] & close
    component = ndimage.label(graph)[0][::2, ::2]
    labels = np.zeros((h, w), dtype=np.int64)
    present, dense = np.unique(component[valid], return_inverse=True)
    labels[valid] = dense + 1
    return labels, int(present.size)


def support_level(heights: np.ndarray, valid: np.ndarray, config: BoxLiftingConfig) -> float | None:
    """Height of the surface the boxed object stands on, from the box's lower band; None if not seen."""
    band_rows = max(1, int(round(heights.shape[0] * config.support_band)))
    band = heights[-band_rows:][valid[-band_rows:]]
    if band.size < 10:
        return None
    low = float(band.min())
    bins = ((band - low) / config.support_bin_m).astype(np.int64)
    counts = np.bincount(bins)
    enough = np.flatnonzero(counts >= config.support_min_share * band.size)
    if enough.size == 0:
        return None
    first = int(enough[0])
    return low + (first + 1) * config.support_bin_m


def _block_min(depth: np.ndarray, valid: np.ndarray, block: int) -> np.ndarray:
    """Depth downsampled by `block` (nearest valid value of each block; 0 = none): holes closed, 1/block^2 the work."""
    h, w = depth.shape
    hb, wb = -(-h // block), -(-w // block)
    padded = np.full((hb * block, wb * block), np.inf, dtype=np.float32)
    padded[:h, :w] = np.where(valid, depth, np.inf)
    small = padded.reshape(hb, block, wb, block).min(axis=(1, 3))
    small[~np.isfinite(small)] = 0.0
    return small


def _block_mean(values: np.ndarray, valid: np.ndarray, block: int) -> np.ndarray:
    """Mean of the valid values of each block (NaN where none)."""
    h, w = values.shape
    hb, wb = -(-h // block), -(-w // block)
    total = np.zeros((hb * block, wb * block), dtype=np.float64)
    count = np.zeros_like(total)
    total[:h, :w] = np.where(valid, values, 0.0)
    count[:h, :w] = valid
    total = total.reshape(hb, block, wb, block).sum(axis=(1, 3))
    count = count.reshape(hb, block, wb, block).sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _grown(window: tuple[int, int, int, int], margin: float, width: int, height: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = window
    mx, my = int(round((x1 - x0) * margin)), int(round((y1 - y0) * margin))
    return max(0, x0 - mx), max(0, y0 - my), min(width, x1 + mx), min(height, y1 + my)


@dataclass
class _Candidate:
    pixels: np.ndarray
    containment: float  # the share of its surroundings' cluster inside the box
    hidden: float  # the larger share of the box and of the cluster that shows a bigger detection in front


@dataclass
class LiftedBox:
    """The object's pixels in its box window, and the depth estimated for them where its own is not usable."""

    pixels: np.ndarray
    estimated_depth: np.ndarray | None = None  # over the box window; used where `pixels` is True


def _size_fit(prior: SizePrior | None, box_px: tuple[int, int], depth: np.ndarray,
              intrinsics: CameraIntrinsics, config: BoxLiftingConfig) -> np.ndarray:
    """Per cluster depth: 1 when the box, seen at that depth, is no larger than the category can be; less beyond."""
    if prior is None:
        return np.ones_like(depth)
    across = box_px[0] * depth / intrinsics.fx
    up = box_px[1] * depth / intrinsics.fy
    # Any turn of the thing: at most its footprint's diagonal across; seen from above, its height plus its depth.
    ratio = np.maximum(across / (np.hypot(prior.width, prior.depth) * config.size_slack),
                       up / ((prior.height + prior.depth) * config.size_slack))
    return np.minimum(1.0, 1.0 / np.maximum(ratio, 1e-9)) ** config.size_fit_power


def lift_box(depth: np.ndarray, heights: np.ndarray, free: np.ndarray, untaken: np.ndarray,
             box: tuple[int, int, int, int], context: tuple[int, int, int, int], intrinsics: CameraIntrinsics,
             prior: SizePrior | None, config: BoxLiftingConfig, hollow: bool = False,
             covering: Collection[tuple[int, int, int, int]] = ()) -> LiftedBox:
    """The object's pixels inside `box`, chosen among the depth clusters of its surroundings `context`.

    `hollow`: the thing has an inside (an openable cabinet, fridge, wardrobe): what lies on the wall
    behind it may be its back panel seen through an opening, and stays.

    `covering`: the windows (full-image pixels) of the other detections at least as large whose boxes overlap
    this one and reach lower in the image (perhaps a bigger thing in front); mostly hidden by such a thing,
    this one is dropped (see BoxLiftingConfig).

    `depth`, `heights`, `free` (valid depth, not taken by a smaller box) and `untaken` (not taken, with or
    without depth) cover the context window (full-image pixel coordinates (x0, y0, x1, y1)).
    """
    cx0, cy0 = context[0], context[1]
    bx0, by0, bx1, by1 = box[0] - cx0, box[1] - cy0, box[2] - cx0, box[3] - cy0
    inside = np.s_[by0:by1, bx0:bx1]
    box_valid = free[inside]
    keep = free.copy()
    level = support_level(heights[inside], box_valid, config)
    if level is not None:
        above = keep & ~(heights < level + config.support_clearance_m)
        # A flat thing (a plate, a wallet) lies within the clearance of its support: its tight box is then
        # mostly itself, and the support's pixels stay.
        if np.count_nonzero(above[inside]) >= config.min_above_support_share * np.count_nonzero(box_valid):
            keep = above
        else:
            covering = ()  # what fills its box is the support it lies on, not a thing in front of it
    empty = LiftedBox(np.zeros(box_valid.shape, dtype=bool))
    surfaces = framing_surfaces(depth, free, box, context, intrinsics, config.framing_tolerance_m,
                                config.framing_tolerance_per_m, config.framing_min_side_share)
    # Only a thing known to be deeper than the surfaces' tolerance (a category with a typical size, not
    # thin) is judged against them: a mirror, a picture, a screen lies on its wall, and a small thing
    # (keys, an apple) at the back of a counter lies within the tolerance of the wall behind it.
    judged = prior is not None and prior.depth > config.thin_depth_m
    backgrounds = surfaces if judged else []
    if not judged:
        covering = ()  # ...and so, against a bigger thing in front of it, is a thing of no known size
    chosen = _best_cluster(depth, heights, keep, backgrounds, (bx0, by0, bx1, by1), context, intrinsics, prior,
                           config, hollow, covering)
    # Behind a surface seen on three sides of the box by more than the thing's own depth: a reflection or
    # what shows through glass. The thing's top edge and one side seen against one surface: it stands
    # against it, which places it when its own surface gave no depth.
    framed = next((f for f in surfaces if len(f.sides) >= 3), None)
    backing = next((f for f in surfaces if "top" in f.sides), None)
    use = None
    if chosen is None:
        use = backing
    else:
        pixels, containment = chosen.pixels, chosen.containment
        rows, cols = np.nonzero(pixels)
        allowed = (prior.depth if prior is not None else config.unknown_depth_m) + config.framing_tolerance_m
        # Mostly a bigger detection in front (see BoxLiftingConfig): what frames the box is that thing, no wall.
        hidden = chosen.hidden >= config.hidden_share
        if framed is not None and not hidden:
            behind = depth[inside][rows, cols] - framed.depth_at(cols + box[0], rows + box[1], intrinsics)
            if float(np.median(behind)) > allowed:
                use = framed
        if use is None and backing is not None and containment < config.min_containment:
            # Mostly a cluster reaching far beyond the box (a bigger thing in front, the wall around)
            # while the box's other pixels have no depth: the thing's own dark or glossy surface gave none.
            others = untaken[inside] & ~pixels
            missing = np.count_nonzero(others & ~box_valid) / max(1, np.count_nonzero(others))
            if missing >= config.min_missing_depth_share:
                use = backing
        if use is None and hidden:
            # Where the thing itself is, this view does not say: placed by its depth, it would stand on the
            # thing in front of it or on the wall.
            return empty
    if use is None:
        if chosen is None:
            return empty
        if hollow or not backgrounds:
            return LiftedBox(chosen.pixels)
        return LiftedBox(_off_surfaces(chosen.pixels, depth[inside], backgrounds, (box[0], box[1]), intrinsics,
                                       config))
    rows, cols = np.mgrid[by0:by1, bx0:bx1]
    plane = use.depth_at(cols + cx0, rows + cy0, intrinsics)
    d = depth[inside]
    tolerance = config.framing_tolerance_m + config.framing_tolerance_per_m * plane
    # The thing lies against the surface: every untaken pixel of the box not in front of it.
    with np.errstate(invalid="ignore"):  # inf - inf where the plane is not in front of the camera
        in_front = free[inside] & (d < plane - tolerance)
    pixels = untaken[inside] & np.isfinite(plane) & ~in_front
    if np.count_nonzero(pixels) < config.min_object_pixels:
        return empty
    front = prior.depth if prior is not None else 0.0
    return LiftedBox(pixels, np.maximum(plane - front, 1e-3).astype(np.float32))


def _off_surfaces(pixels: np.ndarray, depth: np.ndarray, surfaces: list[FramingSurface], origin: tuple[int, int],
                  intrinsics: CameraIntrinsics, config: BoxLiftingConfig) -> np.ndarray:
    """`pixels` without those on a surface seen around the box, when most of them are off it.

    A counter's top runs into the wall behind it: depth continuity joins them, the wall is not the counter.
    """
    if not surfaces:
        return pixels
    rows, cols = np.nonzero(pixels)
    d = depth[rows, cols].astype(np.float64)
    on = np.zeros(rows.size, dtype=bool)
    for surface in surfaces:
        plane = surface.depth_at(cols + origin[0], rows + origin[1], intrinsics)
        on |= np.abs(d - plane) < config.framing_tolerance_m + config.framing_tolerance_per_m * plane
    if not on.any() or np.count_nonzero(~on) < max(config.min_object_pixels, on.size // 2):
        return pixels
    kept = pixels.copy()
    kept[rows[on], cols[on]] = False
    return kept


def _best_cluster(depth: np.ndarray, heights: np.ndarray, keep: np.ndarray, surfaces: list[FramingSurface],
                  box: tuple[int, int, int, int], context: tuple[int, int, int, int],
                  intrinsics: CameraIntrinsics, prior: SizePrior | None,
                  config: BoxLiftingConfig, hollow: bool = False,
                  covering: Collection[tuple[int, int, int, int]] = ()) -> _Candidate | None:
    """The box's object cluster (pixels over the box window), its containment and hidden share, or None.

    The candidates are the depth clusters of the box alone; the clusters of the surroundings say how far
    each reaches beyond the box.
    """
    bx0, by0, bx1, by1 = box
    inside = np.s_[by0:by1, bx0:bx1]
    box_depth, box_keep = depth[inside], keep[inside]
    if np.count_nonzero(box_keep) < config.min_object_pixels:
        return None
    h, w = box_depth.shape
    block = max(1, min(config.block_px, min(h, w) // 8))
    small = _block_min(box_depth, box_keep, block)
    small_valid = small > 0
    labels, n = depth_clusters(small, small_valid, config, _block_mean(heights[inside], box_keep, block))
    if n == 0:
        return None
    sh, sw = small.shape
    index = np.arange(1, n + 1)
    sizes = np.bincount(labels.ravel(), minlength=n + 1)[1:].astype(np.float64)
    # The box was drawn around the object: its cluster spans the box, what shows through it does not.
    spans = np.zeros(n)
    for k, where in enumerate(ndimage.find_objects(labels, max_label=n)):
        if where is not None:
            rows, cols = where
            spans[k] = ((rows.stop - rows.start) / sh) * ((cols.stop - cols.start) / sw)
    median_depth = np.asarray(ndimage.median(small, labels, index), dtype=np.float64)
    nearest = float(np.min(median_depth))
    # ...and it ends near the box: a cluster reaching far beyond it is the wall behind, the floor, a bigger
    # thing in front. The surroundings' blocks are aligned with the box's.
    oy, ox = by0 % block, bx0 % block
    around = _block_min(depth[oy:, ox:], keep[oy:, ox:], block)
    around_labels, m = depth_clusters(around, around > 0, config, _block_mean(heights[oy:, ox:], keep[oy:, ox:], block))
    r0, c0 = (by0 - oy) // block, (bx0 - ox) // block
    around_in_box = around_labels[r0:r0 + sh, c0:c0 + sw]
    around_inside = np.bincount(around_in_box.ravel(), minlength=m + 1).astype(np.float64)
    around_total = np.bincount(around_labels.ravel(), minlength=m + 1).astype(np.float64)
    around_containment = around_inside / np.maximum(around_total, 1.0)
    around_containment[0] = 1.0
    pairs = np.bincount((labels * (m + 1) + around_in_box)[(labels > 0) & (around_in_box > 0)],
                        minlength=(n + 1) * (m + 1)).reshape(n + 1, m + 1)[1:]
    containment = np.where(pairs.sum(axis=1) > 0, around_containment[np.argmax(pairs, axis=1)], 1.0)
    fit = _size_fit(prior, (bx1 - bx0, by1 - by0), median_depth, intrinsics, config)
    score = sizes * spans ** config.span_weight_power * (nearest / np.maximum(median_depth, 1e-6)) ** (
        config.near_weight_power) * containment ** config.containment_power * fit
    # A cluster lying on a surface seen around the box and reaching beyond it is that surface (the wall
    # behind), unless nothing else is in the box.
    on_surface = np.zeros(small.shape, dtype=bool)
    if surfaces:
        rows, cols = np.mgrid[0:sh, 0:sw]
        rows = rows * block + (block - 1) / 2.0 + context[1] + by0
        cols = cols * block + (block - 1) / 2.0 + context[0] + bx0
        for surface in surfaces:
            plane = surface.depth_at(cols, rows, intrinsics)
            on_surface |= small_valid & (np.abs(small - plane) < config.framing_tolerance_m
                                         + config.framing_tolerance_per_m * plane)
    surface_share = np.bincount(labels[on_surface], minlength=n + 1)[1:] / np.maximum(sizes, 1.0)
    # ...or, held inside the box, lies deeper than the nearest candidate by more than half the thing's
    # depth: the wall behind seen between a desk's legs, under its top (not for a thing with an inside:
    # its back panel lies there).
    through = np.zeros(n, dtype=bool)
    if prior is not None and not hollow:
        through = median_depth - nearest > prior.depth / 2.0
    background = (surface_share >= config.surface_share) & ((containment < 1.0 - 1e-9) | through)
    if np.any(~background):
        score[background] = -1.0
    best = int(np.argmax(score)) + 1
    chosen_small = labels == best
    front = _in_front(small, around_labels, (r0, c0), block, (context[0] + ox, context[1] + oy), covering, config)
    hidden = max(np.count_nonzero(front) / np.count_nonzero(small_valid),
                 np.count_nonzero(front & chosen_small) / np.count_nonzero(chosen_small))
    # Back to full resolution: the chosen blocks' pixels that lie at their block's surface.
    chosen = np.repeat(np.repeat(chosen_small, block, axis=0), block, axis=1)[:h, :w]
    block_depth = np.repeat(np.repeat(small, block, axis=0), block, axis=1)[:h, :w]
    tolerance = config.continuity_m + config.continuity_per_m * block_depth
    pixels = chosen & box_keep & (np.abs(box_depth - block_depth) < block * tolerance)
    if np.count_nonzero(pixels) < config.min_object_pixels:
        return None
    return _Candidate(pixels, float(containment[best - 1]), hidden)


def _in_front(box_depth: np.ndarray, around_labels: np.ndarray, box_at: tuple[int, int], block: int,
              origin: tuple[int, int], covering: Collection[tuple[int, int, int, int]],
              config: BoxLiftingConfig) -> np.ndarray:
    """The box's blocks that show a bigger detection in front of the thing.

    A surroundings' cluster is such a detection's surface when, beyond the box, it lies (at least
    `hidden_share` of its blocks there) inside the `covering` windows (full-image pixels) and fills at least
    `occluder_fill` of what they show around the box; it is in front when it lies nearer (median depth) than
    the box's other blocks, or nothing else is in the box.

    `box_depth`: the box's block depths (0 = none); `around_labels`: the surroundings' clusters, whose block
    (0, 0) has its top-left pixel at `origin` and whose blocks from `box_at` on are the box's.
    """
    box_blocks = box_depth > 0
    if not covering or not box_blocks.any():
        return np.zeros_like(box_blocks)
    rows = np.arange(around_labels.shape[0]) * block + (block - 1) / 2.0 + origin[1]
    cols = np.arange(around_labels.shape[1]) * block + (block - 1) / 2.0 + origin[0]
    covered = np.zeros(around_labels.shape, dtype=bool)
    for x0, y0, x1, y1 in covering:
        covered |= ((rows >= y0) & (rows < y1))[:, None] & ((cols >= x0) & (cols < x1))[None, :]
    r0, c0 = box_at
    sh, sw = box_blocks.shape
    beyond = around_labels.copy()
    beyond[r0:r0 + sh, c0:c0 + sw] = 0
    m = int(around_labels.max()) + 1
    beyond_count = np.bincount(beyond.ravel(), minlength=m)
    covered_count = np.bincount(beyond[covered], minlength=m)
    shown = np.count_nonzero(covered & (beyond > 0))
    occluder = (beyond_count > 0) & (covered_count >= config.hidden_share * beyond_count) & (
        covered_count >= config.occluder_fill * max(shown, 1))
    occluder[0] = False
    in_box = around_labels[r0:r0 + sh, c0:c0 + sw]
    front = box_blocks & occluder[in_box]
    rest = box_blocks & ~front
    if not front.any() or (rest.any() and float(np.median(box_depth[front])) >= float(np.median(box_depth[rest]))):
        return np.zeros_like(box_blocks)
    return front


def instance_mask_from_boxes(detections: list[BoxDetection], depth: np.ndarray, intrinsics: CameraIntrinsics,
                             camera_pose: Pose, config: BoxLiftingConfig, min_range_m: float = 0.1,
                             max_range_m: float = 6.0, hollow_categories: Collection[str] = ()
                             ) -> tuple[np.ndarray, dict[int, str], dict[int, float], np.ndarray]:
    """An instance mask (ids 1..n in detection order), labels, scores and the depth to lift them with.

    The depth is `depth` itself, or a copy holding, at the pixels of a thing whose own depth was not
    usable, the depth estimated from its framing surface (perception.framing_surface).
    `hollow_categories`: things with an inside (the openable ones), see lift_box.
    A detection whose box holds no object pixels keeps its id in the tables but has no pixels (the
    frame processor counts it as dropped).
    """
    h, w = depth.shape
    mask = np.zeros((h, w), dtype=np.int32)
    labels: dict[int, str] = {}
    scores: dict[int, float] = {}
    lifted_depth = depth
    if not detections:
        return mask, labels, scores, lifted_depth
    valid = np.isfinite(depth) & (depth >= min_range_m) & (depth <= max_range_m)
    heights = heights_in_map(depth, intrinsics, camera_pose)
    order = sorted(range(len(detections)), key=lambda i: detections[i].area)
    windows = [det.pixel_window(w, h) for det in detections]
    for rank, i in enumerate(order):
        det = detections[i]
        iid = i + 1
        labels[iid] = det.label
        scores[iid] = float(det.score)
        window = windows[i]
        if window is None:
            continue
        x0, y0, x1, y1 = window
        covering = [o for o in (windows[j] for j in order[rank + 1:]) if o is not None and _in_front_of(o, window)]
        cx0, cy0, cx1, cy1 = _grown(window, config.context_margin, w, h)
        untaken = mask[cy0:cy1, cx0:cx1] == 0
        lifted = lift_box(depth[cy0:cy1, cx0:cx1], heights[cy0:cy1, cx0:cx1], valid[cy0:cy1, cx0:cx1] & untaken,
                          untaken, window, (cx0, cy0, cx1, cy1), intrinsics, size_prior(det.label), config,
                          hollow=det.label in hollow_categories, covering=covering)
        mask[y0:y1, x0:x1][lifted.pixels] = iid
        if lifted.estimated_depth is not None:
            if lifted_depth is depth:
                lifted_depth = depth.copy()
            lifted_depth[y0:y1, x0:x1][lifted.pixels] = lifted.estimated_depth[lifted.pixels]
    return mask, labels, scores, lifted_depth


def _in_front_of(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Box `a` overlaps box `b` and reaches lower in the image.

    Of two things on one floor seen from above it, the nearer one's foot is the lower one.
    """
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3] and a[3] > b[3]
