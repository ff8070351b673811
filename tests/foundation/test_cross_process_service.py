"""A memory_interfaces service across processes: memory_server in one process, a client in another, over DDS."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from memory_node.child_processes import stop_child_process

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "sim_configs" / "apartment_two_days.yaml"


def prepare_memory(db: Path) -> None:
    """Ingest rendered-like frames into the SQLite file the server will open (no ROS involved)."""
    from perception.frame_processing import FrameProcessor
    from perception.synthetic_stream import FLOOR_PLAN, synthetic_frames
    from scene_graph.store import MemoryStore

    processor = FrameProcessor()
    with MemoryStore.open(db, FLOOR_PLAN) as store:
        for frame in synthetic_frames(12):
            store.ingest(processor.process(frame))


def stop(process: subprocess.Popen) -> None:
    stop_child_process(process, signal.SIGINT, timeout_s=10.0)


def test_query_memory_between_two_processes(ros_domain, tmp_path):
    db = tmp_path / "memory.db"
    prepare_memory(db)
    env = dict(os.environ)
    server = subprocess.Popen(  # the executable's own option, then the ROS arguments
        [sys.executable, "-m", "memory_node.memory_server", "--executor", "multi-threaded", "--ros-args",
         "-p", f"db_path:={db}", "-p", f"floor_plan_file:={SCENARIO}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        client = subprocess.run(
            [sys.executable, "-m", "memory_node.query_client", "locate", "mug", "--wait", "30"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert client.returncode == 0, client.stdout + client.stderr
        answer = json.loads(client.stdout.strip().splitlines()[-1])
        assert answer["success"]
        best = answer["objects"][0]
        assert best["category"] == "mug" and best["room"] == "kitchen"
        assert best["position"] == pytest.approx([1.0, 0.6, 0.96], abs=0.1)
        assert best["rests_on"].startswith("counter")
        assert "mug" in answer["text"]
        wrong = subprocess.run(
            [sys.executable, "-m", "memory_node.query_client", "fly", "mug", "--wait", "30"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        refused = json.loads(wrong.stdout.strip().splitlines()[-1])
        assert not refused["success"] and refused["error"].startswith("kind:")
        assert server.poll() is None, "the server must keep serving after a bad request"
    finally:
        stop(server)
    assert server.returncode == 0, server.stderr.read()[-2000:]


def test_a_node_executable_refuses_an_unknown_executor(ros_domain):
    done = subprocess.run([sys.executable, "-m", "memory_node.memory_server", "--executor", "static"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--executor" in done.stderr and "static" in done.stderr
