"""A real PyBullet household wired to perception, a real MemoryStore and the planners (for slow tests).

Only the test's assertions read ground truth; the planners see rendered frames through perception.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from executor.sim_backend import SimRobotSkills
from memory_stack.foundation.time_format import parse_time
from perception.frame_processing import FrameProcessor
from planners.acting.case_memory import CaseMemory
from planners.acting.exploration import SimExplorer
from planners.acting.floor_plan_routes import polygon_centroid
from planners.acting.task_planning import TaskPlanner
from planners.question_answering import QuestionAnswerer
from scene_graph.store import MemoryStore
from sim.pybullet_backend import PyBulletBackend
from sim.scenario import scenario_from_dict

HOUSE: dict[str, Any] = {
    "scenario": "planner_test_flat",
    "seed": 1,
    "world": {
        "rooms": [{"name": "kitchen", "polygon": [[0, 0], [5, 0], [5, 4], [0, 4]]},
                  {"name": "living_room", "polygon": [[5, 0], [11, 0], [11, 5], [5, 5]]}],
        "doors": [{"rooms": ["kitchen", "living_room"], "at": [5.0, 2.0], "width": 1.0}],
        "furniture": [{"id": "counter", "category": "counter", "room": "kitchen", "at": [1.0, 0.6], "yaw": 0},
                      {"id": "coffee_table", "category": "table", "room": "living_room", "at": [8.0, 2.5]},
                      {"id": "desk", "category": "desk", "room": "living_room", "at": [9.6, 4.3], "yaw": 3.14159}],
        "objects": [{"id": "mug_1", "category": "mug", "rests_on": "counter"}],
    },
    "robot": {"start": {"at": [2.5, 2.0], "yaw": 0}, "camera": {"width": 320, "height": 240, "hfov_deg": 70},
              "noise": {"label_flip": 0.0, "miss_rate": 0.0, "depth_sigma_m": 0.0, "odom_drift_m_per_m": 0.0}},
    "timeline": [],
    "observe": [{"at": "d1 07:00", "patrol": "all"}],
    "questions": [],
    "tasks": [],
}


def house(timeline: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    data = copy.deepcopy(HOUSE)
    data["timeline"] = list(timeline or [])
    return data


@dataclass
class SimHousehold:
    backend: Any
    memory: Any
    skills: Any
    explorer: Any
    scenario: Any

    @classmethod
    def create(cls, data: dict[str, Any], db_path=None) -> SimHousehold:
        scenario = scenario_from_dict(data, source="<planner test house>")
        backend = PyBulletBackend()
        backend.load(scenario)
        memory = MemoryStore.open(db_path, floor_plan=scenario.floor_plan())
        skills = SimRobotSkills(backend)
        explorer = SimExplorer(skills, FrameProcessor(), memory)
        return cls(backend, memory, skills, explorer, scenario)

    def close(self) -> None:
        self.memory.close()
        self.backend.close()

    def advance(self, when: str) -> float:
        t = parse_time(when)
        if t > self.backend.now:
            self.backend.advance_to(t)
        return self.backend.now

    def patrol(self, when: str) -> None:
        """Go to the middle of every room and look around (the robot's own schedule)."""
        self.advance(when)
        for room in self.scenario.floor_plan().rooms:
            x, y = polygon_centroid(room.polygon)
            moved = self.skills.navigate_to(x, y)
            self.explorer.ingest(moved.frames + self.skills.look_around().frames)

    def answerer(self) -> QuestionAnswerer:
        return QuestionAnswerer(self.memory, self.explorer)

    def task_planner(self, case_memory: CaseMemory | None = None) -> TaskPlanner:
        return TaskPlanner(self.memory, self.skills, self.explorer, case_memory)

    def truly_rests_on(self, object_id: str) -> str | None:
        """Ground truth, read by the test's assertions only."""
        obj = self.backend.ground_truth().objects.get(object_id)
        return None if obj is None else obj.rests_on
