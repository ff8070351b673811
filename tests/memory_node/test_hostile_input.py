"""Hostile input over DDS: counted per topic in diagnostics, logged with the topic, nothing stored is lost."""

from __future__ import annotations

import time

import numpy as np
import pytest

pytest.importorskip("rclpy")

from memory_node import message_conversion as conv  # noqa: E402
from memory_node.diagnostics_report import status_values  # noqa: E402
from memory_node.synthetic_frame_publisher import create_publishers, publish_frame, wait_for_subscribers  # noqa: E402
from perception.synthetic_stream import synthetic_frames  # noqa: E402

from .node_harness import query, stack_arguments, wait_until  # noqa: E402

RGB, DEPTH, DET, ODOM = "camera/color/image_raw", "camera/depth/image_raw", "detections", "odom"


@pytest.fixture
def stack(ros_domain, tmp_path):
    import rclpy

    from memory_node.node_process import StackProcess

    rclpy.init(args=stack_arguments(tmp_path / "memory.db", qos_depth=1000, work_queue_size=4))
    process = StackProcess.create(with_ingest=True, with_server=True)
    client = rclpy.create_node("hostile_client")
    try:
        process.activate()
        process.spin_in_background()
        publishers = create_publishers(client, depth=1000)
        assert wait_for_subscribers(publishers, 10.0)
        time.sleep(0.3)
        yield process, client, publishers
    finally:
        client.destroy_node()
        process.shutdown()
        rclpy.shutdown()


def counters(ingest, topic):
    return ingest.status()["topics"][topic]


def stored(store_owner):
    return sorted((o.id, tuple(round(v, 6) for v in o.position))
                  for o in store_owner.shared.read(lambda s: s.snapshot(None).objects))


def test_hostile_input_is_counted_logged_and_loses_nothing(stack, capfd):
    import rclpy
    from diagnostic_msgs.msg import DiagnosticArray

    process, client, publishers = stack
    ingest, server = process.node("IngestNode"), process.node("MemoryServerNode")
    frames = list(synthetic_frames(16, period_s=0.5))
    for sf in frames[:12]:
        publish_frame(publishers, conv.sensor_frame_messages(sf))
        time.sleep(0.05)
    # best effort: one may be lost; a loaded machine may take long, nothing here is timed
    assert wait_until(lambda: ingest.pipeline.stats.frames_ingested >= 11, 60.0)
    time.sleep(0.5)  # a late warm-up sample lands now, not during the hostile part
    warm = ingest.pipeline.stats.frames_ingested
    before = stored(server)
    assert len(before) == 6

    # wrong encoding, mismatched buffer size, NaN pose: each rejected on arrival, counted on its topic
    bad = conv.sensor_frame_messages(frames[12])
    bad["rgb"].encoding = "yuv422"
    bad["depth"].data = bytes(100)
    bad["pose"].pose.pose.position.x = float("nan")
    publish_frame(publishers, bad)
    # a frame whose rgb disagrees with the camera info in size: rejected whole, nothing stored
    mismatched = conv.sensor_frame_messages(frames[13])
    mismatched["rgb"] = conv.rgb_to_image(np.zeros((120, 160, 3), np.uint8), frames[13].time)
    publish_frame(publishers, mismatched)
    # a duplicate stamp (frame 13 again, now well-formed) and an out-of-order (older) frame
    publish_frame(publishers, conv.sensor_frame_messages(frames[13]))
    publish_frame(publishers, conv.sensor_frame_messages(frames[5]))

    def every_fault_counted() -> bool:  # topics are delivered independently: wait for each count asserted below
        rgb, depth, odom, det = (counters(ingest, t) for t in (RGB, DEPTH, ODOM, DET))
        return (rgb["invalid"] >= 1 and depth["invalid"] >= 1 and odom["invalid"] >= 1 and odom["out_of_order"] >= 1
                and det["duplicate"] >= 1 and det["out_of_order"] >= 1 and ingest.pipeline.stats.frames_rejected >= 1)
    assert wait_until(every_fault_counted, 60.0), ingest.status()
    time.sleep(0.3)  # a count that would go past its expected value has had time to
    assert counters(ingest, RGB)["invalid"] == 1
    assert counters(ingest, DEPTH)["invalid"] == 1
    assert counters(ingest, ODOM)["invalid"] == 1
    assert ingest.pipeline.stats.frames_rejected == 1
    assert "does not match" in ingest.pipeline.stats.last_error
    assert counters(ingest, DET)["duplicate"] == 1 and counters(ingest, DET)["out_of_order"] == 1
    assert ingest.pipeline.stats.frames_ingested == warm  # the hostile frames added none
    assert stored(server) == before

    # the node keeps serving and the diagnostics carry the per-topic counts
    answer = query(client, "locate", "mug")
    assert answer.success and answer.objects[0].category == "mug"
    diagnostics = []
    client.create_subscription(DiagnosticArray, "/diagnostics", diagnostics.append, 10)
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline and not any(
            s.name.endswith(": ingest") for d in diagnostics for s in d.status):
        rclpy.spin_once(client, timeout_sec=0.1)
    status = next(s for d in diagnostics for s in d.status if s.name.endswith(": ingest"))
    values = status_values(status)
    assert values[f"{RGB}/invalid"] == "1" and values[f"{ODOM}/invalid"] == "1"
    assert values["frames_rejected"] == "1" and status.level == status.WARN
    memory = next(s for d in diagnostics for s in d.status if s.name.endswith(": memory"))
    assert status_values(memory)["objects"] == "6"

    logged = capfd.readouterr().err
    assert f"dropped message on {RGB}" in logged and "encoding" in logged
    assert f"dropped message on {ODOM}" in logged


def test_a_flood_faster_than_ingest_is_bounded_and_counted(stack):
    process, client, publishers = stack
    ingest, server = process.node("IngestNode"), process.node("MemoryServerNode")
    warmup = list(synthetic_frames(12, period_s=0.5))
    for sf in warmup:
        publish_frame(publishers, conv.sensor_frame_messages(sf))
        time.sleep(0.05)
    # best-effort transport: on a loaded machine a sample can be lost before it reaches the node
    assert wait_until(lambda: ingest.pipeline.stats.frames_ingested >= 10)
    before = stored(server)
    count = 80
    flood = [conv.sensor_frame_messages(sf) for sf in synthetic_frames(count, start_time=warmup[-1].time + 1.0,
                                                                          period_s=0.1, first_frame_id=100)]
    waiting_peak = 0
    for messages in flood:
        publish_frame(publishers, messages)
        waiting_peak = max(waiting_peak, len(ingest._work))
    synchronizer = ingest.pipeline.synchronizer
    topics = ingest.pipeline.synchronized_topics

    last_received: list[int] = []

    def settled():
        """The work queue is empty and nothing more has arrived since the previous poll."""
        received = sum(c.received for c in synchronizer.counters().values())
        quiet = bool(last_received) and last_received[-1] == received
        last_received.append(received)
        return not ingest._work and quiet

    assert wait_until(settled, 20.0, period_s=0.5), ingest.status()
    time.sleep(0.2)
    status = ingest.status()
    queued = synchronizer.queued()
    for topic in topics:  # every message is matched, counted as dropped, or still waiting for partners
        c = status["topics"][topic]
        assert c["received"] == c["matched"] + c["dropped"] + queued[topic], (topic, c)
    assert status["frames_ingested"] + status["frames_dropped_backlog"] == synchronizer.emitted
    assert waiting_peak <= ingest.work_queue_size
    drops = status["frames_dropped_backlog"] + sum(status["topics"][t]["dropped"] for t in topics)
    assert drops > 0, "a flood far faster than ingestion must be dropped somewhere, and counted"
    answer = query(client, "locate", "keys")
    assert answer.success and answer.objects[0].category == "keys"
    after = {oid for oid, _ in stored(server)}
    assert {oid for oid, _ in before} <= after
