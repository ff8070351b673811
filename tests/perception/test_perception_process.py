"""PerceptionProcess gives FrameProcessor's results from a child process and survives the child's death."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest

from perception.frame_processing import FrameError, FrameProcessor
from perception.perception_process import PerceptionProcess
from perception.synthetic_stream import synthetic_frames


@pytest.fixture
def perception():
    with PerceptionProcess(max_restarts=1) as process:
        assert process.wait_ready(60.0)
        yield process


def test_frames_before_the_child_has_started_are_processed_here_without_waiting():
    frames = list(synthetic_frames(2, 320, 240))
    with PerceptionProcess() as process:
        assert not process.wait_ready(0.0)  # a spawned interpreter takes far longer than this to import
        got = process.process(frames[0])
        assert got.observations == FrameProcessor().process(frames[0]).observations
        assert process._block is None  # nothing was sent to the child
        assert process.wait_ready(60.0)
        assert process.process(frames[1]).observations == FrameProcessor().process(frames[1]).observations
        assert process._block is not None and process.restarts == 0


def test_same_frames_as_in_process_perception_at_two_sizes(perception):
    local = FrameProcessor()
    frames = list(synthetic_frames(6, 320, 240)) + list(synthetic_frames(3, 640, 480, first_frame_id=7))
    for sensor_frame in frames:
        expected, got = local.process(sensor_frame), perception.process(sensor_frame)
        assert got.observations == expected.observations and got.observations
        assert np.array_equal(got.depth, expected.depth, equal_nan=True) and got.depth.dtype == np.float32
        assert (got.frame_id, got.time, got.camera_pose, got.intrinsics) == \
            (expected.frame_id, expected.time, expected.camera_pose, expected.intrinsics)
        assert got.detector_min_pixels == expected.detector_min_pixels and got.max_range_m == expected.max_range_m
        assert perception.last_stats == local.last_stats
    assert not perception.in_process and perception.restarts == 0


def test_malformed_frame_raises_the_same_error_and_the_next_frame_is_processed(perception):
    good = next(synthetic_frames(1, 320, 240))
    for bad in (dataclasses.replace(good, depth=good.depth[:10]),
                dataclasses.replace(good, rgb=good.rgb.astype(np.float32)),
                dataclasses.replace(good, instance_mask=None)):
        with pytest.raises(FrameError) as in_child:
            perception.process(bad)
        with pytest.raises(FrameError) as here:
            FrameProcessor().process(bad)
        assert str(in_child.value) == str(here.value)
    assert perception.process(good).observations == FrameProcessor().process(good).observations
    assert perception.restarts == 0


def test_a_killed_child_costs_no_frame_and_is_replaced_then_given_up(perception):
    frames = list(synthetic_frames(3, 320, 240))
    expected = [FrameProcessor().process(f).observations for f in frames]
    perception._child.kill()
    perception._child.join()
    assert perception.process(frames[0]).observations == expected[0]
    assert perception.restarts == 1 and not perception.in_process
    assert perception.process(frames[1]).observations == expected[1]  # by the new child
    perception._child.kill()
    perception._child.join()
    assert perception.process(frames[2]).observations == expected[2]
    assert perception.restarts == 2 and perception.in_process  # max_restarts=1: perception stays here


def test_close_stops_the_child_and_frees_the_shared_block():
    process = PerceptionProcess()
    assert process.wait_ready(60.0)
    process.process(next(synthetic_frames(1, 320, 240)))
    child, block = process._child, process._block.name
    assert os.path.exists(f"/dev/shm/{block}")
    process.close()
    process.close()
    assert not child.is_alive()
    assert not os.path.exists(f"/dev/shm/{block}")
