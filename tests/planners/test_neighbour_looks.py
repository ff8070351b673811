"""A look at one piece of furniture also shows the ones beside it, and the belief counts that.

Frames are ray-cast (scene_graph.synthetic_frames) in a kitchen with an oven, a counter right beside
it and a table across the room; the explorer looks at the oven.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from planners.acting.exploration import SimExplorer
from planners.acting.viewpoints import CameraModel, aimed_camera_pose
from planners.belief.builder import BeliefBuilder
from planners.belief.candidates import AnswerCandidate, Belief, LookRecord
from planners.language.typed_query import TypedQuery
from robot_model.skills import SkillResult
from scene_graph.records import SceneObject
from scene_graph.synthetic_frames import Box, render
from scene_graph.types import CameraIntrinsics, FloorPlan, Pose, Room

sys.path.insert(0, str(Path(__file__).parent))

from household_memory import DAY  # noqa: E402

CAMERA = CameraModel()
INTRINSICS = CameraIntrinsics.from_hfov(320, 240, 70.0)
FLOOR = FloorPlan(rooms=(Room("kitchen", ((0.0, 0.0), (7.0, 0.0), (7.0, 5.0), (0.0, 5.0))),), doors=())
FURNITURE = {  # (min, max) corners
    "oven_1": ((2.0, 4.4, 0.0), (2.6, 5.0, 0.9)),
    "counter_2": ((2.7, 4.4, 0.0), (4.1, 5.0, 0.9)),    # right beside the oven
    "table_3": ((5.8, 0.2, 0.0), (6.8, 1.0, 0.75)),     # across the room, beyond side_view_range_m
}


def boxes() -> list[Box]:
    return [Box(rid.split("_")[0], tuple(np.add(lo, hi) / 2), tuple(np.subtract(hi, lo) / 2))
            for rid, (lo, hi) in FURNITURE.items()]


@dataclass
class RayCastSkills:
    pose: Pose = field(default_factory=lambda: Pose.from_xyz_yaw(2.3, 2.5, 0.0, math.pi / 2))

    def robot_pose(self) -> Pose:
        return self.pose

    def navigate_to(self, x, y, yaw=None):
        metres = math.dist((self.pose.x, self.pose.y), (x, y))
        self.pose = Pose.from_xyz_yaw(x, y, 0.0, self.pose.yaw if yaw is None else yaw)
        return SkillResult(True, path_length_m=metres)

    def look_at(self, aim):
        camera = aimed_camera_pose((self.pose.x, self.pose.y, self.pose.yaw), aim, CAMERA)
        lens, forward = camera.position, camera.rotation_matrix()[:, 2]
        return SkillResult(True, frames=[render(0, 0.0, tuple(lens), tuple(lens + forward), boxes(), INTRINSICS)])


@dataclass
class KitchenMemory:
    floor_plan: FloorPlan = FLOOR

    def receptacles(self) -> list[SceneObject]:
        return [SceneObject(rid, rid.split("_")[0], tuple(float(v) for v in np.add(lo, hi) / 2), lo, hi, "kitchen",
                            None, None, None, 1.0, 0.0, 0.0, True, True) for rid, (lo, hi) in FURNITURE.items()]

    def objects(self) -> list[SceneObject]:
        return self.receptacles()

    def ingest(self, frame) -> None:
        pass


def test_a_look_at_the_oven_reports_the_counter_beside_it_and_not_the_table_across_the_room():
    explorer = SimExplorer(RayCastSkills(), SimpleNamespace(process=lambda frame: frame), KitchenMemory(),
                           camera=CAMERA, views_per_look=1)
    belief = Belief("present_location", [
        AnswerCandidate(rid, rid, 1.0 / 3, reveal_target=rid, reveal_position=tuple(np.add(lo, hi) / 2),
                        speculative=True) for rid, (lo, hi) in FURNITURE.items()])
    oven = next(a for a in explorer.candidates(None, belief) if a.target == "oven_1")
    explorer.look(oven)
    seen = dict(explorer.last_look_also_seen)
    assert explorer.last_look_coverage > 0.9
    assert "oven_1" not in seen and "table_3" not in seen
    assert seen.get("counter_2", 0.0) >= 0.1, f"the near end of the counter beside the oven: {seen}"


def test_what_a_look_showed_beside_its_target_counts_against_the_places_there(quiet_memory):
    """The mug two days on: a look at the counter that also showed the table lowers the table, not the shelf."""
    builder = BeliefBuilder(quiet_memory)
    query = TypedQuery("present_location", target="mug", confidence=1.0)
    now = 2 * DAY

    def mass(looks) -> dict[str, float]:
        return {c.reveal_target: c.probability for c in builder.build(query, now, looks).candidates if c.reveal_target}

    alone = mass([LookRecord("counter_0", now)])
    beside = mass([LookRecord("counter_0", now, 1.0, (("table_3", 0.8),))])
    assert beside["table_3"] / beside["shelf_4"] == pytest.approx(
        (1.0 - 0.9 * 0.8) * alone["table_3"] / alone["shelf_4"])
    assert beside["counter_0"] / beside["shelf_4"] == pytest.approx(alone["counter_0"] / alone["shelf_4"])
