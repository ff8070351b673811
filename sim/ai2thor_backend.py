"""A scenario played in an AI2-THOR scene, behind the SimBackend interface.

UNTESTED against a real AI2-THOR: ai2thor installs from PyPI but downloads its Unity build on first
use, which cannot happen on this project's machines. The code follows ai2thor's public API
(`ai2thor.controller.Controller(scene=..., renderDepthImage=True, renderInstanceSegmentation=True)`,
`step(action="Teleport" | "GetReachablePositions" | "SetObjectPoses" | "PlaceObjectAtPoint" |
"OpenObject" | "CloseObject" | "DisableObject" | "EnableObject")`, events' `frame`, `depth_frame`,
`instance_masks`, `metadata`); all conversion goes through sim.ai2thor_conversion, whose pure
functions are unit-tested. Importing this module never imports ai2thor; constructing the backend
without it raises SimulatorNotInstalledError saying what to install.

THOR scenes have their own rooms and furniture: the scenario's furniture and objects are matched to
the scene's by category (sim.ai2thor_conversion.plan_object_poses) and the floor plan is the area the
agent can reach. THOR openables are single objects (no separate door instance).
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

from perception.sensor_frame import SensorFrame
from scene_graph.types import FloorPlan, Pose
from sim.ai2thor_conversion import (
    CATEGORY_TO_THOR_TYPES,
    agent_pose,
    event_to_sensor_frame,
    floor_plan_from_reachable,
    ground_truth,
    map_to_unity,
    map_yaw_to_thor,
    plan_object_poses,
    receptacle_top,
    unity_to_map,
    vertical_fov_deg,
)
from sim.backend import AppliedChange, GroundTruth, MotionResult, SimBackend, TimelineClock
from sim.detector_model import detector_noise
from sim.scenario import Scenario, load_scenario
from sim.simulator_availability import AI2THOR_INSTALL, import_simulator


class AI2ThorBackend(TimelineClock, SimBackend):
    """AI2-THOR household (untested against the real build; see module docstring)."""

    def __init__(self, scenario: Scenario | str | None = None, *, scene: str = "FloorPlan201", grid_size: float = 0.25,
                 seed: int | None = None, view_time_s: float = 0.5) -> None:
        self._controller_module = import_simulator("ai2thor.controller", AI2THOR_INSTALL)
        self.scene = scene
        self.grid_size = grid_size
        self._seed_override = seed
        self.view_time_s = view_time_s
        self.controller = None
        if scenario is not None:
            self.load(load_scenario(scenario) if isinstance(scenario, str) else scenario)

    def load(self, scenario: Scenario) -> None:
        self.close()
        self.scenario = scenario
        seed = scenario.seed if self._seed_override is None else self._seed_override
        self.rng = np.random.default_rng(seed)
        cam = scenario.robot.camera
        self.controller = self._controller_module.Controller(
            scene=self.scene, width=cam.width, height=cam.height, gridSize=self.grid_size, snapToGrid=False,
            fieldOfView=vertical_fov_deg(cam.hfov_deg, cam.width, cam.height), renderDepthImage=True,
            renderInstanceSegmentation=True)
        self.plan = plan_object_poses(scenario, self.controller.last_event.metadata["objects"])
        self._step("SetObjectPoses", objectPoses=self.plan.poses)
        self._names = {thor: sid for sid, thor in {**self.plan.objects, **self.plan.receptacles}.items()}
        reachable = self._step("GetReachablePositions").metadata["actionReturn"]
        self._graph = self._reachability_graph(reachable)
        self._floor_plan = floor_plan_from_reachable(reachable, self.scene.lower())
        noise = scenario.robot.noise
        self._flip_pool = {"object": sorted({o.category for o in scenario.world.objects}),
                           "furniture": sorted({f.category for f in scenario.world.furniture})}
        self.noise = detector_noise(noise.label_flip, noise.miss_rate, noise.depth_sigma_m, scenario.seed,
                                    self._flip_pool)
        self.removed: set[str] = set()
        self._frame_id = 0
        self._start_clock(scenario)
        self._horizon = 20.0

    def _step(self, action: str, **kwargs):
        event = self.controller.step(action=action, **kwargs)
        if not event.metadata.get("lastActionSuccess", True):
            raise RuntimeError(f"AI2-THOR action {action} failed: {event.metadata.get('errorMessage')}")
        return event

    def _reachability_graph(self, positions: list[dict]) -> nx.Graph:
        graph = nx.Graph()
        points = {(round(p["x"] / self.grid_size), round(p["z"] / self.grid_size)): p for p in positions}
        for (i, k), p in points.items():
            graph.add_node((i, k), xy=unity_to_map(p)[:2], y=p["y"])
            for di, dk in ((1, 0), (0, 1)):
                if (i + di, k + dk) in points:
                    graph.add_edge((i, k), (i + di, k + dk), weight=self.grid_size)
        return graph

    def _nearest_node(self, x: float, y: float):
        return min(self._graph.nodes, key=lambda n: math.dist(self._graph.nodes[n]["xy"], (x, y)))

    def floor_plan(self) -> FloorPlan:
        return self._floor_plan

    def _apply(self, e) -> AppliedChange:
        objects = {o["objectId"]: o for o in self.controller.last_event.metadata["objects"]}
        if e.kind == "move" and e.move in self.plan.objects and e.to in self.plan.receptacles:
            top = receptacle_top(objects[self.plan.receptacles[e.to]])
            self._step("PlaceObjectAtPoint", objectId=self.plan.objects[e.move], position=top)
        elif e.kind in ("open", "close") and getattr(e, e.kind) in self.plan.receptacles:
            action = "OpenObject" if e.kind == "open" else "CloseObject"
            self._step(action, objectId=self.plan.receptacles[getattr(e, e.kind)], forceAction=True)
        elif e.kind == "remove" and e.remove in self.plan.objects:
            self._step("DisableObject", objectId=self.plan.objects[e.remove])
            self.removed.add(e.remove)
        elif e.kind == "add" and e.add.rests_on in self.plan.receptacles:
            used = set(self.plan.objects.values())
            spare = next((o for o in objects.values() if o.get("pickupable") and o["objectId"] not in used
                          and o["objectType"] in CATEGORY_TO_THOR_TYPES.get(e.add.category, [])), None)
            if spare is not None:
                self.plan.objects[e.add.id] = spare["objectId"]
                self._names[spare["objectId"]] = e.add.id
                self._step("EnableObject", objectId=spare["objectId"])
                top = receptacle_top(objects[self.plan.receptacles[e.add.rests_on]])
                self._step("PlaceObjectAtPoint", objectId=spare["objectId"], position=top)
        return AppliedChange(e.time, e.kind, e.target)

    def _teleport(self, x: float, y: float, yaw: float) -> None:
        node = self._nearest_node(x, y)
        position = map_to_unity(*self._graph.nodes[node]["xy"], self._graph.nodes[node]["y"])
        self._step("Teleport", position=position, rotation={"x": 0, "y": map_yaw_to_thor(yaw), "z": 0},
                   horizon=self._horizon, standing=True)

    def robot_pose(self) -> Pose:
        return agent_pose(self.controller.last_event.metadata)

    def render(self) -> SensorFrame:
        self._advance_to_frame_time()
        event = self.controller.last_event
        self._frame_id += 1
        frame, self.last_frame_truth = event_to_sensor_frame(
            event.frame, event.depth_frame, event.instance_masks, event.metadata, frame_id=self._frame_id,
            time=self._now, hfov_deg=self.scenario.robot.camera.hfov_deg, rng=self.rng, noise=self.noise)
        return frame

    def move_base_to(self, x: float, y: float, yaw: float | None = None) -> MotionResult:
        pose = self.robot_pose()
        start, goal = self._nearest_node(pose.x, pose.y), self._nearest_node(x, y)
        if math.dist(self._graph.nodes[goal]["xy"], (x, y)) > 2 * self.grid_size:
            return MotionResult(False, 0.0, 0.0, f"goal ({x:.2f}, {y:.2f}) is not reachable in {self.scene}")
        try:
            xy = nx.get_node_attributes(self._graph, "xy")
            nodes = nx.astar_path(self._graph, start, goal, heuristic=lambda a, b: math.dist(xy[a], xy[b]))
        except nx.NetworkXNoPath:
            return MotionResult(False, 0.0, 0.0, f"goal ({x:.2f}, {y:.2f}) is unreachable from the robot")
        path = [self._graph.nodes[n]["xy"] for n in nodes]
        length = sum(math.dist(a, b) for a, b in zip(path, path[1:]))
        end_yaw = yaw if yaw is not None else (math.atan2(path[-1][1] - path[-2][1], path[-1][0] - path[-2][0])
                                              if len(path) > 1 else pose.yaw)
        self._teleport(path[-1][0], path[-1][1], end_yaw)
        duration = length / self.scenario.robot.speed_m_s
        self.advance_to(self._now + duration)
        return MotionResult(True, length, duration, "", [tuple(map(float, p)) for p in path])

    def look_at(self, point: tuple[float, float, float]) -> None:
        camera = unity_to_map(self.controller.last_event.metadata["cameraPosition"])
        pose = self.robot_pose()
        dx, dy, dz = point[0] - camera[0], point[1] - camera[1], point[2] - camera[2]
        self._horizon = float(np.clip(-math.degrees(math.atan2(dz, math.hypot(dx, dy))), -30.0, 60.0))
        self._teleport(pose.x, pose.y, math.atan2(dy, dx))

    def look_around(self, views: int = 8) -> list[SensorFrame]:
        pose = self.robot_pose()
        frames = []
        for k in range(views):
            self._teleport(pose.x, pose.y, pose.yaw + 2 * math.pi * k / views)
            frames.append(self.render())
            self.advance_to(self._now + self.view_time_s)
        self._teleport(pose.x, pose.y, pose.yaw)
        return frames

    def ground_truth(self) -> GroundTruth:
        return ground_truth(self.controller.last_event.metadata, self._now, self._names, self.removed)

    def close(self) -> None:
        if getattr(self, "controller", None) is not None:
            self.controller.stop()
            self.controller = None
