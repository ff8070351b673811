"""The PyBullet household: rendering (depth, shuffled instances, doors), noise, timeline, base motion."""

from __future__ import annotations

import math

import numpy as np
import pytest

from robot_model.dimensions import CAMERA_HEIGHT
from sim.backend import SimBackend
from sim.pybullet_backend import PyBulletBackend
from sim.scenario import scenario_from_dict
from sim.sensor_noise import SensorNoise

ROOM_A = [[0, 0], [6, 0], [6, 4], [0, 4]]
ROOM_B = [[6, 0], [10, 0], [10, 4], [6, 4]]
ISLAND = [[0, 4], [3, 4], [3, 7], [0, 7]]  # shares a wall with ROOM_A but has no door


def small_house(noise: dict | None = None, timeline: list | None = None, extra_objects: list | None = None) -> dict:
    return {
        "scenario": "test_house",
        "seed": 7,
        "world": {
            "rooms": [{"name": "a", "polygon": ROOM_A}, {"name": "b", "polygon": ROOM_B},
                      {"name": "island", "polygon": ISLAND}],
            "doors": [{"rooms": ["a", "b"], "at": [6.0, 2.0], "width": 1.0}],
            "furniture": [
                {"id": "crate", "category": "crate", "room": "a", "at": [3.0, 2.0], "size": [0.6, 0.6, 0.6]},
                {"id": "fridge", "category": "fridge", "room": "a", "at": [3.0, 0.5], "openable": True},
                {"id": "table", "category": "table", "room": "b", "at": [8.0, 2.0]},
                {"id": "desk", "category": "desk", "room": "island", "at": [1.5, 6.0]},
            ],
            "objects": [{"id": "mug_1", "category": "mug", "rests_on": "crate"},
                        {"id": "book_1", "category": "book", "rests_on": "crate"},
                        {"id": "apple_1", "category": "apple", "rests_on": "fridge"},
                        {"id": "keys_1", "category": "keys", "rests_on": "table"},
                        {"id": "phone_1", "category": "phone", "rests_on": "desk"}] + (extra_objects or []),
        },
        "robot": {"start": {"at": [1.0, 2.0], "yaw": 0.0}, "camera": {"width": 160, "height": 120, "hfov_deg": 70},
                  "noise": noise or {}},
        "timeline": timeline or [],
    }


@pytest.fixture
def house():
    with PyBulletBackend(scenario_from_dict(small_house(), "test_house.yaml")) as backend:
        yield backend


def test_is_a_sim_backend(house):
    assert isinstance(house, SimBackend)
    assert [r.name for r in house.floor_plan().rooms] == ["a", "b", "island"]
    assert house.now == 0.0


def test_depth_is_metres_to_a_known_wall_and_box(house):
    house.teleport_base(1.0, 3.3, 0.0)  # clear line of sight to the far wall of room b through nothing
    house.set_head(0.0, 0.0)
    frame = house.render()
    cam = house.robot.camera_position()
    h, w = frame.depth.shape
    centre = float(frame.depth[h // 2, w // 2])
    # straight ahead at camera height: the wall between a and b at x = 6 (inner face 5.95)
    assert centre == pytest.approx(5.95 - cam[0], abs=0.03)
    assert frame.depth.dtype == np.float32
    # aim at the middle of the crate's front face: the depth on the optical axis is the distance
    target = np.array([2.7, 2.0, 0.3])
    house.teleport_base(1.0, 2.0, 0.0)
    house.look_at(tuple(target))
    frame = house.render()
    expected = float(np.linalg.norm(target - house.robot.camera_position()))
    assert float(frame.depth[h // 2, w // 2]) == pytest.approx(expected, abs=0.03)
    assert frame.labels[int(frame.instance_mask[h // 2, w // 2])] == "crate"


def test_camera_pose_is_optical_and_intrinsics_match(house):
    house.teleport_base(1.0, 2.0, math.pi / 2)
    house.set_head(0.0, 0.0)
    frame = house.render()
    rot = frame.camera_pose.rotation_matrix()
    np.testing.assert_allclose(rot[:, 2], [0, 1, 0], atol=1e-6)  # +z forward = heading +y
    np.testing.assert_allclose(rot[:, 0], [1, 0, 0], atol=1e-6)  # +x right
    np.testing.assert_allclose(rot[:, 1], [0, 0, -1], atol=1e-6)  # +y down
    assert frame.camera_pose.z == pytest.approx(CAMERA_HEIGHT)
    assert frame.intrinsics.width == 160 and frame.intrinsics.fx == pytest.approx(80 / math.tan(math.radians(35)))
    assert frame.rgb.shape == (120, 160, 3) and frame.rgb.dtype == np.uint8
    assert frame.instance_mask.shape == (120, 160) and frame.instance_mask.dtype == np.int32


def test_instance_ids_are_not_stable_across_frames(house):
    house.look_at((3.0, 2.0, 0.6))
    first, second = house.render(), house.render()
    assert sorted(first.labels.values()) == sorted(second.labels.values())
    assert {"crate", "mug", "book"} <= set(first.labels.values())
    np.testing.assert_array_equal(first.instance_mask > 0, second.instance_mask > 0)
    np.testing.assert_array_equal(first.depth, second.depth)
    assert set(first.labels) != set(second.labels)
    # same pixels, same label, different id: the id carries no identity
    by_label = lambda f: {lab: set(np.flatnonzero(f.instance_mask.ravel() == i)) for i, lab in f.labels.items()}
    assert by_label(first) == by_label(second)
    assert 0 not in first.labels


def test_door_really_moves_and_is_its_own_instance(house):
    house.teleport_base(3.0, 1.45 + 0.9, -math.pi / 2)
    house.look_at((3.0, 0.5, 0.9))
    closed = house.render()
    truth = house.ground_truth().furniture["fridge"]
    assert truth.is_open is False and truth.door_angle == pytest.approx(0.0, abs=1e-3)
    assert "fridge_door" in closed.labels.values() and "fridge" in closed.labels.values()
    assert "apple" not in closed.labels.values()  # inside a closed fridge
    house.scenario.timeline.append(_event({"at": 100, "open": "fridge"}))
    changes = house.advance_to(200)
    assert [c.kind for c in changes] == ["open"]
    truth = house.ground_truth().furniture["fridge"]
    assert truth.is_open is True and truth.door_angle > 1.2
    opened = house.render()
    door_px = lambda f: {i for i, lab in f.labels.items() if lab == "fridge_door"}
    closed_mask = np.isin(closed.instance_mask, list(door_px(closed)))
    open_mask = np.isin(opened.instance_mask, list(door_px(opened)))
    assert (closed_mask ^ open_mask).sum() > 0.2 * closed_mask.sum()
    assert "apple" in opened.labels.values()  # now visible on the inner shelf


def _event(entry: dict):
    from sim.scenario import TimelineEvent

    event = TimelineEvent(at=entry["at"], open=entry.get("open"))
    event.time = float(entry["at"])
    return event


def test_timeline_playback_and_truth_history():
    timeline = [{"at": "d1 09:00", "move": "mug_1", "to": "table"},
                {"at": "d1 10:00", "remove": "keys_1"},
                {"at": "d1 11:00", "add": {"id": "cup_1", "category": "cup", "rests_on": "crate"}}]
    with PyBulletBackend(scenario_from_dict(small_house(timeline=timeline), "t.yaml")) as sim:
        assert sim.advance_to(9 * 3600 - 1) == []
        changes = sim.advance_to(12 * 3600)
        assert [(c.kind, c.target) for c in changes] == [("move", "mug_1"), ("remove", "keys_1"), ("add", "cup_1")]
        truth = sim.ground_truth()
        assert truth.objects["mug_1"].rests_on == "table" and truth.objects["mug_1"].room == "b"
        assert "keys_1" not in truth.objects and "keys_1" in truth.removed
        assert truth.objects["cup_1"].rests_on == "crate"
        assert sim.truth_at(9 * 3600 - 1).objects["mug_1"].rests_on == "crate"
        assert sim.truth_at(9.5 * 3600).objects["keys_1"].rests_on == "table"
        assert "keys_1" not in sim.truth_at(10.5 * 3600).objects
        mug = truth.objects["mug_1"].position
        assert 0.75 < mug[2] < 0.85  # resting on the 0.75 m table top after settling
        with pytest.raises(ValueError, match="cannot go back"):
            sim.advance_to(100)


def test_frames_rendered_at_one_instant_get_increasing_stamps_one_camera_period_apart():
    timeline = [{"at": 1.05, "open": "fridge"}]
    with PyBulletBackend(scenario_from_dict(small_house(timeline=timeline), "t.yaml")) as sim:
        sim.advance_to(1.0)
        first, second, third = sim.render(), sim.render(), sim.render()
        assert (first.time, second.time, third.time) == pytest.approx((1.0, 1.1, 1.2))
        assert sim.now == pytest.approx(1.2)
        assert sim.ground_truth().furniture["fridge"].is_open  # the clock really moved: the timeline played
        sim.advance_to(5.0)
        assert sim.render().time == 5.0  # a frame after a longer pause keeps the clock's time
        looked = sim.look_around(views=4)
        assert all(b.time - a.time >= 0.1 - 1e-9 for a, b in zip(looked, looked[1:]))
        assert looked[0].time == pytest.approx(5.1)


def test_base_drives_through_the_doorway_and_time_passes(house):
    start = house.now
    result = house.move_base_to(8.0, 3.3, math.pi)
    assert result.success, result.reason
    x, y, yaw = house.robot.base_pose()
    assert (x, y) == pytest.approx((8.0, 3.3)) and yaw == pytest.approx(math.pi)
    crossings = [(a, b) for a, b in zip(result.path, result.path[1:]) if (a[0] - 6.0) * (b[0] - 6.0) <= 0]
    assert crossings
    (ax, ay), (bx, by) = crossings[0]
    y_at_wall = ay + (by - ay) * (6.0 - ax) / (bx - ax)
    assert 1.5 < y_at_wall < 2.5  # through the door gap
    assert result.path_length_m >= math.hypot(7.0, 1.3) - 1e-6
    assert result.duration_s >= result.path_length_m / 0.5
    assert house.now == pytest.approx(start + result.duration_s)
    assert house.robot_pose().x == pytest.approx(8.0)  # no drift configured


def test_unreachable_and_invalid_goals_fail_with_a_reason(house):
    before = house.robot.base_pose()
    result = house.move_base_to(1.5, 5.0)  # the island room has no door
    assert not result.success and "unreachable" in result.reason
    assert house.robot.base_pose() == before and house.now == 0.0
    assert "outside" in house.move_base_to(30.0, 2.0).reason
    assert "obstacle" in house.move_base_to(3.0, 2.0).reason  # inside the crate


def test_detector_noise_rates_roughly_as_configured():
    noise = {"label_flip": 0.2, "miss_rate": 0.3, "depth_sigma_m": 0.05}
    with PyBulletBackend(scenario_from_dict(small_house(), "clean.yaml")) as clean, \
            PyBulletBackend(scenario_from_dict(small_house(noise=noise), "noisy.yaml")) as noisy:
        for sim in (clean, noisy):
            sim.teleport_base(1.0, 2.0, 0.0)
            sim.look_at((3.0, 1.4, 0.6))
        reference = clean.render()
        instances = len(reference.labels)
        assert instances >= 4
        kept = flipped = 0
        diffs = []
        frames = 40
        for _ in range(frames):
            frame = noisy.render()
            kept += len(frame.labels)
            truth = noisy.last_frame_truth
            flipped += sum(1 for i, lab in frame.labels.items() if lab != truth[i].label)
            both = np.isfinite(reference.depth) & np.isfinite(frame.depth)
            diffs.append((frame.depth - reference.depth)[both])
        miss = 1.0 - kept / (frames * instances)
        assert 0.3 - 0.1 < miss < 0.3 + 0.1
        flippable = sum(1 for lab in reference.labels.values() if not lab.endswith("_door"))
        assert 0.2 - 0.1 < flipped / (kept * flippable / instances) < 0.2 + 0.1
        assert np.std(np.concatenate(diffs)) == pytest.approx(0.05, rel=0.15)


def test_detector_noise_is_the_sensor_noise_models_and_deterministic_for_the_scenario_seed():
    noise = {"label_flip": 0.4, "miss_rate": 0.2, "depth_sigma_m": 0.02}
    runs = []
    for _ in range(2):
        with PyBulletBackend(scenario_from_dict(small_house(noise=noise), "noisy.yaml")) as sim:
            assert isinstance(sim.noise, SensorNoise)  # one implementation: sim.sensor_noise
            sim.teleport_base(1.0, 2.0, 0.0)
            sim.look_at((3.0, 1.4, 0.6))
            frames = []
            for _ in range(6):
                frames.append(sim.render())
                assert set(sim.last_frame_truth) == set(frames[-1].labels)  # missed ones leave the truth too
            runs.append([(sorted(f.labels.values()), float(np.nan_to_num(f.depth).sum())) for f in frames])
    assert [labels for labels, _ in runs[0]] == [labels for labels, _ in runs[1]]
    assert [d for _, d in runs[0]] == pytest.approx([d for _, d in runs[1]])
    assert len({tuple(labels) for labels, _ in runs[0]}) > 1  # and it differs from frame to frame


def test_noise_flips_objects_to_objects_and_furniture_to_furniture():
    with PyBulletBackend(scenario_from_dict(small_house(noise={"label_flip": 0.5}), "flip.yaml")) as sim:
        sim.teleport_base(1.0, 2.0, 0.0)
        sim.look_at((3.0, 1.4, 0.6))
        kinds = {"object": set(sim._flip_pool["object"]), "furniture": set(sim._flip_pool["furniture"])}
        flips = 0
        for _ in range(20):
            frame = sim.render()
            for iid, label in frame.labels.items():
                key = sim.last_frame_truth[iid]
                if key.kind == "door":
                    assert label == key.label
                elif label != key.label:
                    flips += 1
                    assert label in kinds[key.kind], (key, label)
                    assert frame.confidences[iid] <= 0.85
        assert flips > 10


def test_odometry_drift_grows_with_distance():
    with PyBulletBackend(scenario_from_dict(small_house(noise={"odom_drift_m_per_m": 0.02}), "d.yaml")) as sim:
        travelled = 0.0
        for goal in [(8.0, 3.3), (1.0, 3.3), (8.0, 1.0), (1.0, 1.2)]:
            result = sim.move_base_to(*goal)
            assert result.success, result.reason
            travelled += result.path_length_m
        true_x, true_y, _ = sim.robot.base_pose()
        reported = sim.robot_pose()
        error = math.hypot(reported.x - true_x, reported.y - true_y)
        assert 0.0 < error < 0.02 * travelled * 2.0
        frame = sim.render()
        assert frame.robot_pose.x == pytest.approx(reported.x)
        cam_true = sim.robot.camera_pose()
        assert math.hypot(frame.camera_pose.x - cam_true.x, frame.camera_pose.y - cam_true.y) > 0.0


def test_look_around_covers_a_full_turn(house):
    frames = house.look_around(views=8)
    assert len(frames) == 8
    axes = [f.camera_pose.rotation_matrix()[:, 2] for f in frames]
    headings = [math.atan2(axis[1], axis[0]) for axis in axes]
    steps = [(b - a) % (2 * math.pi) for a, b in zip(headings, headings[1:])]
    assert steps == pytest.approx([math.pi / 4] * 7, abs=1e-6)
    assert frames[-1].time > frames[0].time
    seen = set().union(*(f.labels.values() for f in frames))
    assert {"crate", "fridge", "mug"} <= seen


def test_perception_reads_the_door_convention_from_rendered_frames(house):
    from perception.frame_processing import FrameProcessor

    processor = FrameProcessor()
    house.teleport_base(3.0, 2.35, -math.pi / 2)
    house.look_at((3.0, 0.5, 0.9))
    closed = processor.process(house.render())
    fridge = [o for o in closed.observations if o.category == "fridge"]
    assert len(fridge) == 1 and fridge[0].state == "closed"
    assert not any(o.category.endswith("_door") for o in closed.observations)
    house.scenario.timeline.append(_event({"at": 100, "open": "fridge"}))
    house.advance_to(200)
    opened = processor.process(house.render())
    assert [o.state for o in opened.observations if o.category == "fridge"] == ["open"]
    apple = [o for o in opened.observations if o.category == "apple"]
    truth = house.ground_truth().objects["apple_1"].position
    assert apple and math.dist(apple[0].centroid, truth) < 0.1
