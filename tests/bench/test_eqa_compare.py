"""bench.eqa_compare: the answer-by-answer witness of `memstack bench eqa`."""

from __future__ import annotations

import json

from bench.eqa_compare import compare, main


def write_results(directory, runs):
    directory.mkdir()
    (directory / "results.jsonl").write_text("".join(json.dumps(run) + "\n" for run in runs))
    return directory


def run(scenario, planner, answer="on the table", path=1.5, latency=3.0, success=True):
    return {"scenario": scenario, "planner": planner, "seed_offset": 0,
            "questions": [{"id": "q1", "answer": {"text": answer}, "correct": True, "score": 1.0,
                           "confidence": 0.9, "stopped_by": "voi", "steps": 1, "path_length_m": path,
                           "latency_ms": latency}],
            "tasks": [{"id": "t1", "success": success, "steps": 4, "path_length_m": 2.0}]}


def test_the_same_answers_at_another_speed_are_no_difference(tmp_path, capsys):
    base = write_results(tmp_path / "base", [run("flat", "voi"), run("house", "voi")])
    new = write_results(tmp_path / "new", [run("flat", "voi", latency=99.0)])  # one scenario of the two
    result = compare(base, new)
    assert (result.both, result.only_base, result.only_new, result.differing) == (2, 2, 0, [])
    assert main([str(base), str(new)]) == 0
    assert "differing: 0" in capsys.readouterr().out


def test_a_changed_answer_path_or_task_outcome_is_reported(tmp_path, capsys):
    base = write_results(tmp_path / "base", [run("flat", "voi"), run("flat", "memory-only")])
    new = write_results(tmp_path / "new", [run("flat", "voi", answer="on the sofa"),
                                           run("flat", "memory-only", path=1.6, success=False)])
    result = compare(base, new)
    assert sorted(key for key, _, _ in result.differing) == [
        ("flat", "memory-only", 0, "questions", "q1"), ("flat", "memory-only", 0, "tasks", "t1"),
        ("flat", "voi", 0, "questions", "q1")]
    assert main([str(base), str(new)]) == 1
    assert "on the sofa" in capsys.readouterr().out


def test_a_directory_that_is_not_an_eqa_output_is_exit_2_naming_it(tmp_path, capsys):
    base = write_results(tmp_path / "base", [run("flat", "voi")])
    assert main([str(base), str(tmp_path / "missing")]) == 2
    assert "missing/results.jsonl" in capsys.readouterr().err
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "results.jsonl").write_text('{"scenario": "flat"}\n')
    assert main([str(base), str(broken)]) == 2
    assert "line 1" in capsys.readouterr().err
