"""Behind / in front of / across from, the middle of a room, on the wall, and room on a surface, asked in words.

Real parser, real SQLite memory from constructed frames (tests/planners/household_memory.py); the robot
looks at the living room from LIVING_EYE, so "behind the sofa" is beyond it from there.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from household_memory import FLOOR_PLAN, LIVING_EYE, TABLE, FrameWriter, Thing  # noqa: E402

HOUR = 3600.0
SOFA = Thing("sofa", (8.0, 4.0, 0.4), (2.0, 0.9, 0.8))
LAMP_BEHIND_SOFA = Thing("lamp", (8.35, 4.7, 0.8), (0.3, 0.3, 1.6))
CLOCK_ON_WALL = Thing("clock", (10.95, 2.5, 1.8), (0.05, 0.3, 0.3))
BOX_ON_FLOOR = Thing("box", (9.5, 1.0, 0.15), (0.5, 0.4, 0.3))
DESK = Thing("desk", (6.0, 4.3, 0.375), (1.2, 0.6, 0.75))
MONITOR_LEFT_ON_DESK = Thing("monitor", (5.68, 4.3, 0.95), (0.55, 0.5, 0.4))
PRINTER_RIGHT_ON_DESK = Thing("printer", (6.35, 4.3, 0.9), (0.45, 0.45, 0.3))
SCENE = [TABLE, SOFA, LAMP_BEHIND_SOFA, CLOCK_ON_WALL, BOX_ON_FLOOR, DESK, MONITOR_LEFT_ON_DESK]


def _answerer(tmp_path_factory, things):
    from planners.question_answering import QuestionAnswerer
    from scene_graph.store import MemoryStore

    store = MemoryStore.open(tmp_path_factory.mktemp("spatial") / "memory.db", floor_plan=FLOOR_PLAN)
    FrameWriter(store).look(7 * HOUR, LIVING_EYE, (8.5, 3.4, 0.6), things)
    return store, QuestionAnswerer(store)


@pytest.fixture(scope="module")
def answerer(tmp_path_factory):
    store, qa = _answerer(tmp_path_factory, SCENE)
    yield qa
    store.close()


def ask(answerer, question):
    report = answerer.answer(question, 9 * HOUR, planner="memory-only")
    assert not report.refused, (question, report.reason)
    return report


@pytest.mark.parametrize("question, relation, value", [
    ("What is behind the sofa?", "behind", ["lamp"]),
    ("What is in front of the sofa?", "in_front_of", ["table"]),
    ("What is in the middle of the living room?", "in_middle_of", ["table"]),
    ("What is hanging on the wall in the living room?", "on_wall", ["clock"]),
    ("Which chair is behind the sofa?", "behind", []),
])
def test_depth_and_room_relations_answer_from_geometry(answerer, question, relation, value):
    report = ask(answerer, question)
    assert report.typed_query.kind == "identify" and report.typed_query.relation == relation
    if "living room" in question:
        assert report.typed_query.room == "living_room"
    assert report.value == value, report.text


@pytest.mark.parametrize("question, relation, value", [
    ("What is closest to the desk?", "closest_to", ["sofa"]),  # the monitor on it is not
    ("What is nearest to the desk?", "closest_to", ["sofa"]),
    ("What stands beside the sofa?", "next_to", ["desk", "lamp", "table"]),
    ("What stands next to the desk?", "next_to", ["sofa"]),
    ("What stands between the sofa and the desk?", "between", []),
])
def test_nearness_worded_with_a_superlative_or_a_verb(answerer, question, relation, value):
    report = ask(answerer, question)
    assert report.typed_query.kind == "identify" and report.typed_query.relation == relation, report.typed_query
    assert report.value == value, report.text


def test_across_from_is_over_open_floor(answerer):
    report = ask(answerer, "What is across from the sofa?")
    assert report.typed_query.relation == "across_from"
    assert "box" in report.value and "table" not in report.value, report.text


def test_room_on_a_surface_is_measured_against_the_thing(answerer, tmp_path_factory):
    report = ask(answerer, "Is there room on the desk for the box?")
    q = report.typed_query
    assert (q.kind, q.receptacle, q.target) == ("room_for", "desk", "box")
    assert report.value is True, report.text
    store, full = _answerer(tmp_path_factory, [*SCENE, PRINTER_RIGHT_ON_DESK])
    try:
        assert ask(full, "Is there room on the desk for the box?").value is False, "the printer takes the right half"
        surfaces = ask(full, "Which surface has room for the box?").value
        assert "table" in surfaces and "desk" not in surfaces, surfaces
    finally:
        store.close()
