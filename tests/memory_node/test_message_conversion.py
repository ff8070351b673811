"""Message <-> core type conversions: every encoding, round trips, and errors naming topic and field."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from geometry_msgs.msg import PoseStamped
from memory_interfaces.msg import Detections, ObjectObservation
from sensor_msgs.msg import CameraInfo, Image

from memory_node import message_conversion as conv
from memory_node.message_conversion import MessageConversionError
from memory_stack.foundation.errors import BadInputError
from scene_graph.records import LocationBelief, MemoryEvent, SceneObject
from scene_graph.types import CameraIntrinsics, Observation, Pose

RNG = np.random.default_rng(7)


def test_stamps_carry_seconds_since_d1_midnight():
    for t in (0.0, 1.5, 86400.0 + 8.5 * 3600.0, 13 * 86400.0 + 0.123456789):
        stamp = conv.seconds_to_stamp(t)
        assert stamp.sec == int(t)
        assert conv.stamp_to_seconds(stamp) == pytest.approx(t, abs=1e-9)
    with pytest.raises(BadInputError):
        conv.seconds_to_stamp(float("nan"))


def test_rgb8_and_bgr8_decode_to_rgb():
    rgb = RNG.integers(0, 255, (6, 8, 3), dtype=np.uint8)
    msg = conv.rgb_to_image(rgb, 1.0)
    assert msg.encoding == "rgb8" and msg.step == 24
    np.testing.assert_array_equal(conv.rgb_from_image(msg, "cam"), rgb)
    bgr = conv.array_to_image(np.ascontiguousarray(rgb[:, :, ::-1]), "bgr8", 1.0, "c")
    np.testing.assert_array_equal(conv.rgb_from_image(bgr, "cam"), rgb)
    rgba = conv.array_to_image(np.dstack([rgb, np.full((6, 8), 255, np.uint8)]), "rgba8", 1.0, "c")
    np.testing.assert_array_equal(conv.rgb_from_image(rgba, "cam"), rgb)


def test_depth_32fc1_metres_and_16uc1_millimetres():
    depth = RNG.uniform(0.3, 5.0, (5, 7)).astype(np.float32)
    depth[0, 0] = np.nan
    back = conv.depth_from_image(conv.depth_to_image(depth, 2.0), "depth")
    np.testing.assert_array_equal(np.isnan(back), np.isnan(depth))
    np.testing.assert_allclose(back[~np.isnan(back)], depth[~np.isnan(depth)])
    for encoding in ("16UC1", "mono16"):
        mm = conv.depth_from_image(conv.depth_to_image(depth, 2.0, encoding=encoding), "depth")
        assert math.isnan(mm[0, 0])  # 0 mm = no return
        np.testing.assert_allclose(mm[1:], depth[1:], atol=0.0006)


def test_big_endian_and_padded_rows_decode():
    values = np.arange(12, dtype=np.uint16).reshape(3, 4) * 300
    msg = Image(height=3, width=4, encoding="16UC1", is_bigendian=1, step=10)
    rows = [values[r].astype(">u2").tobytes() + b"\x00\x00" for r in range(3)]
    msg.data = b"".join(rows)
    np.testing.assert_array_equal(conv.image_to_array(msg, "t"), values)


def test_masks_mono16_16uc1_32sc1():
    mask = RNG.integers(0, 40, (4, 6)).astype(np.int32)
    for encoding in ("mono16", "16UC1", "32SC1"):
        msg = conv.mask_to_image(mask, 3.0, encoding=encoding)
        out = conv.mask_from_image(msg, "detections")
        assert out.dtype == np.int32
        np.testing.assert_array_equal(out, mask)


@pytest.mark.parametrize("encoding", ["yuv422", "8UC3", ""])
def test_unknown_encoding_names_topic_and_field(encoding):
    msg = Image(height=2, width=2, encoding=encoding, step=6, data=bytes(12))
    with pytest.raises(MessageConversionError, match=r"topic '/camera/rgb': field 'encoding'"):
        conv.rgb_from_image(msg, "/camera/rgb")


def test_wrong_kind_of_encoding_is_rejected():
    depth_msg = conv.depth_to_image(np.ones((2, 2), np.float32), 0.0)
    with pytest.raises(MessageConversionError, match="encoding"):
        conv.rgb_from_image(depth_msg, "rgb")
    with pytest.raises(MessageConversionError, match="encoding"):
        conv.mask_from_image(depth_msg, "mask")


def test_size_mismatches_name_the_field():
    msg = conv.rgb_to_image(np.zeros((4, 4, 3), np.uint8), 0.0)
    msg.data = bytes(47)
    with pytest.raises(MessageConversionError, match="field 'data'.*47 bytes"):
        conv.rgb_from_image(msg, "rgb")
    msg = conv.rgb_to_image(np.zeros((4, 4, 3), np.uint8), 0.0)
    msg.step = 8
    with pytest.raises(MessageConversionError, match="field 'step'"):
        conv.rgb_from_image(msg, "rgb")
    msg = Image(height=0, width=4, encoding="rgb8", step=12)
    with pytest.raises(MessageConversionError, match="width/height"):
        conv.rgb_from_image(msg, "rgb")


def test_negative_depth_and_negative_mask_ids_are_rejected():
    with pytest.raises(MessageConversionError, match="negative depth"):
        conv.depth_from_image(conv.depth_to_image(-np.ones((2, 2), np.float32), 0.0), "d")
    with pytest.raises(MessageConversionError, match="negative instance"):
        conv.mask_from_image(conv.mask_to_image(-np.ones((2, 2), np.int32), 0.0), "m")


def test_camera_info_round_trip_and_errors():
    intrinsics = CameraIntrinsics.from_hfov(320, 240, 70.0)
    msg = conv.camera_info_from_intrinsics(intrinsics, 5.0)
    assert conv.intrinsics_from_camera_info(msg, "info") == intrinsics
    bad = CameraInfo(width=320, height=240)
    with pytest.raises(MessageConversionError, match="field 'k'"):
        conv.intrinsics_from_camera_info(bad, "info")


def test_poses_round_trip_and_reject_nan_and_non_unit_quaternions():
    pose = Pose.from_xyz_yaw(1.0, -2.0, 0.3, 0.7)
    odom = conv.odometry_from_pose(pose, 4.0)
    assert conv.pose_from_odometry(odom, "odom") == pose
    stamped = conv.pose_stamped_from_pose(pose, 4.0)
    assert conv.pose_from_pose_stamped(stamped, "pose") == pose
    assert conv.stamp_to_seconds(stamped.header.stamp) == pytest.approx(4.0)
    nan = PoseStamped()
    nan.pose.orientation.w = 1.0
    nan.pose.position.x = float("nan")
    with pytest.raises(MessageConversionError, match="topic 'pose': field 'pose'.*non-finite"):
        conv.pose_from_pose_stamped(nan, "pose")
    skew = PoseStamped()
    skew.pose.orientation.w = 0.5
    with pytest.raises(MessageConversionError, match=r"pose\.orientation.*norm"):
        conv.pose_from_pose_stamped(skew, "pose")
    odom.pose.pose.orientation.w = 2.0
    with pytest.raises(MessageConversionError, match=r"topic 'odom': field 'pose\.pose\.orientation'"):
        conv.pose_from_odometry(odom, "odom")


def test_detections_mask_and_label_table():
    mask = np.zeros((4, 5), np.int32)
    mask[1:3, 1:3] = 7
    mask[0, 4] = 3
    msg = conv.detections_from_mask(mask, {7: "mug", 3: "keys"}, {7: 0.8}, 9.0)
    out_mask, labels, confidences = conv.mask_and_labels_from_detections(msg, "detections")
    np.testing.assert_array_equal(out_mask, mask)
    assert labels == {3: "keys", 7: "mug"}
    assert confidences == {3: 1.0, 7: pytest.approx(0.8)}
    msg.mask_labels = ["keys"]
    with pytest.raises(MessageConversionError, match="field 'mask_labels'"):
        conv.label_table_from_detections(msg, "detections")
    msg = conv.detections_from_mask(mask, {7: "mug"}, {}, 9.0)
    msg.mask_ids = [0]
    with pytest.raises(MessageConversionError, match="mask_ids"):
        conv.label_table_from_detections(msg, "detections")


def test_detections_3d_observations_round_trip():
    obs = Observation(category="mug", centroid=(1.0, 2.0, 0.9), bbox_min=(0.95, 1.95, 0.85),
                      bbox_max=(1.05, 2.05, 0.95), confidence=0.7, num_points=120, mean_color=(0.5, 0.2, 0.1),
                      embedding=np.array([0.1, 0.2], np.float32), state="open", state_confidence=0.6, instance_id=4,
                      partial=True)
    whole = dataclasses.replace(obs, instance_id=5, partial=False)
    msg = Detections()
    msg.observations = [conv.observation_to_msg(obs), conv.observation_to_msg(whole)]
    back, back_whole = conv.observations_from_detections(msg, "detections")
    assert back.category == "mug" and back.instance_id == 4 and back.state == "open"
    assert back.partial and not back_whole.partial  # a border-cut box must not pass for the whole object
    assert back.centroid == pytest.approx(obs.centroid)
    assert back.confidence == pytest.approx(0.7)
    np.testing.assert_allclose(back.embedding, obs.embedding)
    bad = ObjectObservation(label="mug", confidence=1.5)
    msg.observations = [bad]
    with pytest.raises(MessageConversionError, match=r"observations\[0\]\.confidence"):
        conv.observations_from_detections(msg, "detections")
    bad = ObjectObservation(label="mug", confidence=0.5)
    bad.centroid.x = float("inf")
    msg.observations = [bad]
    with pytest.raises(MessageConversionError, match=r"observations\[0\]\.centroid"):
        conv.observations_from_detections(msg, "detections")


def test_memory_records_to_messages():
    obj = SceneObject(id="mug_1", category="mug", position=(1.0, 2.0, 0.9), bbox_min=(0.9, 1.9, 0.8),
                      bbox_max=(1.1, 2.1, 1.0), room="kitchen", rests_on="counter_1", rests_on_category="counter",
                      state=None, confidence=0.9, first_seen=10.0, last_seen=20.0, present=True, is_receptacle=False)
    msg = conv.scene_object_to_msg(obj)
    assert (msg.id, msg.category, msg.room, msg.rests_on, msg.state) == ("mug_1", "mug", "kitchen", "counter_1", "")
    assert (msg.position.x, msg.bbox_max.z, msg.last_seen.sec, msg.present) == (1.0, 1.0, 20, True)
    on_a_clock = conv.scene_object_to_msg(obj, epoch=1_765_065_600.0)  # memory time -> ROS time
    assert (on_a_clock.first_seen.sec, on_a_clock.last_seen.sec) == (1_765_065_610, 1_765_065_620)
    belief = LocationBelief(object_id="mug_1", category="mug", position=(1.0, 2.0, 0.9), room="kitchen",
                            rests_on=None, rests_on_category=None, probability=0.75, last_seen=None, present=True)
    bmsg = conv.location_belief_to_msg(belief)
    assert bmsg.probability == pytest.approx(0.75) and bmsg.rests_on == "" and bmsg.last_seen.sec == 0
    event = MemoryEvent(kind="moved", object_id="mug_1", category="mug", time=30.0, position=(3.0, 1.0, 0.8),
                        room="living_room", from_place="counter_1", to_place="table_1", frame_ids=(4, 5))
    emsg = conv.memory_event_to_msg(event)
    assert (emsg.kind, emsg.to_place, list(emsg.frame_ids), emsg.position.x) == ("moved", "table_1", [4, 5], 3.0)
    assert (emsg.header.frame_id, emsg.header.stamp.sec) == ("map", 30)
    assert conv.memory_event_to_msg(event, epoch=1_765_065_600.0).header.stamp.sec == 1_765_065_630
