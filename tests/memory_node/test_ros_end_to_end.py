"""The whole stack over ROS 2, as on a robot: `memstack up SCENARIO` in one process, a client in another.

Process 1 runs sim_node (PyBullet household), ingest_node, memory_server and planner_server with
`robot: ros` (RosRobotSkills drives sim_node over its topics), all from a parameter file derived from
config/memory_stack.yaml. Process 2 is a plain rclpy client: it asks a question through the
AnswerQuestion action (planner explore-all, so the robot must go and look), collects the feedback
and the result, reads /diagnostics and odometry, and queries QueryMemory for what the robot saw.
"""

from __future__ import annotations

import json
import math
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from memory_node.child_processes import stop_child_process
from memory_node.robot.ros_skills import RosSkillsConfig
from memory_node.ros_environment import TRANSPORT_CHOICES
from robot_model.skills import look_around_view_count
from scene_graph.types import CameraIntrinsics
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "tests" / "bench" / "data" / "tiny_room.yaml"
START_TIME = "d1 10:00"  # after the timeline moved the mug from the counter to the table

CLIENT = r"""
import json, math, sys, time
import rclpy
from rclpy.action import ActionClient
from diagnostic_msgs.msg import DiagnosticArray
from nav_msgs.msg import Odometry
from memory_interfaces.action import AnswerQuestion
from memory_node.message_conversion import seconds_to_stamp
from memory_interfaces.srv import QueryMemory

out = {"odom": [], "feedback": [], "diagnostics": {}}
rclpy.init()
node = rclpy.create_node("end_to_end_client")


def on_odom(msg):
    p = msg.pose.pose.position
    out["odom"].append([msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9, p.x, p.y])


def on_diagnostics(msg):
    for status in msg.status:
        if status.name.endswith(": ingest"):
            out["diagnostics"] = {kv.key: kv.value for kv in status.values}


node.create_subscription(Odometry, "odom", on_odom, 10)
node.create_subscription(DiagnosticArray, "/diagnostics", on_diagnostics, 10)


def spin_until(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        rclpy.spin_once(node, timeout_sec=0.05)
    return predicate()


try:
    action = ActionClient(node, AnswerQuestion, "answer_question")
    out["server"] = action.wait_for_server(timeout_sec=40.0)
    out["odom_before"] = spin_until(lambda: out["odom"], 20.0) and out["odom"][-1]
    goal = AnswerQuestion.Goal(question="Where is the mug?", planner="explore-all", has_time=True,
                               time=seconds_to_stamp(out["odom_before"][0]))
    sent = action.send_goal_async(goal, feedback_callback=lambda fb: out["feedback"].append(
        {"step": fb.feedback.step, "action": fb.feedback.action, "target": fb.feedback.target,
         "cost": fb.feedback.cost, "confidence": fb.feedback.confidence}))
    assert spin_until(lambda: sent.done(), 10.0), "goal not acknowledged"
    handle = sent.result()
    out["accepted"] = handle.accepted
    result_future = handle.get_result_async()
    started = time.monotonic()
    assert spin_until(lambda: result_future.done(), 120.0), "no result"
    out["answer_s"] = time.monotonic() - started
    r = result_future.result().result
    out["result"] = {"type": type(r).__name__, "answer": r.answer, "confidence": r.confidence,
                     "stopped_by": r.stopped_by, "position": [r.position.x, r.position.y, r.position.z],
                     "room": r.room, "steps": r.steps, "path_length_m": r.path_length_m,
                     "evidence": list(r.evidence)}
    spin_until(lambda: False, 1.5)  # the last odometry and one diagnostics period
    out["odom_after"] = out["odom"][-1]
    client = node.create_client(QueryMemory, "query_memory")
    assert client.wait_for_service(timeout_sec=10.0)
    answers = {}
    for kind, args in (("objects", []), ("locate", ["mug"])):
        future = client.call_async(QueryMemory.Request(kind=kind, arguments=args, max_results=100))
        assert spin_until(lambda: future.done(), 15.0), f"query {kind} timed out"
        a = future.result()
        answers[kind] = {"success": a.success, "error": a.error, "text": a.text,
                         "objects": [{"id": o.id, "category": o.category, "room": o.room,
                                      "position": [o.position.x, o.position.y, o.position.z],
                                      "present": o.present} for o in a.objects]}
    out["queries"] = answers
    out["odom"] = out["odom"][-3:]
finally:
    node.destroy_node()
    rclpy.shutdown()
print(json.dumps(out))
"""


def _end_to_end_env(ros_domain: int) -> dict[str, str]:
    """Each process picks the packaged large-image transport profile, which LOCALHOST discovery would replace."""
    env = {k: v for k, v in os.environ.items() if k not in TRANSPORT_CHOICES}
    env["ROS_DOMAIN_ID"] = str(202 + random.Random(os.getpid() * 31 + ros_domain).randint(0, 29))
    env["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "SUBNET"
    env["HF_HUB_OFFLINE"] = "1"
    env["TRANSFORMERS_OFFLINE"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def _params_file(tmp_path: Path) -> Path:
    """config/memory_stack.yaml with the planner driving the robot over ROS and the sim clock at START_TIME."""
    params = yaml.safe_load((ROOT / "config" / "memory_stack.yaml").read_text())
    params["planner_server"]["ros__parameters"]["robot"] = "ros"
    params["sim_node"]["ros__parameters"]["start_time"] = START_TIME
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


def _stop(process: subprocess.Popen) -> str:
    stop_child_process(process, signal.SIGINT, timeout_s=15.0)
    return process.stderr.read().decode(errors="replace") if process.stderr else ""


def _stack_and_client(env: dict, tmp_path: Path, client_code: str, timeout: float) -> tuple[dict, str]:
    """`memstack up SCENARIO` and `client_code` in two processes; the client's last JSON line, the stack log."""
    stack = subprocess.Popen([sys.executable, "-m", "memory_stack.cli", "up", str(SCENARIO),
                              "--params", str(_params_file(tmp_path)), "--db", str(tmp_path / "memory.db")],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        try:
            client = subprocess.run([sys.executable, "-c", client_code], cwd=ROOT, env=env, capture_output=True,
                                    timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            client_log = (exc.stderr or b"").decode(errors="replace")
            raise AssertionError(f"client still running after {timeout} s\n{client_log[-3000:]}\n"
                                 f"{_stop(stack)[-3000:]}") from None
        stack_log = _stop(stack)
        assert client.returncode == 0, client.stderr.decode(errors="replace")[-3000:] + stack_log[-3000:]
        return json.loads(client.stdout.decode().strip().splitlines()[-1]), stack_log
    finally:
        if stack.poll() is None:
            stack.kill()
            stack.wait(timeout=5)


@pytest.mark.slow
def test_question_over_ros_drives_the_simulated_robot_and_fills_the_memory(ros_domain, tmp_path):
    out, stack_log = _stack_and_client(_end_to_end_env(ros_domain), tmp_path, CLIENT, timeout=150)
    assert out["server"] and out["accepted"], stack_log[-3000:]

    # the action result is typed and sensible: the robot went to look, and found the mug on the table
    result = out["result"]
    assert result["type"] == "AnswerQuestion_Result"
    assert result["stopped_by"] == "explore-all", result
    # looks are planned from the table's geometry (0.47 m from the start pose since fcb2a64): it drove at all
    assert result["steps"] >= 1 and result["path_length_m"] > 0.2, result
    assert len(out["feedback"]) == result["steps"], (out["feedback"], result)
    assert [f["step"] for f in out["feedback"]] == sorted(f["step"] for f in out["feedback"])
    table = (4.6, 3.3)
    assert math.dist(result["position"][:2], table) < 0.6, result
    assert result["room"] == "kitchen", result
    assert 0.0 < result["confidence"] <= 1.0

    # the robot moved (odometry, with simulated time running on)
    before, after = out["odom_before"], out["odom_after"]
    assert math.dist(before[1:], after[1:]) > 0.3 or result["path_length_m"] > 0.5
    assert after[0] > before[0] + 1.0, (before, after)

    # frames came through the camera topics into ingest_node (one frame per view, none a duplicate)
    diagnostics = out["diagnostics"]
    assert int(diagnostics["frames_ingested"]) >= 8, diagnostics
    assert int(diagnostics["frames_rejected"]) == 0, diagnostics
    assert int(diagnostics.get("detections/duplicate", 0)) == 0, diagnostics

    # the memory holds what the robot saw, in the right categories near their true places
    objects = out["queries"]["objects"]
    assert objects["success"], objects
    seen = {}
    for o in objects["objects"]:
        seen.setdefault(o["category"], []).append(o["position"])
    truth = {"table": (4.6, 3.3), "counter": (1.1, 0.36), "mug": table, "bowl": table, "apple": table}
    found = {c for c, where in truth.items() if any(math.dist(p[:2], where) < 1.0 for p in seen.get(c, []))}
    assert {"table", "mug"} <= found and len(found) >= 4, (found, sorted(seen))
    located = out["queries"]["locate"]
    assert located["success"] and located["objects"], located
    assert math.dist(located["objects"][0]["position"][:2], table) < 0.6, located


# The client of the task test: it patrols with its own RosRobotSkills (the robot's topics, from this
# process), then hands "bring the mug to the counter" to planner_server and checks the memory.
TASK_CLIENT = r"""
import json, sys, time
import rclpy
from rclpy.action import ActionClient
from memory_interfaces.action import ExecuteTask
from memory_interfaces.srv import QueryMemory
from memory_node.robot.ros_skills import RosRobotSkills

out = {"feedback": []}
skills = RosRobotSkills(node_name="patrol_client")
try:
    assert skills.wait_for_robot(30.0), "no odometry / joint states from sim_node"
    out["patrol"] = []
    for x, y in ((3.0, 2.0), (1.6, 1.4)):  # the kitchen, looking around twice (the scenario's patrol)
        nav = skills.navigate_to(x, y)
        look = skills.look_around()
        out["patrol"].append({"navigate": nav.success, "look": look.success, "frames": len(look.frames),
                              "stamps": [f.time for f in look.frames]})
        print("patrol leg", out["patrol"][-1]["frames"], "frames", time.monotonic(), file=sys.stderr, flush=True)
    # a node of its own, spun here: an ActionClient created on a node that another thread spins can be
    # waited on half-built (AttributeError '_lock' in the executor)
    node = rclpy.create_node("task_client")

    def wait(future, timeout):
        deadline = time.monotonic() + timeout
        while not future.done() and time.monotonic() < deadline:
            rclpy.spin_once(node, timeout_sec=0.05)
        assert future.done(), "timed out"
        return future.result()

    action = ActionClient(node, ExecuteTask, "execute_task")
    assert action.wait_for_server(timeout_sec=40.0)
    handle = wait(action.send_goal_async(ExecuteTask.Goal(task="bring the mug to the counter"),
                                         feedback_callback=lambda m: out["feedback"].append(
                                             [m.feedback.step, m.feedback.skill, m.feedback.status])), 10.0)
    print("task goal accepted", handle.accepted, time.monotonic(), file=sys.stderr, flush=True)
    r = wait(handle.get_result_async(), 120.0).result
    out["result"] = {"type": type(r).__name__, "success": r.success, "reason": r.reason, "steps": r.steps,
                     "replans": r.replans, "path_length_m": r.path_length_m}
    client = node.create_client(QueryMemory, "query_memory")
    assert client.wait_for_service(timeout_sec=10.0)
    time.sleep(1.0)  # the last frames through ingest_node
    a = wait(client.call_async(QueryMemory.Request(kind="locate", arguments=["mug"])), 15.0)
    out["locate"] = {"success": a.success, "positions": [[o.position.x, o.position.y] for o in a.objects],
                     "rests_on": [o.rests_on for o in a.objects]}
    a = wait(client.call_async(QueryMemory.Request(kind="count", arguments=["moved", "mug"])), 15.0)
    out["moves"] = a.value
finally:
    skills.shutdown()
print(json.dumps(out))
"""


@pytest.mark.slow
def test_task_over_ros_moves_the_mug_and_the_memory_follows(ros_domain, tmp_path):
    out, _ = _stack_and_client(_end_to_end_env(ros_domain + 1), tmp_path, TASK_CLIENT, timeout=180)

    camera = load_scenario(SCENARIO).robot.camera
    views = look_around_view_count(CameraIntrinsics.from_hfov(camera.width, camera.height, camera.hfov_deg),
                                   RosSkillsConfig().look_around_sightings)
    for leg in out["patrol"]:  # the camera rule's views, as the simulated robot takes them, each with its own stamp
        assert leg["navigate"] and leg["look"] and leg["frames"] == views, leg
        assert all(b > a for a, b in zip(leg["stamps"], leg["stamps"][1:])), leg["stamps"]
    result = out["result"]
    assert result["type"] == "ExecuteTask_Result"
    assert result["success"], result
    assert result["path_length_m"] > 0.5 and result["steps"] >= 4, result
    skills_done = [skill for _, skill, status in out["feedback"] if status == "succeeded"]
    assert "pick" in skills_done and "place" in skills_done, out["feedback"]
    assert skills_done.index("pick") < skills_done.index("place")
    counter, half_size = (1.1, 0.36), (1.0, 0.3)  # the 2 m x 0.6 m counter against the wall
    assert out["locate"]["success"] and out["locate"]["positions"], out["locate"]
    x, y = out["locate"]["positions"][0]
    assert abs(x - counter[0]) <= half_size[0] + 0.1 and abs(y - counter[1]) <= half_size[1] + 0.1, out["locate"]
    assert out["locate"]["rests_on"][0].startswith("counter"), out["locate"]
    assert out["moves"] >= 1, out
