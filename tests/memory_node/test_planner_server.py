"""planner_server in its own process, driven by an action client in the test process over DDS."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "planners"))

from household_memory import fridge_watch, two_room_memory  # noqa: E402


@pytest.fixture
def memory_db(tmp_path) -> Path:
    db = tmp_path / "memory.db"
    store, writer = two_room_memory(db, mug_moves_seen=True)
    fridge_watch(writer, on_counter=())
    store.close()
    return db


def start_server(db: Path, *params: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "memory_node.planner_server", "--ros-args", "-p", f"db_path:={db}"]
    for p in params:
        args += ["-p", p]
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.terminate()
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return err or ""


def run_goal(node, client, goal, timeout: float = 300.0):
    import rclpy

    feedback = []
    future = client.send_goal_async(goal, feedback_callback=lambda msg: feedback.append(msg.feedback))
    rclpy.spin_until_future_complete(node, future, timeout_sec=timeout)
    handle = future.result()
    assert handle is not None and handle.accepted
    result_future = handle.get_result_async()
    rclpy.spin_until_future_complete(node, result_future, timeout_sec=timeout)
    response = result_future.result()
    assert response is not None, "no result in time"
    return response.status, response.result, feedback


@pytest.mark.slow
def test_answer_and_task_servers_from_another_process(ros_domain, memory_db):
    import rclpy
    from action_msgs.msg import GoalStatus
    from builtin_interfaces.msg import Time
    from memory_interfaces.action import AnswerQuestion, ExecuteTask
    from rclpy.action import ActionClient

    server = start_server(memory_db, "cost_weight:=0.05", "budget_m:=12.0")
    rclpy.init()
    node = rclpy.create_node("planner_test_client")
    try:
        answer_client = ActionClient(node, AnswerQuestion, "answer_question")
        task_client = ActionClient(node, ExecuteTask, "execute_task")
        deadline = time.monotonic() + 60
        while not answer_client.wait_for_server(timeout_sec=1.0):
            assert server.poll() is None, stop(server)[-2000:]
            assert time.monotonic() < deadline, "answer_question server never came up"
        assert task_client.wait_for_server(timeout_sec=30.0)

        goal = AnswerQuestion.Goal(question="Where is the mug?", has_time=True, time=Time(sec=36100), planner="voi")
        try:
            status, result, _ = run_goal(node, answer_client, goal)
        except AssertionError:
            raise AssertionError(stop(server)[-3000:]) from None
        assert status == GoalStatus.STATUS_SUCCEEDED
        assert "table" in result.answer and result.room == "living_room"
        assert result.position.x == pytest.approx(8.0, abs=0.3) and result.position.y == pytest.approx(2.5, abs=0.3)
        assert result.stopped_by == "memory-only", "no robot: answered from memory and says so"
        assert result.steps == 0 and result.path_length_m == 0.0
        assert 0.9 < result.confidence <= 1.0
        assert any(e.startswith("object:") for e in result.evidence)

        goal = AnswerQuestion.Goal(question="How many times was the fridge opened?", has_time=False, planner="")
        status, result, _ = run_goal(node, answer_client, goal)
        assert status == GoalStatus.STATUS_SUCCEEDED and result.answer.startswith("1 time")

        goal = AnswerQuestion.Goal(question="What is the airspeed of a swallow?", planner="memory-only")
        status, result, _ = run_goal(node, answer_client, goal)
        assert status == GoalStatus.STATUS_SUCCEEDED
        assert result.answer.startswith("I don't know") and result.confidence < 0.2

        goal = AnswerQuestion.Goal(question="Where is the mug?", planner="teleport")
        status, result, _ = run_goal(node, answer_client, goal)
        assert status == GoalStatus.STATUS_ABORTED and "teleport" in result.answer

        status, result, _ = run_goal(node, task_client, ExecuteTask.Goal(task="bring the mug to the counter"))
        assert status == GoalStatus.STATUS_ABORTED
        assert not result.success and "no robot" in result.reason
    finally:
        node.destroy_node()
        rclpy.shutdown()
        err = stop(server)
    assert "Traceback" not in err, err[-3000:]


def test_node_declares_described_parameters_and_opens_nothing_until_a_goal(ros_domain, tmp_path, monkeypatch):
    import rclpy

    from memory_node.planner_server import PlannerServer

    monkeypatch.chdir(tmp_path)
    rclpy.init()
    try:
        node = PlannerServer()
        try:
            for name in ("db_path", "cost_weight", "budget_m", "default_planner", "robot", "case_db_path"):
                descriptor = node.describe_parameter(name)
                assert descriptor.description, name
            assert node.describe_parameter("cost_weight").floating_point_range[0].to_value == 10.0
            assert node.get_parameter("robot").value == "none"
            assert not node.has_robot
        finally:
            node.destroy_node()
    finally:
        rclpy.shutdown()
    assert not list(tmp_path.iterdir()), "constructing the node must not create a database"


def test_bad_parameter_exits_naming_it(ros_domain, memory_db):
    done = subprocess.run([sys.executable, "-m", "memory_node.planner_server", "--ros-args", "-p",
                           "default_planner:=fastest"], cwd=ROOT, env=dict(os.environ), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    assert "default_planner" in done.stderr and "fastest" in done.stderr


@pytest.mark.slow
def test_task_result_carries_the_kind_of_failure_over_dds(ros_domain, memory_db):
    """A task that cannot be done says which kind (TaskReport.cannot) in the ExecuteTask result, not only in words."""
    import rclpy
    from action_msgs.msg import GoalStatus
    from memory_interfaces.action import ExecuteTask
    from rclpy.action import ActionClient

    # robot:=ros with no robot running: a task whose destination memory has never seen fails before any skill
    server = start_server(memory_db, "robot:=ros")
    rclpy.init()
    node = rclpy.create_node("planner_task_kind_client")
    try:
        task_client = ActionClient(node, ExecuteTask, "execute_task")
        deadline = time.monotonic() + 60
        while not task_client.wait_for_server(timeout_sec=1.0):
            assert server.poll() is None, stop(server)[-2000:]
            assert time.monotonic() < deadline, "execute_task server never came up"
        try:
            status, result, _ = run_goal(node, task_client, ExecuteTask.Goal(task="bring the mug to the bed"))
        except AssertionError:
            raise AssertionError(stop(server)[-3000:]) from None
    finally:
        node.destroy_node()
        rclpy.shutdown()
        err = stop(server)
    assert "Traceback" not in err, err[-3000:]
    assert status == GoalStatus.STATUS_ABORTED
    assert not result.success and "bed" in result.reason, result.reason
    assert result.cannot == "not found"
