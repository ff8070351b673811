"""A scenario's household in Habitat-Sim, behind the SimBackend interface.

UNTESTED against a real habitat_sim: no installable distribution exists for this project's machines
(habitat-sim is conda-only). The code follows habitat_sim's public API (Simulator, Configuration,
SimulatorConfiguration, AgentConfiguration, CameraSensorSpec with COLOR/DEPTH/SEMANTIC sensors,
the rigid/articulated object managers, PathFinder.find_path with ShortestPath); everything it
converts goes through sim.habitat_conversion, whose pure functions are unit-tested. Importing this
module never imports habitat_sim; constructing the backend without it raises
SimulatorNotInstalledError saying what to install.

The house is built from primitives on an empty stage (`scene_path="NONE"`) or on a given scene:
walls, furniture boxes and objects from sim.scenario_layout, openable furniture as a URDF
articulated object with a revolute door (sim.habitat_conversion.openable_furniture_urdf).
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np

from perception.sensor_frame import SensorFrame
from robot_model.dimensions import CAMERA_HEIGHT, DEFAULT_TILT
from scene_graph.types import FloorPlan, Pose
from sim.backend import (
    AppliedChange,
    FurnitureTruth,
    GroundTruth,
    MotionResult,
    ObjectTruth,
    SimBackend,
    TimelineClock,
)
from sim.detector_model import InstanceKey, detector_noise
from sim.habitat_conversion import (
    habitat_from_map,
    habitat_rotation_for_yaw,
    map_from_habitat,
    observations_to_sensor_frame,
    openable_furniture_urdf,
    primitive_for,
)
from sim.scenario import Scenario, load_scenario
from sim.scenario_layout import BoxPlacement, furniture_box, initial_layout, object_boxes_on
from sim.simulator_availability import HABITAT_INSTALL, import_simulator

DOOR_OPEN_ANGLE = 1.6
SENSORS = ("color", "depth", "semantic")


class HabitatBackend(TimelineClock, SimBackend):
    """Habitat-Sim household (untested against the real binary; see module docstring)."""

    def __init__(self, scenario: Scenario | str | None = None, *, scene_path: str = "NONE", seed: int | None = None,
                 view_time_s: float = 0.5) -> None:
        self._hs = import_simulator("habitat_sim", HABITAT_INSTALL)
        self._mn = import_simulator("magnum", HABITAT_INSTALL)
        self.scene_path = scene_path
        self._seed_override = seed
        self.view_time_s = view_time_s
        self.sim = None
        self.scenario: Scenario | None = None
        if scenario is not None:
            self.load(load_scenario(scenario) if isinstance(scenario, str) else scenario)

    # -- building ----------------------------------------------------------------------------------
    def load(self, scenario: Scenario) -> None:
        hs = self._hs
        self.close()
        self.scenario = scenario
        seed = scenario.seed if self._seed_override is None else self._seed_override
        self.rng = np.random.default_rng(seed)
        cam = scenario.robot.camera
        backend_cfg = hs.SimulatorConfiguration()
        backend_cfg.scene_id = self.scene_path
        backend_cfg.enable_physics = True
        backend_cfg.random_seed = int(seed)
        specs = []
        for uuid, sensor_type in zip(SENSORS, (hs.SensorType.COLOR, hs.SensorType.DEPTH, hs.SensorType.SEMANTIC)):
            spec = hs.CameraSensorSpec()
            spec.uuid = uuid
            spec.sensor_type = sensor_type
            spec.sensor_subtype = hs.SensorSubType.PINHOLE
            spec.resolution = [cam.height, cam.width]
            spec.position = [0.0, CAMERA_HEIGHT, 0.0]
            spec.orientation = [DEFAULT_TILT, 0.0, 0.0]
            spec.hfov = cam.hfov_deg
            spec.near = cam.near_m
            spec.far = cam.far_m
            specs.append(spec)
        agent_cfg = hs.agent.AgentConfiguration(height=CAMERA_HEIGHT, radius=0.3, sensor_specifications=specs)
        self.sim = hs.Simulator(hs.Configuration(backend_cfg, [agent_cfg]))
        self.agent = self.sim.initialize_agent(0)
        self._tmp = tempfile.TemporaryDirectory(prefix="memstack_habitat_")
        self._keys: dict[int, InstanceKey] = {}
        self._objects: dict[str, tuple[object, BoxPlacement]] = {}
        self._furniture: dict[str, tuple[object, BoxPlacement]] = {}
        self._open: dict[str, bool] = {}
        self.removed: set[str] = set()
        self._next_semantic_id = 1
        floor = BoxPlacement("floor", "floor", self._floor_centre(), self._floor_size(), 0.0, "wall")
        self._add_rigid(floor, semantic=False)
        for box in initial_layout(scenario):
            if box.kind == "wall":
                self._add_rigid(box, semantic=False)
            elif box.kind == "furniture":
                self._add_furniture(box)
            else:
                self._add_object(box)
        settings = hs.NavMeshSettings()
        settings.set_defaults()
        settings.agent_radius = 0.3
        settings.agent_height = CAMERA_HEIGHT
        settings.include_static_objects = True
        self.sim.recompute_navmesh(self.sim.pathfinder, settings)
        noise = scenario.robot.noise
        self._flip_pool = {"object": sorted({o.category for o in scenario.world.objects}),
                           "furniture": sorted({f.category for f in scenario.world.furniture})}
        self.noise = detector_noise(noise.label_flip, noise.miss_rate, noise.depth_sigma_m, scenario.seed,
                                    self._flip_pool)
        self._frame_id = 0
        self._start_clock(scenario)
        self._pan, self._tilt = 0.0, DEFAULT_TILT
        start = scenario.robot.start
        self._set_agent(start.at[0], start.at[1], start.yaw)

    def _floor_centre(self) -> tuple[float, float, float]:
        pts = np.array([pt for r in self.scenario.world.rooms for pt in r.polygon], dtype=float)
        c = (pts.min(axis=0) + pts.max(axis=0)) / 2
        return (float(c[0]), float(c[1]), -0.05)

    def _floor_size(self) -> tuple[float, float, float]:
        pts = np.array([pt for r in self.scenario.world.rooms for pt in r.polygon], dtype=float)
        size = pts.max(axis=0) - pts.min(axis=0) + 1.0
        return (float(size[0]), float(size[1]), 0.1)

    def _add_rigid(self, box: BoxPlacement, semantic: bool, kinematic: bool = False):
        hs, mn = self._hs, self._mn
        otm = self.sim.get_object_template_manager()
        template_name, translation, scale, rotation = primitive_for(box)
        template = otm.get_template_by_handle(otm.get_template_handles(template_name)[0])
        template.scale = mn.Vector3(*scale)
        handle = f"{template_name}_{box.id}"
        otm.register_template(template, handle)
        obj = self.sim.get_rigid_object_manager().add_object_by_template_handle(handle)
        obj.motion_type = hs.physics.MotionType.KINEMATIC if kinematic else hs.physics.MotionType.STATIC
        obj.translation = mn.Vector3(*translation)
        w, x, y, z = rotation
        obj.rotation = mn.Quaternion(mn.Vector3(x, y, z), w)
        if semantic:
            obj.semantic_id = self._semantic_id(InstanceKey(box.kind, box.id, box.category))
        return obj

    def _semantic_id(self, key: InstanceKey) -> int:
        sid = self._next_semantic_id
        self._next_semantic_id += 1
        self._keys[sid] = key
        return sid

    def _add_furniture(self, box: BoxPlacement) -> None:
        mn = self._mn
        if not box.openable:
            self._furniture[box.id] = (self._add_rigid(box, semantic=True), box)
            return
        path = Path(self._tmp.name) / f"{box.id}.urdf"
        path.write_text(openable_furniture_urdf(box))
        ao = self.sim.get_articulated_object_manager().add_articulated_object_from_urdf(str(path), fixed_base=True)
        ao.translation = mn.Vector3(*habitat_from_map((box.centre[0], box.centre[1], 0.0)))
        w, x, y, z = habitat_rotation_for_yaw(box.yaw)
        ao.rotation = mn.Quaternion(mn.Vector3(x, y, z), w)
        body_id = self._semantic_id(InstanceKey("furniture", box.id, box.category))
        door_id = self._semantic_id(InstanceKey("door", box.id, f"{box.category}_door"))
        for link_id in ao.get_link_ids():
            for node in ao.get_link_visual_nodes(link_id):
                node.semantic_id = door_id if ao.get_link_name(link_id) == "door" else body_id
        for node in ao.get_link_visual_nodes(-1):
            node.semantic_id = body_id
        self._furniture[box.id] = (ao, box)
        self._open[box.id] = False

    def _add_object(self, box: BoxPlacement) -> None:
        self._objects[box.id] = (self._add_rigid(box, semantic=True, kinematic=True), box)

    # -- the interface -----------------------------------------------------------------------------
    def floor_plan(self) -> FloorPlan:
        return self.scenario.floor_plan()

    def _apply(self, e) -> AppliedChange:
        rom = self.sim.get_rigid_object_manager()
        if e.kind == "move":
            obj, box = self._objects.pop(e.move)
            rom.remove_object_by_id(obj.object_id)
            self._place_on(box.id, box.category, e.to)
            return AppliedChange(e.time, "move", e.move, f"{box.rests_on} -> {e.to}")
        if e.kind in ("open", "close"):
            fid = getattr(e, e.kind)
            ao, _ = self._furniture[fid]
            ao.joint_positions = [DOOR_OPEN_ANGLE if e.kind == "open" else 0.0]
            self._open[fid] = e.kind == "open"
            return AppliedChange(e.time, e.kind, fid)
        if e.kind == "remove":
            if e.remove in self._objects:
                obj, _ = self._objects.pop(e.remove)
                rom.remove_object_by_id(obj.object_id)
            else:
                handle, _ = self._furniture.pop(e.remove)
                if e.remove in self._open:
                    self.sim.get_articulated_object_manager().remove_object_by_id(handle.object_id)
                    self._open.pop(e.remove)
                else:
                    rom.remove_object_by_id(handle.object_id)
            self.removed.add(e.remove)
            return AppliedChange(e.time, "remove", e.remove)
        self._place_on(e.add.id, e.add.category, e.add.rests_on)
        self.removed.discard(e.add.id)
        return AppliedChange(e.time, "add", e.add.id, f"on {e.add.rests_on}")

    def _place_on(self, oid: str, category: str, furniture_id: str) -> None:
        from sim.scenario import ObjectSpec

        furniture = furniture_box(self.scenario.furniture_by_id()[furniture_id])
        already = [ObjectSpec(b.id, b.category, furniture_id) for _, b in self._objects.values()
                   if b.rests_on == furniture_id]
        boxes = object_boxes_on(furniture, already + [ObjectSpec(oid, category, furniture_id)])
        mn = self._mn
        for box in boxes:
            if box.id == oid:
                self._add_object(box)
            else:
                obj, _ = self._objects[box.id]
                obj.translation = mn.Vector3(*habitat_from_map(box.centre))
                self._objects[box.id] = (obj, box)

    def _set_agent(self, x: float, y: float, yaw: float) -> None:
        hs = self._hs
        state = hs.AgentState()
        state.position = habitat_from_map((x, y, 0.0)).astype(np.float32)
        w, qx, qy, qz = habitat_rotation_for_yaw(yaw)
        state.rotation = hs.utils.common.quat_from_coeffs([qx, qy, qz, w])
        self.agent.set_state(state)
        self._pose = (x, y, yaw)
        self._apply_head()

    def _apply_head(self) -> None:
        """Point the sensors: pan turns about the agent's up axis, tilt pitches (sensor states set directly)."""
        hs, mn = self._hs, self._mn
        state = self.agent.get_state()
        x, y, yaw = self._pose
        eye = habitat_from_map((x, y, CAMERA_HEIGHT)).astype(np.float32)
        heading = mn.Quaternion.rotation(mn.Rad(yaw + self._pan), mn.Vector3.y_axis())
        pitch = mn.Quaternion.rotation(mn.Rad(self._tilt), mn.Vector3.x_axis())
        q = heading * pitch
        rotation = hs.utils.common.quat_from_coeffs([q.vector.x, q.vector.y, q.vector.z, q.scalar])
        for uuid in SENSORS:
            state.sensor_states[uuid] = hs.SixDOFPose(position=eye, rotation=rotation)
        self.agent.set_state(state, infer_sensor_states=False)

    def robot_pose(self) -> Pose:
        x, y, yaw = self._pose
        return Pose.from_xyz_yaw(x, y, 0.0, yaw)

    def render(self) -> SensorFrame:
        self._advance_to_frame_time()
        observations = self.sim.get_sensor_observations()
        state = self.agent.get_state()
        sensor = state.sensor_states["color"]
        quat = lambda q: (q.w, q.x, q.y, q.z)
        self._frame_id += 1
        frame, self.last_frame_truth = observations_to_sensor_frame(
            observations, frame_id=self._frame_id, time=self._now, hfov_deg=self.scenario.robot.camera.hfov_deg,
            sensor_position=sensor.position, sensor_rotation_wxyz=quat(sensor.rotation),
            agent_position=state.position, agent_rotation_wxyz=quat(state.rotation), keys=self._keys, rng=self.rng,
            noise=self.noise)
        return frame

    def move_base_to(self, x: float, y: float, yaw: float | None = None) -> MotionResult:
        hs = self._hs
        path = hs.ShortestPath()
        path.requested_start = habitat_from_map((self._pose[0], self._pose[1], 0.0))
        path.requested_end = habitat_from_map((x, y, 0.0))
        if not self.sim.pathfinder.find_path(path) or not math.isfinite(path.geodesic_distance):
            return MotionResult(False, 0.0, 0.0, f"goal ({x:.2f}, {y:.2f}) is unreachable on the navmesh")
        points = [tuple(map_from_habitat(p)[:2]) for p in path.points]
        end_yaw = yaw if yaw is not None else (math.atan2(points[-1][1] - points[-2][1], points[-1][0] - points[-2][0])
                                              if len(points) > 1 else self._pose[2])
        duration = path.geodesic_distance / self.scenario.robot.speed_m_s
        self._set_agent(points[-1][0], points[-1][1], end_yaw)
        self.advance_to(self._now + duration)
        waypoints = [(float(a), float(b)) for a, b in points]
        return MotionResult(True, float(path.geodesic_distance), duration, "", waypoints)

    def look_at(self, point: tuple[float, float, float]) -> None:
        x, y, yaw = self._pose
        dx, dy, dz = point[0] - x, point[1] - y, point[2] - CAMERA_HEIGHT
        self._pan = math.atan2(dy, dx) - yaw
        self._tilt = math.atan2(dz, math.hypot(dx, dy))
        self._apply_head()

    def look_around(self, views: int = 8) -> list[SensorFrame]:
        frames = []
        for k in range(views):
            self._pan = 2 * math.pi * k / views
            self._apply_head()
            frames.append(self.render())
            self.advance_to(self._now + self.view_time_s)
        self._pan = 0.0
        self._apply_head()
        return frames

    def ground_truth(self) -> GroundTruth:
        objects = {}
        for oid, (obj, box) in self._objects.items():
            pos = tuple(float(v) for v in map_from_habitat(np.array(obj.translation)))
            objects[oid] = ObjectTruth(oid, box.category, pos, box.rests_on, self.scenario.room_at(pos[0], pos[1]))
        furniture = {}
        specs = self.scenario.furniture_by_id()
        for fid, (_, box) in self._furniture.items():
            is_open = self._open.get(fid) if box.openable else None
            furniture[fid] = FurnitureTruth(fid, box.category, (box.centre[0], box.centre[1], 0.0), specs[fid].room,
                                            box.openable, is_open, DOOR_OPEN_ANGLE if is_open else 0.0)
        return GroundTruth(self._now, objects, furniture, set(self.removed))

    def close(self) -> None:
        if getattr(self, "sim", None) is not None:
            self.sim.close()
            self.sim = None
        if getattr(self, "_tmp", None) is not None:
            self._tmp.cleanup()
            self._tmp = None
