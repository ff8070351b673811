"""Perception on frames rendered by the PyBullet backend (real TinyRenderer RGB-D + segmentation).

Ground truth is read here only to score perception's output, as evaluation code does.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pybullet")
pybullet_backend = pytest.importorskip("sim.pybullet_backend", reason="sim/pybullet_backend.py has not landed")

from memory_stack.foundation.time_format import parse_time  # noqa: E402
from perception.frame_processing import FrameProcessor  # noqa: E402

SCENARIO = Path(__file__).resolve().parents[2] / "sim_configs" / "apartment_two_days.yaml"
FRIDGE_CENTER = (4.3, 0.6, 0.9)
# Where the robot stands to look at the fridge (its front faces +y): head-on, and from both sides.
FRIDGE_VIEWPOINTS = [(4.3, 2.3, -math.pi / 2), (3.3, 2.2, -1.0), (5.0, 2.0, -2.0)]


@pytest.fixture(scope="module")
def backend():
    sim = pybullet_backend.PyBulletBackend(str(SCENARIO))
    try:
        yield sim
    finally:
        sim.close()


def fridge_states(sim, processor):
    states = []
    for x, y, yaw in FRIDGE_VIEWPOINTS:
        sim.teleport_base(x, y, yaw)
        sim.look_at(FRIDGE_CENTER)
        frame = processor.process(sim.render())
        fridges = [o for o in frame.observations if o.category == "fridge"]
        assert len(fridges) == 1, [o.category for o in frame.observations]
        assert not any(o.category.endswith("_door") for o in frame.observations)
        states.append(fridges[0].state)
    return states


def test_rendered_fridge_door_gives_closed_open_closed(backend):
    processor = FrameProcessor()
    assert fridge_states(backend, processor) == ["closed"] * 3
    backend.advance_to(parse_time("d1 12:01"))
    assert backend.ground_truth().furniture["fridge"].is_open is True
    assert fridge_states(backend, processor) == ["open"] * 3
    backend.advance_to(parse_time("d1 12:06"))
    assert fridge_states(backend, processor) == ["closed"] * 3


def test_rendered_objects_are_where_the_world_has_them(backend):
    processor = FrameProcessor()
    backend.teleport_base(2.6, 2.2, math.pi)
    backend.look_at((1.0, 0.6, 0.9))
    sensor_frame = backend.render()
    frame = processor.process(sensor_frame)
    truth = backend.ground_truth()
    seen = {o.category: o for o in frame.observations}
    assert "counter" in seen
    counter = truth.furniture["counter"]
    c = seen["counter"]
    # The counter's box (what was seen of it) overlaps its true footprint centre horizontally.
    assert c.bbox_min[0] - 0.1 <= counter.position[0] <= c.bbox_max[0] + 0.1
    assert c.bbox_max[2] == pytest.approx(0.9, abs=0.05)  # the counter top
    objects_on_counter = [o for o in truth.objects.values() if o.rests_on == "counter"]
    assert objects_on_counter
    for obj in objects_on_counter:
        if obj.category not in seen:
            continue
        got = np.asarray(seen[obj.category].centroid)
        assert np.hypot(*(got[:2] - obj.position[:2])) < 0.08, obj.id
        assert seen[obj.category].bbox_min[2] == pytest.approx(0.9, abs=0.04)  # standing on the top
    assert any(o.category in seen for o in objects_on_counter)
    # Everything rendered either became an observation or was accounted for.
    stats = processor.last_stats
    assert stats.instances == len(sensor_frame.labels)
    assert stats.observations + stats.dropped_tiny + stats.dropped_no_depth + stats.unpaired_doors + \
        stats.dropped_doors + len(stats.door_states) >= stats.instances
    assert frame.depth is not None and frame.depth.shape == sensor_frame.depth.shape
