"""The ingest path without a graph: messages -> synchroniser -> FrameProcessor -> store."""

from __future__ import annotations

import math

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
    for sf in synthetic_frames(12):
        (outcome,) = offer_all(p, conv.sensor_frame_messages(sf))
        assert outcome.error is None and outcome.observations >= 2
    assert p.stats.frames_ingested == 12
    assert {o.category for o in store.snapshot(None).objects} == {"counter", "mug", "bowl", "table", "keys", "book"}


def test_no_camera_info_yet_rejects_the_frame_and_counts_it():
    store = MemoryStore.open(None, FLOOR_PLAN)
    p = pipeline(store)
    messages = conv.sensor_frame_messages(next(synthetic_frames(1)))
    del messages["camera_info"]
    (outcome,) = offer_all(p, messages)
    assert outcome.error and "camera_info" in outcome.error
    assert p.stats.frames_rejected == 1 and p.stats.frames_without_camera_info == 1
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
