"""Negative evidence: which remembered objects this frame should have seen (in view and unoccluded)."""

from __future__ import annotations

import numpy as np

from scene_graph.types import Frame


def miss_weights(points: np.ndarray, frame: Frame, min_range: float, edge_margin: float, occlusion_margin: float,
                 weight_without_depth: float) -> np.ndarray:
    """Per point: 0 when the camera could not have seen it, else the weight of a missed detection.

    A point counts when it is in front of the camera within `frame.max_range_m`, projects inside the
    image (minus an edge margin) and, with a depth image, the depth at its pixel is not nearer than its
    own depth minus `occlusion_margin` (nothing in front of it). A pixel without a depth return counts half.
    """
    weights = np.zeros(len(points))
    if len(points) == 0:
        return weights
    cam = frame.camera_pose.inverse_transform_points(points)
    z = cam[:, 2]
    ahead = (z > min_range) & (np.linalg.norm(cam, axis=1) <= frame.max_range_m)
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
    if frame.depth is None:
        weights[idx] = weight_without_depth
        return weights
    u = np.clip(np.rint(uv[:, 0]).astype(int), 0, k.width - 1)
    v = np.clip(np.rint(uv[:, 1]).astype(int), 0, k.height - 1)
    d = np.asarray(frame.depth, dtype=float)[v, u]
    no_return = ~np.isfinite(d) | (d <= 0)
    unoccluded = ~no_return & (d >= z[idx] - occlusion_margin)
    weights[idx[unoccluded]] = 1.0
    weights[idx[no_return]] = 0.5
    return weights
