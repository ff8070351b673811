"""What a 2D instance segmenter makes of a simulator's segmentation: per-frame ids, labels, noise.

Shared by every backend. A segmentation image holds integer segment ids (PyBullet body/link codes,
Habitat semantic ids, AI2-THOR mask indices); `key_of(segment_id)` says which thing a segment
belongs to. `detections` draws fresh random instance ids for every frame (they mean nothing
across frames) and gives a confidence per instance. The scenario's detector noise (missed
instances, flipped labels, depth noise) is the sensor noise models (sim.sensor_noise,
one implementation), built by `detector_noise` and applied by `noisy_frame`: seeded by the
scenario's seed and the frame id (and drawn in the order of the frame's instance ids, which come
from the backend's seeded generator), so a run is the same every time.
Pure numpy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from perception.sensor_frame import SensorFrame
from sim.sensor_noise import NoiseConfig, SensorNoise

FLIPPED_CONFIDENCE = (0.4, 0.85)  # a detector that mistook a thing is less sure of it


@dataclass(frozen=True)
class InstanceKey:
    """Which thing a segment belongs to: ('object', id), ('furniture', id) or ('door', furniture id)."""

    kind: str
    id: str
    label: str


def detector_noise(label_flip: float, miss_rate: float, depth_sigma_m: float, seed: int,
                   flip_pool: dict[str, list[str]] | None = None) -> SensorNoise | None:
    """The scenario's `robot.noise` detector keys as the sensor noise models (None: a perfect detector).

    `flip_pool[kind]` lists the labels a flipped label of that kind may become (objects flip to
    objects, furniture to furniture); door parts never flip. Odometry drift is not here: the backends
    drift the base's own motion (goals are reached in the drifted frame), which a per-frame pose
    perturbation cannot model.
    """
    if label_flip == 0.0 and miss_rate == 0.0 and depth_sigma_m == 0.0:
        return None
    groups = [sorted(set(labels)) for labels in (flip_pool or {}).values() if labels]
    return SensorNoise(NoiseConfig.from_scenario(label_flip=label_flip, miss_rate=miss_rate,
                                                 depth_sigma_m=depth_sigma_m, seed=seed, groups=groups,
                                                 flipped_confidence=FLIPPED_CONFIDENCE))


def noisy_frame(frame: SensorFrame, truth: dict[int, InstanceKey],
                noise: SensorNoise | None) -> tuple[SensorFrame, dict[int, InstanceKey]]:
    """`frame` with the detector noise applied; `truth` keeps only the instances still reported."""
    if noise is None:
        return frame, truth
    frame = noise.apply(frame)
    return frame, {k: v for k, v in truth.items() if k in frame.labels}


def detections(seg: np.ndarray, key_of: Callable[[int], InstanceKey | None], rng: np.random.Generator,
               min_pixels: int = 1) -> tuple[np.ndarray, dict[int, str], dict[int, float], dict[int, InstanceKey]]:
    """Instance mask with fresh random ids, label table, confidences, and (for evaluation) id -> InstanceKey.

    `seg`: HxW integer segment ids, negative = nothing. `key_of(segment_id) -> InstanceKey | None` says
    what a segment is (None = background); several segments may belong to one thing.
    """
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
        lookup[indices] = int(new_id)
        labels[int(new_id)] = key.label
        confidences[int(new_id)] = round(float(rng.uniform(0.75, 1.0)), 3)
        truth[int(new_id)] = key
    return lookup[inverse], labels, confidences, truth
