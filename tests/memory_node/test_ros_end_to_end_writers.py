"""Two writers of one memory in one process (`memstack up` with planner_server `robot: ros`).

ingest_node writes the frames of the camera topics and the planner's explorer writes the frames its
skills brought back (the same frames, in either order): the shared store keeps time order by skipping
a frame no later than the last one written, only while more than one writer holds it.
"""

from __future__ import annotations

import pytest

from memory_node.shared_store import SharedStore
from memory_stack.foundation.errors import BadInputError
from scene_graph.types import CameraIntrinsics, Frame, Observation, Pose


def _frame(frame_id: int, t: float) -> Frame:
    mug = Observation("mug", (1.0, 0.0, 0.8), (0.95, -0.05, 0.75), (1.05, 0.05, 0.85), num_points=400)
    return Frame(frame_id=frame_id, time=t, robot_pose=Pose(), camera_pose=Pose.from_xyz_yaw(0.0, 0.0, 1.2, 0.0),
                 intrinsics=CameraIntrinsics(320, 240, 277.0, 277.0, 160.0, 120.0), observations=[mug])


def test_second_writer_skips_frames_already_covered_and_single_writer_keeps_the_order_check(tmp_path):
    db = str(tmp_path / "memory.db")
    ingest = SharedStore.acquire(db, writer=True)
    try:
        ingest.write(_frame(1, 10.0))
        with pytest.raises(BadInputError, match="before the last ingested time"):
            ingest.write(_frame(2, 9.0))  # one writer: out-of-order input is still an error

        planner = SharedStore.acquire(db, writer=True)
        assert planner is ingest
        try:
            ingest.write(_frame(3, 11.0))
            skipped = planner.write(_frame(4, 10.5))  # the explorer's copy of an earlier frame
            assert (skipped.matched, skipped.created) == ([], [])
            same = planner.write(_frame(5, 11.0))  # the explorer's copy of the frame just written
            assert (same.matched, same.created) == ([], [])
            assert ingest.store.frames_skipped == 2
            later = planner.write(_frame(6, 12.0))  # the explorer first this time: ingest's copy is skipped
            assert later.matched
            assert ingest.write(_frame(7, 12.0)).matched == []
            assert ingest.store.last_time == 12.0
            mug = ingest.read(lambda store: store.locate("mug"))[0]
            assert mug.last_seen == 12.0
        finally:
            planner.release(writer=True)
        with pytest.raises(BadInputError, match="before the last ingested time"):
            ingest.write(_frame(8, 11.5))  # back to one writer
    finally:
        ingest.release(writer=True)
