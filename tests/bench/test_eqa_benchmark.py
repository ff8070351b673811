"""`memstack bench eqa` end to end on the tiny scenario: every planner scored, table and plot written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
PLANNER_KEYS = {"accuracy", "score_spl", "mean_path_length_m", "by_type"}


@pytest.mark.slow
def test_bench_eqa_scores_every_planner_and_writes_table_and_plot(tmp_path):
    out = tmp_path / "eqa"
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    proc = subprocess.run([str(Path(sys.executable).parent / "memstack"), "bench", "eqa", "--scenarios",
                           str(DATA / "tiny_room.yaml"), "--out", str(out), "--json"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    document = json.loads(proc.stdout)
    assert set(document["planners"]) == {"voi", "explore-all", "memory-only"}
    for name, stats in document["planners"].items():
        assert PLANNER_KEYS <= set(stats), (name, PLANNER_KEYS - set(stats))
        assert 0.0 <= stats["accuracy"] <= 1.0 and 0.0 <= stats["score_spl"] <= 1.0
        assert sum(t["n"] for t in stats["by_type"].values()) == 4  # tiny_room asks four questions
    planners = document["planners"]
    assert planners["memory-only"]["mean_path_length_m"] == 0.0
    assert planners["explore-all"]["mean_path_length_m"] >= planners["voi"]["mean_path_length_m"]
    assert planners["explore-all"]["mean_path_length_m"] > 0.0
    assert len(document["runs"]) == 3 and not document["failed"]
    table = (out / "eqa.md").read_text()
    assert "| voi |" in table and "| explore-all |" in table and "| memory-only |" in table
    assert (out / "accuracy_vs_path.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "eqa.json").read_text())["planners"] == document["planners"]
