"""Negative evidence: which remembered objects this frame should have seen (in view and unoccluded)."""

from __future__ import annotations

import numpy as np

from scene_graph.types import Frame

NO_RETURN_WEIGHT = 0.5
MIN_CLEAR_FRACTION = 0.5  # a box mostly hidden behind something nearer is not counted as missed
MIN_IN_IMAGE_FRACTION = 0.5  # nor a box whose projection lies mostly outside the image
_SAMPLE_GRID = np.linspace(0.1, 0.9, 5)

_CORNERS = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)], dtype=float)


def miss_weights(points: np.ndarray, frame: Frame, min_range: float, edge_margin: float, occlusion_margin: float,
                 weight_without_depth: float, bbox_min: np.ndarray | None = None,
                 bbox_max: np.ndarray | None = None, min_pixels: float = 0.0,
                 max_range: float | None = None, min_occlusion_margin: float | None = None) -> np.ndarray:
    """Per point: 0 when the camera could not have seen it, else the weight of a missed detection.

    A point counts when it is in front of the camera within `frame.max_range_m` (and `max_range`, the
    range at which a miss is still reliable), projects inside the image (minus an edge margin) and,
    with a depth image, nothing is in front of it (depth not nearer than its own minus
    `occlusion_margin`); a pixel without a depth return counts `NO_RETURN_WEIGHT`.

    With boxes (`bbox_min`/`bbox_max`, one per point), the object's box is projected with the
    frame's intrinsics: a miss counts only when the visible part of that projection covers at least
    `min_pixels` pixels (a detector never reports smaller instances, so a far or tiny object not
    being reported says nothing), and the depth check samples a grid over the projected box instead
    of one pixel: at least `MIN_CLEAR_FRACTION` of it must be unoccluded. With `min_occlusion_margin`
    the margin of a box smaller than `occlusion_margin` is its own size (not below that floor): a pen
    lying 20 cm behind the headphones on a desk is hidden by them, though they are nearer by less
    than the full margin.
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
    bmin = np.asarray(bbox_min, dtype=float)[idx]
    bmax = np.asarray(bbox_max, dtype=float)[idx]
    rect, in_image = _projected_rects(bmin, bmax, frame, min_range)
    su = rect[:, 0:1] + (rect[:, 2:3] - rect[:, 0:1]) * _SAMPLE_GRID[None, :]
    sv = rect[:, 1:2] + (rect[:, 3:4] - rect[:, 1:2]) * _SAMPLE_GRID[None, :]
    uu = np.broadcast_to(su[:, None, :], (len(idx), len(_SAMPLE_GRID), len(_SAMPLE_GRID))).reshape(len(idx), -1)
    vv = np.broadcast_to(sv[:, :, None], (len(idx), len(_SAMPLE_GRID), len(_SAMPLE_GRID))).reshape(len(idx), -1)
    hit, t_near = _box_entry_depth(uu, vv, bmin, bmax, frame)
    n_hit = hit.sum(axis=1)
    width = rect[:, 2] - rect[:, 0] + 1.0
    height = rect[:, 3] - rect[:, 1] + 1.0
    area = width * height * n_hit / hit.shape[1]  # the box's silhouette inside the image, in pixels
    # mostly outside the image (furniture seen close up): a detector may drop or cut it; no evidence
    big = (n_hit > 0) & (area >= max(min_pixels, 1e-9)) & (in_image >= MIN_IN_IMAGE_FRACTION)
    if not big.any():
        return weights
    idx, uu, vv, hit, t_near, n_hit, area = idx[big], uu[big], vv[big], hit[big], t_near[big], n_hit[big], area[big]
    if frame.depth is None:
        weights[idx] = weight_without_depth
        return weights
    u = np.clip(np.rint(uu).astype(int), 0, k.width - 1)
    v = np.clip(np.rint(vv).astype(int), 0, k.height - 1)
    d = np.asarray(frame.depth, dtype=float)[v, u]
    no_return = hit & (~np.isfinite(d) | (d <= 0))
    margin = np.full(len(idx), float(occlusion_margin))
    if min_occlusion_margin is not None:
        size = np.max(bmax[big] - bmin[big], axis=1)
        margin = np.clip(size, min(min_occlusion_margin, occlusion_margin), occlusion_margin)
    with np.errstate(invalid="ignore"):
        clear = hit & ~no_return & (d >= t_near - margin[:, None])
    clear_frac = clear.sum(axis=1) / n_hit
    unknown_frac = no_return.sum(axis=1) / n_hit
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


def _projected_rects(bmin: np.ndarray, bmax: np.ndarray, frame: Frame, min_range: float
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Per box: image rectangle (u0, v0, u1, v1) of its corners clipped to the image; fraction inside."""
    k = frame.intrinsics
    corners = bmin[:, None, :] + (bmax - bmin)[:, None, :] * _CORNERS[None, :, :]  # (N, 8, 3)
    cam = frame.camera_pose.inverse_transform_points(corners.reshape(-1, 3)).reshape(len(bmin), 8, 3)
    zc = np.maximum(cam[:, :, 2], min_range)
    u = k.fx * cam[:, :, 0] / zc + k.cx
    v = k.fy * cam[:, :, 1] / zc + k.cy
    full = np.stack([u.min(axis=1), v.min(axis=1), u.max(axis=1), v.max(axis=1)], axis=1)
    clipped = np.stack([np.clip(full[:, 0], 0, k.width - 1), np.clip(full[:, 1], 0, k.height - 1),
                        np.clip(full[:, 2], 0, k.width - 1), np.clip(full[:, 3], 0, k.height - 1)], axis=1)
    area = (full[:, 2] - full[:, 0] + 1.0) * (full[:, 3] - full[:, 1] + 1.0)
    in_image = (clipped[:, 2] - clipped[:, 0] + 1.0) * (clipped[:, 3] - clipped[:, 1] + 1.0) / area
    return clipped, in_image


def _box_entry_depth(u: np.ndarray, v: np.ndarray, bmin: np.ndarray, bmax: np.ndarray, frame: Frame
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Per object and sample pixel: does the pixel's ray hit the object's box, and at what z-depth it enters."""
    k = frame.intrinsics
    rays = np.stack([(u - k.cx) / k.fx, (v - k.cy) / k.fy, np.ones_like(u)], axis=-1)  # z-depth units
    dirs = rays @ frame.camera_pose.rotation_matrix().T  # (N, S, 3) in the map frame
    origin = frame.camera_pose.position
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / dirs
        t1 = (bmin[:, None, :] - origin) * inv
        t2 = (bmax[:, None, :] - origin) * inv
        t_near = np.nanmax(np.minimum(t1, t2), axis=2)
        t_far = np.nanmin(np.maximum(t1, t2), axis=2)
    hit = t_far >= np.maximum(t_near, 0.0)
    return hit, np.maximum(t_near, 0.0)
