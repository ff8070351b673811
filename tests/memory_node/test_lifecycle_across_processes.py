"""Every memory node as its own process under a namespace, driven from this process over DDS.

The nodes are started exactly as `ros2 launch memory_stack memory_stack.launch.py namespace:=robot1
separate_ingest:=true autostart:=false params_file:=...` starts them (memory_node.launch_plan; the
`launch` package itself is not on PyPI), with a params file keyed by bare node names. This process
is their lifecycle manager: configure / activate / deactivate / cleanup through the lifecycle
services, list / get / set parameters through the parameter services.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

pytest.importorskip("rclpy")

from memory_node.child_processes import stop_child_process  # noqa: E402
from memory_node.message_conversion import sensor_frame_messages  # noqa: E402
from memory_node.synthetic_frame_publisher import create_publishers, publish_frame, wait_for_subscribers  # noqa: E402
from memory_stack.foundation.package_paths import default_params_file  # noqa: E402
from perception.synthetic_stream import synthetic_frames  # noqa: E402

from .node_harness import SCENARIO, LifecycleClient, call_service, plan_command, wait_until  # noqa: E402

TINY_ROOM = Path(__file__).resolve().parents[1] / "bench" / "data" / "tiny_room.yaml"

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "planners"))

from household_memory import two_room_memory  # noqa: E402


def bare_keyed_params(tmp_path: Path, db: Path, **extra: object) -> Path:
    """The packaged params file (keys: bare node names) with this test's memory file."""
    content = yaml.safe_load(default_params_file().read_text())
    for section in content.values():
        section["ros__parameters"].update({"db_path": str(db), **extra})
    path = tmp_path / "robot_params.yaml"
    path.write_text(yaml.safe_dump(content))
    return path


def remembered_household(db: Path) -> Path:
    store, _ = two_room_memory(db)
    store.close()
    return db


def objects_query(client_node, namespace: str, max_results: int = 0):
    from memory_interfaces.srv import QueryMemory

    request = QueryMemory.Request(kind="objects", arguments=[], max_results=max_results)
    return call_service(client_node, QueryMemory, f"{namespace}/query_memory", request, 30.0)


def start(command: list[str]) -> subprocess.Popen:
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stopped(process: subprocess.Popen) -> str:
    """Stop a node process (SIGINT, as ros2 launch does) and return its stderr."""
    stop_child_process(process)
    return process.communicate()[1] or ""


def goal_result(client_node, action_type, name: str, goal, result_timeout_s: float):
    """The result of one action goal, or None when the server rejected it."""
    import rclpy
    from rclpy.action import ActionClient

    client = ActionClient(client_node, action_type, name)
    try:
        assert client.wait_for_server(timeout_sec=30.0)
        future = client.send_goal_async(goal)
        rclpy.spin_until_future_complete(client_node, future, timeout_sec=30.0)
        handle = future.result()
        if not handle.accepted:
            return None
        result = handle.get_result_async()
        rclpy.spin_until_future_complete(client_node, result, timeout_sec=result_timeout_s)
        return result.result().result
    finally:
        client.destroy()


def answer(client_node, namespace: str, question: str):
    from memory_interfaces.action import AnswerQuestion

    return goal_result(client_node, AnswerQuestion, f"{namespace}/answer_question",
                       AnswerQuestion.Goal(question=question), 120.0)


def heard(node, topic: str) -> list:
    """Odometry messages received on `topic` by `node` (spun by the caller)."""
    from nav_msgs.msg import Odometry

    messages: list = []
    node.create_subscription(Odometry, topic, messages.append, 10)
    return messages


def spin_for(node, seconds: float) -> None:
    import rclpy

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.05)


def spin_until(node, condition, timeout_s: float) -> bool:
    import rclpy

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not condition():
        rclpy.spin_once(node, timeout_sec=0.05)
    return bool(condition())


def navigate(client_node, namespace: str):
    """A short NavigateToPose goal to the simulator; its result, or None when the goal was rejected."""
    from memory_node.robot.robot_actions import robot_action_types

    action = robot_action_types().navigate_to_pose
    goal = action.Goal()
    goal.pose.header.frame_id = "map"
    goal.pose.pose.position.x, goal.pose.pose.position.y, goal.pose.pose.orientation.w = 4.0, 2.0, 1.0
    return goal_result(client_node, action, f"{namespace}/navigate_to_pose", goal, 60.0)


@pytest.mark.slow
def test_separate_processes_under_a_namespace_driven_by_an_outside_lifecycle_manager(ros_domain, tmp_path):
    import rclpy

    from memory_node.launch_plan import plan_nodes

    db = remembered_household(tmp_path / "robot1.db")
    params = bare_keyed_params(tmp_path, db)
    arguments = {"namespace": "robot1", "separate_ingest": "true", "autostart": "false", "params_file": str(params)}
    plan = plan_nodes(arguments)
    assert [n.executable for n in plan] == ["memory_server", "ingest_node", "planner_server"]
    # the simulator as use_sim:=true starts it (its scenario is not this memory's floor plan: only its node is taken)
    sim_spec = plan_nodes(arguments | {"use_sim": "true", "scenario": str(TINY_ROOM)})[-1]
    assert sim_spec.executable == "sim_node"
    # no camera frames: they would go into this memory (ingest_node listens in the same namespace)
    plan.append(dataclasses.replace(sim_spec, parameters=[*sim_spec.parameters, {"camera_rate_hz": 0.0}]))
    processes = {spec.name: start(plan_command(spec, "robot1")) for spec in plan}
    rclpy.init()
    node = rclpy.create_node("outside_lifecycle_manager")
    odometry = heard(node, "/robot1/odom")
    try:
        clients = {name: LifecycleClient(node, f"/robot1/{name}") for name in processes}
        for name, client in clients.items():
            assert client.state() == "unconfigured", f"{name}: autostart:=false leaves it to the manager"
            assert {"autostart", "use_sim_time"} <= set(client.list_parameters()), name
            if name == "sim_node":
                continue
            assert "db_path" in client.list_parameters(), name
            assert client.get("db_path") == str(db), f"{name}: the bare-keyed params file reached /robot1/{name}"
            refused = client.set("db_path", str(tmp_path / "elsewhere.db"))
            assert not refused.successful and "read-only" in refused.reason, (name, refused.reason)
        assert not (ROOT / "memory.db").exists() or (ROOT / "memory.db").stat().st_mtime < time.time() - 600

        ingest, server, planner = clients["ingest_node"], clients["memory_server"], clients["planner_server"]
        sim = clients["sim_node"]
        assert sim.get("scenario") == str(TINY_ROOM)
        refused = sim.set("scenario", str(SCENARIO))
        assert not refused.successful and "read-only" in refused.reason, "loaded at configure: refused, not ignored"
        assert sim.set("max_linear_speed", 0.3).successful and sim.get("max_linear_speed") == 0.3
        assert not sim.set("max_linear_speed", -1.0).successful, "out of its declared range"
        assert ingest.set("sync_slop_s", 0.5).successful is False, "read at configure: refused, not ignored"
        assert ingest.set("work_queue_size", 4).successful and ingest.get("work_queue_size") == 4
        for client in (ingest, server, planner, sim):
            assert client.transition("configure"), client.fqn
            assert client.state() == "inactive"

        inactive = objects_query(node, "/robot1")
        assert not inactive.success and "not active" in inactive.error, "an inactive server answers nothing"
        assert answer(node, "/robot1", "Where is the mug?") is None, "inactive planner rejects goals"
        assert navigate(node, "/robot1") is None, "inactive sim_node rejects goals"
        spin_for(node, 1.0)
        assert not odometry, "inactive sim_node publishes nothing"
        for client in (ingest, server, planner, sim):
            assert client.transition("activate"), client.fqn
            assert client.state() == "active"
        assert spin_until(node, lambda: odometry, 20.0), "active sim_node publishes odometry"
        moved = navigate(node, "/robot1")
        assert moved is not None and not moved.error_msg, "active sim_node accepts goals and drives"

        everything = objects_query(node, "/robot1")
        assert everything.success and len(everything.objects) >= 3, everything.error
        assert server.set("max_results", 2).successful
        assert len(objects_query(node, "/robot1").objects) == 2, "max_results applies at run time"
        assert not server.set("max_results", 0).successful, "out of its declared range"

        wrong = planner.set("default_planner", "teleport")
        assert not wrong.successful and "memory-only" in wrong.reason, wrong.reason
        assert planner.set("default_planner", "memory-only").successful
        result = answer(node, "/robot1", "Where is the mug?")
        assert result is not None and result.stopped_by == "memory-only" and "counter" in result.answer.lower()

        for client in (sim, planner, server, ingest):
            assert client.transition("deactivate"), client.fqn
        assert not objects_query(node, "/robot1").success
        spin_for(node, 0.5)
        odometry.clear()
        spin_for(node, 1.0)
        assert not odometry, "deactivated sim_node publishes nothing"
        for client in (sim, planner, server, ingest):
            assert client.transition("cleanup"), client.fqn
            assert client.state() == "unconfigured"
        assert wait_until(lambda: not node.count_publishers("/robot1/memory/events"), 10.0), \
            "cleanup destroyed what configure created"
        assert wait_until(lambda: not node.count_publishers("/robot1/odom"), 10.0), "sim_node's too"
        assert sim.transition("configure") and sim.state() == "inactive", "sim_node loads its world again"
        assert server.transition("configure") and server.state() == "inactive", "configurable again"
        for name, process in processes.items():
            assert process.poll() is None, (name, process.communicate()[1][-2000:])
    finally:
        node.destroy_node()
        rclpy.shutdown()
        errors = {name: stopped(process) for name, process in processes.items()}
    for name, err in errors.items():
        assert "Traceback" not in err, (name, err[-3000:])


def test_a_node_under_a_namespace_that_gets_no_parameters_refuses_to_run_on_defaults(ros_domain, tmp_path):
    params = bare_keyed_params(tmp_path, tmp_path / "never.db")
    done = subprocess.run([sys.executable, "-m", "memory_node.memory_server", "--ros-args", "-r", "__ns:=/robot9",
                           "--params-file", str(params)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "/robot9/memory_server" in done.stderr and "/**/memory_server" in done.stderr
    assert not (tmp_path / "memory.db").exists() and not (tmp_path / "never.db").exists()


def test_planner_server_with_no_memory_behind_it_does_not_come_up(ros_domain, tmp_path):
    done = subprocess.run([sys.executable, "-m", "memory_node.planner_server", "--ros-args", "-p",
                           f"db_path:={tmp_path / 'missing.db'}", "-p", "memory_wait_s:=1.0"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "missing.db" in done.stderr and "no memory there" in done.stderr
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.slow
def test_two_namespaced_stacks_on_one_domain_keep_and_serve_their_own_memory(ros_domain, tmp_path):
    import rclpy

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    robots = {"robot_a": remembered_household(tmp_path / "a" / "memory.db"), "robot_b": tmp_path / "b" / "memory.db"}
    stacks = {}
    for name, db in robots.items():
        extra = {"floor_plan_file": str(SCENARIO)} if name == "robot_b" else {}
        params = bare_keyed_params(db.parent, db, **extra)
        stacks[name] = start([sys.executable, "-m", "memory_stack.cli", "up", "--no-planner", "--namespace", name,
                              "--params", str(params)])
    rclpy.init()
    node = rclpy.create_node("two_robots_client")
    try:
        answers = {}
        for name in robots:
            assert LifecycleClient(node, f"/{name}/memory_server").state() == "active" or wait_until(
                lambda n=name: LifecycleClient(node, f"/{n}/memory_server").state() == "active", 120.0, 0.5)
            answers[name] = objects_query(node, f"/{name}")
            assert answers[name].success, answers[name].error
        assert len(answers["robot_a"].objects) >= 3, "robot_a's remembered household"
        assert answers["robot_b"].objects == [], "robot_b's memory is its own, empty one"
        assert robots["robot_b"].exists(), "robot_b writes its own file, not ./memory.db"

        camera = rclpy.create_node("camera", namespace="robot_b")  # robot_b's sensors only
        publishers = create_publishers(camera)
        assert wait_for_subscribers(publishers, 60.0)
        time.sleep(0.2)
        for frame in synthetic_frames(12, period_s=0.5):
            publish_frame(publishers, sensor_frame_messages(frame))
            time.sleep(0.1)
        assert wait_until(lambda: len(objects_query(node, "/robot_b").objects) >= 2, 60.0, 1.0), \
            "robot_b remembers what its own camera saw"
        assert len(objects_query(node, "/robot_a").objects) == len(answers["robot_a"].objects), \
            "robot_a's memory did not take robot_b's frames"
        camera.destroy_node()
        for name, process in stacks.items():
            assert process.poll() is None, (name, process.communicate()[1][-2000:])
    finally:
        node.destroy_node()
        rclpy.shutdown()
        errors = {name: stopped(process) for name, process in stacks.items()}
    for name, err in errors.items():
        assert "Traceback" not in err, (name, err[-3000:])
