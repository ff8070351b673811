"""`memstack demo` on the tiny fetch scenario: every output written, and the recorded session replays."""

from __future__ import annotations

import json
import struct
import subprocess
from collections import Counter
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _categories(db: Path) -> Counter:
    from scene_graph.store import MemoryStore

    with MemoryStore.open(db) as memory:
        return Counter(o.category for o in memory.objects())


@pytest.fixture(scope="module")
def demo(tmp_path_factory, memstack) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("demo") / "out"
    proc = memstack("demo", "--out", out, "--scenario", DATA / "tiny_fetch.yaml", "--json", cwd=out.parent, timeout=300)
    return proc, out


@pytest.mark.slow
def test_demo_writes_every_output(demo):
    proc, out = demo
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("report.md", "results.json", "memory.db", "session/metadata.yaml", "map.png", "timeline.png"):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    assert json.loads(proc.stdout) == results  # --json: the one document on stdout is results.json
    assert results["scenario"] == "tiny_fetch" and results["planner"] == "voi"
    assert len(results["questions"]) == 3 and len(results["tasks"]) == 1
    assert results["summary"]["frames_ingested"] > 0

    report = (out / "report.md").read_text()
    assert report.startswith("# memstack demo: tiny_fetch")
    for q in results["questions"]:
        assert q["ask"] in report
    assert "bring the mug to the table" in report
    assert "(map.png)" in report and "(timeline.png)" in report

    for picture in ("map.png", "timeline.png"):
        width, height = _png_size(out / picture)
        assert width >= 300 and height >= 200
        assert (out / picture).stat().st_size > 10_000, f"{picture} looks empty"
    (mcap,) = (out / "session").glob("*.mcap")  # a rosbag2 directory with MCAP storage
    assert mcap.read_bytes()[:8] == b"\x89MCAP0\r\n"
    from rosbags.rosbag2 import Reader  # what `ros2 bag play` needs: rosbag2 metadata and every message readable

    with Reader(out / "session") as bag:
        topics = {c.topic: c.msgcount for c in bag.connections}
        assert bag.message_count == sum(topics.values()) == sum(1 for _ in bag.messages()) > 0
    assert {"/camera/color/image_raw", "/odom", "/tf", "/tf_static"} <= set(topics), topics
    assert topics["/tf_static"] == 1 and topics["/tf"] == topics["/odom"] == results["summary"]["frames_ingested"]
    assert "patrol kitchen" in proc.stderr  # progress goes to stderr


@pytest.mark.slow
def test_demo_memory_holds_what_the_robot_saw(demo):
    _, out = demo
    categories = _categories(out / "memory.db")
    assert {"counter", "table", "fridge", "mug", "apple", "bowl"} <= set(categories)


@pytest.mark.slow
def test_demo_session_replays_into_the_same_memory(demo, tmp_path, memstack):
    _, out = demo
    replay_db = tmp_path / "replay.db"
    proc = memstack("replay", out / "session", "--db", replay_db, "--json", cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    document = json.loads(proc.stdout)
    assert document["frames_rejected"] == 0
    # every frame the live run wrote (patrols, question looks, the task's frames) is in the bag and replayed
    live = json.loads((out / "results.json").read_text())["summary"]
    assert document["frames_ingested"] == live["frames_ingested"] > 0
    assert set(_categories(replay_db)) == set(_categories(out / "memory.db"))
