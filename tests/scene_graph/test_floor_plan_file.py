"""The robot's map file: a FloorPlan written and read back, a scenario as its source, errors naming file and field."""

from __future__ import annotations

import pytest

from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.typed_config import ConfigError
from scene_graph.floor_plan_file import floor_plan_from_dict, load_floor_plan_file, save_floor_plan_file
from scene_graph.types import Door, FloorPlan, Room

PLAN = FloorPlan(
    rooms=(Room("kitchen", ((0.0, 0.0), (5.0, 0.0), (5.0, 4.0), (0.0, 4.0))),
           Room("hall", ((5.0, 0.0), (7.5, 0.0), (7.5, 4.0), (5.0, 4.0))),
           Room("living_room", ((7.5, 0.0), (11.0, 0.0), (11.0, 5.0), (7.5, 5.0)))),
    doors=(Door(("kitchen", "hall"), (5.0, 2.0), 0.9), Door(("hall", "living_room"), (7.5, 1.5))),
)


def test_a_floor_plan_reads_back_equal(tmp_path):
    path = save_floor_plan_file(PLAN, tmp_path / "map.yaml")
    assert load_floor_plan_file(path) == PLAN
    assert "kitchen" in path.read_text()


def test_a_floor_plan_without_doors_is_rooms_only(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("rooms:\n  - name: studio\n    polygon: [[0, 0], [4, 0], [4, 3]]\n")
    assert load_floor_plan_file(path) == FloorPlan(rooms=(Room("studio", ((0.0, 0.0), (4.0, 0.0), (4.0, 3.0))),))


def test_a_scenario_is_a_source_through_its_world_rooms_and_doors(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text("scenario: tiny\nseed: 3\nworld:\n"
                    "  rooms:\n    - {name: a, polygon: [[0, 0], [2, 0], [2, 2], [0, 2]]}\n"
                    "    - {name: b, polygon: [[2, 0], [4, 0], [4, 2], [2, 2]]}\n"
                    "  doors:\n    - {rooms: [a, b], at: [2, 1]}\n"
                    "  furniture: [{id: t, category: table, room: a, at: [1, 1]}]\n")
    plan = load_floor_plan_file(path)
    assert [r.name for r in plan.rooms] == ["a", "b"] and plan.doors == (Door(("a", "b"), (2.0, 1.0), 1.0),)
    path.write_text("scenario: tiny\nworld:\n  rooms:\n    - {name: a, polygon: [[0, 0], [2, 0]]}\n")
    with pytest.raises(ConfigError, match=r"scenario.yaml: world.rooms\[0\].polygon: a polygon needs at least 3"):
        load_floor_plan_file(path)


@pytest.mark.parametrize("text, field, problem", [
    ("rooms: []\n", "rooms", "at least one room"),
    ("rooms:\n  - {name: a, polygon: [[0, 0], [1, 0], [1, 1]]}\nwalls: []\n", "walls", "unknown key"),
    ("rooms:\n  - {name: a, polygon: [[0, 0], [1, 0], [1, 1]], height: 2}\n", r"rooms\[0\].height", "unknown key"),
    ("rooms:\n  - {name: a, polygon: [[0, 0], [1, 0], [2, 0]]}\n", r"rooms\[0\].polygon", "zero area"),
    ("rooms:\n  - {name: a, polygon: [[0, 0], [1, 0], [1, .nan]]}\n", r"rooms\[0\].polygon", "finite"),
    ("rooms:\n  - {name: a, polygon: [[0, 0], [1, 0], [1, x]]}\n", r"rooms\[0\].polygon\[2\]\[1\]", "number"),
    ("rooms:\n  - {name: none, polygon: [[0, 0], [1, 0], [1, 1]]}\n", r"rooms\[0\].name", "reserved"),
    ("rooms:\n  - {name: a, polygon: [[0, 0], [1, 0], [1, 1]]}\n  - {name: a, polygon: [[0, 0], [1, 0], [1, 1]]}\n",
     r"rooms\[1\].name", "duplicate"),
    ("rooms:\n  - {name: a, polygon: [[0, 0], [1, 0], [1, 1]]}\ndoors:\n  - {rooms: [a, b], at: [1, 0]}\n",
     r"doors\[0\].rooms\[1\]", "unknown room 'b'"),
    ("rooms:\n  - {name: a, polygon: [[0, 0], [1, 0], [1, 1]]}\ndoors:\n  - {rooms: [a, a], at: [1, 0]}\n",
     r"doors\[0\].rooms", "two different rooms"),
    ("rooms:\n  - {name: a, polygon: [[0, 0], [1, 0], [1, 1]]}\n  - {name: b, polygon: [[1, 0], [2, 0], [2, 1]]}\n"
     "doors:\n  - {rooms: [a, b], at: [1, 0], width: 0}\n", r"doors\[0\].width", "positive"),
    ("rooms:\n  - {name: a, polygon: [[0, 0], [1, 0], [1, 1]]}\n  - {name: b, polygon: [[1, 0], [2, 0], [2, 1]]}\n"
     "doors:\n  - {rooms: [a, b], at: [1]}\n", r"doors\[0\].at", "expected 2 items"),
])
def test_errors_name_the_file_and_the_field(tmp_path, text, field, problem):
    path = tmp_path / "bad_map.yaml"
    path.write_text(text)
    with pytest.raises(BadInputError, match=rf"bad_map.yaml: {field}: .*{problem}"):
        load_floor_plan_file(path)


def test_files_that_are_no_floor_plan_are_refused(tmp_path):
    with pytest.raises(BadInputError, match="missing.yaml: cannot read file"):
        load_floor_plan_file(tmp_path / "missing.yaml")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(BadInputError, match="empty.yaml: expected a mapping"):
        load_floor_plan_file(empty)
    with pytest.raises(BadInputError, match="<floor plan>: world: expected a mapping"):
        floor_plan_from_dict({"world": [1]})
