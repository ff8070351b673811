"""A session with manipulation, recorded to MCAP and replayed, ingests every frame the live run ingested.

The session is the demo's shape on the tiny fetch scenario: drive to a viewpoint and look around
(the arrival frame and the first view used to share an instant), then pick the apple off the table
and put it down at the table's other end, looking at the target before and after as the task planner
does (a look_at renders at the instant of the arm's last frame), all through SimRobotSkills on PyBullet.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

pytest.importorskip("rclpy")

from executor.sim_backend import SimRobotSkills  # noqa: E402
from memory_node.session_recording import SessionRecorder  # noqa: E402
from memory_node.session_replay import replay_bag  # noqa: E402
from perception.frame_processing import FrameProcessor  # noqa: E402
from scene_graph.store import MemoryStore  # noqa: E402
from sim.pybullet_backend import PyBulletBackend  # noqa: E402

SCENARIO = Path(__file__).resolve().parents[1] / "bench" / "data" / "tiny_fetch.yaml"


@pytest.fixture(scope="module")
def session_frames():
    backend = PyBulletBackend(str(SCENARIO))
    skills = SimRobotSkills(backend)
    try:
        results = [skills.navigate_to(3.0, 2.0), skills.look_around()]
        apple = backend.ground_truth().objects["apple_1"]  # the test aims the arm; perception never reads this
        target = (4.8, 3.3, 0.75)
        results += [skills.look_at(apple.position), skills.pick("apple", apple.position)]
        results += [skills.look_at(target), skills.place(target), skills.look_at(target)]
        assert all(r.success for r in results), [r.reason for r in results]
        yield [f for r in results for f in r.frames], backend.ground_truth().objects["apple_1"].rests_on
    finally:
        skills.shutdown()
        backend.close()


def test_every_frame_has_its_own_increasing_stamp(session_frames):
    frames, rests_on = session_frames
    assert rests_on == "table"
    stamps = [f.time for f in frames]
    assert len(frames) >= 19  # arrival + a full look around + looks and frames around the pick and the place
    assert all(b > a for a, b in zip(stamps, stamps[1:])), stamps
    assert min(b - a for a, b in zip(stamps, stamps[1:])) >= 0.1 - 1e-6  # at least one camera period apart


def test_replay_ingests_every_frame_the_live_run_ingested(session_frames, tmp_path):
    frames, _ = session_frames
    backend_plan = PyBulletBackend(str(SCENARIO))
    floor_plan = backend_plan.floor_plan()
    backend_plan.close()
    processor = FrameProcessor()
    bag = tmp_path / "session"
    live_ingested = 0
    with MemoryStore.open(None, floor_plan) as live, SessionRecorder(bag, floor_plan=floor_plan) as recorder:
        for sensor_frame in frames:
            recorder.write_frame(sensor_frame)
            live.ingest(processor.process(sensor_frame))
            live_ingested += 1
        live_categories = sorted(o.category for o in live.objects())
    with MemoryStore.open(None, floor_plan) as replayed:
        report = replay_bag(bag, replayed)
        replayed_categories = sorted(o.category for o in replayed.objects())
    assert report.frames_ingested == live_ingested == len(frames), report.topics
    assert report.frames_rejected == 0
    assert all(c["duplicate"] == 0 and c["dropped"] == 0 for c in report.topics.values()), report.topics
    assert replayed_categories == live_categories
    assert math.isfinite(report.observations) and report.observations > 0
