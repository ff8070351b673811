"""Frames rendered from a known box world, as a camera plus a perfect detector would give them.

For tests and benchmarks of the memory without a simulator: a pinhole camera looks at a point;
every box whose centre projects into the image, lies within range and is not hidden behind a
nearer box becomes an Observation; the depth image is a z-buffer of the boxes' image rectangles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scene_graph.types import CameraIntrinsics, Frame, Observation, Pose


@dataclass
class Box:
    """A thing in the synthetic world: category, centre and half extents (metres), optional state."""

    category: str
    centre: tuple[float, float, float]
    half: tuple[float, float, float]
    state: str | None = None
    opaque: bool = True


def _raycast_depth(pose: Pose, k: CameraIntrinsics, boxes: list[Box], far: float) -> np.ndarray:
    """Z-depth image of axis-aligned boxes (slab test per pixel ray); `far` where no box is hit."""
    us, vs = np.meshgrid(np.arange(k.width), np.arange(k.height))
    rays_cam = np.stack([(us - k.cx) / k.fx, (vs - k.cy) / k.fy, np.ones_like(us, dtype=float)], axis=-1)
    rays_cam = rays_cam.reshape(-1, 3)
    dirs = rays_cam @ pose.rotation_matrix().T  # map-frame direction per unit of z-depth
    origin = pose.position
    best = np.full(len(dirs), far)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / dirs
        for b in boxes:
            lo = (np.asarray(b.centre) - np.asarray(b.half) - origin) * inv
            hi = (np.asarray(b.centre) + np.asarray(b.half) - origin) * inv
            t_near = np.nanmax(np.minimum(lo, hi), axis=1)
            t_far = np.nanmin(np.maximum(lo, hi), axis=1)
            hit = (t_far >= np.maximum(t_near, 0.0)) & (t_near > 0)
            best = np.where(hit & (t_near < best), t_near, best)
    return best.reshape(k.height, k.width).astype(np.float32)


def render(frame_id: int, time: float, eye, target, boxes: list[Box], intrinsics: CameraIntrinsics,
           max_range_m: float = 6.0, background_m: float | None = None, with_depth: bool = True,
           rng: np.random.Generator | None = None, position_noise_m: float = 0.0) -> Frame:
    """One frame: observations of the visible boxes and (optionally) the depth image."""
    pose = Pose.looking_at(eye, target)
    k = intrinsics
    far = background_m if background_m is not None else max_range_m + 1.0
    visible: list[tuple[Box, float, int, int]] = []
    in_range: list[Box] = []
    if boxes:
        centres = np.array([b.centre for b in boxes], dtype=float)
        cam = pose.inverse_transform_points(centres)
        reach = np.linalg.norm(cam, axis=1) - np.linalg.norm(np.array([b.half for b in boxes]), axis=1)
        for b, c, r in zip(boxes, cam, reach):
            if r <= max_range_m + 1.0:
                in_range.append(b)
            if c[2] <= 0.05 or np.linalg.norm(c) > max_range_m:
                continue
            u, v = k.project(c[None, :])[0]
            if 0 <= u <= k.width - 1 and 0 <= v <= k.height - 1:
                visible.append((b, float(c[2]), int(round(u)), int(round(v))))
    depth = _raycast_depth(pose, k, [b for b in in_range if b.opaque], far)
    observations = []
    for i, (b, z, u, v) in enumerate(visible):
        if depth[v, u] < z - max(b.half) - 0.05:
            continue  # hidden behind something nearer
        c = np.asarray(b.centre, dtype=float)
        if rng is not None and position_noise_m > 0:
            c = c + rng.normal(0.0, position_noise_m, 3)
        h = np.asarray(b.half, dtype=float)
        observations.append(Observation(b.category, tuple(c), tuple(c - h), tuple(c + h), confidence=0.9,
                                        num_points=100, state=b.state, state_confidence=0.9 if b.state else 0.0,
                                        instance_id=i + 1))
    robot = Pose.from_xyz_yaw(float(eye[0]), float(eye[1]), 0.0, float(np.arctan2(target[1] - eye[1],
                                                                                   target[0] - eye[0])))
    # a perfect detector: every box whose centre is in view is reported, however few pixels it covers
    return Frame(frame_id, float(time), robot, pose, k, observations, depth if with_depth else None, max_range_m,
                 detector_min_pixels=0.0)
