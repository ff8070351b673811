"""Recording to MCAP and replaying (MCAP file or rosbag2 directory) yields the memory of the live run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from memory_node.message_conversion import sensor_frame_messages
from memory_node.session_recording import SessionRecorder, bag_floor_plan, message_definition, read_bag
from memory_node.session_replay import replay_bag
from memory_stack.foundation.errors import BadInputError
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
    bag = record(tmp_path / "session", frames)
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


def test_the_recording_is_a_rosbag2_as_ros2_bag_record_writes_it(frames, tmp_path):
    import yaml
    from rclpy.serialization import deserialize_message
    from sensor_msgs.msg import Image

    bag = record(tmp_path / "s", frames[:2])
    records = list(read_bag(bag))
    assert len(records) == 2 * 7 + 1  # six inputs and /tf per frame, /tf_static once
    assert {r.topic for r in records} == {"/camera/color/image_raw", "/camera/depth/image_raw", "/detections", "/odom",
                                          "/camera/color/camera_info", "/camera/pose", "/tf", "/tf_static"}
    rgb = next(r for r in records if r.topic == "/camera/color/image_raw")
    assert rgb.type_name == "sensor_msgs/msg/Image"
    image = deserialize_message(rgb.data, Image)
    assert (image.width, image.height, image.encoding, image.header.frame_id) == (320, 240, "rgb8", "camera_optical")
    assert rgb.log_time_ns == int(round(frames[0].time * 1e9))
    # metadata.yaml has the fields rosbag2 (rosbag2_storage/yaml.hpp) decodes for version 9 (Jazzy, Kilted)
    info = yaml.safe_load((bag / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
    assert info["version"] == 9 and info["storage_identifier"] == "mcap" and info["message_count"] == len(records)
    assert isinstance(info["custom_data"], dict) and all(isinstance(v, str) for v in info["custom_data"].values())
    assert isinstance(info["ros_distro"], str) and info["compression_mode"] == "" and info["relative_file_paths"]
    assert "nanoseconds" in info["duration"] and "nanoseconds_since_epoch" in info["starting_time"]
    assert all((bag / f["path"]).is_file() and f["message_count"] and "nanoseconds" in f["duration"]
               for f in info["files"])
    topics = {t["topic_metadata"]["name"]: t for t in info["topics_with_message_count"]}
    for topic in topics.values():
        meta = topic["topic_metadata"]
        assert meta["serialization_format"] == "cdr" and meta["type_description_hash"].startswith("RIHS01_")
        # version 9: a list of profiles with policy names (rosbag2 PR 1476), one per publisher
        (qos,) = meta["offered_qos_profiles"]
        assert qos["reliability"] == "reliable" and qos["history"] == "keep_last"
    assert topics["/tf_static"]["topic_metadata"]["offered_qos_profiles"][0]["durability"] == "transient_local"
    assert topics["/tf"]["message_count"] == 2 and topics["/tf_static"]["message_count"] == 1
    definition = message_definition("memory_interfaces/msg/Detections")
    assert "MSG: sensor_msgs/Image" in definition and "MSG: geometry_msgs/Point" in definition


def test_the_tf_tree_places_the_camera_where_its_pose_says(frames, tmp_path):
    """REP 105 chain map -> odom -> base_link -> camera_optical; composed, it is the recorded camera pose."""
    import numpy as np
    from rosbags.typesys import Stores, get_typestore

    from scene_graph.types import Pose

    bag = record(tmp_path / "s", frames[:1])
    store = get_typestore(Stores.ROS2_JAZZY)
    links = {}
    for r in read_bag(bag):
        if r.topic in ("/tf", "/tf_static"):
            for t in store.deserialize_cdr(r.data, r.type_name).transforms:
                q, v = t.transform.rotation, t.transform.translation
                links[t.child_frame_id] = (t.header.frame_id, Pose(v.x, v.y, v.z, q.x, q.y, q.z, q.w).matrix())
    chain, frame = np.eye(4), "camera_optical"
    while frame in links:
        parent, matrix = links[frame]
        chain, frame = matrix @ chain, parent
    assert frame == "map" and set(links) == {"odom", "base_link", "camera_optical"}
    assert np.allclose(chain, frames[0].camera_pose.matrix(), atol=1e-6)


def test_corrupt_and_foreign_messages_are_counted_not_fatal(frames, tmp_path):
    path = tmp_path / "hostile"
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
    assert report.skipped_topics == {"/chatter": 6}
    assert report.topics["camera/depth/image_raw"]["invalid"] == 1
    assert "camera/depth/image_raw" in report.last_error or report.frames_ingested == 5
    assert report.frames_ingested == 5


def test_cli_replay_and_its_errors(frames, tmp_path):
    bag = record(tmp_path / "s", frames[:6])
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

    bag = record(tmp_path / "s", frames[:3])
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


UNIX_MIDNIGHT = 1_765_065_600.0  # 2025-12-07T00:00:00Z


def on_a_wall_clock(frames, midnight=UNIX_MIDNIGHT):
    import dataclasses

    return [dataclasses.replace(sf, time=midnight + sf.time) for sf in frames]


def test_a_robot_bag_with_unix_stamps_replays_into_the_memory_of_the_live_session(frames, tmp_path):
    """Leading '/', Unix stamps, QoS in metadata: the bag `ros2 bag record` writes on a robot on wall time."""
    from memory_node import message_conversion as conv
    from memory_node.ingest_pipeline import IngestPipeline, IngestSettings, IngestTopics
    from memory_stack.foundation.time_epoch import MemoryClock

    robot_frames = on_a_wall_clock(frames)
    live = MemoryStore.open(tmp_path / "live.db", FLOOR_PLAN)  # the live ingest path, as ingest_node runs it
    pipeline = IngestPipeline(IngestSettings(), FrameProcessor(), live.ingest,
                              clock=MemoryClock("auto", live.time_epoch), record_epoch=live.set_time_epoch)
    topics = IngestTopics()
    with SessionRecorder(tmp_path / "robot", floor_plan=FLOOR_PLAN) as recorder:
        for sf in robot_frames:
            recorder.write_frame(sf)
            messages = conv.sensor_frame_messages(sf)
            for role in ("camera_info", "camera_pose", "pose", "rgb", "depth", "detections"):
                pipeline.offer(getattr(topics, role), messages[role])
    assert {r.topic for r in read_bag(tmp_path / "robot")} >= {"/camera/color/image_raw", "/odom"}
    replayed = MemoryStore.open(tmp_path / "replay.db", bag_floor_plan(tmp_path / "robot"))
    report = replay_bag(tmp_path / "robot", replayed)
    assert report.frames_ingested == len(frames)
    assert replayed.time_epoch == live.time_epoch == UNIX_MIDNIGHT
    assert memory_summary(replayed) == memory_summary(live)
    # and it is the memory a simulator session of the same frames builds, on the same day count
    assert memory_summary(replayed) == memory_summary(live_memory(frames))


def test_a_bag_of_the_next_day_continues_the_memory_on_its_own_day_count(frames, tmp_path):
    """The memory keeps the epoch its first day fixed: day 2's frames are 86400 s on, not a new day 1."""
    for day, name in ((0, "day1"), (1, "day2")):
        with SessionRecorder(tmp_path / name, floor_plan=FLOOR_PLAN) as recorder:
            for sf in on_a_wall_clock(frames[:4], UNIX_MIDNIGHT + 86400.0 * day):
                recorder.write_frame(sf)
    with MemoryStore.open(tmp_path / "m.db", FLOOR_PLAN) as store:
        replay_bag(tmp_path / "day1", store)
        day_one = store.last_time
        assert replay_bag(tmp_path / "day2", store).frames_ingested == 4
        assert store.time_epoch == UNIX_MIDNIGHT and store.last_time == day_one + 86400.0


def test_remapped_topics_and_a_restarted_replay_continue_one_memory(frames, tmp_path):
    from memory_node.ingest_pipeline import IngestTopics
    from memory_node.session_replay import parse_remaps

    topics = IngestTopics(rgb="head/rgb", depth="head/depth", camera_info="head/info")
    robot_frames = on_a_wall_clock(frames)
    for name, part in (("first", robot_frames[:12]), ("second", robot_frames[12:])):
        with SessionRecorder(tmp_path / name, topics=topics, floor_plan=FLOOR_PLAN) as recorder:
            for sf in part:
                recorder.write_frame(sf)
    remap = parse_remaps(["/head/rgb:=camera/color/image_raw", "head/depth:=/camera/depth/image_raw",
                          "/head/info:=camera/color/camera_info"])
    store = MemoryStore.open(tmp_path / "m.db", FLOOR_PLAN)
    assert replay_bag(tmp_path / "first", store, remap=remap).frames_ingested == 12
    store.close()
    store = MemoryStore.open(tmp_path / "m.db")  # a restart: the memory keeps its epoch and takes newer frames
    second = replay_bag(tmp_path / "second", store, remap=remap)
    assert second.frames_ingested == 12 and second.frames_rejected == 0
    assert memory_summary(store) == memory_summary(live_memory(frames))
    for bad in ("head/rgb", ":=camera/color/image_raw", "/head/rgb:=", "/:=camera/color/image_raw", " := "):
        with pytest.raises(BadInputError, match="FROM:=TO"):  # no source, no target, or neither
            parse_remaps([bad])


def test_a_bag_whose_topics_match_no_input_is_an_error_naming_them(frames, tmp_path):
    from memory_node.ingest_pipeline import IngestTopics

    with SessionRecorder(tmp_path / "other", topics=IngestTopics(rgb="head/rgb")) as recorder:
        for sf in frames[:3]:
            recorder.write_frame(sf)
    store = MemoryStore.open(None, FLOOR_PLAN)
    with pytest.raises(BadInputError) as error:
        replay_bag(tmp_path / "other", store)
    message = str(error.value)
    assert "0 frames ingested" in message and "/head/rgb (3)" in message and "camera/color/image_raw" in message
    assert store.last_frame_id == -1
    db = tmp_path / "m.db"
    done = subprocess.run([sys.executable, "-m", "memory_stack.cli", "replay", str(tmp_path / "other"), "--db",
                           str(db)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2 and "/head/rgb (3)" in done.stderr and "Traceback" not in done.stderr
    remapped = subprocess.run([sys.executable, "-m", "memory_stack.cli", "replay", str(tmp_path / "other"), "--db",
                               str(db), "--remap", "/head/rgb:=camera/color/image_raw", "--json"],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert remapped.returncode == 0, remapped.stderr


def test_without_a_camera_pose_topic_the_replay_places_the_camera_from_the_bags_tf(frames, tmp_path):
    from memory_node.ingest_pipeline import IngestSettings, IngestTopics

    bag = record(tmp_path / "s", frames[:12])
    from_tf = MemoryStore.open(None, FLOOR_PLAN)
    report = replay_bag(bag, from_tf, IngestSettings(topics=IngestTopics(camera_pose="")))
    assert report.frames_ingested == 12 and report.skipped_topics == {"/camera/pose": 12}
    assert memory_summary(from_tf) == memory_summary(live_memory(frames[:12]))  # /tf: the same camera poses


def test_a_tf_buffer_composes_chains_and_refuses_what_it_does_not_know():
    import numpy as np
    from rosbags.typesys import Stores, get_typestore

    from memory_node.bag_transforms import BagTransforms
    from memory_node.session_recording import tf_message_cdr
    from scene_graph.types import Pose

    store = get_typestore(Stores.ROS2_JAZZY)
    buffer = BagTransforms(tolerance_s=0.05)
    buffer.add(tf_message_cdr(store, 0.0, [("map", "odom", Pose.from_xyz_yaw(1.0, 0.0, 0.0, 0.0))]), static=True)
    buffer.add(tf_message_cdr(store, 10.0, [("odom", "base_link", Pose.from_xyz_yaw(0.0, 2.0, 0.0, np.pi / 2))]),
               static=False)
    base = buffer.lookup("map", "base_link", 10.02)
    assert (base.x, base.y) == pytest.approx((1.0, 2.0)) and base.yaw == pytest.approx(np.pi / 2)
    odom_in_base = buffer.lookup("base_link", "odom", 10.0)
    assert np.allclose(base.matrix() @ odom_in_base.matrix(), Pose.from_xyz_yaw(1.0, 0.0, 0.0, 0.0).matrix())
    assert buffer.lookup("map", "base_link", 11.0) is None  # no sample near that time
    assert buffer.lookup("map", "camera_optical", 10.0) is None  # not in the tree
