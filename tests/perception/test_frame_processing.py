"""FrameProcessor on synthetic frames whose geometry is known exactly."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from memory_stack.foundation.errors import BadInputError
from perception.config import PerceptionConfig
from perception.frame_processing import FrameError, FrameProcessor
from perception.synthetic_scene import SyntheticBox, render_boxes, sensor_frame_from_render
from scene_graph.types import CameraIntrinsics, Pose

# A 1 m x 1 m plate facing a camera at the origin that looks along +x: its visible face is x = 3.
PLATE = SyntheticBox("poster", (3.0, -0.5, 0.5), (3.05, 0.5, 1.5), color=(200, 40, 20))
CUBE = SyntheticBox("box", (2.0, 0.5, 0.0), (2.6, 1.1, 0.6), color=(10, 120, 240))


def by_category(frame):
    return {o.category: o for o in frame.observations}


def test_fronto_parallel_plate_back_projects_to_its_face(scene):
    sf = scene.frame_of([PLATE], scene.front_camera())
    frame = FrameProcessor().process(sf)
    obs = by_category(frame)["poster"]
    assert np.allclose(obs.centroid, (3.0, 0.0, 1.0), atol=0.02)
    assert np.allclose(obs.bbox_min, (3.0, -0.5, 0.5), atol=0.01)
    assert np.allclose(obs.bbox_max, (3.0, 0.5, 1.5), atol=0.01)
    assert obs.num_points == int(np.count_nonzero(sf.instance_mask == scene.instance_id_of(sf, "poster")))
    assert np.allclose(obs.mean_color, np.array(PLATE.color) / 255.0)
    assert obs.confidence == pytest.approx(0.9)
    assert obs.instance_id == scene.instance_id_of(sf, "poster")
    assert obs.partial is False and obs.state is None


@pytest.mark.parametrize("roll_deg", [0.0, 30.0, 90.0, 180.0])
def test_rolled_camera_gives_the_same_map_geometry(scene, roll_deg):
    pose = scene.rolled(scene.front_camera(), math.radians(roll_deg))
    obs = by_category(FrameProcessor().process(scene.frame_of([PLATE], pose)))["poster"]
    assert np.allclose(obs.centroid, (3.0, 0.0, 1.0), atol=0.02)
    assert np.allclose(obs.bbox_min, (3.0, -0.5, 0.5), atol=0.01)
    assert np.allclose(obs.bbox_max, (3.0, 0.5, 1.5), atol=0.01)


@pytest.mark.parametrize("eye", [(0.5, -1.5, 1.8), (4.0, 2.5, 1.5), (0.8, 2.8, 1.2)])
def test_oblique_camera_sees_a_cube_with_its_true_box(scene, eye):
    # From above and to the side three faces are visible; together they span the cube's whole box.
    pose = Pose.looking_at(eye, tuple(CUBE.center))
    obs = by_category(FrameProcessor().process(scene.frame_of([CUBE], pose)))["box"]
    assert np.allclose(obs.bbox_min, CUBE.box_min, atol=0.02)
    assert np.allclose(obs.bbox_max, CUBE.box_max, atol=0.02)
    assert all(lo <= c <= hi for c, lo, hi in zip(obs.centroid, CUBE.box_min, CUBE.box_max))


def test_nan_and_zero_depth_are_not_points(scene):
    sf = scene.frame_of([PLATE], scene.front_camera())
    pid = scene.instance_id_of(sf, "poster")
    full = int(np.count_nonzero(sf.instance_mask == pid))
    depth = sf.depth.copy()
    depth[::2, :] = np.nan
    depth[1::4, :] = 0.0
    depth[:, ::7] = np.inf
    sf.depth = depth
    obs = by_category(FrameProcessor().process(sf))["poster"]
    expected = int(np.count_nonzero((sf.instance_mask == pid) & np.isfinite(depth) & (depth > 0)))
    assert 0 < obs.num_points == expected < full
    assert np.allclose(obs.centroid, (3.0, 0.0, 1.0), atol=0.02)
    assert obs.bbox_min[0] == pytest.approx(3.0, abs=0.005)


def test_instance_without_any_valid_depth_is_dropped(scene):
    sf = scene.frame_of([PLATE, CUBE], Pose.looking_at((0.0, 0.0, 1.0), (3.0, 0.3, 0.8)))
    sf.depth = sf.depth.copy()
    sf.depth[sf.instance_mask == scene.instance_id_of(sf, "poster")] = np.nan
    processor = FrameProcessor()
    frame = processor.process(sf)
    assert set(by_category(frame)) == {"box"}
    assert processor.last_stats.dropped_no_depth == 1


def test_objects_beyond_max_range_are_dropped_and_range_is_passed_on(scene):
    far = SyntheticBox("poster", (7.0, -1.0, 0.5), (7.1, 1.0, 2.0))
    sf = scene.frame_of([far], scene.front_camera())
    frame = FrameProcessor(PerceptionConfig(max_range_m=5.0)).process(sf)
    assert frame.observations == []
    assert frame.max_range_m == 5.0
    assert FrameProcessor(PerceptionConfig(max_range_m=8.0)).process(sf).observations


def test_frame_carries_depth_pose_and_time(scene):
    sf = scene.frame_of([PLATE], scene.front_camera(), frame_id=42, time=123.5)
    frame = FrameProcessor().process(sf)
    assert frame.frame_id == 42 and frame.time == 123.5
    assert frame.depth is not None and frame.depth.dtype == np.float32 and frame.depth.shape == (240, 320)
    assert np.array_equal(frame.depth, sf.depth, equal_nan=True)
    assert frame.camera_pose == sf.camera_pose and frame.robot_pose == sf.robot_pose
    assert frame.intrinsics == sf.intrinsics


def test_tiny_masks_are_dropped(scene):
    tiny = SyntheticBox("keys", (5.0, 1.2, 0.95), (5.03, 1.23, 1.0))
    sf = scene.frame_of([PLATE, tiny], Pose.looking_at((0.0, 0.0, 1.0), (5.0, 1.5, 1.0)))
    pixels = int(np.count_nonzero(sf.instance_mask == scene.instance_id_of(sf, "keys")))
    assert 0 < pixels < 30
    processor = FrameProcessor(PerceptionConfig(min_mask_pixels=30, min_valid_points=1))
    assert "keys" not in by_category(processor.process(sf))
    assert processor.last_stats.dropped_tiny == 1
    small_ok = FrameProcessor(PerceptionConfig(min_mask_pixels=1, min_valid_points=1))
    assert "keys" in by_category(small_ok.process(sf))


def test_masks_cut_by_the_border_are_flagged_partial(scene):
    # The camera looks past the plate's left half: the plate runs off the right image edge.
    sf = scene.frame_of([PLATE, CUBE], Pose.looking_at((0.0, 0.0, 1.0), (3.0, 2.3, 0.8)))
    processor = FrameProcessor()
    obs = by_category(processor.process(sf))
    assert obs["poster"].partial is True
    assert obs["box"].partial is False
    assert obs["poster"].bbox_max[1] == pytest.approx(0.5, abs=0.01)
    assert obs["poster"].bbox_min[1] > -0.5 + 0.05  # only the visible part
    assert processor.last_stats.partial == 1


def test_mask_bleed_onto_the_wall_behind_is_removed(scene):
    sf = scene.frame_of([PLATE], scene.front_camera())
    pid = scene.instance_id_of(sf, "poster")
    plate = sf.instance_mask == pid
    grown = plate.copy()
    for shift in (1, 2, 3):
        grown[:, shift:] |= plate[:, :-shift]
        grown[:, :-shift] |= plate[:, shift:]
    mask = sf.instance_mask.copy()
    mask[grown & (mask == 0)] = pid  # these pixels see the wall at x = 8
    sf.instance_mask = mask
    processor = FrameProcessor(PerceptionConfig(max_range_m=10.0))
    obs = by_category(processor.process(sf))["poster"]
    assert obs.bbox_max[0] < 3.1
    assert np.allclose(obs.centroid, (3.0, 0.0, 1.0), atol=0.02)
    assert processor.last_stats.outlier_points >= int(np.count_nonzero(grown & ~plate))


def test_instance_ids_mean_nothing(scene):
    boxes = [PLATE, CUBE]
    pose = Pose.looking_at((0.0, -0.5, 1.3), (3.0, 0.4, 0.6))
    sf_a, sf_b = scene.frame_of(boxes, pose, seed=1), scene.frame_of(boxes, pose, seed=2)
    assert sf_a.labels != sf_b.labels  # the same instances under other ids
    a, b = FrameProcessor().process(sf_a), FrameProcessor().process(sf_b)
    for category in ("poster", "box"):
        oa, ob = by_category(a)[category], by_category(b)[category]
        assert oa.instance_id == scene.instance_id_of(sf_a, category)
        assert ob.instance_id == scene.instance_id_of(sf_b, category)
        assert oa.centroid == ob.centroid and oa.bbox_min == ob.bbox_min and oa.num_points == ob.num_points


def test_default_confidence_when_the_detector_gives_none(scene):
    sf = scene.frame_of([PLATE], scene.front_camera())
    sf.confidences = {}
    obs = by_category(FrameProcessor(PerceptionConfig(default_confidence=0.7)).process(sf))["poster"]
    assert obs.confidence == pytest.approx(0.7)


# -- malformed frames ------------------------------------------------------------------------

def _malformed(sf, scene):
    h, w = sf.depth.shape
    return {
        "depth": dataclasses.replace(sf, depth=sf.depth[:, : w - 1]),
        "rgb": dataclasses.replace(sf, rgb=sf.rgb[: h - 2]),
        "instance_mask": dataclasses.replace(sf, instance_mask=sf.instance_mask[:, :-3]),
        "intrinsics": dataclasses.replace(sf, intrinsics=scene.intrinsics(640, 480)),
    }


def test_mismatched_sizes_raise_frame_error_naming_the_field(scene):
    sf = scene.frame_of([PLATE], scene.front_camera(), frame_id=7)
    for field_name, bad in _malformed(sf, scene).items():
        with pytest.raises(FrameError) as info:
            FrameProcessor().process(bad)
        assert isinstance(info.value, BadInputError)
        assert field_name in str(info.value) and "frame 7" in str(info.value)


@pytest.mark.parametrize("field_name,value,fragment", [
    ("depth", "uint16", "dtype uint16"),
    ("rgb", "float32", "uint8"),
    ("instance_mask", "float32", "integer"),
])
def test_wrong_dtypes_raise(scene, field_name, value, fragment):
    sf = scene.frame_of([PLATE], scene.front_camera())
    bad = dataclasses.replace(sf, **{field_name: getattr(sf, field_name).astype(value)})
    with pytest.raises(FrameError, match=fragment) as info:
        FrameProcessor().process(bad)
    assert info.value.field == field_name


def test_float64_depth_is_accepted(scene):
    sf = scene.frame_of([PLATE], scene.front_camera())
    frame = FrameProcessor().process(dataclasses.replace(sf, depth=sf.depth.astype(np.float64)))
    assert frame.depth.dtype == np.float32 and len(frame.observations) == 1


@pytest.mark.parametrize("field_name,value", [
    ("camera_pose", Pose(float("nan"), 0.0, 1.0)),
    ("camera_pose", Pose(0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 2.0)),
    ("robot_pose", Pose(0.0, float("inf"), 0.0)),
    ("time", float("nan")),
    ("depth", None),
    ("labels", [1, 2]),
])
def test_non_finite_poses_and_broken_fields_raise(scene, field_name, value):
    sf = scene.frame_of([PLATE], scene.front_camera())
    with pytest.raises(FrameError) as info:
        FrameProcessor().process(dataclasses.replace(sf, **{field_name: value}))
    assert info.value.field == field_name
    assert field_name in str(info.value)


def test_mask_id_without_a_label_raises(scene):
    sf = scene.frame_of([PLATE, CUBE], Pose.looking_at((0.0, 0.0, 1.0), (3.0, 0.3, 0.8)))
    cube_id = scene.instance_id_of(sf, "box")
    labels = dict(sf.labels)
    del labels[cube_id]
    with pytest.raises(FrameError, match=rf"labels: no label for instance ids \[{cube_id}\]"):
        FrameProcessor().process(dataclasses.replace(sf, labels=labels))


def test_negative_ids_and_bad_confidences_raise(scene):
    sf = scene.frame_of([PLATE], scene.front_camera())
    mask = sf.instance_mask.copy()
    mask[0, 0] = -4
    with pytest.raises(FrameError, match="instance_mask"):
        FrameProcessor().process(dataclasses.replace(sf, instance_mask=mask))
    pid = scene.instance_id_of(sf, "poster")
    with pytest.raises(FrameError, match="confidences"):
        FrameProcessor().process(dataclasses.replace(sf, confidences={pid: 1.5}))


def test_a_bad_frame_leaves_the_processor_usable(scene):
    processor = FrameProcessor()
    sf = scene.frame_of([PLATE], scene.front_camera())
    with pytest.raises(FrameError):
        processor.process(dataclasses.replace(sf, depth=sf.depth[:10]))
    assert len(processor.process(sf).observations) == 1


def test_empty_and_background_only_frames(scene):
    sf = scene.frame_of([], scene.front_camera())
    frame = FrameProcessor().process(sf)
    assert frame.observations == [] and frame.depth is not None


def test_large_sparse_instance_ids_work(scene):
    sf = scene.frame_of([PLATE, CUBE], Pose.looking_at((0.0, 0.0, 1.0), (3.0, 0.3, 0.8)))
    remap = {old: old * 50_000_000 for old in sf.labels}
    mask = sf.instance_mask.astype(np.int64)
    for old, new in remap.items():
        mask[sf.instance_mask == old] = new
    big = dataclasses.replace(sf, instance_mask=mask, labels={remap[k]: v for k, v in sf.labels.items()},
                              confidences={remap[k]: v for k, v in sf.confidences.items()})
    a, b = by_category(FrameProcessor().process(sf)), by_category(FrameProcessor().process(big))
    assert a["box"].centroid == b["box"].centroid and b["box"].instance_id == remap[a["box"].instance_id]


@pytest.mark.parametrize("heading_deg", [0, 45, 90, 135, 180, -135, -90, -45])
def test_look_at_points_the_optical_axis_at_the_target(heading_deg):
    # Level cameras facing -y or -x are 180-degree rotations of the optical frame in disguise.
    h = math.radians(heading_deg)
    target = np.array([3.0 * math.cos(h), 3.0 * math.sin(h), 0.4])
    rotation = Pose.looking_at((0.0, 0.0, 1.0), tuple(target)).rotation_matrix()
    direction = (target - (0.0, 0.0, 1.0)) / np.linalg.norm(target - (0.0, 0.0, 1.0))
    assert np.allclose(rotation[:, 2], direction, atol=1e-9)
    assert rotation[2, 0] == pytest.approx(0.0, abs=1e-9)  # image x stays horizontal
    assert rotation[2, 1] < 0.0  # image down points down


@pytest.mark.parametrize("heading_deg", [0, 90, 180, -90])
def test_camera_facing_any_heading_sees_the_plate_where_it_is(heading_deg):
    h = math.radians(heading_deg)
    forward = np.array([round(math.cos(h)), round(math.sin(h)), 0.0])
    face = np.array([0.0, 0.0, 1.0]) + 3.0 * forward
    half = 0.5 * np.abs([forward[1], forward[0], 0.0]) + [0.0, 0.0, 0.5]
    plate = SyntheticBox("poster", tuple(face - half), tuple(face + half + 0.05 * np.abs(forward)))
    if heading_deg in (180, -90):
        plate = SyntheticBox("poster", tuple(face - half - 0.05 * np.abs(forward)), tuple(face + half))
    pose = Pose.looking_at((0.0, 0.0, 1.0), tuple(face))
    intr = CameraIntrinsics.from_hfov(320, 240, 70.0)
    render = render_boxes([plate], intr, pose, (-10.0, -10.0, 0.0), (10.0, 10.0, 3.0))
    obs = FrameProcessor().process(sensor_frame_from_render(render, [plate], intr, pose)).observations[0]
    assert np.allclose(obs.centroid, face, atol=0.02)


def test_small_but_real_objects_are_reported_by_default(scene):
    # Dropping a real object that is in view would count against it in the memory (negative evidence).
    mug = SyntheticBox("mug", (4.0, 1.2, 0.94), (4.06, 1.26, 1.04))
    sf = scene.frame_of([mug], Pose.looking_at((0.0, 0.0, 1.0), (4.0, 1.5, 1.0)))
    pixels = int(np.count_nonzero(sf.instance_mask == scene.instance_id_of(sf, "mug")))
    assert 8 <= pixels < 30
    obs = by_category(FrameProcessor().process(sf))["mug"]
    assert np.allclose(obs.centroid, (4.0, 1.23, 0.99), atol=0.04)
