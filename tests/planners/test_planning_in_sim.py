"""Exploration and fetch tasks in a real PyBullet household: rendered frames -> perception -> memory -> planners.

Ground truth is read only by the assertions (through SimHousehold.truly_rests_on).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).parent))

from sim_household import SimHousehold, house  # noqa: E402

from planners.acting.case_memory import CaseMemory  # noqa: E402

pytestmark = pytest.mark.slow

MUG_TO_TABLE = [{"at": "d1 09:00", "move": "mug_1", "to": "coffee_table"}]
MUG_TO_DESK = [{"at": "d1 09:00", "move": "mug_1", "to": "desk"}]


@pytest.fixture
def household_factory():
    made = []

    def make(timeline):
        h = SimHousehold.create(house(timeline))
        made.append(h)
        h.patrol("d1 07:00")
        return h

    yield make
    for h in made:
        h.close()


def test_voi_goes_to_look_when_memory_is_stale_and_finds_the_moved_mug(household_factory):
    h = household_factory(MUG_TO_TABLE)
    now = h.advance("d2 20:00")
    answerer = h.answerer()
    remembered = answerer.answer("Where is the mug?", now, planner="memory-only")
    assert remembered.rests_on_category == "counter" and remembered.steps == 0 and remembered.path_length_m == 0
    assert remembered.confidence < 0.6
    budget = answerer.config.exploration.budget_m
    report = answerer.answer("Where is the mug?", now, planner="voi")
    assert h.truly_rests_on("mug_1") == "coffee_table"
    assert report.rests_on_category == "table" and abs(report.position[0] - 8.0) < 0.6
    assert report.steps >= 1 and report.looked_at and 0 < report.path_length_m <= budget
    # Memory now holds two mug tracks (the one just seen on the table, the stale one on the counter
    # it did not go back to), so the answer is likely, not certain.
    assert report.stopped_by in ("certain", "voi") and report.confidence > max(0.75, remembered.confidence + 0.5)
    assert any(e.startswith("frame:") for e in report.evidence)
    assert [r.step for r in report.exploration] == list(range(1, report.steps + 1))


def test_fresh_memory_is_answered_without_moving(household_factory):
    h = household_factory([])
    answerer = h.answerer()
    just_seen = answerer.answer("Where is the mug?", h.backend.now, planner="voi")
    assert just_seen.rests_on_category == "counter"
    assert just_seen.stopped_by == "certain" and just_seen.steps == 0 and just_seen.path_length_m == 0.0
    # Half an hour later a mug (handheld, moved a few times a day) is likely but no longer certainly
    # there, and being asked is itself evidence of a move (QUESTION_MOVE_LIKELIHOOD_RATIO): at most one
    # look at a place within a metre is worth its cost, no trip across the room ("voi", not "certain").
    now = h.advance("d1 07:30")
    report = answerer.answer("Where is the mug?", now, planner="voi")
    assert report.rests_on_category == "counter"
    assert report.steps <= 1 and report.path_length_m <= 1.0
    assert report.stopped_by == "voi" and 0.85 < report.confidence < just_seen.confidence


def test_explore_all_visits_every_candidate(household_factory):
    h = household_factory(MUG_TO_TABLE)
    now = h.advance("d2 20:00")
    report = h.answerer().answer("Where is the mug?", now, planner="explore-all")
    assert report.stopped_by == "explore-all"
    assert set(report.looked_at) >= {o.id for o in h.memory.receptacles()}
    assert report.rests_on_category == "table"


def test_fetch_from_the_remembered_place(household_factory):
    h = household_factory([])
    now = h.advance("d1 08:00")
    report = h.task_planner().execute("bring the mug to the coffee table", now)
    assert report.success, report.to_dict()
    assert h.truly_rests_on("mug_1") == "coffee_table"
    mugs = [o for o in h.memory.objects() if o.category == "mug"]
    place = next(s for s in report.trace if s.skill == "place")
    assert len(mugs) == 1 and mugs[0].rests_on == place.target, "memory puts the mug on what it was placed on"
    skills = [s.skill for s in report.trace]
    assert "pick" in skills and "place" in skills
    assert not any("search" in s.detail for s in report.trace), "fresh memory: no search"
    picks = [s for s in report.trace if s.skill == "pick"]
    assert picks[-1].status == "succeeded"
    # the arm's approach is real physics and planning: one retry at the same place is allowed
    assert report.replans <= 1 and len(picks) <= 2
    assert report.trace[0].skill == "navigate_to" and report.trace[0].target == "counter_1"


def test_moved_mug_is_searched_for_and_the_repeated_task_takes_fewer_steps(household_factory, tmp_path):
    cases_file = tmp_path / "memory.cases.sqlite"
    reports = []
    for _ in range(2):
        h = household_factory(MUG_TO_DESK)
        now = h.advance("d2 20:00")
        with CaseMemory(cases_file) as cases:
            reports.append(h.task_planner(cases).execute("bring the mug to the coffee table", now))
        assert reports[-1].success, reports[-1].to_dict()
        assert h.truly_rests_on("mug_1") == "coffee_table"
    first, second = reports
    first_looks = [s.target for s in first.trace if s.skill == "look_at" and "search" in s.detail]
    second_looks = [s.target for s in second.trace if s.skill == "look_at" and "search" in s.detail]
    assert first_looks and first_looks[0] != "desk_3", "the stale memory sent it searching the likely places"
    assert second_looks[:1] == ["desk_3"], "the case memory sends it where the mug was found last time"
    assert second.used_cases == 1
    assert second.steps < first.steps, (first.to_dict(), second.to_dict())
    with CaseMemory(cases_file) as cases:
        stored = cases.cases()
    assert len(stored) == 2 and all(c.success for c in stored)
    assert stored[0].found_at is not None and stored[0].found_at.category == "desk"


def test_a_task_that_cannot_deliver_puts_the_object_down_and_the_next_task_has_a_free_hand():
    """A task that cannot deliver ends with its reason and an empty hand.

    The wardrobe's top (1.9 m) is out of the arm's reach: the mug goes back on the counter, not left in
    the hand, so the next task does not fail with "already holding".
    """
    data = house([])
    data["world"]["furniture"].append({"id": "wardrobe", "category": "wardrobe", "room": "living_room",
                                       "at": [6.0, 4.6], "yaw": 3.14159})
    h = SimHousehold.create(data)
    try:
        h.patrol("d1 07:00")
        planner = h.task_planner()
        failed = planner.execute("bring the mug to the wardrobe", h.advance("d1 08:00"))
        assert not failed.success and failed.reason.startswith("place failed: unreachable"), failed.to_dict()
        assert failed.reason.endswith("put it down on the counter")
        assert failed.cannot == "unreachable"      # the kind a person (and the benchmark) reads
        assert h.truly_rests_on("mug_1") == "counter" and h.skills.manipulator.held_body is None
        done = planner.execute("bring the mug to the coffee table", h.advance("d1 09:00"))
        assert done.success, done.to_dict()
        assert h.truly_rests_on("mug_1") == "coffee_table"
        assert not any("already holding" in s.detail for s in done.trace)
    finally:
        h.close()


def test_a_place_that_lets_go_off_the_top_counts_as_dropped_and_the_object_is_looked_for_again():
    """A place that let go off the top leaves the hand empty: look for the object, do not place again.

    Dev households 11010, 11018: a flat thing released at the counter's edge slid off ("object did not come
    to rest on the target"); the planner still believed it held it and drove back to place again ("not holding
    anything"), one replan spent for nothing. Here the first place lets go of the mug over the floor beside
    the coffee table (real physics from there on); the next skill must be the look for it, not a place.
    """
    from robot_model.skills import REASON_NOT_ON_TARGET, SkillResult

    h = SimHousehold.create(house([]))
    try:
        h.patrol("d1 07:00")
        planner = h.task_planner()
        real_place = h.skills.place
        manipulator = h.skills.manipulator

        def lets_go_beside(position, receptacle_category=None):
            h.skills.place = real_place
            moved = h.skills.approach(position, [])
            manipulator._detach()
            manipulator.step(int(1.0 / manipulator.dt))
            return SkillResult(False, REASON_NOT_ON_TARGET, moved.path_length_m, 1.0, [])

        h.skills.place = lets_go_beside
        report = planner.execute("bring the mug to the coffee table", h.advance("d1 08:00"))
        skills = [s.skill for s in report.trace]
        first_place = skills.index("place")
        assert skills[first_place + 1] == "look_around", report.to_dict()
        assert not any(s.detail == "not holding anything" for s in report.trace), report.to_dict()
    finally:
        h.close()


def test_a_task_that_cannot_be_done_ends_with_the_kind_of_reason():
    """Too wide for the gripper: "not graspable" after one pick, not three replans; no such furniture: "not found"."""
    data = house([])
    data["world"]["objects"].append({"id": "laptop_1", "category": "laptop", "rests_on": "desk"})
    h = SimHousehold.create(data)
    try:
        h.patrol("d1 07:00")
        planner = h.task_planner()
        wide = planner.execute("bring the laptop to the coffee table", h.advance("d1 08:00"))
        assert not wide.success and wide.cannot == "not graspable", wide.to_dict()
        assert wide.reason.startswith("the laptop is not graspable"), wide.reason
        assert [s.skill for s in wide.trace].count("pick") == 1 and wide.replans == 0
        assert h.truly_rests_on("laptop_1") == "desk"
        nowhere = planner.execute("bring the mug to the bookshelf", h.advance("d1 09:00"))
        assert not nowhere.success and nowhere.cannot == "not found", nowhere.to_dict()
        assert nowhere.to_dict()["cannot"] == "not found"
    finally:
        h.close()


def test_a_fetch_that_never_sees_the_object_where_it_was_believed_ends_not_found():
    """The mug left after the patrol: the look where memory had it shows nothing, and no replan is left."""
    from perception.frame_processing import FrameProcessor
    from planners.acting.task_planning import TaskConfig, TaskPlanner

    h = SimHousehold.create(house([{"at": "d1 07:30", "remove": "mug_1"}]))
    try:
        h.patrol("d1 07:00")
        planner = TaskPlanner(h.memory, h.skills, None, config=TaskConfig(max_replans=0), processor=FrameProcessor())
        gone = planner.execute("bring the mug to the coffee table", h.advance("d1 08:00"))
        assert not gone.success and gone.cannot == "not found", gone.to_dict()
        assert gone.reason.startswith("gave up after 0 replans (last navigate_to: no mug seen at"), gone.reason
    finally:
        h.close()


def test_a_task_naming_a_kind_memory_has_none_of_does_not_carry_a_look_alike():
    """Memory holds a mug and no cup: the mug stays where it is and the task says why it is not done.

    Issue 17, household 10002: asked for the glass, the robot carried a look-alike and reported
    "ok (verified by looking)".
    """
    from perception.frame_processing import FrameProcessor
    from planners.acting.task_planning import TaskConfig, TaskPlanner

    h = SimHousehold.create(house([]))
    try:
        h.patrol("d1 07:00")
        planner = TaskPlanner(h.memory, h.skills, None, config=TaskConfig(max_replans=0), processor=FrameProcessor())
        report = planner.execute("bring the cup to the coffee table", h.advance("d1 08:00"))
        assert report.task.object_category == "cup" and report.task.stand_in == "mug"
        assert not report.success and report.cannot == "not found", report.to_dict()
        assert report.reason == "I could not find the cup (I have seen none; the nearest kind I know is the mug)"
        assert h.truly_rests_on("mug_1") == "counter"
    finally:
        h.close()
