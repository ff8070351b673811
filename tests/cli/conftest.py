"""A small stored memory built through MemoryStore.ingest, for the console-command tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from scene_graph.store import MemoryStore
from scene_graph.types import CameraIntrinsics, Door, FloorPlan, Frame, Observation, Pose, Room

FLOOR_PLAN = FloorPlan(
    rooms=(Room("kitchen", ((0, 0), (5, 0), (5, 4), (0, 4))), Room("living_room", ((5, 0), (11, 0), (11, 5), (5, 5)))),
    doors=(Door(("kitchen", "living_room"), (5.0, 2.0), 1.0),),
)
KEYS_BEFORE = (8.0, 2.5, 0.78)
KEYS_AFTER = (8.5, 2.6, 0.78)


def _observation(category, centre, half, state=None):
    return Observation(category=category, centroid=centre, bbox_min=tuple(c - h for c, h in zip(centre, half)),
                       bbox_max=tuple(c + h for c, h in zip(centre, half)), state=state,
                       state_confidence=1.0 if state else 0.0, num_points=200)


def _scene(keys_at, fridge_state):
    return [
        _observation("counter", (1.0, 0.6, 0.45), (0.6, 0.3, 0.45)),
        _observation("mug", (1.0, 0.6, 0.95), (0.05, 0.05, 0.05)),
        _observation("table", (8.0, 2.5, 0.38), (0.6, 0.4, 0.38)),
        _observation("keys", keys_at, (0.05, 0.03, 0.02)),
        _observation("sofa", (9.5, 4.2, 0.4), (1.0, 0.4, 0.4)),
        _observation("fridge", (4.3, 0.6, 0.9), (0.4, 0.35, 0.9), fridge_state),
    ]


def write_memory(path: Path) -> Path:
    """Seen at d1 00:01:40 and again at d1 01:00, when the keys had moved and the fridge was open."""
    intrinsics = CameraIntrinsics.from_hfov(320, 240, 70)
    times = [(100.0, _scene(KEYS_BEFORE, "closed")), (101.0, _scene(KEYS_BEFORE, "closed")),
             (3600.0, _scene(KEYS_AFTER, "open")), (3601.0, _scene(KEYS_AFTER, "open"))]
    with MemoryStore.open(path, floor_plan=FLOOR_PLAN) as memory:
        for frame_id, (t, observations) in enumerate(times):
            memory.ingest(Frame(frame_id=frame_id, time=t, robot_pose=Pose.from_xyz_yaw(5, 2, 0, 0),
                                camera_pose=Pose(5, 2, 1.2), intrinsics=intrinsics, observations=observations))
    return path


@pytest.fixture(scope="session")
def memory_db(tmp_path_factory) -> Path:
    """A stored memory file the CLI tests read (never written by them)."""
    return write_memory(tmp_path_factory.mktemp("cli_memory") / "memory.db")


@pytest.fixture
def keys_positions() -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Where the keys were in the stored memory before and after d1 01:00."""
    return KEYS_BEFORE, KEYS_AFTER


@pytest.fixture
def new_memory_file():
    """Writes the same small memory to a given path (for tests that need a file of their own)."""
    return write_memory
