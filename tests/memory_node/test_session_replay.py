"""Recording to MCAP and replaying (MCAP file or rosbag2 directory) yields the memory of the live run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from memory_node.message_conversion import sensor_frame_messages
from memory_node.session_recording import SessionRecorder, bag_floor_plan, message_definition, read_bag
from memory_node.session_replay import replay_bag
from perception.frame_processing import FrameProcessor
from perception.synthetic_stream import FLOOR_PLAN, synthetic_frames
from scene_graph.store import MemoryStore

ROOT = Path(__file__).resolve().parents[2]


def memory_summary(store):
    objects = sorted((o.id, o.category, tuple(round(v, 6) for v in o.position), o.room, o.rests_on, o.present)
                     for o in store.snapshot(None).objects)
    events = sorted((e.kind, e.object_id, round(e.time, 6), tuple(e.frame_ids)) for e in store.events())
    return objects, events


def live_memory(frames):
    store = MemoryStore.open(None, FLOOR_PLAN)
    processor = FrameProcessor()
    for sf in frames:
        store.ingest(processor.process(sf))
    return store


def record(path, frames):
    with SessionRecorder(path, floor_plan=FLOOR_PLAN) as recorder:
        for sf in frames:
            recorder.write_frame(sf)
    return path


@pytest.fixture(scope="module")
def frames():
    return list(synthetic_frames(24, period_s=0.5))


def test_replay_of_a_recording_equals_live_ingestion(frames, tmp_path):
    bag = record(tmp_path / "session.mcap", frames)
    live = live_memory(frames)
    replayed = MemoryStore.open(tmp_path / "replay.db", bag_floor_plan(bag))
    report = replay_bag(bag, replayed)
    assert report.frames_ingested == len(frames) and report.frames_rejected == 0
    assert all(c["dropped"] == 0 for c in report.topics.values()), report.topics
    assert memory_summary(replayed) == memory_summary(live)
    assert len(memory_summary(live)[0]) == 6
    replayed.close()
    reopened = MemoryStore.open(tmp_path / "replay.db")
    assert memory_summary(reopened) == memory_summary(live)  # durable, and the floor plan came from the bag
    assert [r.name for r in reopened.floor_plan.rooms] == ["kitchen", "living_room"]
    reopened.close()


def test_mcap_holds_real_ros2_messages(frames, tmp_path):
    from rclpy.serialization import deserialize_message
    from sensor_msgs.msg import Image

    bag = record(tmp_path / "s.mcap", frames[:2])
    records = list(read_bag(bag))
    assert len(records) == 12
    rgb = next(r for r in records if r.topic == "camera/color/image_raw")
    assert rgb.type_name == "sensor_msgs/msg/Image"
    image = deserialize_message(rgb.data, Image)
    assert (image.width, image.height, image.encoding) == (320, 240, "rgb8")
    assert rgb.log_time_ns == int(round(frames[0].time * 1e9))
    definition = message_definition("memory_interfaces/msg/Detections")
    assert "MSG: sensor_msgs/Image" in definition and "MSG: geometry_msgs/Point" in definition


def test_replay_of_a_rosbag2_directory(frames, tmp_path):
    from rosbags.rosbag2 import StoragePlugin, Writer

    mcap = record(tmp_path / "s.mcap", frames[:12])
    bag_dir = tmp_path / "bag2"
    with Writer(bag_dir, version=9, storage_plugin=StoragePlugin.MCAP) as writer:
        connections = {}
        for r in read_bag(mcap):
            if r.topic not in connections:
                connections[r.topic] = writer.add_connection(
                    r.topic, r.type_name, msgdef=message_definition(r.type_name), rihs01="RIHS01_" + "0" * 64)
            writer.write(connections[r.topic], r.log_time_ns, r.data)
    replayed = MemoryStore.open(None, FLOOR_PLAN)
    report = replay_bag(bag_dir, replayed)
    assert report.frames_ingested == 12
    assert memory_summary(replayed) == memory_summary(live_memory(frames[:12]))


def test_corrupt_and_foreign_messages_are_counted_not_fatal(frames, tmp_path):
    path = tmp_path / "hostile.mcap"
    with SessionRecorder(path, floor_plan=FLOOR_PLAN) as recorder:
        for i, sf in enumerate(frames[:6]):
            messages = sensor_frame_messages(sf)
            if i == 2:
                messages["depth"].data = bytes(10)  # size mismatch on depth
            for role, topic in (("camera_info", "camera/color/camera_info"), ("pose", "odom"),
                                ("camera_pose", "camera/pose"), ("rgb", "camera/color/image_raw"),
                                ("depth", "camera/depth/image_raw"), ("detections", "detections")):
                recorder.write_message(topic, messages[role], sf.time)
            recorder.write_message("chatter", messages["pose"], sf.time)
    store = MemoryStore.open(None, FLOOR_PLAN)
    report = replay_bag(path, store)
    assert report.skipped_topics == {"chatter": 6}
    assert report.topics["camera/depth/image_raw"]["invalid"] == 1
    assert "camera/depth/image_raw" in report.last_error or report.frames_ingested == 5
    assert report.frames_ingested == 5


def test_cli_replay_and_its_errors(frames, tmp_path):
    bag = record(tmp_path / "s.mcap", frames[:6])
    db = tmp_path / "m.db"
    done = subprocess.run([sys.executable, "-m", "memory_stack.cli", "replay", str(bag), "--db", str(db), "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    import json

    result = json.loads(done.stdout)
    assert result["frames_ingested"] == 6 and result["objects"] >= 3
    missing = subprocess.run([sys.executable, "-m", "memory_stack.cli", "replay", str(tmp_path / "nope.mcap"),
                              "--db", str(db)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert missing.returncode == 2 and "nope.mcap" in missing.stderr
    garbage = tmp_path / "garbage.mcap"
    garbage.write_bytes(b"not an mcap file at all")
    bad = subprocess.run([sys.executable, "-m", "memory_stack.cli", "replay", str(garbage), "--db", str(db)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and "garbage.mcap" in bad.stderr
    with MemoryStore.open(db) as store:  # the failed replays lost nothing already stored
        assert len(store.snapshot(None).objects) == result["objects"]


def test_cli_replay_takes_the_robot_map_from_a_floor_plan_file(frames, tmp_path):
    from scene_graph.floor_plan_file import save_floor_plan_file
    from scene_graph.types import FloorPlan, Room

    bag = record(tmp_path / "s.mcap", frames[:3])
    plan = FloorPlan((Room("lab", ((-20.0, -20.0), (20.0, -20.0), (20.0, 20.0), (-20.0, 20.0))),))
    map_file = save_floor_plan_file(plan, tmp_path / "map.yaml")
    db = tmp_path / "m.db"
    done = subprocess.run([sys.executable, "-m", "memory_stack.cli", "replay", str(bag), "--db", str(db),
                           "--floor-plan", str(map_file)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    with MemoryStore.open(db) as store:
        assert [r.name for r in store.floor_plan.rooms] == ["lab"]
        assert {o.room for o in store.snapshot(None).objects} == {"lab"}
    (tmp_path / "bad.yaml").write_text("rooms:\n  - {name: lab, polygon: [[0, 0], [1, 0]]}\n")
    bad = subprocess.run([sys.executable, "-m", "memory_stack.cli", "replay", str(bag), "--db", str(db),
                          "--floor-plan", str(tmp_path / "bad.yaml")], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert bad.returncode == 2 and "bad.yaml" in bad.stderr and "Traceback" not in bad.stderr
