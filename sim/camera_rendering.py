"""Headless RGB-D + segmentation rendering (PyBullet TinyRenderer) and what a detector makes of it.

`PinholeCamera.render` gives RGB uint8, depth in metres along the optical axis (linearised z-buffer),
and the raw segmentation buffer. `detections` turns the segmentation buffer into what a 2D instance
segmenter would output: an instance mask with ids drawn at random for every frame (they mean
nothing across frames), a label table, and confidences, with the scenario's detector noise
(missed instances, flipped labels).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pybullet as p

from scene_graph.types import CameraIntrinsics, Pose

SEG_BODY_BITS = 24


@dataclass(frozen=True)
class InstanceKey:
    """Which thing a segment belongs to: ('object', id), ('furniture', id) or ('door', furniture id)."""

    kind: str
    id: str
    label: str


class PinholeCamera:
    def __init__(self, width: int, height: int, hfov_deg: float, near_m: float = 0.05, far_m: float = 12.0) -> None:
        self.width, self.height = int(width), int(height)
        self.near, self.far = float(near_m), float(far_m)
        self.intrinsics = CameraIntrinsics.from_hfov(self.width, self.height, hfov_deg)
        vfov = 2.0 * math.degrees(math.atan(math.tan(math.radians(hfov_deg) / 2.0) * self.height / self.width))
        self.projection = p.computeProjectionMatrixFOV(fov=vfov, aspect=self.width / self.height,
                                                       nearVal=self.near, farVal=self.far)

    def view_matrix(self, pose: Pose) -> list[float]:
        rot = pose.rotation_matrix()
        eye = pose.position
        return p.computeViewMatrix(eye.tolist(), (eye + rot[:, 2]).tolist(), (-rot[:, 1]).tolist())

    def render(self, client: int, pose: Pose) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """RGB (HxWx3 uint8), depth (HxW float32 metres, NaN = no return) and segmentation (HxW int32)."""
        _, _, rgba, zbuf, seg = p.getCameraImage(
            self.width, self.height, self.view_matrix(pose), self.projection, renderer=p.ER_TINY_RENDERER,
            flags=p.ER_SEGMENTATION_MASK_OBJECT_AND_LINKINDEX, shadow=0, physicsClientId=client)
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(self.height, self.width, 4)[:, :, :3].copy()
        depth = self.linearise(np.asarray(zbuf, dtype=np.float64).reshape(self.height, self.width))
        seg = np.asarray(seg, dtype=np.int64).reshape(self.height, self.width)
        return rgb, depth, seg

    def linearise(self, zbuf: np.ndarray) -> np.ndarray:
        depth = self.far * self.near / (self.far - (self.far - self.near) * zbuf)
        depth = depth.astype(np.float32)
        depth[zbuf >= 1.0 - 1e-7] = np.nan
        return depth


def split_segmentation(seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Body ids and link indices of a segmentation buffer rendered with OBJECT_AND_LINKINDEX (-1 = nothing)."""
    valid = seg >= 0
    body = np.where(valid, seg & ((1 << SEG_BODY_BITS) - 1), -1)
    link = np.where(valid, (seg >> SEG_BODY_BITS) - 1, -2)
    return body, link


@dataclass
class DetectorNoise:
    label_flip: float = 0.0
    miss_rate: float = 0.0
    depth_sigma_m: float = 0.0


def detections(seg: np.ndarray, key_of, rng: np.random.Generator, noise: DetectorNoise,
               flip_pool: dict[str, list[str]], min_pixels: int = 1
               ) -> tuple[np.ndarray, dict[int, str], dict[int, float], dict[int, InstanceKey]]:
    """Instance mask with fresh random ids, label table, confidences, and (for evaluation) id -> InstanceKey.

    `key_of(body, link) -> InstanceKey | None` says what a segment is (None = background).
    `flip_pool[kind]` lists the labels a flipped label of that kind may become.
    """
    values, inverse = np.unique(seg, return_inverse=True)
    inverse = inverse.reshape(seg.shape)
    keys: dict[InstanceKey, list[int]] = {}
    for index, value in enumerate(values):
        if value < 0:
            continue
        body = int(value) & ((1 << SEG_BODY_BITS) - 1)
        link = (int(value) >> SEG_BODY_BITS) - 1
        key = key_of(body, link)
        if key is not None:
            keys.setdefault(key, []).append(index)
    ids = rng.choice(np.arange(1, 1 << 15), size=len(keys), replace=False) if keys else []
    lookup = np.zeros(len(values), dtype=np.int32)
    labels: dict[int, str] = {}
    confidences: dict[int, float] = {}
    truth: dict[int, InstanceKey] = {}
    counts = np.bincount(inverse.ravel(), minlength=len(values))
    for new_id, (key, indices) in zip(ids, sorted(keys.items(), key=lambda kv: (kv[0].kind, kv[0].id))):
        if int(counts[indices].sum()) < min_pixels:
            continue
        if noise.miss_rate > 0 and rng.random() < noise.miss_rate:
            continue
        label, confidence = key.label, float(rng.uniform(0.75, 1.0))
        pool = [c for c in flip_pool.get(key.kind, []) if c != key.label]
        if noise.label_flip > 0 and pool and rng.random() < noise.label_flip:
            label, confidence = str(rng.choice(pool)), float(rng.uniform(0.4, 0.85))
        lookup[indices] = int(new_id)
        labels[int(new_id)] = label
        confidences[int(new_id)] = round(confidence, 3)
        truth[int(new_id)] = key
    return lookup[inverse], labels, confidences, truth


def add_depth_noise(depth: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    if sigma <= 0:
        return depth
    noisy = depth + rng.normal(0.0, sigma, size=depth.shape).astype(np.float32)
    return np.where(np.isfinite(depth), np.maximum(noisy, 0.0), depth).astype(np.float32)
