"""A small box world (kitchen + living room) that renders frames for the memory, and a store fixture."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scene_graph.store import MemoryStore
from scene_graph.synthetic_frames import Box, render
from scene_graph.types import CameraIntrinsics, Door, FloorPlan, Frame, Observation, Room

FLOOR_PLAN = FloorPlan(
    (Room("kitchen", ((0, 0), (5, 0), (5, 4), (0, 4))), Room("living_room", ((5, 0), (11, 0), (11, 5), (5, 5)))),
    (Door(("kitchen", "living_room"), (5.0, 2.0), 1.0),),
)

VIEWS = {
    "counter": ((1.0, 2.5, 1.3), (1.0, 0.5, 0.9)),
    "fridge": ((4.2, 2.6, 1.3), (4.2, 0.5, 0.9)),
    "table": ((8.0, 4.6, 1.3), (8.0, 2.5, 0.7)),
}


class BoxWorld:
    """Ground truth for tests: named boxes, a clock, and frames rendered from named viewpoints."""

    def __init__(self, intrinsics: CameraIntrinsics | None = None, detector_min_pixels: float = 0.0) -> None:
        self.boxes: dict[str, Box] = {
            "counter": Box("counter", (1.0, 0.5, 0.45), (0.6, 0.3, 0.45)),
            "fridge": Box("fridge", (4.2, 0.5, 0.9), (0.4, 0.4, 0.9), state="closed"),
            "table": Box("table", (8.0, 2.5, 0.375), (0.6, 0.4, 0.375)),
            "mug": Box("mug", (0.8, 0.5, 0.95), (0.05, 0.05, 0.05)),
            "keys": Box("keys", (8.0, 2.5, 0.77), (0.04, 0.03, 0.02)),
        }
        self.intrinsics = intrinsics or CameraIntrinsics.from_hfov(64, 48, 70)
        self.time = 0.0
        self.frame_ids = itertools.count(1)
        self.rng = np.random.default_rng(0)
        # the renderer reports every box whose centre is in view (a perfect detector: 0); a real one has a minimum
        self.detector_min_pixels = detector_min_pixels

    def frame(self, view: str, dt: float = 5.0, extra: list[Observation] | None = None, with_depth: bool = True,
              noise_m: float = 0.0) -> Frame:
        self.time += dt
        eye, target = VIEWS[view]
        f = render(next(self.frame_ids), self.time, eye, target, list(self.boxes.values()), self.intrinsics,
                   with_depth=with_depth, rng=self.rng, position_noise_m=noise_m)
        order = self.rng.permutation(len(f.observations))
        f.observations = [f.observations[i] for i in order] + list(extra or [])
        f.detector_min_pixels = self.detector_min_pixels
        return f

    def look(self, store: MemoryStore, *views: str, times: int = 2, dt: float = 5.0, **kw) -> list:
        results = []
        for _ in range(times):
            for v in views:
                results.append(store.ingest(self.frame(v, dt=dt, **kw)))
        return results

    def set_open(self, name: str, is_open: bool) -> None:
        b = self.boxes[name]
        b.state = "open" if is_open else "closed"
        b.opaque = not is_open


@pytest.fixture
def world() -> BoxWorld:
    return BoxWorld()


@pytest.fixture
def store():
    s = MemoryStore.open(None, FLOOR_PLAN)
    yield s
    s.close()
