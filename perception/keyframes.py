"""When to run the detector: when the view has changed enough since the last detected frame.

A frame is a keyframe when it is the first, or at least `max_interval_s` after the last keyframe, or
(and not sooner than `min_interval_s` after it) the camera moved `min_translation_m` or turned
`min_rotation_rad`, or the image changed: the mean absolute difference of a small grey thumbnail
exceeds `min_image_change` (0..1 of full scale; a person walking in, a light switched on).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scene_graph.types import Pose


@dataclass
class KeyframeConfig:
    min_interval_s: float = 0.2
    max_interval_s: float = 2.0
    min_translation_m: float = 0.15
    min_rotation_rad: float = 0.15
    min_image_change: float = 0.06
    thumbnail_px: int = 32

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_interval_s <= self.max_interval_s:
            raise ValueError(f"need 0 <= min_interval_s <= max_interval_s, got {self.min_interval_s}, "
                             f"{self.max_interval_s}")
        if self.min_translation_m < 0 or self.min_rotation_rad < 0 or not 0 <= self.min_image_change <= 1:
            raise ValueError("min_translation_m and min_rotation_rad must be >= 0, min_image_change in [0, 1]")
        if self.thumbnail_px < 4:
            raise ValueError(f"thumbnail_px must be >= 4, got {self.thumbnail_px}")


def thumbnail(rgb: np.ndarray, side: int) -> np.ndarray:
    """A side x side grey image (block means), values in [0, 1]."""
    grey = rgb.astype(np.float32).mean(axis=2) / 255.0
    h, w = grey.shape
    rows = np.linspace(0, h, side + 1).astype(int)
    cols = np.linspace(0, w, side + 1).astype(int)
    return np.add.reduceat(np.add.reduceat(grey, rows[:-1], axis=0), cols[:-1], axis=1) / np.outer(
        np.maximum(np.diff(rows), 1), np.maximum(np.diff(cols), 1))


def rotation_between(a: Pose, b: Pose) -> float:
    dot = abs(a.qx * b.qx + a.qy * b.qy + a.qz * b.qz + a.qw * b.qw)
    return 2.0 * math.acos(min(1.0, dot))


class KeyframeRule:
    def __init__(self, config: KeyframeConfig | None = None) -> None:
        self.config = config if config is not None else KeyframeConfig()
        self._last: tuple[float, Pose, np.ndarray] | None = None
        self.keyframes = 0
        self.skipped = 0

    def is_keyframe(self, time_s: float, camera_pose: Pose, rgb: np.ndarray) -> bool:
        """Decide for one frame; a keyframe becomes the reference for the next decisions."""
        cfg = self.config
        thumb = thumbnail(rgb, cfg.thumbnail_px)
        if self._last is None:
            decided = True
        else:
            t0, pose0, thumb0 = self._last
            elapsed = time_s - t0
            if elapsed < 0 or elapsed >= cfg.max_interval_s:  # time went back (a new bag): start over
                decided = True
            elif elapsed < cfg.min_interval_s:
                decided = False
            else:
                moved = float(np.linalg.norm(camera_pose.position - pose0.position))
                decided = (moved >= cfg.min_translation_m
                           or rotation_between(camera_pose, pose0) >= cfg.min_rotation_rad
                           or float(np.mean(np.abs(thumb - thumb0))) >= cfg.min_image_change)
        if decided:
            self._last = (time_s, camera_pose, thumb)
            self.keyframes += 1
        else:
            self.skipped += 1
        return decided
