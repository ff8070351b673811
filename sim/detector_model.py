"""What a 2D instance segmenter makes of a simulator's segmentation: per-frame ids, labels, noise.

Shared by every backend. A segmentation image holds integer segment ids (PyBullet body/link codes,
Habitat semantic ids, AI2-THOR mask indices); `key_of(segment_id)` says which thing a segment
belongs to. `detections` then draws fresh random instance ids for every frame (they mean nothing
across frames), applies the scenario's detector noise (missed instances, flipped labels) and gives a
confidence per instance. Pure numpy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class InstanceKey:
    """Which thing a segment belongs to: ('object', id), ('furniture', id) or ('door', furniture id)."""

    kind: str
    id: str
    label: str



@dataclass
class DetectorNoise:
    label_flip: float = 0.0
    miss_rate: float = 0.0
    depth_sigma_m: float = 0.0


def detections(seg: np.ndarray, key_of: Callable[[int], InstanceKey | None], rng: np.random.Generator,
               noise: DetectorNoise, flip_pool: dict[str, list[str]] | None = None, min_pixels: int = 1
               ) -> tuple[np.ndarray, dict[int, str], dict[int, float], dict[int, InstanceKey]]:
    """Instance mask with fresh random ids, label table, confidences, and (for evaluation) id -> InstanceKey.

    `seg`: HxW integer segment ids, negative = nothing. `key_of(segment_id) -> InstanceKey | None` says
    what a segment is (None = background); several segments may belong to one thing.
    `flip_pool[kind]` lists the labels a flipped label of that kind may become.
    """
    flip_pool = flip_pool or {}
    values, inverse = np.unique(seg, return_inverse=True)
    inverse = inverse.reshape(seg.shape)
    keys: dict[InstanceKey, list[int]] = {}
    for index, value in enumerate(values):
        if value < 0:
            continue
        key = key_of(int(value))
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
