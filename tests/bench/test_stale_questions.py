"""The timeline-defined "stale" bucket, the generated stale probes and the staleness reliability table."""

from __future__ import annotations

import copy

import pytest

from bench.eqa_benchmark import calibration_table, planner_statistics, staleness_calibration
from bench.evaluation import (
    is_stale_question,
    last_scheduled_look,
    moved_unobserved,
    place_at,
    question_subjects,
    stale_probe_questions,
)
from memory_stack.foundation.time_format import parse_time
from sim.scenario import scenario_from_dict

HOUSE = {
    "scenario": "stale_house",
    "world": {
        "rooms": [{"name": "kitchen", "polygon": [[0, 0], [5, 0], [5, 4], [0, 4]]},
                  {"name": "living_room", "polygon": [[5, 0], [11, 0], [11, 5], [5, 5]]},
                  {"name": "bedroom", "polygon": [[0, 4], [5, 4], [5, 8], [0, 8]]}],
        "doors": [{"rooms": ["kitchen", "living_room"], "at": [5.0, 2.0], "width": 1.0},
                  {"rooms": ["kitchen", "bedroom"], "at": [2.5, 4.0], "width": 1.0}],
        "furniture": [{"id": "counter", "category": "counter", "room": "kitchen", "at": [1.0, 0.6]},
                      {"id": "coffee_table", "category": "table", "room": "living_room", "at": [8.0, 2.5]},
                      {"id": "shelf", "category": "shelf", "room": "living_room", "at": [10.0, 4.0]},
                      {"id": "nightstand", "category": "nightstand", "room": "bedroom", "at": [0.5, 7.5]}],
        "objects": [{"id": "mug_1", "category": "mug", "rests_on": "counter"},
                    {"id": "keys_1", "category": "keys", "rests_on": "coffee_table"},
                    {"id": "book_1", "category": "book", "rests_on": "shelf"},
                    {"id": "book_2", "category": "book", "rests_on": "shelf"},
                    {"id": "remote_1", "category": "remote", "rests_on": "coffee_table"},
                    {"id": "apple_1", "category": "apple", "rests_on": "counter"}],
    },
    "robot": {"start": {"at": [2.5, 2.0]}},
    "timeline": [
        {"at": "d1 09:00", "move": "mug_1", "to": "coffee_table"},    # seen by the 12:00 patrol
        {"at": "d1 10:30", "move": "apple_1", "to": "nightstand"},    # seen leaving by the kitchen watch
        {"at": "d1 14:00", "move": "keys_1", "to": "shelf"},          # after the last look: stale
        {"at": "d1 15:00", "move": "book_1", "to": "counter"},        # stale, but two books: no probe
        {"at": "d1 16:00", "remove": "remote_1"},                     # left unobserved
        {"at": "d1 17:00", "add": {"id": "pen_1", "category": "pen", "rests_on": "counter"}},  # never seen
    ],
    "observe": [
        {"at": "d1 07:00", "patrol": "all"},
        {"from": "d1 10:00", "to": "d1 11:00", "watch": "kitchen", "period_s": 1800},
        {"at": "d1 12:00", "patrol": ["living_room"]},
    ],
    "questions": [
        {"id": "q1", "at": "d1 18:00", "ask": "Where are the keys?", "answer": {"rests_on": "shelf"}},
        {"id": "q2", "at": "d1 18:00", "ask": "Where is the mug?", "answer": {"rests_on": "coffee_table"}},
        {"id": "q3", "at": "d1 18:00", "ask": "Where was the mug at d1 08:00?", "answer": {"rests_on": "counter"}},
    ],
}


@pytest.fixture
def house():
    return scenario_from_dict(copy.deepcopy(HOUSE), source="<stale house>")


def test_place_at_plays_the_timeline(house):
    assert place_at(house, "mug_1", parse_time("d1 08:59")) == "counter"
    assert place_at(house, "mug_1", parse_time("d1 09:00")) == "coffee_table"
    assert place_at(house, "remote_1", parse_time("d1 18:00")) is None
    assert place_at(house, "pen_1", parse_time("d1 16:00")) is None
    assert place_at(house, "pen_1", parse_time("d1 18:00")) == "counter"


def test_last_scheduled_look_follows_patrols_and_watches(house):
    t = parse_time("d1 18:00")
    # The 12:00 patrol covered only the living room, where the mug was by then.
    assert last_scheduled_look(house, "mug_1", t) == parse_time("d1 12:00")
    # The kitchen watch saw the apple until it left at 10:30 (the living room was not watched).
    assert last_scheduled_look(house, "apple_1", t) == pytest.approx(parse_time("d1 10:30"), abs=1.0)
    assert last_scheduled_look(house, "pen_1", t) is None


def test_moved_unobserved_is_a_move_after_the_last_look(house):
    t = parse_time("d1 18:00")
    assert not moved_unobserved(house, "mug_1", t)
    assert moved_unobserved(house, "keys_1", t)
    assert moved_unobserved(house, "book_1", t) and not moved_unobserved(house, "book_2", t)
    assert moved_unobserved(house, "remote_1", t)
    assert moved_unobserved(house, "apple_1", t), "the watch saw it leave, not where it went"
    assert not moved_unobserved(house, "pen_1", t), "never seen: not stale"


def test_stale_questions_are_present_tense_questions_about_such_objects(house):
    q1, q2, q3 = house.questions
    assert question_subjects(house, q1) == ["keys_1"]
    assert is_stale_question(house, q1)
    assert not is_stale_question(house, q2), "the mug's move was seen"
    assert not is_stale_question(house, q3), "a past question is never stale"


def test_probes_ask_about_unambiguous_objects_that_moved_or_left_unobserved(house):
    probes = {p.ask: p for p in stale_probe_questions(house)}
    assert set(probes) == {"Where is the apple?", "Is the remote still in the house?"}
    assert probes["Where is the apple?"].answer == {"rests_on": "nightstand"}
    assert probes["Is the remote still in the house?"].answer is False
    assert all(p.time == parse_time("d1 18:00") for p in probes.values())
    assert all(p.id.startswith("probe_") for p in probes.values())


def _question(qtype: str, correct: bool, stale: bool, path: float = 0.0) -> dict:
    return {"type": qtype, "correct": correct, "stale": stale, "memory_only_correct": not stale,
            "score_spl": float(correct), "path_length_m": path, "stopped_by": "voi", "latency_ms": 10.0}


def test_buckets_count_stale_questions_and_probes_apart():
    run = {"planner": "voi", "questions": [_question("present_location", True, True, 4.0),
                                           _question("present_location", False, False),
                                           _question("room_of", False, True)],
           "probes": [_question("present_location", True, True, 6.0)]}
    stats = planner_statistics([run])["voi"]
    assert stats["n"] == 3 and stats["accuracy"] == pytest.approx(1 / 3, abs=1e-3)
    assert stats["present_location_stale"] == {"accuracy": 1.0, "n": 1, "path_length_m": 4.0}
    assert stats["present_stale"]["n"] == 2 and stats["present_stale"]["accuracy"] == 0.5
    assert stats["probes"]["n"] == 1 and stats["stale_with_probes"]["n"] == 3


def test_reliability_table_bins_predictions_against_outcomes():
    present = ([{"kind": "present", "outcome": True, "mobility_prior": 0.95, "learned_rate": 0.99}] * 8
               + [{"kind": "present", "outcome": False, "mobility_prior": 0.6, "learned_rate": 0.99}] * 2)
    absent = [{"kind": "absent", "outcome": False, "mobility_prior": 0.4, "learned_rate": 0.9}] * 3
    calibration = staleness_calibration([{"staleness_samples": present + absent}])
    stay = calibration["present"]
    assert stay["n"] == 10 and stay["outcome_rate"] == 0.8
    mobile = {tuple(r["bin"]): r for r in stay["mobility_prior"]["bins"]}
    assert mobile[(0.95, 0.99)]["n"] == 8 and mobile[(0.95, 0.99)]["observed"] == 1.0
    assert mobile[(0.5, 0.7)]["observed"] == 0.0
    learned = stay["learned_rate"]
    assert learned["bins"][0]["n"] == 10 and learned["bins"][0]["observed"] == 0.8
    assert stay["mobility_prior"]["brier"] < learned["brier"]
    assert learned["mean_predicted_when_false"] == pytest.approx(0.99)
    gone = calibration["absent"]
    assert gone["n"] == 3 and gone["outcome_rate"] == 0.0
    assert gone["mobility_prior"]["brier"] == pytest.approx(0.16)
    assert gone["learned_rate"]["brier"] == pytest.approx(0.81)
    table = calibration_table(calibration)
    assert "P(still where last seen): 10 samples" in table and "P(out of the house | seen leaving): 3 samples" in table
