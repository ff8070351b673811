"""sim_node stamps: every rendered frame has its own, increasing stamp, so the ingest node keeps them all."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from .node_harness import activated

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "tests" / "bench" / "data" / "tiny_room.yaml"


def _wait(condition, timeout_s: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def sim_and_ingest(ros_domain, tmp_path):
    """sim_node and ingest_node in one process (as `memstack up` hosts them), camera timer off."""
    import rclpy

    from memory_node.node_process import StackProcess, ros_arguments
    from memory_stack.foundation.package_paths import default_params_file

    args = ros_arguments(default_params_file(), {"db_path": str(tmp_path / "memory.db"),
                                                 "floor_plan_file": str(SCENARIO), "scenario": str(SCENARIO),
                                                 "start_time": "d1 08:00", "camera_rate_hz": 0.0})
    rclpy.init(args=args)
    stack = None
    try:
        stack = StackProcess.create(with_ingest=True, with_server=False, with_sim=True)
        stack.activate()
        stack.spin_in_background()
        yield stack
    finally:
        if stack is not None:
            stack.shutdown()
        rclpy.try_shutdown()


def test_frames_at_one_instant_get_distinct_increasing_stamps_and_are_all_ingested(sim_and_ingest):
    from nav_msgs.msg import Odometry

    from memory_node.message_conversion import stamp_to_seconds

    sim = sim_and_ingest.node("SimNode")
    ingest = sim_and_ingest.node("IngestNode")
    odom_stamps: list[float] = []
    sim.create_subscription(Odometry, "odom", lambda m: odom_stamps.append(stamp_to_seconds(m.header.stamp)), 50)
    from rosgraph_msgs.msg import Clock

    clock: list[float] = []
    sim.create_subscription(Clock, "/clock", lambda m: clock.append(stamp_to_seconds(m.clock)), 50)
    start = sim.backend.now
    assert start == pytest.approx(8 * 3600.0)
    time.sleep(1.0)  # discovery between the two nodes' endpoints

    stamps = []
    for _ in range(3):  # nothing moves in between: the clock must still advance per frame
        sim.publish_frame()
        stamps.append(sim.last_frame_stamp)
    assert stamps[0] == pytest.approx(start)
    assert all(b - a == pytest.approx(sim.frame_interval_s) for a, b in zip(stamps, stamps[1:]))

    # a look-around in place: each 45 degree turn takes its simulated duration, then one frame
    x, y, yaw = sim.backend.robot.base_pose()
    for k in range(1, 9):
        before = sim.backend.now
        sim.drive_to(x, y, yaw + k * math.pi / 4)
        turned = sim.backend.now - before
        assert 0.5 < turned < 1.5, f"view {k}: a 45 degree turn took {turned} simulated s"
        sim.publish_frame()
        stamps.append(sim.last_frame_stamp)
    assert all(b > a for a, b in zip(stamps, stamps[1:])), stamps
    assert stamps[-1] - start > 8 * 0.5

    # odometry carries each frame's stamp, so the ingest node can pair pose and frame
    assert _wait(lambda: all(any(abs(s - o) < 1e-6 for o in odom_stamps) for s in stamps), 5.0)
    assert _wait(lambda: ingest.status()["frames_ingested"] >= len(stamps)), ingest.status()
    status = ingest.status()
    assert status["frames_ingested"] == len(stamps), status
    # odometry comes in `odom` (REP 105): the ingest node placed it with sim_node's map -> odom, dropping none
    assert not any(c.wrong_frame for c in ingest.pipeline.topic_counters().values()), ingest.pipeline.topic_counters()
    assert ingest.pipeline.topic_counters()["map_to_odom"].matched >= 1
    # /clock: the simulated time for use_sim_time nodes, forward only, at every frame's instant
    assert _wait(lambda: clock and clock[-1] >= stamps[-1] - 1e-6), (clock[-5:], stamps[-1])  # ns on the wire
    assert all(b > a for a, b in zip(clock, clock[1:]))
    # (the start instant was on /clock before this subscription: every later frame's instant is heard)
    assert all(any(abs(s - c) < 1e-6 for c in clock) for s in stamps[1:]), (stamps, clock)
    assert ingest.shared.read(lambda store: store.time_epoch) == 0.0  # simulated seconds are memory seconds


def test_frame_interval_out_of_range_is_refused_naming_the_parameter(ros_domain):
    import rclpy
    from rclpy.parameter import Parameter

    from memory_node.sim_node import SimNode
    from memory_stack.foundation.errors import BadInputError

    rclpy.init()
    try:
        with pytest.raises(BadInputError, match="frame_interval_s"):
            SimNode(parameter_overrides=[Parameter("frame_interval_s", value=0.0)])
    finally:
        rclpy.shutdown()


def test_control_loop_repeats_no_stamp_except_briefly_for_a_new_subscriber(ros_domain):
    import rclpy
    from nav_msgs.msg import Odometry
    from rclpy.parameter import Parameter

    from memory_node.message_conversion import stamp_to_seconds
    from memory_node.sim_node import STATE_REPEAT_S, SimNode

    rclpy.init()
    node = listener = None
    try:
        node = activated(SimNode(parameter_overrides=[Parameter("scenario", value=str(SCENARIO)),
                                                      Parameter("camera_rate_hz", value=0.0)]))
        listener = rclpy.create_node("odom_listener")
        stamps: list[float] = []
        listener.create_subscription(Odometry, "odom", lambda m: stamps.append(stamp_to_seconds(m.header.stamp)), 50)
        deadline = time.monotonic() + STATE_REPEAT_S + 3.0
        while time.monotonic() < deadline:  # the robot stands still: the clock does not move
            rclpy.spin_once(node, timeout_sec=0.01)
            rclpy.spin_once(listener, timeout_sec=0.01)
        assert stamps, "a new subscriber hears the robot standing still"
        heard = len(stamps)
        assert heard <= STATE_REPEAT_S * node.control_rate_hz + 2, heard
        idle_until = time.monotonic() + 1.0
        while time.monotonic() < idle_until:
            rclpy.spin_once(node, timeout_sec=0.01)
            rclpy.spin_once(listener, timeout_sec=0.01)
        assert len(stamps) == heard, "the same stamp again after the new-subscriber window"
        node.drive_to(3.5, 2.0, 0.0)  # the robot moves: the clock moves, a new stamp
        assert _wait_spinning(rclpy, listener, lambda: stamps[-1] > stamps[0])
    finally:
        for n in (listener, node):
            if n is not None:
                n.destroy_node()
        rclpy.shutdown()


def _wait_spinning(rclpy, node, condition, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not condition():
        rclpy.spin_once(node, timeout_sec=0.05)
    return condition()
