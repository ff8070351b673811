"""Batch runs on a real local Ray with 2 workers: crashed workers are reported and retried once."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench.batch_runner import BatchJob, expand_jobs, run_batch, summary_markdown
from memory_stack.foundation.errors import BadInputError

PLANNERS = ("voi", "explore-all", "memory-only")  # the benchmark's planners when none is named

DATA = Path(__file__).resolve().parent / "data"
REPO = Path(__file__).resolve().parents[2]


def test_expand_jobs_is_scenarios_x_planners_x_seeds():
    jobs = expand_jobs([str(DATA / "tiny*.yaml")], None, seeds=2)
    scenarios = sorted(str(p) for p in DATA.glob("tiny*.yaml"))
    assert len(jobs) == len(scenarios) * len(PLANNERS) * 2
    assert {j.scenario for j in jobs} == set(scenarios)
    assert {j.planner for j in jobs} == set(PLANNERS)
    assert {j.seed for j in jobs} == {0, 1}
    assert len({j.name for j in jobs}) == len(jobs)
    assert not any(j.injected_crashes for j in jobs)


def test_expand_jobs_skips_the_ontology_and_duplicates():
    jobs = expand_jobs([str(REPO / "sim_configs" / "*.yaml"), str(REPO / "sim_configs" / "studio_one_day.yaml")],
                       ["voi"], seeds=1)
    names = [Path(j.scenario).name for j in jobs]
    assert "ontology.yaml" not in names
    assert len(names) == len(set(names))


@pytest.mark.parametrize("patterns, planners, seeds, needle", [
    (["/nonexistent/dir/*.yaml"], None, 1, "/nonexistent/dir/*.yaml"),
    ([str(DATA / "tiny_room.yaml")], ["greedy"], 1, "--planner"),
    ([str(DATA / "tiny_room.yaml")], None, 0, "--seeds"),
])
def test_expand_jobs_bad_input(patterns, planners, seeds, needle):
    with pytest.raises(BadInputError, match=None) as info:
        expand_jobs(patterns, planners, seeds)
    assert needle in str(info.value)


def test_crash_injection_counts():
    assert BatchJob("a.yaml", "voi", 0).injected_crashes == 0
    assert BatchJob("a.yaml", "voi", 0, crash_first_attempt=True).injected_crashes == 1
    assert BatchJob("a.yaml", "voi", 0, crash_attempts=2).injected_crashes == 2


@pytest.mark.slow
def test_batch_on_local_ray_survives_worker_crashes(tmp_path, monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    crash_once = BatchJob(str(DATA / "tiny_room.yaml"), "memory-only", 0, crash_first_attempt=True)
    crash_always = BatchJob(str(DATA / "tiny_room.yaml"), "memory-only", 1, crash_attempts=2)
    normal = BatchJob(str(DATA / "tiny_fetch.yaml"), "memory-only", 0)
    finished = []
    report = run_batch([crash_once, crash_always, normal], tmp_path, workers=2,
                       progress=lambda job, result: finished.append(job.name))

    crashes = [(c["job"], c["attempt"]) for c in report.crashes]
    assert sorted(crashes) == sorted([(crash_once.name, 1), (crash_always.name, 1), (crash_always.name, 2)])
    assert all(c["error"] for c in report.crashes)

    assert report.failures == [{"job": crash_always.name, "error": "worker crashed twice"}]
    by_name = {r["job"]: r for r in report.results}
    assert set(by_name) == {crash_once.name, normal.name}
    assert sorted(finished) == sorted(by_name)
    assert by_name[crash_once.name]["attempts"] == 2
    assert by_name[normal.name]["attempts"] == 1
    for result in report.results:
        assert result["planner"] == "memory-only" and result["questions"]
        assert result["summary"]["frames_ingested"] > 0
        assert all(q["path_length_m"] == 0.0 for q in result["questions"])
    assert (tmp_path / "memory" / f"{crash_once.name}.db").stat().st_size > 0

    lines = (tmp_path / "results.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["scenario"] for line in lines) == ["tiny_fetch", "tiny_room"]

    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["jobs"] == 3 and summary["succeeded"] == 2
    assert [f["job"] for f in summary["failed"]] == [crash_always.name]
    assert len(summary["crashes"]) == 3
    planner = summary["planners"]["memory-only"]
    assert planner["runs"] == 2
    assert planner["questions"] == sum(len(r["questions"]) for r in report.results)
    assert sum(t["n"] for t in planner["by_type"].values()) == planner["questions"]
    assert {"present_location", "count"} <= set(planner["by_type"])
    assert planner["mean_path_length_m"] == 0.0

    markdown = (tmp_path / "summary.md").read_text()
    assert markdown == summary_markdown(summary)
    assert "| memory-only | 2 |" in markdown
    assert crash_once.name in markdown and crash_always.name in markdown
    assert "Failed jobs: " + crash_always.name in markdown
    assert len(json.loads((tmp_path / "jobs.json").read_text())) == 3
    assert os.environ.get("RAY_ADDRESS") is None


@pytest.mark.slow
def test_a_rerun_starts_from_no_past_task_executions(tmp_path):
    """A job's memory is rebuilt from scratch on a rerun into the same directory, and so is its case memory."""
    import sqlite3

    from bench.batch_runner import _run_job
    from planners.acting.case_memory import CaseMemory, TaskCase

    job = BatchJob(str(DATA / "tiny_room.yaml"), "memory-only", 0)
    stale = tmp_path / "memory" / f"{job.name}.cases.sqlite"
    stale.parent.mkdir()
    with CaseMemory(stale) as cases:
        cases.record(TaskCase("fetch:mug->counter", "bring the mug to the counter", "mug", "counter", 0.0, True,
                              1, 0, 0.0))
    result = _run_job(job, str(tmp_path))
    assert result["questions"]
    with sqlite3.connect(stale) as db:
        assert db.execute("SELECT COUNT(*) FROM task_cases WHERE task = 'bring the mug to the counter'").fetchone() \
            == (0,)
