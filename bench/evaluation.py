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

from sim.scenario import FurnitureSpec, Question, Scenario, distance_to_polygon_boundary, point_in_polygon
from sim.scenario_time import parse_time

REST_ON_TOLERANCE_M = 0.5
TIME_TOLERANCE_S = 3600.0

_PAST_CUES = re.compile(r"\b(was|were|did|yesterday|ago|this morning|last night|at d\d|earlier|before)\b", re.I)
_CHANGE_CUES = re.compile(r"\b(chang|differen|new|moved in|happened)\w*", re.I)
_STATE_CUES = re.compile(r"\b(open|opened|closed|shut)\b", re.I)
_FIRST_CUES = re.compile(r"\b(first|earliest)\b", re.I)


@dataclass(frozen=True)
class Score:
    correct: bool
    score: float
    detail: str = ""


def question_type(question: Question) -> str:
    """The question form, from the expected answer's shape and the wording (independent of the planner)."""
    expected, text = question.answer, question.ask
    if isinstance(expected, dict) and "rests_on" in expected:
        return "past_location" if _PAST_CUES.search(text) else "present_location"
    if isinstance(expected, dict) and "room" in expected:
        return "room_of"
    if isinstance(expected, dict) and "time" in expected:
        return "first_seen" if _FIRST_CUES.search(text) else "last_seen"
    if isinstance(expected, bool):
        return "object_state" if _STATE_CUES.search(text) and "house" not in text.lower() else "still_present"
    if isinstance(expected, int):
        return "count"
    if isinstance(expected, list):
        return "changes" if _CHANGE_CUES.search(text) else "contents"
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
        reported = value if isinstance(value, list) else []
        f1 = category_f1([str(v) for v in reported], [str(v) for v in expected])
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
