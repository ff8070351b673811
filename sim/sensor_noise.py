"""Seeded, deterministic sensor noise for robustness tests: what a real camera and detector get wrong.

Each model maps a SensorFrame to a new SensorFrame and never changes its input. Label confusion,
missed detections and depth noise draw from a generator seeded by (seed, model, frame_id), so a
frame gets the same noise whatever order frames come in. Odometry drift accumulates along the
trajectory, so it depends on the sequence of frames given to one OdometryDrift.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from perception.sensor_frame import SensorFrame
from scene_graph.types import Pose


@dataclass
class LabelNoiseConfig:
    """Label confusion.

    `confusion[label][other]` = probability of reporting `other` for `label` (the rest of the
    row's mass keeps the label); labels without a row flip with `flip_prob` to a uniformly drawn
    other label: from their group when `groups` lists one holding them (a detector mistakes a mug
    for another small object, not for a sofa), otherwise from `vocabulary` plus the labels in the
    frame. Parts (labels ending in `part_suffix`, e.g. "fridge_door") are never relabelled.
    `flipped_confidence` (lo, hi): a relabelled instance's detector confidence is redrawn uniformly
    in that range (a confused detector is less sure); None leaves confidences alone.
    """

    flip_prob: float = 0.0
    confusion: dict[str, dict[str, float]] = field(default_factory=dict)
    vocabulary: list[str] = field(default_factory=list)
    part_suffix: str = "_door"
    groups: list[list[str]] = field(default_factory=list)
    flipped_confidence: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        _check_probability("flip_prob", self.flip_prob)
        for label, row in self.confusion.items():
            for other, p in row.items():
                _check_probability(f"confusion.{label}.{other}", p)
            if sum(row.values()) > 1.0 + 1e-9:
                raise ValueError(f"confusion.{label}: probabilities sum to {sum(row.values()):.3f} > 1")
        if self.flipped_confidence is not None:
            lo, hi = self.flipped_confidence
            if not 0.0 <= lo <= hi <= 1.0:
                raise ValueError(f"flipped_confidence must be (lo, hi) with 0 <= lo <= hi <= 1, got {(lo, hi)}")
        seen: dict[str, int] = {}
        for i, group in enumerate(self.groups):
            for label in group:
                if seen.setdefault(label, i) != i:
                    raise ValueError(f"groups: {label!r} is in groups {seen[label]} and {i}")

    def group_of(self, label: str) -> list[str] | None:
        for group in self.groups:
            if label in group:
                return group
        return None


@dataclass
class DetectionNoiseConfig:
    """Missed detections: each instance of a frame is dropped (mask cleared) with `miss_rate`."""

    miss_rate: float = 0.0

    def __post_init__(self) -> None:
        _check_probability("miss_rate", self.miss_rate)


@dataclass
class DepthNoiseConfig:
    """Gaussian depth noise with sigma = sigma_m + sigma_per_m * depth (no-return pixels stay so)."""

    sigma_m: float = 0.0
    sigma_per_m: float = 0.0

    def __post_init__(self) -> None:
        if self.sigma_m < 0.0 or self.sigma_per_m < 0.0:
            raise ValueError("sigma_m and sigma_per_m must be >= 0")


@dataclass
class OdometryDriftConfig:
    """Odometry error that grows with distance travelled.

    The position error grows by `drift_m_per_m` per metre driven along a heading drawn once from
    the seed, the heading error by `yaw_drift_rad_per_m` per metre (sign drawn from the seed), and a
    random walk adds `random_walk_m_per_sqrt_m` * sqrt(metres) of scatter.
    """

    drift_m_per_m: float = 0.0
    yaw_drift_rad_per_m: float = 0.0
    random_walk_m_per_sqrt_m: float = 0.0

    def __post_init__(self) -> None:
        if min(self.drift_m_per_m, self.yaw_drift_rad_per_m, self.random_walk_m_per_sqrt_m) < 0.0:
            raise ValueError("drift rates must be >= 0")


@dataclass
class NoiseConfig:
    """All sensor noise of a run; all zero = a perfect sensor."""

    seed: int = 0
    labels: LabelNoiseConfig = field(default_factory=LabelNoiseConfig)
    detections: DetectionNoiseConfig = field(default_factory=DetectionNoiseConfig)
    depth: DepthNoiseConfig = field(default_factory=DepthNoiseConfig)
    odometry: OdometryDriftConfig = field(default_factory=OdometryDriftConfig)

    @classmethod
    def from_scenario(cls, label_flip: float = 0.0, miss_rate: float = 0.0, depth_sigma_m: float = 0.0,
                      odom_drift_m_per_m: float = 0.0, seed: int = 0, vocabulary: list[str] | None = None,
                      groups: list[list[str]] | None = None,
                      flipped_confidence: tuple[float, float] | None = None) -> NoiseConfig:
        """The scenario's `robot.noise` keys (specs/scenario.md) as a NoiseConfig."""
        return cls(
            seed=seed,
            labels=LabelNoiseConfig(flip_prob=label_flip, vocabulary=list(vocabulary or []),
                                    groups=[list(g) for g in groups or []], flipped_confidence=flipped_confidence),
            detections=DetectionNoiseConfig(miss_rate=miss_rate),
            depth=DepthNoiseConfig(sigma_m=depth_sigma_m),
            odometry=OdometryDriftConfig(drift_m_per_m=odom_drift_m_per_m),
        )


def _check_probability(name: str, p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {p}")


def _frame_rng(seed: int, stream: int, frame_id: int) -> np.random.Generator:
    return np.random.default_rng([seed & 0xFFFFFFFF, stream, frame_id & 0xFFFFFFFFFFFF])


class LabelConfusion:
    """Relabels instances by the confusion table, or flips them to another label with flip_prob."""

    _STREAM = 1

    def __init__(self, config: LabelNoiseConfig, seed: int = 0) -> None:
        self.config = config
        self.seed = seed

    def apply(self, frame: SensorFrame) -> SensorFrame:
        cfg = self.config
        if cfg.flip_prob == 0.0 and not cfg.confusion:
            return frame
        rng = _frame_rng(self.seed, self._STREAM, frame.frame_id)
        pool = sorted({*cfg.vocabulary, *frame.labels.values()})
        pool = [p for p in pool if not p.endswith(cfg.part_suffix)]
        labels = dict(frame.labels)
        confidences = dict(frame.confidences)
        for iid in sorted(labels):
            label = labels[iid]
            draw = rng.random()
            if label.endswith(cfg.part_suffix):
                continue
            row = cfg.confusion.get(label)
            if row is not None:
                labels[iid] = _pick_from_row(row, draw, label)
            elif draw < cfg.flip_prob:
                group = cfg.group_of(label)
                others = [p for p in (sorted(group) if group is not None else pool) if p != label]
                if others:
                    labels[iid] = others[int(rng.integers(len(others)))]
            if labels[iid] != label and cfg.flipped_confidence is not None:
                confidences[iid] = round(float(rng.uniform(*cfg.flipped_confidence)), 3)
        return dataclasses.replace(frame, labels=labels, confidences=confidences)


def _pick_from_row(row: dict[str, float], draw: float, keep: str) -> str:
    total = 0.0
    for other in sorted(row):
        total += row[other]
        if draw < total:
            return other
    return keep


class MissedDetections:
    """Drops whole instances (mask pixels become background, label removed) with miss_rate."""

    _STREAM = 2

    def __init__(self, config: DetectionNoiseConfig, seed: int = 0) -> None:
        self.config = config
        self.seed = seed

    def apply(self, frame: SensorFrame) -> SensorFrame:
        if self.config.miss_rate == 0.0 or not frame.labels:
            return frame
        rng = _frame_rng(self.seed, self._STREAM, frame.frame_id)
        ids = sorted(frame.labels)
        missed = [iid for iid, draw in zip(ids, rng.random(len(ids))) if draw < self.config.miss_rate]
        if not missed:
            return frame
        mask = frame.instance_mask.copy()
        mask[np.isin(mask, missed)] = 0
        gone = set(missed)
        return dataclasses.replace(
            frame, instance_mask=mask,
            labels={k: v for k, v in frame.labels.items() if k not in gone},
            confidences={k: v for k, v in frame.confidences.items() if k not in gone},
        )


class DepthNoise:
    """Adds Gaussian noise to valid depth; NaN and zero (no return) stay as they are."""

    _STREAM = 3

    def __init__(self, config: DepthNoiseConfig, seed: int = 0) -> None:
        self.config = config
        self.seed = seed

    def apply(self, frame: SensorFrame) -> SensorFrame:
        cfg = self.config
        if cfg.sigma_m == 0.0 and cfg.sigma_per_m == 0.0:
            return frame
        rng = _frame_rng(self.seed, self._STREAM, frame.frame_id)
        depth = np.asarray(frame.depth, dtype=np.float32)
        valid = np.isfinite(depth) & (depth > 0.0)
        sigma = cfg.sigma_m + cfg.sigma_per_m * depth[valid]
        noisy = depth.copy()
        noisy[valid] = np.maximum(depth[valid] + rng.standard_normal(sigma.shape[0]).astype(np.float32) * sigma,
                                  np.float32(1e-3))
        return dataclasses.replace(frame, depth=noisy)


class OdometryDrift:
    """Drifting odometry: robot and camera poses move together by an error that grows with distance."""

    _STREAM = 4

    def __init__(self, config: OdometryDriftConfig, seed: int = 0) -> None:
        self.config = config
        rng = np.random.default_rng([seed & 0xFFFFFFFF, self._STREAM])
        heading = rng.uniform(0.0, 2.0 * math.pi)
        self._direction = np.array([math.cos(heading), math.sin(heading)])
        self._yaw_sign = 1.0 if rng.random() < 0.5 else -1.0
        self._walk_rng = rng
        self._last_xy: np.ndarray | None = None
        self.distance_m = 0.0
        self._walk = np.zeros(2)

    @property
    def position_error(self) -> np.ndarray:
        """Current (dx, dy) error in metres, map frame."""
        return self._direction * self.config.drift_m_per_m * self.distance_m + self._walk

    @property
    def yaw_error(self) -> float:
        return self._yaw_sign * self.config.yaw_drift_rad_per_m * self.distance_m

    def apply(self, frame: SensorFrame) -> SensorFrame:
        cfg = self.config
        true_robot = frame.robot_pose
        xy = np.array([true_robot.x, true_robot.y])
        if self._last_xy is not None:
            step = float(np.linalg.norm(xy - self._last_xy))
            self.distance_m += step
            if cfg.random_walk_m_per_sqrt_m > 0.0 and step > 0.0:
                self._walk += self._walk_rng.standard_normal(2) * cfg.random_walk_m_per_sqrt_m * math.sqrt(step)
        self._last_xy = xy
        if cfg.drift_m_per_m == 0.0 and cfg.yaw_drift_rad_per_m == 0.0 and cfg.random_walk_m_per_sqrt_m == 0.0:
            return frame
        dx, dy = self.position_error
        yaw = self.yaw_error
        c, s = math.cos(yaw), math.sin(yaw)
        # drifted = true_robot * (error in the robot's own frame); camera keeps its mount on the robot.
        correction = np.eye(4)
        correction[:3, :3] = [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]
        drifted_robot = true_robot.matrix() @ correction
        drifted_robot[:2, 3] = xy + (dx, dy)
        camera_in_robot = np.linalg.inv(true_robot.matrix()) @ frame.camera_pose.matrix()
        return dataclasses.replace(frame, robot_pose=Pose.from_matrix(drifted_robot),
                                   camera_pose=Pose.from_matrix(drifted_robot @ camera_in_robot))


class SensorNoise:
    """All noise models of a NoiseConfig, applied in order: odometry, depth, missed detections, labels."""

    def __init__(self, config: NoiseConfig) -> None:
        self.config = config
        self.odometry = OdometryDrift(config.odometry, config.seed)
        self.depth = DepthNoise(config.depth, config.seed)
        self.detections = MissedDetections(config.detections, config.seed)
        self.labels = LabelConfusion(config.labels, config.seed)

    def apply(self, frame: SensorFrame) -> SensorFrame:
        frame = self.odometry.apply(frame)
        frame = self.depth.apply(frame)
        frame = self.detections.apply(frame)
        return self.labels.apply(frame)
