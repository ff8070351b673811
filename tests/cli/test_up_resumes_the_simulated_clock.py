"""`memstack up SCENARIO --db M` on a memory kept on the simulator's clock resumes after its last frame."""

from __future__ import annotations

from memory_stack.commands.up import resumed_start_time
from scene_graph.store import MemoryStore
from scene_graph.types import CameraIntrinsics, Frame, Pose


def _memory_with_a_frame_at(path, t: float, epoch: float | None = None):
    with MemoryStore.open(path) as store:
        if epoch is not None:
            store.set_time_epoch(epoch)
        store.ingest(Frame(frame_id=1, time=t, robot_pose=Pose(), camera_pose=Pose(0.0, 0.0, 1.2),
                           intrinsics=CameraIntrinsics(320, 240, 277.0, 277.0, 160.0, 120.0), observations=[]))


def test_the_simulated_clock_resumes_the_minute_after_the_last_frame(tmp_path):
    sim = tmp_path / "sim.db"
    _memory_with_a_frame_at(sim, 86400.0 + 10 * 3600.0 + 30.5)
    assert resumed_start_time(sim) == "d2 10:01"
    robot = tmp_path / "robot.db"  # on Unix time: not the simulator's memory, nothing to resume
    _memory_with_a_frame_at(robot, 3600.0, epoch=1_765_065_600.0)
    assert resumed_start_time(robot) is None
    assert resumed_start_time(tmp_path / "absent.db") is None
    with MemoryStore.open(tmp_path / "empty.db"):
        pass
    assert resumed_start_time(tmp_path / "empty.db") is None
