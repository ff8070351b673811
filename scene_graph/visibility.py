"""Negative evidence: which remembered objects this frame should have seen (in view and unoccluded)."""

from __future__ import annotations

import numpy as np

from scene_graph.types import Frame

NO_RETURN_WEIGHT = 0.5
MIN_CLEAR_FRACTION = 0.5  # a box mostly hidden behind something nearer is not counted as missed
# A box's silhouette fills about this much of the rectangle its projected corners span.
SILHOUETTE_FILL = 0.6
_SAMPLE_GRID = np.linspace(0.1, 0.9, 5)

_CORNERS = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)], dtype=float)


def miss_weights(points: np.ndarray, frame: Frame, min_range: float, edge_margin: float, occlusion_margin: float,
                 weight_without_depth: float, bbox_min: np.ndarray | None = None,
                 bbox_max: np.ndarray | None = None, min_pixels: float = 0.0,
                 max_range: float | None = None) -> np.ndarray:
    """Per point: 0 when the camera could not have seen it, else the weight of a missed detection.

    A point counts when it is in front of the camera within `frame.max_range_m` (and `max_range`, the
    range at which a miss is still reliable), projects inside the image (minus an edge margin) and,
    with a depth image, nothing is in front of it (depth not nearer than its own minus
    `occlusion_margin`); a pixel without a depth return counts `NO_RETURN_WEIGHT`.

    With boxes (`bbox_min`/`bbox_max`, one per point), the object's box is projected with the
    frame's intrinsics: a miss counts only when the visible part of that projection covers at least
    `min_pixels` pixels (a detector never reports smaller instances, so a far or tiny object not
    being reported says nothing), and the depth check samples a grid over the projected box instead
    of one pixel: at least `MIN_CLEAR_FRACTION` of it must be unoccluded.
    """
    weights = np.zeros(len(points))
    if len(points) == 0:
        return weights
    points = np.asarray(points, dtype=float)
    cam = frame.camera_pose.inverse_transform_points(points)
    z = cam[:, 2]
    reach = frame.max_range_m if max_range is None else min(frame.max_range_m, max_range)
    ahead = (z > min_range) & (np.linalg.norm(cam, axis=1) <= reach)
    if not ahead.any():
        return weights
    k = frame.intrinsics
    idx = np.flatnonzero(ahead)
    uv = k.project(cam[idx])
    mu, mv = edge_margin * k.width, edge_margin * k.height
    inside = (uv[:, 0] >= mu) & (uv[:, 0] <= k.width - 1 - mu) & (uv[:, 1] >= mv) & (uv[:, 1] <= k.height - 1 - mv)
    idx, uv = idx[inside], uv[inside]
    if len(idx) == 0:
        return weights
    if bbox_min is None or bbox_max is None:
        return _point_weights(weights, idx, uv, z, frame, occlusion_margin, weight_without_depth)
    rect, area, z_front = _projected_boxes(np.asarray(bbox_min, dtype=float)[idx],
                                           np.asarray(bbox_max, dtype=float)[idx], frame, min_range)
    big = area >= max(min_pixels, 1e-9)
    idx, rect, area, z_front = idx[big], rect[big], area[big], z_front[big]
    if len(idx) == 0:
        return weights
    if frame.depth is None:
        weights[idx] = weight_without_depth
        return weights
    su = rect[:, 0:1] + (rect[:, 2:3] - rect[:, 0:1]) * _SAMPLE_GRID[None, :]
    sv = rect[:, 1:2] + (rect[:, 3:4] - rect[:, 1:2]) * _SAMPLE_GRID[None, :]
    u = np.clip(np.rint(su).astype(int), 0, k.width - 1)[:, None, :]
    v = np.clip(np.rint(sv).astype(int), 0, k.height - 1)[:, :, None]
    d = np.asarray(frame.depth, dtype=float)[v, u].reshape(len(idx), -1)
    no_return = ~np.isfinite(d) | (d <= 0)
    clear = ~no_return & (d >= z_front[:, None] - occlusion_margin)
    clear_frac = clear.mean(axis=1)
    unknown_frac = no_return.mean(axis=1)
    full = (clear_frac >= MIN_CLEAR_FRACTION) & (area * clear_frac >= min_pixels)
    half = (~full & (unknown_frac > 0) & (clear_frac + unknown_frac >= MIN_CLEAR_FRACTION)
            & (area * (clear_frac + unknown_frac) >= min_pixels))
    weights[idx[full]] = 1.0
    weights[idx[half]] = NO_RETURN_WEIGHT
    return weights


def _point_weights(weights: np.ndarray, idx: np.ndarray, uv: np.ndarray, z: np.ndarray, frame: Frame,
                   occlusion_margin: float, weight_without_depth: float) -> np.ndarray:
    k = frame.intrinsics
    if frame.depth is None:
        weights[idx] = weight_without_depth
        return weights
    u = np.clip(np.rint(uv[:, 0]).astype(int), 0, k.width - 1)
    v = np.clip(np.rint(uv[:, 1]).astype(int), 0, k.height - 1)
    d = np.asarray(frame.depth, dtype=float)[v, u]
    no_return = ~np.isfinite(d) | (d <= 0)
    unoccluded = ~no_return & (d >= z[idx] - occlusion_margin)
    weights[idx[unoccluded]] = 1.0
    weights[idx[no_return]] = NO_RETURN_WEIGHT
    return weights


def _projected_boxes(bmin: np.ndarray, bmax: np.ndarray, frame: Frame, min_range: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per box: image rectangle (u0, v0, u1, v1) of its corners, silhouette pixels in the image, nearest depth."""
    k = frame.intrinsics
    corners = bmin[:, None, :] + (bmax - bmin)[:, None, :] * _CORNERS[None, :, :]  # (N, 8, 3)
    cam = frame.camera_pose.inverse_transform_points(corners.reshape(-1, 3)).reshape(len(bmin), 8, 3)
    zc = np.maximum(cam[:, :, 2], min_range)
    u = k.fx * cam[:, :, 0] / zc + k.cx
    v = k.fy * cam[:, :, 1] / zc + k.cy
    rect = np.stack([np.clip(u.min(axis=1), 0, k.width - 1), np.clip(v.min(axis=1), 0, k.height - 1),
                     np.clip(u.max(axis=1), 0, k.width - 1), np.clip(v.max(axis=1), 0, k.height - 1)], axis=1)
    width = np.maximum(rect[:, 2] - rect[:, 0], 0.0) + 1.0
    height = np.maximum(rect[:, 3] - rect[:, 1], 0.0) + 1.0
    return rect, SILHOUETTE_FILL * width * height, zc.min(axis=1)
