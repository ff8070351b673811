"""Sensor noise (sim.sensor_noise): deterministic for a seed, at the configured rates; what perception makes of it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from memory_stack.foundation.typed_config import ConfigError, build_dataclass
from perception.frame_processing import FrameProcessor
from perception.sensor_frame import SensorFrame
from perception.synthetic_scene import SyntheticBox
from scene_graph.types import CameraIntrinsics, Pose
from sim.sensor_noise import (
    DepthNoise,
    DepthNoiseConfig,
    DetectionNoiseConfig,
    LabelConfusion,
    LabelNoiseConfig,
    MissedDetections,
    NoiseConfig,
    OdometryDrift,
    OdometryDriftConfig,
    SensorNoise,
)

CATEGORIES = ["mug", "cup", "book", "keys", "plant", "bowl", "phone", "remote", "laptop", "shoe"]


def striped_frame(frame_id: int, n: int = 20, width: int = 200, height: int = 40) -> SensorFrame:
    """A frame of n vertical stripes, one instance each, labels cycling through CATEGORIES plus one door part."""
    stripe = width // n
    mask = np.repeat(np.arange(1, n + 1, dtype=np.int32) * 3, stripe)[None, :].repeat(height, axis=0)
    labels = {3 * (i + 1): CATEGORIES[i % len(CATEGORIES)] for i in range(n)}
    labels[3 * n] = "fridge_door"
    depth = np.full((height, width), 2.0, dtype=np.float32)
    depth[:, :5] = np.nan
    depth[:, 5:10] = 0.0
    return SensorFrame(
        frame_id=frame_id, time=float(frame_id), rgb=np.zeros((height, width, 3), np.uint8), depth=depth,
        instance_mask=mask, labels=labels, intrinsics=CameraIntrinsics.from_hfov(width, height, 60.0),
        camera_pose=Pose(0.0, 0.0, 1.0), robot_pose=Pose(), confidences={k: 0.8 for k in labels},
    )


def binomial_bounds(n: int, p: float, sigmas: float = 5.0) -> tuple[float, float]:
    sd = math.sqrt(n * p * (1.0 - p))
    return n * p - sigmas * sd, n * p + sigmas * sd


def test_missed_detections_rate_and_mask_clearing():
    model = MissedDetections(DetectionNoiseConfig(miss_rate=0.2), seed=5)
    dropped = trials = 0
    for fid in range(60):
        frame = striped_frame(fid)
        noisy = model.apply(frame)
        gone = set(frame.labels) - set(noisy.labels)
        dropped += len(gone)
        trials += len(frame.labels)
        assert set(noisy.confidences) == set(noisy.labels)
        assert not np.isin(noisy.instance_mask, list(gone)).any()
        kept = list(noisy.labels)
        assert np.array_equal(np.isin(noisy.instance_mask, kept), np.isin(frame.instance_mask, kept))
    lo, hi = binomial_bounds(trials, 0.2)
    assert lo <= dropped <= hi


def test_noise_is_deterministic_per_seed_and_frame_and_never_mutates_input():
    frame = striped_frame(11)
    original_mask, original_depth = frame.instance_mask.copy(), frame.depth.copy()
    config = NoiseConfig(seed=3, labels=LabelNoiseConfig(flip_prob=0.5), detections=DetectionNoiseConfig(0.3),
                         depth=DepthNoiseConfig(sigma_m=0.02))
    a, b = SensorNoise(config).apply(frame), SensorNoise(config).apply(frame)
    assert a.labels == b.labels and np.array_equal(a.instance_mask, b.instance_mask)
    assert np.array_equal(a.depth, b.depth, equal_nan=True)
    other = SensorNoise(NoiseConfig(seed=4, labels=config.labels, detections=config.detections,
                                    depth=config.depth)).apply(frame)
    assert other.labels != a.labels or not np.array_equal(other.depth, a.depth, equal_nan=True)
    assert np.array_equal(frame.instance_mask, original_mask)
    assert np.array_equal(frame.depth, original_depth, equal_nan=True)
    # The noise of a frame does not depend on which frames came before it.
    model = MissedDetections(DetectionNoiseConfig(0.3), seed=3)
    model.apply(striped_frame(1))
    assert model.apply(frame).labels == MissedDetections(DetectionNoiseConfig(0.3), seed=3).apply(frame).labels


def test_label_flip_rate_targets_and_parts():
    model = LabelConfusion(LabelNoiseConfig(flip_prob=0.25, vocabulary=["towel"]), seed=1)
    flipped = trials = 0
    seen_targets = set()
    for fid in range(60):
        frame = striped_frame(fid)
        noisy = model.apply(frame)
        for iid, label in frame.labels.items():
            if label == "fridge_door":
                assert noisy.labels[iid] == "fridge_door"
                continue
            trials += 1
            if noisy.labels[iid] != label:
                flipped += 1
                seen_targets.add(noisy.labels[iid])
    lo, hi = binomial_bounds(trials, 0.25)
    assert lo <= flipped <= hi
    assert "towel" in seen_targets and "fridge_door" not in seen_targets
    assert seen_targets <= {*CATEGORIES, "towel"}


def test_grouped_labels_flip_within_their_group_and_lose_confidence():
    small = ["mug", "cup", "keys", "phone", "remote"]
    config = LabelNoiseConfig(flip_prob=0.5, vocabulary=["sofa"], groups=[small], flipped_confidence=(0.4, 0.6))
    model = LabelConfusion(config, seed=3)
    flipped = 0
    for fid in range(40):
        frame = striped_frame(fid)
        noisy = model.apply(frame)
        for iid, label in frame.labels.items():
            if noisy.labels[iid] == label:
                assert noisy.confidences[iid] == 0.8  # untouched
                continue
            flipped += 1
            assert 0.4 <= noisy.confidences[iid] <= 0.6
            if label in small:
                assert noisy.labels[iid] in small  # a mug is mistaken for a small thing, never for a sofa
            else:
                assert noisy.labels[iid] not in small or label not in small
    assert flipped > 100
    with pytest.raises(ValueError, match="groups"):
        LabelNoiseConfig(groups=[["mug", "cup"], ["cup", "bowl"]])
    with pytest.raises(ValueError, match="flipped_confidence"):
        LabelNoiseConfig(flipped_confidence=(0.9, 0.2))


def test_confusion_table_frequencies():
    table = {"mug": {"cup": 0.3, "bowl": 0.1}}
    model = LabelConfusion(LabelNoiseConfig(confusion=table), seed=2)
    counts = {"mug": 0, "cup": 0, "bowl": 0}
    n = 0
    for fid in range(150):
        frame = striped_frame(fid)
        noisy = model.apply(frame)
        for iid, label in frame.labels.items():
            if label == "mug":
                counts[noisy.labels[iid]] += 1
                n += 1
            else:
                assert noisy.labels[iid] == label  # no row and flip_prob 0: unchanged
    for label, p in (("cup", 0.3), ("bowl", 0.1), ("mug", 0.6)):
        lo, hi = binomial_bounds(n, p)
        assert lo <= counts[label] <= hi, (label, counts)


@pytest.mark.parametrize("sigma_m,sigma_per_m", [(0.01, 0.0), (0.0, 0.01), (0.005, 0.005)])
def test_depth_noise_sigma_and_no_return_pixels(sigma_m, sigma_per_m):
    frame = striped_frame(0, width=400, height=200)
    frame.depth[:, 200:] = 4.0
    noisy = DepthNoise(DepthNoiseConfig(sigma_m=sigma_m, sigma_per_m=sigma_per_m), seed=9).apply(frame)
    assert noisy.depth.dtype == np.float32
    assert np.isnan(noisy.depth[:, :5]).all() and (noisy.depth[:, 5:10] == 0.0).all()
    for depth_value, region in ((2.0, noisy.depth[:, 10:200]), (4.0, noisy.depth[:, 200:])):
        error = region - depth_value
        expected = sigma_m + sigma_per_m * depth_value
        assert abs(float(error.mean())) < 5 * expected / math.sqrt(error.size)
        assert float(error.std()) == pytest.approx(expected, rel=0.05)


def test_odometry_drift_grows_with_distance_and_keeps_the_camera_mount():
    config = OdometryDriftConfig(drift_m_per_m=0.02, yaw_drift_rad_per_m=0.01)
    model = OdometryDrift(config, seed=4)
    frame = striped_frame(0)
    errors = []
    for step in range(101):
        x = 0.1 * step
        robot = Pose.from_xyz_yaw(x, 1.0, 0.0, 0.3)
        camera = Pose.looking_at((x + 0.1, 1.0, 1.2), (x + 5.0, 2.0, 0.8))
        noisy = model.apply(SensorFrame(**{**frame.__dict__, "robot_pose": robot, "camera_pose": camera}))
        errors.append(math.hypot(noisy.robot_pose.x - robot.x, noisy.robot_pose.y - robot.y))
        mount = np.linalg.inv(robot.matrix()) @ camera.matrix()
        noisy_mount = np.linalg.inv(noisy.robot_pose.matrix()) @ noisy.camera_pose.matrix()
        assert np.allclose(mount, noisy_mount, atol=1e-9)
        assert noisy.robot_pose.yaw - robot.yaw == pytest.approx(model.yaw_error, abs=1e-9)
    assert model.distance_m == pytest.approx(10.0)
    assert errors[0] == 0.0
    assert errors[-1] == pytest.approx(0.02 * 10.0, rel=1e-6)
    assert errors[50] == pytest.approx(0.02 * 5.0, rel=1e-6)
    assert abs(model.yaw_error) == pytest.approx(0.1)


def test_odometry_random_walk_is_seeded():
    def run(seed):
        model = OdometryDrift(OdometryDriftConfig(random_walk_m_per_sqrt_m=0.05), seed=seed)
        frame = striped_frame(0)
        for step in range(20):
            frame = SensorFrame(**{**frame.__dict__, "robot_pose": Pose(0.2 * step, 0.0, 0.0)})
            out = model.apply(frame)
        return (out.robot_pose.x, out.robot_pose.y)
    assert run(1) == run(1) != run(2)


def test_zero_noise_is_the_identity():
    frame = striped_frame(3)
    noisy = SensorNoise(NoiseConfig.from_scenario()).apply(frame)
    assert noisy is frame


def test_depth_noise_keeps_back_projection_within_two_centimetres(scene):
    plate = SyntheticBox("poster", (3.0, -0.5, 0.5), (3.05, 0.5, 1.5))
    frame = scene.frame_of([plate], scene.front_camera())
    noisy = DepthNoise(DepthNoiseConfig(sigma_m=0.01), seed=0).apply(frame)
    obs = FrameProcessor().process(noisy).observations[0]
    assert np.allclose(obs.centroid, (3.0, 0.0, 1.0), atol=0.02)


def test_noise_config_is_typed():
    cfg = build_dataclass(NoiseConfig, {"seed": 2, "labels": {"flip_prob": 0.1, "confusion": {"mug": {"cup": 0.2}}},
                                        "odometry": {"drift_m_per_m": 0.01}})
    assert cfg.labels.confusion == {"mug": {"cup": 0.2}} and cfg.odometry.drift_m_per_m == 0.01
    with pytest.raises(ConfigError, match="detections.miss"):
        build_dataclass(NoiseConfig, {"detections": {"miss": 0.1}})
    with pytest.raises(ConfigError, match="miss_rate"):
        build_dataclass(NoiseConfig, {"detections": {"miss_rate": 1.5}})
    with pytest.raises(ConfigError, match="sum"):
        build_dataclass(NoiseConfig, {"labels": {"confusion": {"mug": {"cup": 0.7, "bowl": 0.6}}}})


def test_odometry_drift_shifts_what_perception_reports_by_the_pose_error(scene):
    plate = SyntheticBox("poster", (3.0, -0.5, 0.5), (3.05, 0.5, 1.5))
    model = OdometryDrift(OdometryDriftConfig(drift_m_per_m=0.05), seed=8)
    frame = scene.frame_of([plate], scene.front_camera())
    for x in np.linspace(-4.0, 0.0, 9):  # drive 4 m up to the camera's spot
        model.apply(SensorFrame(**{**frame.__dict__, "robot_pose": Pose(x, 0.0, 0.0)}))
    drifted = model.apply(SensorFrame(**{**frame.__dict__, "robot_pose": Pose(0.0, 0.0, 0.0)}))
    obs = FrameProcessor().process(drifted).observations[0]
    dx, dy = model.position_error
    assert math.hypot(dx, dy) == pytest.approx(0.2)
    assert np.allclose(obs.centroid, (3.0 + dx, dy, 1.0), atol=0.02)


def test_perception_survives_every_noise_at_once(scene):
    boxes = [SyntheticBox("poster", (3.0, -0.5, 0.5), (3.05, 0.5, 1.5)),
             SyntheticBox("box", (2.0, 0.6, 0.0), (2.5, 1.1, 0.5))]
    config = NoiseConfig.from_scenario(label_flip=0.3, miss_rate=0.3, depth_sigma_m=0.02, odom_drift_m_per_m=0.02,
                                       seed=1, vocabulary=["mug", "chair"])
    noise = SensorNoise(config)
    processor = FrameProcessor()
    pose = Pose.looking_at((0.0, 0.0, 1.2), (3.0, 0.3, 0.7))
    seen = 0
    for fid in range(20):
        frame = processor.process(noise.apply(scene.frame_of(boxes, pose, seed=fid, frame_id=fid)))
        seen += len(frame.observations)
        for obs in frame.observations:
            assert obs.category in {"poster", "box", "mug", "chair"}
            assert 1.5 < obs.centroid[0] < 3.2
    lo, hi = binomial_bounds(40, 0.7)
    assert lo <= seen <= hi
