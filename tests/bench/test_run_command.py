"""`memstack run` through the console script: one JSON document in the specs/cli.md shape; bad input exit 2."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
QUESTION_KEYS = {"id", "ask", "type", "answer", "expected", "correct", "score", "confidence", "stopped_by", "steps",
                 "path_length_m", "latency_ms"}
ANSWER_KEYS = {"text", "value", "position", "room", "rests_on_category"}
TASK_KEYS = {"id", "do", "success", "steps", "path_length_m", "replans"}
SUMMARY_KEYS = {"accuracy", "mean_path_length_m", "task_success_rate"}



@pytest.fixture(scope="module")
def fetch_run(tmp_path_factory, memstack) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("run_out")
    return memstack("run", DATA / "tiny_fetch.yaml", "--planner", "memory-only", "--json", "--out", out, cwd=out,
                    timeout=240), out


@pytest.mark.slow
def test_run_json_is_one_document_with_the_documented_keys(fetch_run):
    proc, out = fetch_run
    assert proc.returncode == 0, proc.stderr[-2000:]
    document = json.loads(proc.stdout)  # raises if stdout holds anything but one JSON document
    assert document["scenario"] == "tiny_fetch"
    assert document["planner"] == "memory-only"
    assert [q["id"] for q in document["questions"]] == ["f1", "f2", "f3"]
    for q in document["questions"]:
        assert QUESTION_KEYS <= set(q), QUESTION_KEYS - set(q)
        assert ANSWER_KEYS <= set(q["answer"]), ANSWER_KEYS - set(q["answer"])
        assert isinstance(q["correct"], bool)
        assert 0.0 <= q["score"] <= 1.0 and 0.0 <= q["confidence"] <= 1.0
        assert q["path_length_m"] == 0.0, "memory-only never drives"
        assert q["latency_ms"] >= 0.0
    assert {q["type"] for q in document["questions"]} == {"object_state", "count", "still_present"}
    assert [q["expected"] for q in document["questions"]] == [False, 1, True]
    [task] = document["tasks"]
    assert TASK_KEYS <= set(task), TASK_KEYS - set(task)
    assert task["id"] == "t1" and task["do"] == "bring the mug to the table"
    assert isinstance(task["success"], bool)
    summary = document["summary"]
    assert SUMMARY_KEYS <= set(summary)
    assert summary["accuracy"] == pytest.approx(sum(q["correct"] for q in document["questions"]) / 3, abs=1e-3)
    assert summary["mean_path_length_m"] == 0.0
    assert summary["task_success_rate"] == float(task["success"])
    assert summary["frames_ingested"] > 0
    assert json.loads((out / "results.json").read_text())["questions"] == document["questions"]
    assert (out / "memory.db").stat().st_size > 0


@pytest.mark.slow
def test_run_scores_what_the_robot_watched(fetch_run):
    """The robot watched the fridge open and close once; memory alone answers the state and count questions.

    From the watch viewpoint one view of each look cuts the shut fridge at the image border (perception
    must not read it open), and the opening is seen in border-cut views only (it must still read open,
    in two views of the one look made while it was open: the memory believes a new state after two).
    """
    document = json.loads(fetch_run[0].stdout)
    by_id = {q["id"]: q for q in document["questions"]}
    assert by_id["f1"]["answer"]["value"] is False and by_id["f1"]["correct"]
    assert by_id["f2"]["answer"]["value"] == 1 and by_id["f2"]["correct"]
    assert by_id["f3"]["correct"]


def test_missing_scenario_file_is_exit_2_naming_it(tmp_path, memstack):
    missing = tmp_path / "nowhere.yaml"
    proc = memstack("run", missing, "--json", cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and str(missing) in lines[0], proc.stderr


@pytest.mark.parametrize("edit, field", [
    (lambda text: text.replace("seed: 7\n", "seed: 7\nweather: rainy\n"), "weather"),
    (lambda text: text.replace("{id: apple_1, category: apple, rests_on: table}",
                               "{id: apple_1, category: apple, rests_on: tabel}"), "world.objects[1].rests_on"),
    (lambda text: text.replace("answer: false}", "answer: false, hint: x}"), "questions[0]"),
])
def test_bad_scenario_is_exit_2_naming_file_and_field(tmp_path, edit, field, memstack):
    bad = tmp_path / "bad_scenario.yaml"
    text = (DATA / "tiny_fetch.yaml").read_text()
    changed = edit(text)
    assert changed != text
    bad.write_text(changed)
    proc = memstack("run", bad, "--json", cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert str(bad) in lines[0] and field in lines[0]


def test_existing_db_is_refused_and_kept(tmp_path, memstack):
    db = tmp_path / "memory.db"
    db.write_bytes(b"precious")
    proc = memstack("run", DATA / "tiny_fetch.yaml", "--db", db, "--json", cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    assert "--db" in proc.stderr and str(db) in proc.stderr
    assert db.read_bytes() == b"precious"


@pytest.mark.slow
def test_a_task_that_cannot_be_done_is_right_when_the_robot_says_why(tmp_path):
    """A laptop is wider than the gripper: "not graspable" scores the task right; any other reason would not."""
    import yaml

    from bench.scenario_runner import run_scenario
    from sim.scenario import scenario_from_dict

    document = yaml.safe_load((DATA / "tiny_fetch.yaml").read_text())
    document["world"]["objects"].append({"id": "laptop_1", "category": "laptop", "rests_on": "table"})
    document["questions"] = []
    document["tasks"] = [{"id": "t1", "at": "d1 09:30", "do": "bring the laptop to the counter",
                          "goal": {"category": "laptop", "rests_on": "counter", "cannot": "not graspable"}},
                         {"id": "t2", "at": "d1 10:00", "do": "bring the laptop to the counter",
                          "goal": {"category": "laptop", "rests_on": "counter", "cannot": "unreachable"}}]
    result = run_scenario(scenario_from_dict(document), planner="memory-only", db_path=tmp_path / "memory.db")
    said_why, other_why = result["tasks"]
    assert said_why["cannot"] == "not graspable" and not said_why["done"] and not said_why["reported_success"]
    assert said_why["success"] and said_why["expected"] == "not graspable", said_why
    assert other_why["cannot"] == "not graspable" and not other_why["success"], other_why
