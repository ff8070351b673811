"""Scoring of every expected-answer form, question types of the shipped scenarios, and score_spl."""

from __future__ import annotations

import glob
import math
import re
from pathlib import Path

import pytest

from bench.evaluation import (
    REST_ON_TOLERANCE_M,
    category_f1,
    nearest_furniture,
    question_type,
    score_answer,
    score_spl,
)
from memory_stack.foundation.time_format import parse_time
from sim.scenario import Question, load_scenario

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
SHIPPED = sorted(p for p in glob.glob(str(REPO / "sim_configs" / "*.yaml")) if not p.endswith("ontology.yaml"))


@pytest.fixture(scope="module")
def tiny():
    return load_scenario(DATA / "tiny_room.yaml")


def _question(ask: str, answer) -> Question:
    q = Question(id="q", at="d1 10:00", ask=ask, answer=answer)
    q.time = parse_time("d1 10:00")
    return q


def _answer(value=None, position=None, room=None) -> dict:
    return {"text": "", "value": value, "position": position, "room": room, "rests_on_category": None}


def _edge_point_outside(furniture, gap_m: float) -> tuple[float, float]:
    """A point `gap_m` beyond the middle of the furniture's first footprint edge, away from its centre."""
    (x1, y1), (x2, y2) = furniture.footprint()[0], furniture.footprint()[1]
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    dx, dy = mx - furniture.at[0], my - furniture.at[1]
    norm = math.hypot(dx, dy)
    return mx + dx / norm * gap_m, my + dy / norm * gap_m


# --- rests_on: nearest furniture, 0.5 m rule -----------------------------------------------------

def test_rests_on_position_on_the_furniture_is_correct(tiny):
    q = _question("Where is the mug?", {"rests_on": "table"})
    table = tiny.furniture_by_id()["table"]
    score = score_answer(tiny, q, _answer(position=[table.at[0], table.at[1], 0.8]))
    assert score.correct and score.score == 1.0
    assert "table" in score.detail


def test_rests_on_within_half_a_metre_of_the_footprint_counts(tiny):
    q = _question("Where is the mug?", {"rests_on": "counter"})
    counter = tiny.furniture_by_id()["counter"]
    near = _edge_point_outside(counter, REST_ON_TOLERANCE_M - 0.1)
    far = _edge_point_outside(counter, REST_ON_TOLERANCE_M + 0.2)
    assert nearest_furniture(tiny, *near)[0].id == "counter"
    assert score_answer(tiny, q, _answer(position=[*near, 0.9])).correct
    far_score = score_answer(tiny, q, _answer(position=[*far, 0.9]))
    assert not far_score.correct and far_score.score == 0.0


def test_rests_on_nearest_other_furniture_is_wrong(tiny):
    q = _question("Where is the mug?", {"rests_on": "counter"})
    sink = tiny.furniture_by_id()["sink"]
    score = score_answer(tiny, q, _answer(position=[sink.at[0], sink.at[1], 0.9]))
    assert not score.correct
    assert "sink" in score.detail


def test_rests_on_without_position_is_wrong(tiny):
    q = _question("Where is the mug?", {"rests_on": "counter"})
    score = score_answer(tiny, q, _answer(position=None))
    assert not score.correct and score.detail == "no position reported"


def test_nearest_furniture_distance_is_zero_inside_and_grows_outside(tiny):
    fridge = tiny.furniture_by_id()["fridge"]
    found, distance = nearest_furniture(tiny, fridge.at[0], fridge.at[1])
    assert found.id == "fridge" and distance == 0.0
    point = _edge_point_outside(fridge, 0.3)
    found, distance = nearest_furniture(tiny, *point)
    assert found.id == "fridge" and distance == pytest.approx(0.3, abs=1e-6)


# --- room, including none ------------------------------------------------------------------------

def test_room_answers(tiny):
    q = _question("Which room is the towel in?", {"room": "bathroom"})
    assert score_answer(tiny, q, _answer(room="bathroom")).correct
    assert not score_answer(tiny, q, _answer(room="kitchen")).correct
    assert not score_answer(tiny, q, _answer(room=None)).correct


def test_room_none_means_not_found(tiny):
    q = _question("Which room are the keys in?", {"room": "none"})
    assert score_answer(tiny, q, _answer(room=None)).correct
    assert score_answer(tiny, q, _answer(room="none")).correct
    assert not score_answer(tiny, q, _answer(room="kitchen")).correct


# --- integers and booleans -----------------------------------------------------------------------

def test_integer_must_be_equal_and_not_a_bool(tiny):
    q = _question("How many times was the fridge opened?", 1)
    assert score_answer(tiny, q, _answer(value=1)).correct
    assert not score_answer(tiny, q, _answer(value=2)).correct
    assert not score_answer(tiny, q, _answer(value=True)).correct
    assert not score_answer(tiny, q, _answer(value="1")).correct
    assert not score_answer(tiny, q, _answer(value=None)).correct


def test_zero_count(tiny):
    q = _question("How many times was the fridge opened?", 0)
    assert score_answer(tiny, q, _answer(value=0)).correct
    assert not score_answer(tiny, q, _answer(value=False)).correct


def test_boolean_must_be_equal_and_a_bool(tiny):
    q = _question("Is the fridge open?", False)
    assert score_answer(tiny, q, _answer(value=False)).correct
    assert not score_answer(tiny, q, _answer(value=True)).correct
    assert not score_answer(tiny, q, _answer(value=0)).correct
    assert not score_answer(tiny, q, _answer(value=None)).correct


# --- lists: F1 over category multisets -----------------------------------------------------------

def test_list_exact_match_in_any_order(tiny):
    q = _question("What is on the table?", ["apple", "bowl", "mug"])
    score = score_answer(tiny, q, _answer(value=["mug", "apple", "bowl"]))
    assert score.correct and score.score == 1.0


def test_list_partial_credit(tiny):
    q = _question("What is on the table?", ["apple", "bowl", "mug"])
    missing_one = score_answer(tiny, q, _answer(value=["apple", "bowl"]))
    assert not missing_one.correct
    assert missing_one.score == pytest.approx(0.8)  # precision 1, recall 2/3
    one_extra = score_answer(tiny, q, _answer(value=["apple", "bowl", "mug", "book"]))
    assert not one_extra.correct
    assert one_extra.score == pytest.approx(2 * 0.75 * 1.0 / 1.75)
    assert score_answer(tiny, q, _answer(value=["sofa"])).score == 0.0


def test_list_is_a_multiset():
    assert category_f1(["book"], ["book", "book"]) == pytest.approx(2 / 3)
    assert category_f1(["book", "book"], ["book", "book"]) == 1.0


def test_empty_lists(tiny):
    q = _question("What is on the meeting table?", [])
    assert score_answer(tiny, q, _answer(value=[])).correct
    dont_know = score_answer(tiny, q, _answer(value=None))  # "I don't know" is not "nothing"
    assert not dont_know.correct and dont_know.score == 0.0
    assert not score_answer(tiny, q, _answer(value=["mug"])).correct
    nonempty = _question("What is on the table?", ["mug"])
    assert score_answer(tiny, nonempty, _answer(value=None)).score == 0.0


# --- times, with tolerance -----------------------------------------------------------------------

def test_time_within_default_tolerance_of_an_hour(tiny):
    q = _question("When did you first see the book?", {"time": "d1 18:00"})
    assert score_answer(tiny, q, _answer(value=parse_time("d1 18:00"))).correct
    assert score_answer(tiny, q, _answer(value=parse_time("d1 18:55"))).correct
    assert score_answer(tiny, q, _answer(value=parse_time("d1 17:05"))).correct
    assert not score_answer(tiny, q, _answer(value=parse_time("d1 19:30"))).correct
    assert not score_answer(tiny, q, _answer(value=None)).correct


def test_time_with_explicit_tolerance(tiny):
    q = _question("When did you last see the banana?", {"time": "d2 08:00", "tolerance_min": 10})
    assert score_answer(tiny, q, _answer(value=parse_time("d2 08:09"))).correct
    assert not score_answer(tiny, q, _answer(value=parse_time("d2 08:15"))).correct


# --- question types ------------------------------------------------------------------------------

def _type_from_wording(ask: str) -> str:
    """An independent reading of the shipped question forms, by their opening words."""
    text = ask.lower()
    rules = [
        (r"^what (colou?r|size)", "attribute"),
        (r"^where were you", "robot_location"),
        (r"^when did you (last )?(enter|leave)", "robot_visit"),
        (r"^what did you (do|put|place|pick)", "robot_actions"),
        (r"^where can i|^what can i use", "affordance"),
        (r"^did you see", "exists"),
        (r"^what is between", "relation"),
        (r"^how many (?!times)", "object_count"),
        (r"^how many times", "count"),
        (r"^when did you first", "first_seen"),
        (r"^when did you last", "last_seen"),
        (r"still in the house", "still_present"),
        (r"^what changed", "changes"),
        (r"^what is (on|in)", "contents"),
        (r"^which room", "room_of"),
        (r"^(is|are) .* open\?$", "object_state"),
        (r"^where (was|were|did)", "past_location"),
        (r"^where (is|are|can)", "present_location"),
    ]
    return next(kind for pattern, kind in rules if re.search(pattern, text))


def test_every_shipped_question_gets_the_type_its_wording_says():
    assert SHIPPED, "no scenarios in sim_configs/"
    seen_types = set()
    for path in SHIPPED:
        for q in load_scenario(path).questions:
            got = question_type(q)
            assert got == _type_from_wording(q.ask), f"{Path(path).name} {q.id}: {q.ask!r} typed {got}"
            seen_types.add(got)
    assert seen_types == {"present_location", "past_location", "room_of", "contents", "object_state", "count",
                          "still_present", "changes", "first_seen", "last_seen",
                          # docs/QUESTIONS.md's forms (studio_new_forms_one_day)
                          "attribute", "object_count", "exists", "robot_location", "robot_visit", "relation",
                          "affordance", "robot_actions"}


@pytest.mark.parametrize("ask, answer, expected_type", [
    ("Where can I find my keys?", {"rests_on": "sofa"}, "present_location"),
    ("where did the cup sit yesterday morning?", {"rests_on": "counter"}, "past_location"),
    ("Where were the keys 5 hours ago?", {"rests_on": "counter"}, "past_location"),
    ("Which room are the keys in?", {"room": "none"}, "room_of"),
    ("Was the fridge closed?", True, "object_state"),
    ("Is the mug still in the house?", True, "still_present"),
    ("How often were the keys moved?", 2, "count"),
    ("When was the parcel seen for the first time?", {"time": "d1 10:00"}, "first_seen"),
    ("When did you last see the tablet?", {"time": "d1 10:00"}, "last_seen"),
    ("What is new in the kitchen since this morning?", ["mug"], "changes"),
    ("What is in the bathroom?", ["towel"], "contents"),
    ("What colour is the mug?", {"colour": "red"}, "attribute"),
    ("How many mugs are in the kitchen?", 2, "object_count"),
    ("Did you see a bicycle?", False, "exists"),
    ("Where were you at d1 10:00?", {"room": "kitchen"}, "robot_location"),
    ("When did you leave the kitchen?", {"time": "d1 10:00"}, "robot_visit"),
    ("What is next to the sofa?", ["lamp"], "relation"),
    ("What is nearest to the fridge?", ["sink"], "relation"),
    ("Where can I make coffee?", {"room": "kitchen"}, "affordance"),
])
def test_paraphrases_get_sensible_types(ask, answer, expected_type):
    assert question_type(_question(ask, answer)) == expected_type


def test_attribute_answers_are_scored_by_name():
    q = _question("What colour is the mug?", {"colour": "red"})
    assert score_answer(None, q, _answer(value="Red")).correct
    assert not score_answer(None, q, _answer(value="blue")).correct
    assert not score_answer(None, q, _answer(value=["red", "blue"])).correct
    assert not score_answer(None, q, _answer(value=None)).correct


def test_tiny_scenarios_cover_several_question_types():
    types = {question_type(q) for path in sorted(DATA.glob("tiny*.yaml")) for q in load_scenario(path).questions}
    assert {"present_location", "past_location", "room_of", "contents"} <= types


# --- score_spl -----------------------------------------------------------------------------------

def test_score_spl_formula():
    assert score_spl(False, 0.0, 0.0) == 0.0
    assert score_spl(False, 3.0, 3.0) == 0.0
    assert score_spl(True, 0.0, 0.0) == 1.0
    assert score_spl(True, 4.0, 0.0) == pytest.approx(1.0 / 5.0)
    assert score_spl(True, 9.0, 4.0) == pytest.approx(5.0 / 10.0)
    assert score_spl(True, 4.0, 4.0) == 1.0
    assert score_spl(True, 2.0, 4.0) == 1.0  # driving less than L* is capped at 1


def test_score_spl_decreases_with_path_driven():
    values = [score_spl(True, length, 1.5) for length in (1.5, 3.0, 6.0, 12.0)]
    assert values == sorted(values, reverse=True)
    assert all(0.0 < v <= 1.0 for v in values)
