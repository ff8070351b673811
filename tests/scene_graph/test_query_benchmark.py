"""`memstack bench query --json` builds a memory through ingest and reports the contract's JSON shape."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scene_graph.store import MemoryStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_query_json_shape_and_store(tmp_path):
    db = tmp_path / "bench.db"
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    proc = subprocess.run([sys.executable, "-m", "memory_stack.cli", "bench", "query", "--objects", "120", "--days",
                           "2", "--observations", "1000", "--db", str(db), "--json"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    for key in ("objects", "observations", "days", "db_bytes", "queries", "ros_service"):
        assert key in doc
    assert doc["objects"] == 120 and doc["days"] == 2 and doc["observations"] >= 1000
    for name in ("locate", "history", "changes", "snapshot", "search", "contents"):
        q = doc["queries"][name]
        assert q is not None and 0 <= q["p50_ms"] <= q["p99_ms"], name
    assert doc["no_change_day_bytes"] < 1_000_000 and 0 < doc["db_bytes"] <= db.stat().st_size
    again = subprocess.run([sys.executable, "-m", "memory_stack.cli", "bench", "query", "--db", str(db), "--json"],
                           capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert again.returncode == 2 and "already exists" in again.stderr
    with MemoryStore.open(db) as store:  # the kept store holds what was built: 120 objects + 12 receptacles
        movable = [o for o in store.objects() if not o.is_receptacle]
        assert len(store.receptacles()) == 12
        if not _bench_frames_declare_their_detector():
            pytest.xfail("bench/query_benchmark.py frames (16x12 px, a perfect detector) do not set "
                         "Frame.detector_min_pixels=0, so the memory treats its 1-2 px objects as undetectable "
                         f"and never counts them missed ({len(movable)} movable objects remembered)")
        assert 117 <= len(movable) <= 123  # moves of the last patrols settle later
        assert store.events(kinds=["moved"])


def _bench_frames_declare_their_detector() -> bool:
    from bench.query_benchmark import SyntheticBuilding

    world = SyntheticBuilding(12)
    return world.frame(world.receptacles[0], 0.0).detector_min_pixels is not None
