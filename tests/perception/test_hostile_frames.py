"""Property tests: any frame either becomes sane observations or raises FrameError, nothing else."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perception.config import PerceptionConfig
from perception.frame_processing import FrameError, FrameProcessor
from perception.sensor_frame import SensorFrame
from scene_graph.types import CameraIntrinsics, Pose

DEPTH_VALUES = st.sampled_from([0.0, float("nan"), float("inf"), -1.0, 0.05, 0.5, 1.0, 1.01, 2.5, 5.9, 7.0])
LABELS = st.sampled_from(["mug", "fridge", "fridge_door", "cabinet_door", "table", "_door", ""])


@st.composite
def frames(draw):
    h, w = draw(st.integers(1, 10)), draw(st.integers(1, 10))
    ids = draw(st.lists(st.integers(1, 2_000_000_000), min_size=1, max_size=4, unique=True))
    mask = np.array(draw(st.lists(st.sampled_from([0, *ids]), min_size=h * w, max_size=h * w)),
                    dtype=draw(st.sampled_from([np.int32, np.int64, np.uint32]))).reshape(h, w)
    depth = np.array(draw(st.lists(DEPTH_VALUES, min_size=h * w, max_size=h * w)), dtype=np.float32).reshape(h, w)
    labelled = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids)))
    labels = {i: draw(LABELS) for i in labelled}
    confidences = {i: draw(st.sampled_from([0.0, 0.5, 1.0, 1.5, float("nan")])) for i in labelled}
    rgb_h = draw(st.sampled_from([h, h, h, h + 1]))
    rgb = np.zeros((rgb_h, w, 3), dtype=np.uint8)
    qw = draw(st.sampled_from([1.0, 1.0, 1.0, float("nan")]))
    yaw = draw(st.floats(-math.pi, math.pi))
    return SensorFrame(
        frame_id=draw(st.integers(0, 10)), time=draw(st.sampled_from([0.0, 12.5, float("nan")])), rgb=rgb,
        depth=depth, instance_mask=mask, labels=labels, intrinsics=CameraIntrinsics.from_hfov(w, h, 60.0),
        camera_pose=Pose.from_xyz_yaw(1.0, 2.0, 1.0, yaw) if qw == 1.0 else Pose(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, qw),
        robot_pose=Pose(), confidences=confidences,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_any_frame_gives_sane_observations_or_a_frame_error(sensor_frame):
    processor = FrameProcessor(PerceptionConfig(min_mask_pixels=1, min_valid_points=1))
    try:
        frame = processor.process(sensor_frame)
    except FrameError as exc:
        assert exc.field in {"time", "camera_pose", "rgb", "labels", "confidences"}
        assert exc.field in str(exc)
        return
    assert frame.depth.shape == sensor_frame.depth.shape
    for obs in frame.observations:
        assert not obs.category.endswith("_door") or obs.category == "_door"
        values = (*obs.centroid, *obs.bbox_min, *obs.bbox_max, *obs.mean_color)
        assert all(math.isfinite(v) for v in values)
        assert all(lo - 1e-4 <= c <= hi + 1e-4 for lo, c, hi in zip(obs.bbox_min, obs.centroid, obs.bbox_max))
        assert 1 <= obs.num_points <= obs.pixel_count
        if obs.state is None:  # a body with a shut door also counts the door's pixels
            assert np.count_nonzero(sensor_frame.instance_mask == obs.instance_id) == obs.pixel_count
