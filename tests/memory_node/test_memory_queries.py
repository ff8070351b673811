"""Every QueryMemory kind on a real store (no ROS graph); marker layers; package paths; `memstack up` errors."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from perception.frame_processing import FrameProcessor
from perception.synthetic_stream import FLOOR_PLAN, synthetic_frames
from scene_graph.requests import QUERY_KINDS, QueryRequest, answer_query
from scene_graph.store import MemoryStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def store():
    memory = MemoryStore.open(None, FLOOR_PLAN)
    processor = FrameProcessor()
    frames = list(synthetic_frames(24))
    for frame in frames:
        memory.ingest(processor.process(frame))
    memory.first_time = frames[0].time
    yield memory
    memory.close()


def ask(store, kind, *arguments, **kw):
    return answer_query(store, QueryRequest(kind=kind, arguments=list(arguments), **kw))


def test_every_kind_answers(store):
    mug = ask(store, "locate", "mug")
    assert mug.success and mug.objects[0].category == "mug" and mug.scores[0] > 0.5
    mug_id = mug.objects[0].object_id
    history = ask(store, "history", mug_id)
    assert history.success and mug_id in history.text and history.labels
    changes = ask(store, "changes", "kitchen")  # the flat was only ever discovered: nothing changed in it
    assert changes.success and changes.value == len(changes.events) == 0
    discovered = ask(store, "changes", "kitchen", "discoveries")
    assert discovered.success and {e.category for e in discovered.events} == {"counter", "mug", "bowl"}
    contents = ask(store, "contents", "counter")
    assert sorted(o.category for o in contents.objects) == ["bowl", "mug"]
    count = ask(store, "count", "appeared", "mug")
    assert count.success and count.value == 1.0
    first = ask(store, "first_seen", "keys")
    last = ask(store, "last_seen", "keys")
    assert store.first_time <= first.value <= last.value
    never = ask(store, "first_seen", "giraffe")
    assert never.success and math.isnan(never.value) and "never" in never.text
    path = ask(store, "path", "kitchen", "living_room")
    assert path.success and len(path.labels) >= 2
    everything = ask(store, "objects")
    assert everything.value == 6.0
    past = ask(store, "objects", time=store.first_time - 10.0)
    assert past.value == 0.0
    assert set(QUERY_KINDS) >= {"locate", "history", "changes", "contents", "count", "first_seen", "last_seen",
                                "search", "path"}


def test_search_uses_the_text_embedder(store):
    hits = ask(store, "search", "something", "to", "drink", "from", max_results=3)
    assert hits.success and len(hits.objects) <= 3
    assert hits.objects[0].category in {"mug", "bowl"}


@pytest.mark.parametrize("kind,arguments,field", [
    ("locate", [], "arguments"), ("count", ["opened"], "arguments"), ("path", ["kitchen"], "arguments"),
    ("history", ["no_such_object"], "arguments"), ("teleport", ["x"], "kind"), ("locate", [" "], "arguments"),
])
def test_bad_requests_fail_naming_the_argument(store, kind, arguments, field):
    answer = ask(store, kind, *arguments)
    assert not answer.success and answer.error.startswith(field), answer.error


def test_non_finite_times_are_rejected(store):
    answer = ask(store, "locate", "mug", time=float("nan"))
    assert not answer.success and answer.error.startswith("time")


def test_markers_are_stable_per_layer_and_deleted_when_gone(store):
    from builtin_interfaces.msg import Time
    from visualization_msgs.msg import Marker

    from memory_node.scene_graph_markers import SceneGraphMarkers, stable_id

    markers = SceneGraphMarkers()
    objects = store.snapshot(None).objects
    first = markers.build(Time(), store.floor_plan, objects, store.places(), [(0, 0, 0), (1, 1, 0)])
    by_ns = {}
    for m in first.markers:
        by_ns.setdefault(m.ns, []).append(m)
    assert len(by_ns["rooms"]) == 2 and len(by_ns["objects"]) == 6 and len(by_ns["labels"]) == 6
    assert len(by_ns["trajectory"]) == 1 and by_ns["places"]
    assert {m.id for m in by_ns["objects"]} == {stable_id(o.id) for o in objects}
    again = markers.build(Time(), store.floor_plan, objects[1:])
    deleted = [m for m in again.markers if m.action == Marker.DELETE]
    gone = stable_id(objects[0].id)
    assert {(m.ns, m.id) for m in deleted} == {("objects", gone), ("labels", gone)}


def trajectory_line(markers):
    (line,) = [m for m in markers.markers if m.ns == "trajectory"]
    return [(p.x, p.y, p.z) for p in line.points]


def test_a_long_trajectory_is_drawn_with_bounded_points_recent_part_exact(store):
    from builtin_interfaces.msg import Time

    from memory_node.scene_graph_markers import SceneGraphMarkers

    path = [(0.01 * i, math.sin(0.001 * i), 0.0) for i in range(50_000)]
    markers = SceneGraphMarkers(max_trajectory_points=2000)
    drawn = trajectory_line(markers.build(Time(), store.floor_plan, [], [], path))
    assert len(drawn) <= 2000
    assert drawn[0] == path[0] and drawn[-1] == path[-1]
    assert drawn[-1000:] == path[-1000:]  # the most recent half of the budget at full resolution
    older = drawn[:-1000]
    assert len(older) > 900 and older == sorted(older)  # in order along the path
    gaps = {round(b[0] - a[0], 6) for a, b in zip(older, older[1:])}
    assert len(gaps) == 1  # decimated evenly
    earlier = trajectory_line(markers.build(Time(), store.floor_plan, [], [], path[:-5]))
    assert earlier[:len(older)] == older  # the old points drawn stay the same while the line grows


def test_a_short_trajectory_is_drawn_unchanged(store):
    from builtin_interfaces.msg import Time

    from memory_node.scene_graph_markers import SceneGraphMarkers

    path = [(0.5 * i, 0.25 * i, 0.0) for i in range(2000)]
    drawn = trajectory_line(SceneGraphMarkers(max_trajectory_points=2000).build(Time(), None, [], [], iter(path)))
    assert drawn == path
    with pytest.raises(ValueError, match="max_trajectory_points"):
        SceneGraphMarkers(max_trajectory_points=1)


def test_package_paths_find_config_and_launch():
    from memory_stack.foundation.errors import BadInputError
    from memory_stack.foundation.package_paths import default_params_file, launch_file, package_file, sim_config

    assert default_params_file() == ROOT / "config" / "memory_stack.yaml"
    assert launch_file("memory_stack.launch.py").is_file()
    assert sim_config("apartment_two_days.yaml").is_file()
    with pytest.raises(BadInputError, match="config/none.yaml"):
        package_file("config", "none.yaml")


def test_memstack_up_rejects_bad_params_scenarios_and_floor_plans(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("ingest_node: [1, 2]\n")
    done = subprocess.run([sys.executable, "-m", "memory_stack.cli", "up", "--params", str(bad)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2 and "bad.yaml" in done.stderr
    scenario = tmp_path / "s.yaml"
    scenario.write_text("scenario: x\nsurprise: 1\n")
    done = subprocess.run([sys.executable, "-m", "memory_stack.cli", "up", str(scenario)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2 and "s.yaml" in done.stderr
    floor_plan = tmp_path / "map.yaml"
    floor_plan.write_text("rooms:\n  - {name: a, polygon: [[0, 0], [1, 0], [1, 1]], floor: 2}\n")
    done = subprocess.run([sys.executable, "-m", "memory_stack.cli", "up", "--floor-plan", str(floor_plan)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2 and "map.yaml: rooms[0].floor: unknown key" in done.stderr
