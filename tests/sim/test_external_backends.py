"""Habitat-Sim and AI2-THOR adapters: conversions on arrays shaped like their outputs; clear install errors.

Neither simulator can run here (habitat-sim is conda-only; AI2-THOR downloads a Unity build), so the
backends themselves are only checked for the error they raise; their conversion code is checked here.
"""

from __future__ import annotations

import importlib.util
import math
import xml.etree.ElementTree as ET

import numpy as np
import pybullet as p
import pytest

from robot_model.dimensions import optical_pose
from sim import ai2thor_conversion as thor
from sim import habitat_conversion as hab
from sim.backend import AppliedChange, TimelineClock
from sim.detector_model import InstanceKey
from sim.registry import UnknownBackendError, backend_names, get_backend_class, make_backend, register_backend
from sim.scenario import scenario_from_dict
from sim.scenario_layout import furniture_box, initial_layout
from sim.simulator_availability import SimulatorNotInstalledError
from tests.sim.test_pybullet_backend import small_house

H, W = 24, 32


# -- Habitat-Sim ---------------------------------------------------------------------------------------
def test_habitat_frames_round_trip_and_agent_yaw():
    v = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(hab.map_from_habitat(hab.habitat_from_map(v)), v)
    np.testing.assert_allclose(hab.map_from_habitat([0.0, 1.0, 0.0]), [0, 0, 1])  # habitat up is map up
    np.testing.assert_allclose(hab.map_from_habitat([0.0, 0.0, -1.0]), [1, 0, 0])  # habitat forward is map +x
    for yaw in (0.0, 0.7, -2.0, math.pi / 2):
        pose = hab.agent_pose_to_map(hab.habitat_from_map([3.0, -1.0, 0.0]), hab.habitat_rotation_for_yaw(yaw))
        assert pose.yaw == pytest.approx(yaw) and (pose.x, pose.y) == pytest.approx((3.0, -1.0))


def test_habitat_sensor_pose_is_the_optical_frame():
    pose = hab.sensor_pose_to_optical([1.0, 1.5, 2.0], (1.0, 0.0, 0.0, 0.0))
    rot = pose.rotation_matrix()
    np.testing.assert_allclose(rot[:, 2], [1, 0, 0], atol=1e-9)  # looks along map +x
    np.testing.assert_allclose(rot[:, 0], [0, -1, 0], atol=1e-9)  # image right is map -y
    np.testing.assert_allclose(rot[:, 1], [0, 0, -1], atol=1e-9)  # image down is map -z
    assert (pose.x, pose.y, pose.z) == pytest.approx((-2.0, -1.0, 1.5))
    # heading + pitch built the habitat way equals the PyBullet robot's optical pose for the same angles
    yaw, pitch = 0.8, -0.3
    r_yaw = hab.habitat_rotation_matrix_for_yaw(yaw)
    r_pitch = hab.quaternion_matrix(math.cos(pitch / 2), math.sin(pitch / 2), 0.0, 0.0)
    m = r_yaw @ r_pitch
    w = math.sqrt(1 + np.trace(m)) / 2
    q = (w, (m[2, 1] - m[1, 2]) / (4 * w), (m[0, 2] - m[2, 0]) / (4 * w), (m[1, 0] - m[0, 1]) / (4 * w))
    got = hab.sensor_pose_to_optical([0, 0, 0], q).rotation_matrix()
    np.testing.assert_allclose(got, optical_pose((0, 0, 0), yaw, pitch).rotation_matrix(), atol=1e-9)


def _habitat_observations():
    color = np.random.default_rng(0).integers(0, 255, (H, W, 4), dtype=np.uint8)
    depth = np.full((H, W), 2.5, dtype=np.float32)
    depth[:3] = 0.0  # no return
    semantic = np.zeros((H, W), dtype=np.uint32)
    semantic[5:10, 5:10] = 5
    semantic[12:20, 0:16] = 7
    semantic[12:20, 16:20] = 9
    semantic[0:2, 25:30] = 42  # something the stack did not place (stage)
    return {"color": color, "depth": depth, "semantic": semantic}


HAB_KEYS = {5: InstanceKey("object", "mug_1", "mug"), 7: InstanceKey("furniture", "fridge", "fridge"),
            9: InstanceKey("door", "fridge", "fridge_door")}


def _habitat_frame(obs, rng, frame_id=1):
    return hab.observations_to_sensor_frame(
        obs, frame_id=frame_id, time=10.0, hfov_deg=70.0, sensor_position=[0, 1.45, 0],
        sensor_rotation_wxyz=(1, 0, 0, 0), agent_position=[0, 0, 0], agent_rotation_wxyz=(1, 0, 0, 0),
        keys=HAB_KEYS, rng=rng)


def test_habitat_observations_become_a_sensor_frame_with_shuffled_ids():
    obs = _habitat_observations()
    rng = np.random.default_rng(1)
    first, truth = _habitat_frame(obs, rng)
    second, _ = _habitat_frame(obs, rng, 2)
    assert first.rgb.shape == (H, W, 3) and first.rgb.dtype == np.uint8
    np.testing.assert_array_equal(first.rgb, obs["color"][:, :, :3])
    assert np.isnan(first.depth[:3]).all() and np.allclose(first.depth[3:], 2.5)
    assert sorted(first.labels.values()) == ["fridge", "fridge_door", "mug"]
    assert {truth[i].id for i in first.labels} == {"mug_1", "fridge"}
    assert first.instance_mask[0, 26] == 0 and first.instance_mask.dtype == np.int32
    assert set(first.labels) != set(second.labels)
    np.testing.assert_array_equal(first.instance_mask > 0, second.instance_mask > 0)
    assert first.intrinsics.width == W and first.intrinsics.fx == pytest.approx(16 / math.tan(math.radians(35)))
    obs["depth"] = obs["depth"][:10]
    with pytest.raises(ValueError, match="disagree in size"):
        _habitat_frame(obs, rng)


def test_habitat_primitives_and_door_urdf_from_the_scenario_layout(tmp_path):
    scenario = scenario_from_dict(small_house(), "h.yaml")
    layout = initial_layout(scenario)
    kinds = {b.kind for b in layout}
    assert kinds == {"wall", "furniture", "object"}
    table = next(b for b in layout if b.id == "table")
    template, translation, scale, rotation = hab.primitive_for(table)
    assert template == "cubeSolid"
    np.testing.assert_allclose(scale, [table.size[1] / 2, table.size[2] / 2, table.size[0] / 2])
    np.testing.assert_allclose(hab.map_from_habitat(translation), table.centre)
    mug = next(b for b in layout if b.id == "mug_1")
    assert mug.shape == "cylinder" and mug.centre[2] == pytest.approx(0.6 + 0.05)  # on the 0.6 m crate
    fridge = furniture_box(scenario.furniture_by_id()["fridge"])
    urdf = hab.openable_furniture_urdf(fridge)
    root = ET.fromstring(urdf)
    assert root.find("joint").get("type") == "revolute"
    path = tmp_path / "fridge.urdf"
    path.write_text(urdf)
    client = p.connect(p.DIRECT)
    try:
        body = p.loadURDF(str(path), useFixedBase=True, physicsClientId=client)
        assert p.getJointInfo(body, 0, physicsClientId=client)[2] == p.JOINT_REVOLUTE
        closed = p.getAABB(body, 0, physicsClientId=client)
        p.resetJointState(body, 0, 1.6, physicsClientId=client)
        opened = p.getAABB(body, 0, physicsClientId=client)
        assert opened[1][1] > closed[1][1] + 0.5  # the door swings out past the front (+y)
    finally:
        p.disconnect(client)


@pytest.mark.skipif(importlib.util.find_spec("habitat_sim") is not None, reason="habitat_sim is installed")
def test_habitat_backend_says_what_to_install():
    with pytest.raises(SimulatorNotInstalledError, match="conda install habitat-sim -c conda-forge -c aihabitat"):
        make_backend("habitat")


# -- AI2-THOR ------------------------------------------------------------------------------------------
def _thor_metadata():
    objects = [
        {"objectId": "Mug|+01.00|+00.90|-01.00", "name": "Mug_1", "objectType": "Mug", "pickupable": True,
         "receptacle": True, "position": {"x": 1.0, "y": 0.95, "z": -1.0}, "rotation": {"x": 0, "y": 0, "z": 0},
         "parentReceptacles": ["CounterTop|+01.00|+00.90|-01.00"]},
        {"objectId": "KeyChain|-2|0.5|1", "name": "KeyChain_1", "objectType": "KeyChain", "pickupable": True,
         "position": {"x": -2.0, "y": 0.5, "z": 1.0}, "rotation": {"x": 0, "y": 90, "z": 0},
         "parentReceptacles": ["CoffeeTable|-2|0.4|1"]},
        {"objectId": "CounterTop|+01.00|+00.90|-01.00", "name": "CounterTop_1", "objectType": "CounterTop",
         "receptacle": True, "pickupable": False, "position": {"x": 1.0, "y": 0.9, "z": -1.0},
         "rotation": {"x": 0, "y": 0, "z": 0},
         "axisAlignedBoundingBox": {"center": {"x": 1.0, "y": 0.45, "z": -1.0}, "size": {"x": 2, "y": 0.9, "z": 0.6}}},
        {"objectId": "Fridge|3|0|-1", "name": "Fridge_1", "objectType": "Fridge", "receptacle": True,
         "openable": True, "isOpen": True, "openness": 1.0, "position": {"x": 3.0, "y": 0.0, "z": -1.0},
         "rotation": {"x": 0, "y": 0, "z": 0},
         "axisAlignedBoundingBox": {"center": {"x": 3.0, "y": 0.9, "z": -1.0}, "size": {"x": 0.8, "y": 1.8, "z": 0.7}}},
        {"objectId": "CoffeeTable|-2|0.4|1", "name": "CoffeeTable_1", "objectType": "CoffeeTable", "receptacle": True,
         "position": {"x": -2.0, "y": 0.0, "z": 1.0}, "rotation": {"x": 0, "y": 0, "z": 0},
         "axisAlignedBoundingBox": {"center": {"x": -2.0, "y": 0.2, "z": 1.0}, "size": {"x": 1, "y": 0.4, "z": 0.6}}},
    ]
    agent = {"position": {"x": 0.5, "y": 0.9, "z": -0.5}, "rotation": {"x": 0, "y": 90.0, "z": 0},
             "cameraHorizon": 30.0}
    return {"objects": objects, "agent": agent, "cameraPosition": {"x": 0.5, "y": 1.5, "z": -0.5}}


def test_thor_frames_and_poses():
    assert thor.unity_to_map(thor.map_to_unity(1.0, 2.0, 3.0)) == (1.0, 2.0, 3.0)
    assert thor.thor_yaw_to_map(0.0) == pytest.approx(0.0)
    assert thor.thor_yaw_to_map(90.0) == pytest.approx(-math.pi / 2)  # facing unity +x = map -y
    assert thor.map_yaw_to_thor(thor.thor_yaw_to_map(135.0)) == pytest.approx(135.0)
    assert thor.vertical_fov_deg(90.0, 320, 240) == pytest.approx(math.degrees(2 * math.atan(0.75)))
    meta = _thor_metadata()
    base = thor.agent_pose(meta)
    assert (base.x, base.y, base.yaw) == pytest.approx((-0.5, -0.5, -math.pi / 2))
    cam = thor.camera_pose(meta)
    forward = cam.rotation_matrix()[:, 2]
    np.testing.assert_allclose(forward, [0, -math.cos(math.radians(30)), -math.sin(math.radians(30))], atol=1e-9)
    assert cam.z == pytest.approx(1.5)
    assert thor.category_of("KeyChain") == "keys" and thor.category_of("PaperTowelRoll") == "paper_towel_roll"


def test_thor_event_becomes_a_sensor_frame():
    meta = _thor_metadata()
    masks = {o["objectId"]: np.zeros((H, W), dtype=bool) for o in meta["objects"][:3]}
    masks["Mug|+01.00|+00.90|-01.00"][2:6, 2:6] = True
    masks["CounterTop|+01.00|+00.90|-01.00"][10:20, :] = True
    masks["wall|1|2|3"] = np.zeros((H, W), dtype=bool)
    masks["wall|1|2|3"][:2, :] = True
    frame = np.zeros((H, W, 3), dtype=np.uint8)
    depth = np.full((H, W), 1.25, dtype=np.float32)
    depth[0, 0] = 0.0
    rng = np.random.default_rng(3)
    a, truth = thor.event_to_sensor_frame(frame, depth, masks, meta, frame_id=1, time=5.0, hfov_deg=70.0, rng=rng)
    b, _ = thor.event_to_sensor_frame(frame, depth, masks, meta, frame_id=2, time=5.0, hfov_deg=70.0, rng=rng)
    assert sorted(a.labels.values()) == ["counter", "mug"]  # the keys have no pixels, the wall is background
    assert a.instance_mask[0, 5] == 0 and np.isnan(a.depth[0, 0]) and a.depth[5, 5] == pytest.approx(1.25)
    assert set(a.labels) != set(b.labels)
    assert {truth[i].kind for i in a.labels} == {"object", "furniture"}
    with pytest.raises(ValueError, match="renderInstanceSegmentation"):
        thor.instances_from_masks({}, meta["objects"], rng)


def test_thor_ground_truth_and_scenario_placement():
    meta = _thor_metadata()
    truth = thor.ground_truth(meta, 12.0)
    assert truth.objects["Mug|+01.00|+00.90|-01.00"].rests_on == "CounterTop|+01.00|+00.90|-01.00"
    assert truth.furniture["Fridge|3|0|-1"].is_open is True and truth.objects["KeyChain|-2|0.5|1"].category == "keys"
    data = small_house()
    data["world"]["furniture"] = [
        {"id": "counter", "category": "counter", "room": "a", "at": [2.0, 0.5]},
        {"id": "coffee_table", "category": "coffee_table", "room": "b", "at": [8.0, 2.0]},
        {"id": "desk", "category": "desk", "room": "island", "at": [1.5, 6.0]}]
    data["world"]["objects"] = [{"id": "mug_1", "category": "mug", "rests_on": "coffee_table"},
                                {"id": "keys_1", "category": "keys", "rests_on": "counter"},
                                {"id": "lamp_1", "category": "lamp", "rests_on": "desk"}]
    plan = thor.plan_object_poses(scenario_from_dict(data, "t.yaml"), meta["objects"])
    assert plan.receptacles == {"counter": "CounterTop|+01.00|+00.90|-01.00", "coffee_table": "CoffeeTable|-2|0.4|1"}
    assert plan.objects == {"mug_1": "Mug|+01.00|+00.90|-01.00", "keys_1": "KeyChain|-2|0.5|1"}
    assert any("desk" in u for u in plan.unmatched) and any("lamp_1" in u for u in plan.unmatched)
    assert {pose["objectName"] for pose in plan.poses} == {"Mug_1", "KeyChain_1"}  # every pickupable listed
    mug = next(pose for pose in plan.poses if pose["objectName"] == "Mug_1")
    assert mug["position"]["y"] == pytest.approx(0.4 + 0.02) and mug["position"]["z"] == pytest.approx(1.0)
    named = thor.ground_truth(meta, 12.0, names={v: k for k, v in {**plan.objects, **plan.receptacles}.items()})
    assert named.objects["mug_1"].rests_on == "counter"
    plan_fp = thor.floor_plan_from_reachable([{"x": 0, "y": 0.9, "z": 0}, {"x": 1, "y": 0.9, "z": 2}], "floorplan1")
    assert plan_fp.rooms[0].polygon == ((-0.5, -1.5), (2.5, -1.5), (2.5, 0.5), (-0.5, 0.5))


@pytest.mark.skipif(importlib.util.find_spec("ai2thor") is not None, reason="ai2thor is installed")
def test_ai2thor_backend_says_what_to_install():
    with pytest.raises(SimulatorNotInstalledError, match="pip install ai2thor.*Unity build.*internet"):
        make_backend("ai2thor")


# -- the clock both share -------------------------------------------------------------------------------
class TimelineLog(TimelineClock):
    """TimelineClock as HabitatBackend and AI2ThorBackend use it, with a list where their simulator would be."""

    def __init__(self, scenario) -> None:
        self.applied: list[str] = []
        self._start_clock(scenario)

    def _apply(self, event) -> AppliedChange:
        self.applied.append(event.target)
        return AppliedChange(event.time, event.kind, event.target)


def test_timeline_clock_plays_each_event_once_in_order_and_never_goes_back():
    timeline = [{"at": "d1 09:00", "move": "mug_1", "to": "table"}, {"at": "d1 10:00", "open": "fridge"},
                {"at": "d1 11:00", "remove": "keys_1"}]
    scenario = scenario_from_dict(small_house(timeline=timeline), "t.yaml")
    clock = TimelineLog(scenario)
    assert clock.now == 0.0 and clock.frame_clock.last is None
    assert clock.advance_to(9 * 3600 - 1) == [] and clock.now == 9 * 3600 - 1
    changes = clock.advance_to(10 * 3600)
    assert [(c.kind, c.target, c.time) for c in changes] == [("move", "mug_1", 9 * 3600), ("open", "fridge", 10 * 3600)]
    assert clock.advance_to(10 * 3600) == [] and clock.applied == ["mug_1", "fridge"]
    assert clock.advance_to(5.0) == [] and clock.now == 10 * 3600  # an earlier time leaves the clock alone
    assert [c.target for c in clock.advance_to(12 * 3600)] == ["keys_1"] and clock.now == 12 * 3600
    assert clock.applied == ["mug_1", "fridge", "keys_1"]
    clock._start_clock(scenario)  # a new load: back to 0 with the whole timeline to play again
    assert clock.now == 0.0 and len(clock.advance_to(12 * 3600)) == 3


# -- registry ------------------------------------------------------------------------------------------
def test_registry_names_backends_and_rejects_unknown_types():
    assert {"pybullet", "habitat", "ai2thor"} <= set(backend_names())
    from sim.pybullet_backend import PyBulletBackend

    assert get_backend_class("pybullet") is PyBulletBackend
    with pytest.raises(UnknownBackendError, match="'gazebo'.*known: ai2thor, habitat, pybullet"):
        get_backend_class("gazebo")
    register_backend("pybullet_alias", PyBulletBackend)
    with make_backend("pybullet_alias", scenario_from_dict(small_house(), "r.yaml")) as sim:
        assert sim.ground_truth().objects["mug_1"].rests_on == "crate"
    with pytest.raises(TypeError):
        register_backend("bad", dict)


def test_backend_config_is_typed_and_builds_the_backend():
    from memory_stack.foundation.typed_config import ConfigError, build_dataclass
    from sim.registry import SimBackendConfig, backend_from_config

    config = build_dataclass(SimBackendConfig, {"type": "pybullet", "options": {"grid_resolution": 0.05}}, "run.yaml")
    with backend_from_config(config, scenario_from_dict(small_house(), "r.yaml")) as sim:
        assert sim.occupancy_grid().resolution == 0.05
    with pytest.raises(ConfigError, match="run.yaml: backend: unknown key"):
        build_dataclass(SimBackendConfig, {"backend": "habitat"}, "run.yaml")
