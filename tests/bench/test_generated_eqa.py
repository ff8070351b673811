"""bench eqa --generated: households with independently varied knobs, the per-planner table with Wilson intervals."""

from __future__ import annotations

from collections import Counter
from itertools import combinations, product

import pytest

from bench.generated_eqa import CLUTTER, DAYS, NOISE, ROOMS, household_knobs, markdown, summarise
from bench.statistics import wilson_interval


def _q(correct: bool, form: str = "present_location", stale: bool = False, path: float = 1.0) -> dict:
    return {"correct": correct, "type": form, "stale": stale, "score_spl": 1.0 if correct else 0.0,
            "path_length_m": path}


def test_knobs_vary_independently_so_no_knob_table_is_another_in_disguise():
    knobs = [household_knobs(k) for k in range(36)]
    values = {"rooms": set(ROOMS), "clutter": set(CLUTTER), "noise": set(NOISE), "days": set(DAYS)}
    for first, second in combinations(values, 2):
        for block in (knobs[:18], knobs[18:]):
            pairs = Counter((getattr(k, first), getattr(k, second)) for k in block)
            assert set(pairs) == set(product(values[first], values[second])), (first, second)
            assert len(set(pairs.values())) == 1, f"{first} x {second} unbalanced: {pairs}"
    nine = knobs[:9]   # a run stopped after 9 households has seen every value of every 3-level knob 3 times
    for name in ("rooms", "clutter", "noise"):
        assert Counter(getattr(k, name) for k in nine) == {v: 3 for v in values[name]}


def test_summary_counts_rates_buckets_and_aborted_runs():
    knobs = {"h1": {"clutter": 0.3, "noise": "none", "days": 1, "rooms": 2},
             "h2": {"clutter": 0.9, "noise": "low", "days": 2, "rooms": 3}}
    runs = [
        {"scenario": "h1", "planner": "voi", "questions": [_q(True), _q(True, stale=True)],
         "tasks": [{"success": True, "done": False, "reported_success": True}], "skipped_events": [{"kind": "move"}]},
        {"scenario": "h2", "planner": "voi", "questions": [_q(False, "contents"), _q(True, stale=True)],
         "tasks": [{"success": False, "reason": "place failed: unreachable", "done": True, "reported_success": False},
                   {"success": True, "expected": "unreachable", "reason": "place failed: unreachable"},
                   {"success": False, "expected": "not found", "reason": "gave up after 3 replans (last pick"}]},
        {"scenario": "h1", "planner": "explore-all", "questions": [_q(True, path=4.0)] * 2,
         "tasks": [{"success": True, "done": False, "expected": "unreachable", "labelled": "done",
                    "reason": "gave up after 3 replans (last pick: unreachable)", "reported_success": False}]},
    ]
    summary = summarise(runs, knobs, [{"job": "h2__explore-all__s0", "error": "boom"}], expected_runs=4)
    voi = summary["planners"]["voi"]
    assert voi["accuracy"] == wilson_interval(3, 4).as_dict()
    assert voi["present_location_moved_unseen"]["n"] == 2 and voi["present_location_moved_unseen"]["rate"] == 1.0
    assert voi["by_form"]["contents"]["rate"] == 0.0
    assert voi["by_knob"]["clutter"]["0.3"]["n"] == 2 and voi["by_knob"]["clutter"]["0.9"]["rate"] == 0.5
    # tasks that can be done count toward task success; the others toward "said why", by kind too
    assert voi["task_success"]["rate"] == 0.5 and voi["task_success"]["n"] == 2
    assert voi["task_cannot_said_why"]["rate"] == 0.5 and voi["task_cannot_said_why"]["n"] == 2
    assert voi["task_success_by_expected"]["unreachable"]["rate"] == 1.0
    assert voi["task_success_by_expected"]["not found"]["rate"] == 0.0
    assert voi["task_failures"] == {"place failed": 1, "gave up after 3 replans (last pick": 1}
    # a report is scored against the truth: "done" while the goal does not hold is a false success
    assert voi["task_reports"]["false_success"] == 1 and voi["task_reports"]["done_unconfirmed"] == 1
    assert voi["task_reports"]["agrees"]["n"] == 2 and voi["task_reports"]["agrees"]["rate"] == 0.0
    assert voi["skipped_events"] == 1 and voi["total_path_length_m"] == 4.0
    assert summary["aborted_runs"] == 1
    # a fetch labelled doable but judged out of the arm's reach when it started: "said why", and counted apart
    explore = summary["planners"]["explore-all"]
    assert explore["task_cannot_said_why"]["n"] == 1 and explore["task_success"]["n"] == 0
    assert explore["tasks_judged_out_of_reach"] == 1 and explore["task_success_labelled_doable"]["rate"] == 0.0
    assert voi["tasks_judged_out_of_reach"] == 0 and voi["task_success_labelled_doable"]["n"] == 2
    table = markdown(summary)
    assert "aborted runs: 1" in table and "| voi | 0.750 [" in table and "| 0.50 |" in table
    assert "| not found | 0.000 [" in table and "| unreachable | 1.000 [" in table
    assert "voi: 1 false success, 1 done but not confirmed" in table


def test_runs_that_never_came_back_count_as_aborted():
    summary = summarise([], {"h1": {}}, [], expected_runs=3)
    assert summary["aborted_runs"] == 3


@pytest.mark.parametrize("k", [0, 7])
def test_generated_households_of_the_set_validate(tmp_path, k):
    from sim.generation.household import generate_household
    from sim.scenario import scenario_from_dict

    scenario = scenario_from_dict(generate_household(5000 + k, household_knobs(k)), "x")
    assert 2 <= len(scenario.room_names()) <= 4 and scenario.questions


def test_a_run_stopped_early_is_summarised_on_the_households_every_planner_finished(tmp_path, capsys):
    import json

    from bench.generated_eqa import main

    (tmp_path / "knobs.json").write_text(json.dumps({h: {"clutter": 0.3, "noise": "none", "days": 1, "rooms": 2}
                                                     for h in ("h1", "h2", "h3")}))
    runs = [{"scenario": "h1", "planner": p, "questions": [_q(True)], "tasks": []} for p in ("voi", "memory-only")]
    runs.append({"scenario": "h2", "planner": "voi", "questions": [_q(False)], "tasks": []})
    (tmp_path / "results.jsonl").write_text("\n".join(json.dumps(r) for r in runs) + "\n")
    assert main([str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "generated.json").read_text())
    assert summary["planners"]["voi"]["accuracy"]["n"] == 1 and summary["aborted_runs"] == 0
    assert summary["stopped_early"] == {"households_generated": 3, "households_finished": 1}
    assert "the 1 of 3 generated households every planner finished" in capsys.readouterr().out
