"""A deterministic stream of rendered-like RGB-D frames of a small two-room flat, for node tests and benchmarks.

Frames are exact ray-casts of labelled boxes (perception.synthetic_scene): the camera looks at the
furniture from a few viewpoints in turn, instance ids are reshuffled every frame (as a segmenter's),
and the robot pose is the camera's ground projection. No simulator needed, so a publisher process
can stream them at hundreds of frames per second.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from perception.sensor_frame import SensorFrame
from perception.synthetic_scene import SyntheticBox, render_boxes, sensor_frame_from_render
from scene_graph.types import CameraIntrinsics, Door, FloorPlan, Pose, Room

FLOOR_PLAN = FloorPlan(
    rooms=(Room("kitchen", ((0.0, 0.0), (5.0, 0.0), (5.0, 4.0), (0.0, 4.0))),
           Room("living_room", ((5.0, 0.0), (11.0, 0.0), (11.0, 5.0), (5.0, 5.0)))),
    doors=(Door(("kitchen", "living_room"), (5.0, 2.0), 1.0),),
)

BOXES = (
    SyntheticBox("counter", (0.4, 0.3, 0.0), (1.6, 0.9, 0.9), (150, 120, 90)),
    SyntheticBox("mug", (0.95, 0.55, 0.9), (1.05, 0.65, 1.02), (200, 30, 30)),
    SyntheticBox("bowl", (1.3, 0.5, 0.9), (1.45, 0.65, 0.97), (30, 30, 200)),
    SyntheticBox("table", (7.5, 2.0, 0.0), (8.5, 3.0, 0.75), (120, 80, 40)),
    SyntheticBox("keys", (7.9, 2.4, 0.75), (8.05, 2.5, 0.78), (220, 220, 40)),
    SyntheticBox("book", (8.1, 2.6, 0.75), (8.35, 2.8, 0.8), (40, 160, 40)),
)

# (eye, target) viewpoints visited in turn
VIEWPOINTS = (
    ((2.6, 2.2, 1.3), (1.0, 0.6, 0.9)),
    ((2.2, 2.6, 1.3), (1.0, 0.6, 0.9)),
    ((8.0, 4.4, 1.3), (8.0, 2.5, 0.75)),
    ((9.6, 3.8, 1.3), (8.0, 2.5, 0.75)),
)


@dataclass(frozen=True)
class TrueObject:
    category: str
    position: tuple[float, float, float]


def true_objects() -> list[TrueObject]:
    """Centres of the rendered boxes (what a correct memory should report)."""
    return [TrueObject(b.label, tuple(float(v) for v in b.center)) for b in BOXES]


def synthetic_frames(count: int, width: int = 320, height: int = 240, start_time: float = 7 * 3600.0,
                     period_s: float = 0.5, frames_per_view: int = 3, first_frame_id: int = 1,
                     seed: int = 0) -> Iterator[SensorFrame]:
    """`count` SensorFrames at `period_s` intervals, `frames_per_view` per viewpoint in turn."""
    intrinsics = CameraIntrinsics.from_hfov(width, height, 70.0)
    rng = np.random.default_rng(seed)
    renders: dict[int, tuple] = {}
    boxes = list(BOXES)
    for i in range(count):
        view = (i // max(frames_per_view, 1)) % len(VIEWPOINTS)
        if view not in renders:
            eye, target = VIEWPOINTS[view]
            pose = Pose.looking_at(eye, target)
            renders[view] = (render_boxes(boxes, intrinsics, pose), pose)
        render, camera_pose = renders[view]
        yield sensor_frame_from_render(render, boxes, intrinsics, camera_pose, frame_id=first_frame_id + i,
                                       time=start_time + i * period_s, rng=rng)
