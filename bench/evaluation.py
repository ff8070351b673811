"""Scoring of answers and tasks against the world's truth (specs/scenario.md, "Expected answers").

Evaluation is the only code that reads ground truth: the scenario's expected answers and the
furniture layout, and the simulator's final state for tasks. Nothing in perception/, scene_graph/
or planners/ imports this module.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from memory_stack.foundation.time_format import parse_time
from sim.scenario import FurnitureSpec, Question, Scenario, distance_to_polygon_boundary, point_in_polygon

REST_ON_TOLERANCE_M = 0.5
TIME_TOLERANCE_S = 3600.0

_PAST_CUES = re.compile(r"\b(was|were|did|yesterday|ago|this morning|last night|at d\d|earlier|before)\b", re.I)
_CHANGE_CUES = re.compile(r"\b(chang|differen|new|moved in|happened)\w*", re.I)
_STATE_CUES = re.compile(r"\b(open|opened|closed|shut)\b", re.I)
_FIRST_CUES = re.compile(r"\b(first|earliest)\b", re.I)
# The forms docs/QUESTIONS.md adds to the scenario spec, told apart by wording like the ones above.
ATTRIBUTE_KEYS = ("colour", "size", "material", "shape")
_ROBOT_CUES = re.compile(r"\b(where|which room|what room) (were|was|are|is) (you|the robot)\b", re.I)
_VISIT_CUES = re.compile(r"\bwhen did you (last |first )?(enter|leave|left|exit|visit|go|come|arrive|walk)\b", re.I)
_ACTION_CUES = re.compile(r"^\s*(what|where|which \w+) (did|have) you (do|done|put|place|set|pick|take|grab|open|"
                          r"close)\b", re.I)
_EXISTS_CUES = re.compile(r"^\s*(did you (ever )?(see|notice|spot)|is there|are there)\b", re.I)
_OBJECT_COUNT_CUES = re.compile(r"^\s*how many\b(?!.*\b(times?|often)\b)", re.I)
_RELATION_CUES = re.compile(r"\b(next to|beside|left of|right of|above|below|under|underneath|between|near|nearest|"
                            r"closest to)\b", re.I)
_IDENTIFY_CUES = re.compile(r"^\s*(what|which) (is the \w+ (thing|object|item)|\w+ (thing|object|item) is)\b", re.I)
_AFFORD_CUES = re.compile(r"\b(where|what) (can|could|should) (i|we)\b|\bwhat can i use\b", re.I)


@dataclass(frozen=True)
class Score:
    correct: bool
    score: float
    detail: str = ""


def question_type(question: Question) -> str:
    """The question form, from the expected answer's shape and the wording (independent of the planner)."""
    expected, text = question.answer, question.ask
    if isinstance(expected, dict) and any(key in expected for key in ATTRIBUTE_KEYS):
        return "attribute"
    if isinstance(expected, dict) and "rests_on" in expected:
        return "past_location" if _PAST_CUES.search(text) else "present_location"
    if isinstance(expected, dict) and "room" in expected:
        if _ROBOT_CUES.search(text):
            return "robot_location"
        return "affordance" if _AFFORD_CUES.search(text) else "room_of"
    if isinstance(expected, dict) and "time" in expected:
        if _VISIT_CUES.search(text):
            return "robot_visit"
        return "first_seen" if _FIRST_CUES.search(text) else "last_seen"
    if isinstance(expected, bool):
        if _EXISTS_CUES.search(text):
            return "exists"
        return "object_state" if _STATE_CUES.search(text) and "house" not in text.lower() else "still_present"
    if isinstance(expected, int):
        return "object_count" if _OBJECT_COUNT_CUES.search(text) else "count"
    if isinstance(expected, list):
        if _ACTION_CUES.search(text):
            return "robot_actions"
        if _AFFORD_CUES.search(text):
            return "affordance"
        if _CHANGE_CUES.search(text):
            return "changes"
        if _IDENTIFY_CUES.search(text):
            return "identify"
        return "relation" if _RELATION_CUES.search(text) else "contents"
    return "other"


def nearest_furniture(scenario: Scenario, x: float, y: float) -> tuple[FurnitureSpec | None, float]:
    """The furniture whose footprint is nearest to (x, y) (0 inside it), and that distance."""
    best, best_distance = None, math.inf
    for furniture in scenario.world.furniture:
        footprint = furniture.footprint()
        distance = 0.0 if point_in_polygon((x, y), footprint) else distance_to_polygon_boundary((x, y), footprint)
        if distance < best_distance:
            best, best_distance = furniture, distance
    return best, best_distance


def score_answer(scenario: Scenario, question: Question, answer: dict[str, Any]) -> Score:
    """Score one reported answer (the `answer` object of specs/cli.md) against the expected value."""
    expected = question.answer
    value = answer.get("value")
    if isinstance(expected, dict) and any(key in expected for key in ATTRIBUTE_KEYS):
        key = next(key for key in ATTRIBUTE_KEYS if key in expected)
        want = str(expected[key]).lower()
        ok = isinstance(value, str) and value.lower() == want
        return Score(ok, float(ok), f"{key} {value!r}")
    if isinstance(expected, dict) and "rests_on" in expected:
        position = answer.get("position")
        if position is None:
            return Score(False, 0.0, "no position reported")
        furniture, distance = nearest_furniture(scenario, float(position[0]), float(position[1]))
        ok = furniture is not None and furniture.id == expected["rests_on"] and distance <= REST_ON_TOLERANCE_M
        found = furniture.id if furniture is not None else "nothing"
        return Score(ok, float(ok), f"nearest furniture {found} at {distance:.2f} m")
    if isinstance(expected, dict) and "room" in expected:
        reported = answer.get("room") or "none"
        want = str(expected["room"])
        ok = reported == want
        return Score(ok, float(ok), f"room {reported}")
    if isinstance(expected, dict) and "time" in expected:
        if value is None:
            return Score(False, 0.0, "no time reported")
        tolerance = float(expected.get("tolerance_min", TIME_TOLERANCE_S / 60.0)) * 60.0
        error = abs(float(value) - parse_time(expected["time"]))
        ok = error <= tolerance
        return Score(ok, float(ok), f"time off by {error / 60.0:.0f} min")
    if isinstance(expected, bool):
        ok = isinstance(value, bool) and value == expected
        return Score(ok, float(ok), f"value {value!r}")
    if isinstance(expected, int):
        ok = isinstance(value, int) and not isinstance(value, bool) and value == expected
        return Score(ok, float(ok), f"value {value!r}")
    if isinstance(expected, list):
        if not isinstance(value, list):
            return Score(False, 0.0, "no list reported")  # "I don't know" is not "nothing"
        f1 = category_f1([str(v) for v in value], [str(v) for v in expected])
        return Score(f1 == 1.0, f1, f"F1 {f1:.2f}")
    return Score(False, 0.0, f"unsupported expected answer {expected!r}")


def category_f1(reported: list[str], expected: list[str]) -> float:
    """F1 between category multisets; two empty lists agree perfectly."""
    if not reported and not expected:
        return 1.0
    overlap = sum((Counter(reported) & Counter(expected)).values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(reported)
    recall = overlap / len(expected)
    return 2 * precision * recall / (precision + recall)


def score_spl(correct: bool, path_length_m: float, shortest_sufficient_m: float) -> float:
    """SPL-style score: correct x (L* + 1) / (max(L, L*) + 1), as in specs/cli.md."""
    if not correct:
        return 0.0
    return (shortest_sufficient_m + 1.0) / (max(path_length_m, shortest_sufficient_m) + 1.0)


# ----------------------------------------------------------------------------- staleness from the timeline
# What the robot's own schedule (`observe`) let it see, against what the timeline did. A question is
# "stale" when its object moved (or left) after the last scheduled look at the room it was in: memory
# alone then holds an out-of-date place. Looks made while answering earlier questions are planner
# behaviour, not part of this definition, so the bucket is the same for every planner.

def placements(scenario: Scenario, object_id: str) -> list[tuple[float, str | None]]:
    """(time, furniture id or None when not in the house) for `object_id`, in time order from -inf."""
    initial = next((o.rests_on for o in scenario.world.objects if o.id == object_id), None)
    steps: list[tuple[float, str | None]] = [(-math.inf, initial)]
    for event in sorted(scenario.timeline, key=lambda e: e.time):
        if event.target != object_id:
            continue
        if event.kind == "move":
            steps.append((event.time, event.to))
        elif event.kind == "remove":
            steps.append((event.time, None))
        elif event.kind == "add":
            steps.append((event.time, event.add.rests_on))
    return steps


def place_at(scenario: Scenario, object_id: str, t: float) -> str | None:
    """The furniture `object_id` rests on at time `t` by the timeline (None: not in the house)."""
    place = None
    for time, where in placements(scenario, object_id):
        if time <= t:
            place = where
    return place


def _room_of(scenario: Scenario, furniture_id: str | None) -> str | None:
    furniture = scenario.furniture_by_id().get(furniture_id) if furniture_id else None
    return furniture.room if furniture is not None else None


def last_scheduled_look(scenario: Scenario, object_id: str, t: float) -> float | None:
    """The latest time <= t at which the schedule (patrols, watches) showed the object's place.

    A patrol at s shows the rooms it visits; a watch of room r over [s, e] shows every change there,
    so an object that left r during the watch was last shown just before it left.
    """
    rooms = scenario.room_names()
    changes = [time for time, _ in placements(scenario, object_id)[1:]]
    best: float | None = None
    for entry in scenario.observe:
        if entry.start > t:
            continue
        covered = set(entry.rooms(rooms))
        if entry.kind == "patrol":
            moments = [entry.start]
        else:
            end = min(entry.end, t)
            moments = [end] + [c - 1e-3 for c in changes if entry.start < c <= end]
        for moment in moments:
            place = place_at(scenario, object_id, moment)
            if place is not None and _room_of(scenario, place) in covered and (best is None or moment > best):
                best = moment
    return best


def moved_unobserved(scenario: Scenario, object_id: str, t: float) -> bool:
    """True when the object's place at `t` differs from where the schedule last showed it."""
    seen = last_scheduled_look(scenario, object_id, t)
    return seen is not None and place_at(scenario, object_id, seen) != place_at(scenario, object_id, t)


def _category_words(category: str) -> str:
    return category.replace("_", " ").lower()


def _all_object_ids(scenario: Scenario) -> list[str]:
    ids = [o.id for o in scenario.world.objects]
    ids += [e.add.id for e in scenario.timeline if e.kind == "add"]
    return ids


def _category_of(scenario: Scenario, object_id: str) -> str | None:
    for o in scenario.world.objects:
        if o.id == object_id:
            return o.category
    return next((e.add.category for e in scenario.timeline if e.kind == "add" and e.add.id == object_id), None)


def question_subjects(scenario: Scenario, question: Question) -> list[str]:
    """Object ids a question is about: those whose category the text names.

    For a location answer, the ones resting on the expected furniture at the time asked about, when any does.
    """
    text = " " + re.sub(r"[^a-z ]", " ", question.ask.lower()) + " "
    named = [i for i in _all_object_ids(scenario)
             if re.search(rf"\b{re.escape(_category_words(_category_of(scenario, i) or ''))}s?\b", text)]
    expected = question.answer
    if isinstance(expected, dict) and "rests_on" in expected:
        there = [i for i in named if place_at(scenario, i, question.time) == expected["rests_on"]]
        return there or named
    return list(dict.fromkeys(named))


PRESENT_TYPES = ("present_location", "room_of", "still_present")


def is_stale_question(scenario: Scenario, question: Question) -> bool:
    """A present-tense question about an object that moved or left since the schedule last showed it."""
    if question_type(question) not in PRESENT_TYPES:
        return False
    return any(moved_unobserved(scenario, i, question.time) for i in question_subjects(scenario, question))


def stale_probe_questions(scenario: Scenario) -> list[Question]:
    """Extra present-location questions generated from the timeline, asked after the scenario's own.

    At the time of the scenario's last question, for every object that moved or left unobserved
    (`moved_unobserved`), whose category no other object in the house shares (so "the <category>"
    names it) and that no shipped present-tense question already asks about: "Where is the X?"
    (expected: where it rests now) or, when it left, "Is the X still in the house?" (expected: no).
    """
    if not scenario.questions:
        return []
    t = max(q.time for q in scenario.questions)
    asked = {i for q in scenario.questions if question_type(q) in PRESENT_TYPES for i in question_subjects(scenario, q)}
    known = [i for i in _all_object_ids(scenario) if last_scheduled_look(scenario, i, t) is not None]
    in_house = [i for i in _all_object_ids(scenario) if place_at(scenario, i, t) is not None]
    probes = []
    for object_id in known:
        category = _category_of(scenario, object_id) or ""
        same = [i for i in set(in_house) | set(known) if _category_of(scenario, i) == category]
        if object_id in asked or len(same) != 1 or not moved_unobserved(scenario, object_id, t):
            continue
        words = _category_words(category)
        verb = "are" if words.endswith("s") and not words.endswith("ss") else "is"
        place = place_at(scenario, object_id, t)
        if place is None:
            ask, answer = f"{'Are' if verb == 'are' else 'Is'} the {words} still in the house?", False
        else:
            ask, answer = f"Where {verb} the {words}?", {"rests_on": place}
        probe = Question(id=f"probe_{object_id}", at=t, ask=ask, answer=answer)
        probe.time = t
        probes.append(probe)
    return probes
