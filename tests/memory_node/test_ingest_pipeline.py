"""The ingest path without a graph: messages -> synchroniser -> FrameProcessor -> store."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest
from memory_interfaces.msg import Detections

from memory_node import message_conversion as conv
from memory_node.ingest_pipeline import (
    CameraMount,
    IngestPipeline,
    IngestSettings,
    IngestTopics,
    settings_from_parameters,
)
from memory_stack.foundation.errors import BadInputError
from perception.frame_processing import FrameProcessor
from perception.synthetic_stream import FLOOR_PLAN, synthetic_frames
from scene_graph.store import MemoryStore
from scene_graph.types import Observation, Pose

T = IngestTopics()
ROLE_TOPIC = {"camera_info": T.camera_info, "pose": T.pose, "camera_pose": T.camera_pose, "rgb": T.rgb,
              "depth": T.depth, "detections": T.detections}


def pipeline(store, **settings):
    return IngestPipeline(IngestSettings(**settings), FrameProcessor(), store.ingest)


def offer_all(p, messages, roles=ROLE_TOPIC):
    outcomes = [p.offer(topic, messages[role]) for role, topic in roles.items() if role in messages]
    return [o for o in outcomes if o is not None]


def test_frames_flow_into_the_store():
    store = MemoryStore.open(None, FLOOR_PLAN)
    p = pipeline(store)
    outcomes = []
    for sf in synthetic_frames(12):
        (outcome,) = offer_all(p, conv.sensor_frame_messages(sf))
        assert outcome.error is None and outcome.observations >= 2
        outcomes.append(outcome)
    assert p.stats.frames_ingested == 12
    assert [o.frame_id for o in outcomes] == list(range(outcomes[0].frame_id, outcomes[0].frame_id + 12))
    assert p.stats.observations == sum(o.observations for o in outcomes)
    assert p.stats.events == sum(len(o.result.events) for o in outcomes) > 0
    assert all(o.processing_ms > 0 for o in outcomes)
    assert p.stats.processing_ms_total == pytest.approx(sum(o.processing_ms for o in outcomes))
    assert p.stats.last_frame_time == outcomes[-1].time
    assert {o.category for o in store.snapshot(None).objects} == {"counter", "mug", "bowl", "table", "keys", "book"}


def test_no_camera_info_yet_rejects_the_frame_and_counts_it():
    store = MemoryStore.open(None, FLOOR_PLAN)
    p = pipeline(store)
    messages = conv.sensor_frame_messages(next(synthetic_frames(1)))
    del messages["camera_info"]
    (outcome,) = offer_all(p, messages)
    assert outcome.error and "camera_info" in outcome.error
    assert p.stats.frames_rejected == 1 and p.stats.frames_without_camera_info == 1
    assert p.stats.last_error == outcome.error
    later = conv.sensor_frame_messages(list(synthetic_frames(2))[1])
    del later["camera_info"]
    (second,) = offer_all(p, later)
    assert second.error and second.frame_id == outcome.frame_id + 1
    assert p.stats.frames_rejected == 2 and p.stats.frames_without_camera_info == 2
    assert store.snapshot(None).objects == []


def test_detections_with_3d_observations_and_no_mask():
    store = MemoryStore.open(None, FLOOR_PLAN)
    p = pipeline(store)
    for sf in synthetic_frames(2):
        messages = conv.sensor_frame_messages(sf)
        detections = Detections(header=messages["detections"].header)
        detections.observations = [conv.observation_to_msg(Observation(
            category="plant", centroid=(2.0, 1.0, 0.5), bbox_min=(1.9, 0.9, 0.0), bbox_max=(2.1, 1.1, 1.0)))]
        messages["detections"] = detections
        (outcome,) = offer_all(p, messages)
        assert outcome.error is None and outcome.observations == 1
    (plant,) = store.locate("plant")
    assert plant.position == pytest.approx((2.0, 1.0, 0.5))


def test_camera_mount_composes_with_the_robot_pose():
    store = MemoryStore.open(None, FLOOR_PLAN)
    mount = CameraMount(xyz=(0.1, 0.0, 1.2), rpy=(0.0, 0.3, 0.0))
    robot = Pose.from_xyz_yaw(2.0, 1.0, 0.0, math.pi / 2)
    optical = mount.optical_pose(robot)
    forward = optical.rotation_matrix()[:, 2]
    assert optical.position == pytest.approx([2.0, 1.1, 1.2])
    assert forward == pytest.approx([0.0, math.cos(0.3), -math.sin(0.3)], abs=1e-9)  # yaw 90 deg, pitched down
    assert optical.rotation_matrix()[:, 0] == pytest.approx([1.0, 0.0, 0.0], abs=1e-9)  # image right
    p = pipeline(store, topics=IngestTopics(camera_pose=""), camera_mount=mount)
    assert T.camera_pose not in p.synchronized_topics
    messages = conv.sensor_frame_messages(next(synthetic_frames(1)))
    roles = {k: v for k, v in ROLE_TOPIC.items() if k != "camera_pose"}
    (outcome,) = offer_all(p, messages, roles)
    assert outcome.error is None


def test_pose_stamped_source_and_wrong_pose_type():
    store = MemoryStore.open(None, FLOOR_PLAN)
    p = pipeline(store, topics=IngestTopics(pose="pose"), pose_source="pose_stamped")
    sf = next(synthetic_frames(1))
    messages = conv.sensor_frame_messages(sf)
    messages["pose"] = conv.pose_stamped_from_pose(sf.robot_pose, sf.time)
    roles = dict(ROLE_TOPIC, pose="pose")
    (outcome,) = offer_all(p, messages, roles)
    assert outcome.error is None
    q = pipeline(store)  # odometry expected, PoseStamped sent: rejected on arrival, named
    q.offer(T.pose, messages["pose"])
    assert q.topic_counters()[T.pose].invalid == 1 and "Odometry" in q.stats.last_error


def test_settings_from_a_parameter_section():
    settings = settings_from_parameters({"rgb_topic": "/cam/rgb", "sync_slop_s": 0.05, "sync_queue_size": 7,
                                         "camera_pose_topic": "", "camera_mount_xyz": [0, 0, 1], "db_path": "x"})
    assert settings.topics.rgb == "/cam/rgb" and settings.topics.camera_pose == ""
    assert (settings.slop_s, settings.queue_size, settings.camera_mount.xyz) == (0.05, 7, (0.0, 0.0, 1.0))
    with pytest.raises(BadInputError, match="sync_queue_size|invalid literal"):
        settings_from_parameters({"sync_queue_size": "many"}, source="p.yaml")
    with pytest.raises(BadInputError, match="distinct"):
        IngestPipeline(IngestSettings(topics=IngestTopics(depth="camera/color/image_raw")), None, print)
    with pytest.raises(BadInputError, match="pose_source"):
        IngestPipeline(IngestSettings(pose_source="gps"), None, print)


def test_depth_16uc1_millimetres_ingest_like_metres():
    a, b = MemoryStore.open(None, FLOOR_PLAN), MemoryStore.open(None, FLOOR_PLAN)
    pa, pb = pipeline(a), pipeline(b)
    for sf in synthetic_frames(12):
        offer_all(pa, conv.sensor_frame_messages(sf))
        offer_all(pb, conv.sensor_frame_messages(sf, depth_encoding="16UC1"))
    pos_a = {o.category: np.array(o.position) for o in a.snapshot(None).objects}
    pos_b = {o.category: np.array(o.position) for o in b.snapshot(None).objects}
    assert pos_a.keys() == pos_b.keys()
    assert all(np.allclose(pos_a[k], pos_b[k], atol=0.01) for k in pos_a)


UNIX_MIDNIGHT = 1_765_065_600.0  # 2025-12-07T00:00:00Z


def unix_stamped(frames, midnight=UNIX_MIDNIGHT):
    """The frames as a robot on wall time would stamp them (same time of day, Unix seconds)."""
    for sf in frames:
        yield midnight + sf.time, conv.sensor_frame_messages(dataclasses.replace(sf, time=midnight + sf.time))


def test_unix_stamps_become_memory_time_from_the_midnight_of_the_first_frame(tmp_path):
    from memory_stack.foundation.time_epoch import MemoryClock
    from memory_stack.foundation.time_format import format_time

    frames = list(synthetic_frames(16, start_time=10 * 3600.0, period_s=0.5))
    store = MemoryStore.open(tmp_path / "m.db", FLOOR_PLAN)
    p = IngestPipeline(IngestSettings(), FrameProcessor(), store.ingest, clock=MemoryClock(store.config.time_epoch,
                       store.time_epoch), record_epoch=store.set_time_epoch)
    for _, messages in unix_stamped(frames[:8]):
        offer_all(p, messages)
    assert store.time_epoch == UNIX_MIDNIGHT
    assert format_time(store.now) == format_time(frames[7].time) == "d1 10:00:03.500"
    store.close()

    # a restarted stack: a new pipeline on the reopened memory continues on the epoch it keeps
    reopened = MemoryStore.open(tmp_path / "m.db")
    settings = IngestSettings(first_frame_id=reopened.last_frame_id + 1)
    restarted = IngestPipeline(settings, FrameProcessor(), reopened.ingest,
                               clock=MemoryClock(reopened.config.time_epoch, reopened.time_epoch),
                               record_epoch=reopened.set_time_epoch)
    for _, messages in unix_stamped(frames[8:]):
        offer_all(restarted, messages)
    assert restarted.stats.frames_ingested == 8 and restarted.stats.frames_rejected == 0
    assert reopened.now == pytest.approx(frames[-1].time, abs=1e-6)

    sim = MemoryStore.open(None, FLOOR_PLAN)  # the same frames on the simulator's clock (epoch 0)
    p_sim = pipeline(sim)
    for sf in frames:
        offer_all(p_sim, conv.sensor_frame_messages(sf))
    assert sorted((o.category, o.first_seen) for o in reopened.snapshot(None).objects) == \
        sorted((o.category, o.first_seen) for o in sim.snapshot(None).objects)


def test_a_stamp_before_the_memory_epoch_is_rejected_not_stored(tmp_path):
    from memory_stack.foundation.time_epoch import MemoryClock

    store = MemoryStore.open(None, FLOOR_PLAN)
    store.set_time_epoch(UNIX_MIDNIGHT)
    p = IngestPipeline(IngestSettings(), FrameProcessor(), store.ingest, clock=MemoryClock("auto", store.time_epoch))
    _, messages = next(unix_stamped(synthetic_frames(1), UNIX_MIDNIGHT - 86400.0))
    (outcome,) = offer_all(p, messages)
    assert outcome.error and "before the memory's d1 00:00" in outcome.error
    assert store.last_frame_id == -1


def test_odometry_in_odom_is_not_taken_for_a_map_pose_without_tf():
    store = MemoryStore.open(None, FLOOR_PLAN)
    p = pipeline(store)
    for sf in synthetic_frames(3):
        messages = conv.sensor_frame_messages(sf)
        messages["pose"].header.frame_id = "odom"
        assert offer_all(p, messages) == []
    counters = p.topic_counters()
    assert counters[T.pose].wrong_frame == 3 and counters[T.pose].dropped == 3
    assert "'odom' is not 'map'" in p.stats.last_error and T.pose in p.stats.last_error
    assert store.last_frame_id == -1


def test_a_pose_in_odom_is_brought_into_map_by_the_transform():
    shift = Pose.from_xyz_yaw(0.5, -0.25, 0.0, 0.0)  # where odom sits in map (the localiser's map -> odom)
    asked = []

    def transforms(target, source, stamp):
        asked.append((target, source, stamp))
        return shift if (target, source) == ("map", "odom") else None

    store = MemoryStore.open(None, FLOOR_PLAN)
    p = IngestPipeline(IngestSettings(), FrameProcessor(), store.ingest, transforms=transforms)
    sf = next(synthetic_frames(1))
    messages = conv.sensor_frame_messages(sf)
    in_odom = Pose.from_matrix(np.linalg.inv(shift.matrix()) @ sf.robot_pose.matrix())
    messages["pose"] = conv.odometry_from_pose(in_odom, sf.time, "odom")
    (outcome,) = offer_all(p, messages)
    assert outcome.error is None and asked == [("map", "odom", sf.time)]
    (row,) = store.trajectory()
    assert row[1:3] == pytest.approx((sf.robot_pose.x, sf.robot_pose.y), abs=1e-6)


def test_odometry_in_odom_is_composed_with_the_latest_map_to_odom_correction_from_its_topic():
    """No tf2_ros: map pose = map->odom (TransformStamped on map_to_odom, latest at or before the stamp) * odom pose."""
    store = MemoryStore.open(None, FLOOR_PLAN)
    p = pipeline(store, map_to_odom_topic="map_to_odom")
    frames = list(synthetic_frames(3))
    first = conv.sensor_frame_messages(frames[0])
    first["pose"] = conv.odometry_from_pose(frames[0].robot_pose, frames[0].time, "odom")
    assert offer_all(p, first) == [], "no correction received yet: not a map pose"
    assert "'odom' is not 'map'" in p.stats.last_error and "map_to_odom" in p.stats.last_error

    wrong = conv.transform_stamped_from_pose(Pose.from_xyz_yaw(0, 0, 0, 0), 0.0, "world", "odom")
    p.offer("map_to_odom", wrong)
    assert p.topic_counters()["map_to_odom"].wrong_frame == 1, "a correction not from map is counted, not used"
    corrections = {frames[0].time: Pose.from_xyz_yaw(0.0, 0.0, 0.0, 0.0),  # the localiser's map -> odom over time
                   frames[1].time - 0.01: Pose.from_xyz_yaw(0.4, -0.2, 0.0, 0.1)}
    for stamp, correction in reversed(corrections.items()):  # arrival order does not matter, stamps do
        p.offer("map_to_odom", conv.transform_stamped_from_pose(correction, stamp, "map", "odom"))
    for sf, correction in zip(frames[1:], [corrections[frames[1].time - 0.01]] * 2):
        messages = conv.sensor_frame_messages(sf)
        in_odom = Pose.from_matrix(np.linalg.inv(correction.matrix()) @ sf.robot_pose.matrix())
        messages["pose"] = conv.odometry_from_pose(in_odom, sf.time, "odom")
        (outcome,) = offer_all(p, messages)
        assert outcome.error is None
    assert p.stats.frames_ingested == 2
    rows = store.trajectory()  # (the robot stands still in these frames: one trajectory node, at its true pose)
    assert [r[1:3] for r in rows] == [pytest.approx((frames[1].robot_pose.x, frames[1].robot_pose.y), abs=1e-6)]
    counters = p.topic_counters()
    assert counters["map_to_odom"].matched == 2 and counters[T.pose].wrong_frame == 1


def test_the_camera_pose_comes_from_tf_when_there_is_no_camera_pose_topic():
    sf = next(synthetic_frames(1))

    def transforms(target, source, stamp):
        return sf.camera_pose if (target, source) == ("map", "camera_optical") else None

    roles = {k: v for k, v in ROLE_TOPIC.items() if k != "camera_pose"}
    with_tf = MemoryStore.open(None, FLOOR_PLAN)
    p = IngestPipeline(IngestSettings(topics=IngestTopics(camera_pose="")), FrameProcessor(), with_tf.ingest,
                       transforms=transforms)
    (outcome,) = offer_all(p, conv.sensor_frame_messages(sf), roles)
    reference = MemoryStore.open(None, FLOOR_PLAN)
    (expected,) = offer_all(pipeline(reference), conv.sensor_frame_messages(sf))
    assert outcome.error is None and outcome.observations == expected.observations >= 2
    assert sorted((o.category, tuple(np.round(o.position, 6))) for o in with_tf.snapshot(None).objects) == \
        sorted((o.category, tuple(np.round(o.position, 6))) for o in reference.snapshot(None).objects)
    messages = conv.sensor_frame_messages(next(synthetic_frames(2, start_time=8 * 3600.0)))
    for message in (messages["rgb"], messages["depth"], messages["detections"]):
        message.header.frame_id = "head_camera"  # no transform for it: rejected, not placed by the mount
    (missing,) = offer_all(p, messages, roles)
    assert missing.error and "no transform 'map' <- 'head_camera'" in missing.error


def test_depth_in_another_frame_than_the_colour_image_rejects_the_frame():
    store = MemoryStore.open(None, FLOOR_PLAN)
    p = pipeline(store)
    messages = conv.sensor_frame_messages(next(synthetic_frames(1)))
    messages["depth"].header.frame_id = "depth_optical"
    (outcome,) = offer_all(p, messages)
    assert outcome.error and "'depth_optical' is not the colour image's frame 'camera_optical'" in outcome.error
    assert p.topic_counters()[T.depth].wrong_frame == 1 and store.last_frame_id == -1


def test_a_flood_of_drops_is_counted_in_full_and_said_at_most_once_a_second_per_topic():
    store = MemoryStore.open(None, FLOOR_PLAN)
    said, now = [], [0.0]
    p = IngestPipeline(IngestSettings(), FrameProcessor(), store.ingest, warn=lambda line: said.append((now[0], line)),
                       log_clock=lambda: now[0])
    messages = conv.sensor_frame_messages(next(synthetic_frames(1)))
    assert len(offer_all(p, messages)) == 1  # the frame goes in; every copy of its messages is a duplicate
    for i in range(60):  # 3 s of copies, one every 50 ms, on rgb and depth
        now[0] = 0.05 * (i + 1)
        assert p.offer(T.rgb, messages["rgb"]) is None and p.offer(T.depth, messages["depth"]) is None
    counters = p.topic_counters()
    assert counters[T.rgb].duplicate == 60 and counters[T.depth].duplicate == 60
    for topic in (T.rgb, T.depth):
        lines = [(t, line) for t, line in said if line.startswith(f"dropped messages on {topic}:")]
        times = [t for t, _ in lines]
        assert len(lines) == 3 and all(b - a >= 1.0 - 1e-9 for a, b in zip(times, times[1:])), said
        counts = [re.search(r": (\d+) duplicate \(so far (\d+) duplicate\)$", line).groups() for _, line in lines]
        new, so_far = [int(n) for n, _ in counts], [int(total) for _, total in counts]
        assert new[0] == 1 and sum(new) == so_far[-1] >= 40  # each drop said once, in the line after it happened
    assert p.stats.frames_ingested == 1


def test_a_frame_already_stored_is_skipped_saying_why_in_its_outcome_and_the_log():
    store = MemoryStore.open(None, FLOOR_PLAN)
    frames = [conv.sensor_frame_messages(sf) for sf in synthetic_frames(3)]
    first = pipeline(store)
    for messages in frames[:2]:
        offer_all(first, messages)
    said = []
    resumed = IngestPipeline(IngestSettings(), FrameProcessor(), store.ingest, warn=said.append)
    resumed.resume_after, resumed.already_stored = store.last_time, store.is_last_stored
    (old,) = offer_all(resumed, frames[0])  # before the memory's last time
    (last,) = offer_all(resumed, frames[1])  # the memory's last frame itself
    (new,) = offer_all(resumed, frames[2])
    assert old.error.startswith("already stored (before the memory's last time")
    assert last.error == "already stored (the memory's last frame)" and new.error is None
    assert resumed.stats.frames_already_stored == 2 and store.frames_stored == 3
    assert said == [f"frame at t={old.time:.3f} not ingested: {old.error}"]  # the second within a second: counted
