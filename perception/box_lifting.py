"""2D boxes + depth -> an instance mask: the object's own pixels inside each box.

A box holds the object and whatever lies around it: the floor or table it stands on, the wall behind,
things in front. The object's pixels are what is left when the support plane is removed (by height
in the map frame) and the depth-continuous cluster at the box's centre, favouring the nearer one,
is kept (see BoxLiftingConfig). The mask then goes through FrameProcessor like a segmenter's, so
boxes become the same 3D observations masks give.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from perception.box_detections import BoxDetection
from perception.config import BoxLiftingConfig
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
    index = np.arange(h * w).reshape(h, w)
    tolerance = config.continuity_m + config.continuity_per_m * depth
    rows, cols = [], []
    pairs = ((np.s_[:, :-1], np.s_[:, 1:]), (np.s_[:-1, :], np.s_[1:, :]))
    for sa, sb in pairs:
        a, b = depth[sa], depth[sb]
        if a.size == 0:
            continue
        va, vb = valid[sa], valid[sb]
        gap = np.abs(a - b)
        close = gap < tolerance[sa]
        if heights is not None:
            close |= (np.abs(heights[sa] - heights[sb]) < config.level_tolerance_m) & (gap < config.level_max_gap_m)
        join = va & vb & close
        ia = index[sa][join]
        ib = index[sb][join]
        rows.append(ia)
        cols.append(ib)
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(r.size, dtype=np.int8), (r, c)), shape=(h * w, h * w))
    _, component = connected_components(graph, directed=False)
    component = component.reshape(h, w)
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


def object_pixels(depth: np.ndarray, heights: np.ndarray, valid: np.ndarray,
                  config: BoxLiftingConfig) -> np.ndarray:
    """Boolean mask (same shape as the box window) of the object's pixels."""
    keep = valid.copy()
    level = support_level(heights, valid, config)
    if level is not None:
        above = keep & ~(heights < level + config.support_clearance_m)
        # A flat thing (a plate, a wallet) lies within the clearance of its support: its tight box is then
        # mostly itself, and the support's pixels stay.
        if np.count_nonzero(above) >= config.min_above_support_share * np.count_nonzero(valid):
            keep = above
    if np.count_nonzero(keep) < config.min_object_pixels:
        return np.zeros_like(keep)
    h, w = depth.shape
    block = max(1, min(config.block_px, min(h, w) // 8))
    small = _block_min(depth, keep, block)
    small_valid = small > 0
    labels, n = depth_clusters(small, small_valid, config, _block_mean(heights, keep, block))
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
    score = sizes * spans ** config.span_weight_power * (nearest / np.maximum(median_depth, 1e-6)) ** (
        config.near_weight_power)
    best = int(np.argmax(score)) + 1
    chosen_small = labels == best
    # Back to full resolution: the chosen blocks' pixels that lie at their block's surface.
    chosen = np.repeat(np.repeat(chosen_small, block, axis=0), block, axis=1)[:h, :w]
    block_depth = np.repeat(np.repeat(small, block, axis=0), block, axis=1)[:h, :w]
    tolerance = config.continuity_m + config.continuity_per_m * block_depth
    return chosen & keep & (np.abs(depth - block_depth) < block * tolerance)


def instance_mask_from_boxes(detections: list[BoxDetection], depth: np.ndarray, intrinsics: CameraIntrinsics,
                             camera_pose: Pose, config: BoxLiftingConfig, min_range_m: float = 0.1,
                             max_range_m: float = 6.0) -> tuple[np.ndarray, dict[int, str], dict[int, float]]:
    """An instance mask (ids 1..n in detection order), labels and scores for the boxes of one frame.

    A detection whose box holds no object pixels keeps its id in the tables but has no pixels (the
    frame processor counts it as dropped).
    """
    h, w = depth.shape
    mask = np.zeros((h, w), dtype=np.int32)
    labels: dict[int, str] = {}
    scores: dict[int, float] = {}
    if not detections:
        return mask, labels, scores
    valid = np.isfinite(depth) & (depth >= min_range_m) & (depth <= max_range_m)
    heights = heights_in_map(depth, intrinsics, camera_pose)
    order = sorted(range(len(detections)), key=lambda i: detections[i].area)
    for i in order:
        det = detections[i]
        iid = i + 1
        labels[iid] = det.label
        scores[iid] = float(det.score)
        window = det.pixel_window(w, h)
        if window is None:
            continue
        x0, y0, x1, y1 = window
        free = valid[y0:y1, x0:x1] & (mask[y0:y1, x0:x1] == 0)
        pixels = object_pixels(depth[y0:y1, x0:x1], heights[y0:y1, x0:x1], free, config)
        mask[y0:y1, x0:x1][pixels] = iid
    return mask, labels, scores
