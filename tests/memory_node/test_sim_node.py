"""sim_node: the PyBullet world as a ROS 2 node, in process and driven from another process."""

from __future__ import annotations

import contextlib
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from .node_harness import activated

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "sim_configs" / "apartment_two_days.yaml"
TINY_ROOM = ROOT / "tests" / "bench" / "data" / "tiny_room.yaml"

# The client side of the cross-process test: RosRobotSkills in its own process, reporting JSON.
DRIVER = r"""
import json, math, sys, time
from memory_node.robot.ros_skills import RosRobotSkills
from geometry_msgs.msg import Twist

mug = tuple(float(v) for v in sys.argv[1].split(","))
table = tuple(float(v) for v in sys.argv[2].split(","))
out = {}
skills = RosRobotSkills()
try:
    out["ready"] = skills.wait_for_robot(30.0)
    start = skills.robot_pose()
    out["start"] = [start.x, start.y]
    nav = skills.navigate_to(3.0, 2.5, 0.0)
    pose = skills.robot_pose()
    out["navigate"] = {"success": nav.success, "reason": nav.reason, "path": nav.path_length_m,
                       "pose": [pose.x, pose.y, pose.yaw], "frames": len(nav.frames), "duration": nav.duration_s}
    outside = skills._send_goal(40.0, 40.0, None)  # NavigateToPose aborted: the reason comes back in error_msg
    out["outside"] = {"succeeded": outside.succeeded, "reason": outside.reason}
    twist = Twist()
    twist.linear.x = 5.0  # above the speed limit: the driver clips it
    t_end = time.monotonic() + 1.0
    while time.monotonic() < t_end:
        skills.cmd_vel_pub.publish(twist)
        time.sleep(0.05)
    skills.cmd_vel_pub.publish(Twist())
    time.sleep(0.3)
    moved = skills.robot_pose()
    out["cmd_vel"] = [moved.x, moved.y]
    look = skills.look_around()
    out["look"] = {"success": look.success, "frames": len(look.frames),
                   "shape": list(look.frames[0].rgb.shape) if look.frames else None,
                   "depth_finite": bool(look.frames and float((look.frames[0].depth > 0).mean()) > 0.5),
                   "labels": sorted({l for f in look.frames for l in f.labels.values()}),
                   "stamps": [f.time for f in look.frames]}
    target = {"panda_joint1": 0.4, "panda_joint2": -0.6, "panda_joint4": -2.1, "panda_joint6": 1.8}
    out["trajectory"] = {"reached": skills.send_trajectory([target]), "joints": skills.joint_positions()}
    pick = skills.pick("mug", mug)
    out["pick"] = {"success": pick.success, "reason": pick.reason, "finger_width": skills.finger_width()}
    if pick.success:
        place = skills.place(table)
        out["place"] = {"success": place.success, "reason": place.reason, "finger_width": skills.finger_width()}
finally:
    skills.shutdown()
print(json.dumps(out))
"""


@pytest.fixture
def rclpy_context(ros_domain):
    import rclpy

    rclpy.init()
    try:
        yield rclpy
    finally:
        rclpy.shutdown()


def spin_until(rclpy, node, predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.05)
        if predicate():
            return True
    return False


def test_node_without_scenario_is_idle_and_declares_its_parameters(rclpy_context):
    from memory_node.sim_node import SimNode

    node = activated(SimNode())
    try:
        assert node.get_name() == "sim_node"
        for name in ("scenario", "camera_rate_hz", "render_on_demand", "control_rate_hz", "max_linear_speed",
                     "max_angular_speed", "start_time"):
            assert node.has_parameter(name)
        node.publish_frame()  # nothing loaded: nothing published, no crash
        assert node.frames_published == 0
    finally:
        node.destroy_node()


def test_node_publishes_frames_with_one_stamp_and_rejects_bad_commands(rclpy_context):
    from geometry_msgs.msg import Twist
    from memory_interfaces.msg import Detections
    from nav_msgs.msg import Odometry
    from rclpy.parameter import Parameter
    from sensor_msgs.msg import Image, JointState
    from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint

    from memory_node.sim_node import SimNode

    rclpy = rclpy_context
    node = activated(SimNode(parameter_overrides=[Parameter("scenario", value=str(SCENARIO)),
                                                  Parameter("start_time", value="d1 07:00"),
                                                  Parameter("camera_rate_hz", value=0.0)]))
    listener = rclpy.create_node("listener")
    got: dict[str, list] = {"rgb": [], "det": [], "odom": [], "joints": []}
    listener.create_subscription(Image, "camera/color/image_raw", got["rgb"].append, 10)
    listener.create_subscription(Detections, "detections", got["det"].append, 10)
    listener.create_subscription(Odometry, "odom", got["odom"].append, 10)
    listener.create_subscription(JointState, "joint_states", got["joints"].append, 10)
    try:
        assert node.backend.now == pytest.approx(7 * 3600.0)
        time.sleep(0.5)  # discovery
        for _ in range(2):
            node.publish_frame()
        assert spin_until(rclpy, listener, lambda: len(got["rgb"]) >= 2 and len(got["det"]) >= 2)
        rgb, det = got["rgb"][0], got["det"][0]
        assert (rgb.encoding, rgb.width, rgb.height) == ("rgb8", 320, 240)
        assert det.instance_mask.encoding == "32SC1" and len(det.mask_ids) == len(det.mask_labels) > 0
        stamp = rgb.header.stamp.sec + rgb.header.stamp.nanosec * 1e-9
        assert stamp == pytest.approx(7 * 3600.0)  # simulated seconds since d1 00:00
        assert det.header.stamp == rgb.header.stamp
        # the same things under different ids in two frames: ids mean nothing across frames
        first, second = got["det"][0], got["det"][1]
        by_label = [{lab: i for i, lab in zip(d.mask_ids, d.mask_labels)} for d in (first, second)]
        assert by_label[0].keys() == by_label[1].keys()
        assert any(by_label[0][k] != by_label[1][k] for k in by_label[0])

        node._on_control_tick()
        assert spin_until(rclpy, listener, lambda: got["odom"] and got["joints"])
        arm_before = list(got["joints"][-1].position)
        # bad goals through the action servers, from another node: refused with the standard result codes
        arm, navigate = node.actions.follow_joint_trajectory, node.actions.navigate_to_pose
        bad = JointTrajectory(joint_names=["elbow_of_someone_else"],
                              points=[JointTrajectoryPoint(positions=[1.0])])
        result = run_action(listener, node, arm, "arm_controller/follow_joint_trajectory", arm.Goal(trajectory=bad))
        assert result.error_code == arm.Result.INVALID_JOINTS and "elbow_of_someone_else" in result.error_string
        nan_point = JointTrajectory(joint_names=["panda_joint1"], points=[JointTrajectoryPoint(positions=[math.nan])])
        result = run_action(listener, node, arm, "arm_controller/follow_joint_trajectory",
                            arm.Goal(trajectory=nan_point))
        assert result.error_code == arm.Result.INVALID_GOAL and "points[0].positions" in result.error_string
        in_odom = navigate.Goal()
        in_odom.pose.header.frame_id = "odom"
        in_odom.pose.pose.orientation.w = 1.0
        result = run_action(listener, node, navigate, "navigate_to_pose", in_odom)
        assert result.error_code != navigate.Result.NONE and "'odom' is not 'map'" in result.error_msg
        twist = Twist()
        twist.linear.x = math.inf
        node._on_cmd_vel(twist)
        node._on_control_tick()
        got["joints"].clear()
        node.publish_state()  # the tick publishes only when the clock moved (nothing moved here)
        assert spin_until(rclpy, listener, lambda: got["joints"])
        assert got["joints"][-1].position == pytest.approx(arm_before, abs=1e-3)
        odom = got["odom"][-1].pose.pose.position
        assert (odom.x, odom.y) == pytest.approx((2.5, 2.0), abs=1e-6)
        assert (got["odom"][-1].header.frame_id, got["odom"][-1].child_frame_id) == ("odom", "base_link"), "REP 105"
        from geometry_msgs.msg import TransformStamped
        from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy

        corrections: list = []  # subscribed late: the latched map -> odom still arrives
        listener.create_subscription(TransformStamped, "map_to_odom", corrections.append, QoSProfile(
            depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL))
        assert spin_until(rclpy, listener, lambda: corrections)
        assert (corrections[0].header.frame_id, corrections[0].child_frame_id) == ("map", "odom")
        assert corrections[0].transform.rotation.w == 1.0 and corrections[0].transform.translation.x == 0.0
    finally:
        listener.destroy_node()
        node.destroy_node()


def run_action(client_node, server_node, action_type, name, goal, timeout_s: float = 20.0):
    """One goal from `client_node` to `server_node`'s action server, both spun here; the result message."""
    from rclpy.action import ActionClient
    from rclpy.executors import SingleThreadedExecutor

    executor = SingleThreadedExecutor()
    for n in (server_node, client_node):
        executor.add_node(n)
    client = ActionClient(client_node, action_type, name)
    try:
        assert client.wait_for_server(timeout_sec=timeout_s)
        sent = client.send_goal_async(goal)
        executor.spin_until_future_complete(sent, timeout_sec=timeout_s)
        done = sent.result().get_result_async()
        executor.spin_until_future_complete(done, timeout_sec=timeout_s)
        assert done.done(), f"no result from {name}"
        return done.result().result
    finally:
        client.destroy()
        for n in (server_node, client_node):
            executor.remove_node(n)


@contextlib.contextmanager
def skills_driving_sim_node(node, make_skills):
    """`make_skills()` (a RosRobotSkills) driving `node` spun in this process; both torn down after."""
    import threading

    from rclpy.executors import SingleThreadedExecutor

    executor = SingleThreadedExecutor()
    executor.add_node(node)
    spinning = threading.Event()
    spinning.set()

    def spin() -> None:
        while spinning.is_set():
            executor.spin_once(timeout_sec=0.05)

    thread = threading.Thread(target=spin)
    thread.start()
    skills = make_skills()
    try:
        assert skills.wait_for_robot(15.0)
        yield skills
    finally:
        skills.shutdown()
        spinning.clear()
        thread.join()
        executor.remove_node(node)
        node.destroy_node()


def test_robot_skills_look_around_takes_as_many_views_as_the_camera_needs(rclpy_context):
    import dataclasses

    from rclpy.parameter import Parameter

    from memory_node.robot.ros_skills import RosRobotSkills, RosSkillsConfig
    from memory_node.sim_node import SimNode
    from sim.pybullet_backend import PyBulletBackend
    from sim.scenario import scenario_from_dict
    from tests.sim.test_pybullet_backend import small_house

    house = small_house()
    house["robot"]["camera"]["hfov_deg"] = 120.0  # every heading in two views takes 6 views 60 degrees apart
    backend = PyBulletBackend(scenario_from_dict(house, "wide_camera.yaml"))
    node = activated(SimNode(backend=backend, parameter_overrides=[Parameter("camera_rate_hz", value=0.0)]))
    try:
        with skills_driving_sim_node(node, lambda: RosRobotSkills(RosSkillsConfig(look_around_views=None))) as skills:
            assert skills.look_around_view_count() == 8  # no CameraInfo yet: the configured fallback
            start = skills.robot_pose().yaw
            look = skills.look_around()
            assert look.success and len(look.frames) == 6 and skills.look_around_view_count() == 6
            turned = [math.degrees(f.robot_pose.yaw - start) for f in look.frames]
            assert all(abs((t - 60.0 * k + 180.0) % 360.0 - 180.0) < 3.0 for k, t in enumerate(turned)), turned
            skills.config = dataclasses.replace(skills.config, look_around_views=3)  # an explicit count still wins
            assert len(skills.look_around().frames) == 3
    finally:
        backend.close()


def test_robot_skills_pick_backs_off_a_blocked_grasp_and_takes_the_next(rclpy_context):
    from rclpy.parameter import Parameter

    from memory_node.robot.ros_skills import RosRobotSkills
    from memory_node.sim_node import SimNode

    class FirstGraspIntoTheTable(RosRobotSkills):
        """First tries the steepest side grasp moved 20 cm beside the mug and 10 cm down, into the table top.

        It passes IK (the kinematics model knows no table) and clears the mug, which must stay put for the
        next option; executed, the hand stops short on the table.
        """

        def __init__(self) -> None:
            super().__init__()
            self.sent: list[tuple[int, bool]] = []  # (points, reached) of each trajectory

        def _grasp_options(self, near, height):
            options = super()._grasp_options(near, height)
            orientation, pre, grasp = options[-1]
            heading = math.atan2(grasp[1] - pre[1], grasp[0] - pre[0])
            shift = np.array([0.2 * math.sin(heading), -0.2 * math.cos(heading), -0.10])
            return [(orientation, pre + shift, grasp + shift)] + options

        def send_trajectory(self, points, seconds_per_point=1.0):
            reached = super().send_trajectory(points, seconds_per_point)
            self.sent.append((len(points), reached))
            return reached

    node = activated(SimNode(parameter_overrides=[Parameter("scenario", value=str(TINY_ROOM)),
                                                  Parameter("start_time", value="d1 10:00"),  # the mug is on the table
                                                  Parameter("camera_rate_hz", value=0.0)]))
    backend = node.backend
    mug = backend.ground_truth().objects["mug_1"].position
    with skills_driving_sim_node(node, FirstGraspIntoTheTable) as skills:
        assert skills.navigate_to(mug[0], mug[1]).success
        started = skills.sim_time
        pick = skills.pick("mug", mug)
        assert pick.success, (pick.reason, skills.sent)
        # it passed IK and was executed: pre-grasp reached, stopped short on the table, back through it to home
        assert skills.sent[:3] == [(2, True), (1, False), (3, True)], skills.sent
        assert all(reached for _, reached in skills.sent[3:]), skills.sent  # then the next option, all the way
        assert skills.finger_width() > 0.02  # closed on the mug
        assert backend.ground_truth().objects["mug_1"].position[2] > mug[2] + 0.05  # lifted off the table
        assert pick.duration_s >= skills.sim_time - started - 1e-6  # both attempts counted


def test_sim_node_with_a_bad_scenario_exits_2_naming_the_file(ros_domain, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: x\nworld: {rooms: [], furnitur: []}\n")
    proc = subprocess.run([sys.executable, "-m", "memory_node.sim_node", str(bad)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert "bad.yaml" in proc.stderr


@pytest.mark.slow
def test_robot_skills_drive_sim_node_from_another_process(ros_domain):
    from memory_node.robot.ros_skills import RosSkillsConfig
    from robot_model.skills import look_around_view_count
    from scene_graph.types import CameraIntrinsics
    from sim.pybullet_backend import PyBulletBackend
    from sim.scenario import load_scenario

    with PyBulletBackend(str(SCENARIO)) as truth_world:  # evaluation: where things really are
        mug = truth_world.ground_truth().objects["mug_1"].position
        table = truth_world.furniture["coffee_table"]
        table_top = (table.spec.at[0], table.spec.at[1], table.height)
    sim = subprocess.Popen([sys.executable, "-m", "memory_node.sim_node", "--ros-args", "-p", f"scenario:={SCENARIO}",
                            "-p", "camera_rate_hz:=0.0"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    try:
        driver = subprocess.run([sys.executable, "-c", DRIVER, ",".join(map(str, mug)), ",".join(map(str, table_top))],
                                cwd=ROOT, capture_output=True, text=True, timeout=240)
        assert driver.returncode == 0, driver.stderr[-3000:]
        out = json.loads(driver.stdout.strip().splitlines()[-1])
    finally:
        sim.terminate()
        try:
            sim.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sim.kill()
            sim.wait()
    assert out["ready"]
    assert out["start"] == pytest.approx([2.5, 2.0])
    nav = out["navigate"]
    assert nav["success"], nav
    assert math.dist(nav["pose"][:2], (3.0, 2.5)) < 0.35 and nav["path"] > 0.5 and nav["frames"] == 1
    # the drive takes simulated time: the robot's clock (odometry stamps) or the navigator's navigation_time says so
    assert nav["duration"] > 0.5, nav
    assert not out["outside"]["succeeded"] and "40.00" in out["outside"]["reason"], out["outside"]
    moved = out["cmd_vel"]
    assert 0.1 < math.dist(moved, nav["pose"][:2]) <= 0.5 * 1.5 + 0.05  # speed clipped to 0.5 m/s
    look = out["look"]
    camera = load_scenario(SCENARIO).robot.camera  # as many views as the simulated robot takes with this camera
    views = look_around_view_count(CameraIntrinsics.from_hfov(camera.width, camera.height, camera.hfov_deg),
                                   RosSkillsConfig().look_around_sightings)
    assert look["success"] and look["frames"] == views and look["shape"] == [240, 320, 3] and look["depth_finite"]
    assert {"counter", "fridge"} & set(look["labels"])
    assert look["stamps"] == sorted(look["stamps"]) and look["stamps"][0] > 0
    joints = out["trajectory"]["joints"]
    assert out["trajectory"]["reached"]
    for name, q in {"panda_joint1": 0.4, "panda_joint2": -0.6, "panda_joint4": -2.1, "panda_joint6": 1.8}.items():
        assert joints[name] == pytest.approx(q, abs=0.05)
    assert out["pick"]["success"], out["pick"]
    assert out["pick"]["finger_width"] > 0.02  # the fingers closed on the mug, not on air
    assert out["place"]["success"], out["place"]
