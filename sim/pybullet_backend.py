"""The working simulator: a scenario's household in PyBullet (p.DIRECT, TinyRenderer) with a mobile Panda.

- The house: floor, walls with doorway gaps (sim.walls), furniture and objects (sim.house_builder).
- The timeline (moves, additions, removals, open/close by other people) is applied by `advance_to`:
  objects are teleported onto a free spot of their new receptacle and physics settles them.
- The base drives on an occupancy grid of walls + furniture footprints (what the robot's range
  sensors would see; furniture is never handed to the memory) plus any `known_obstacles`, with A*,
  at `scenario.robot.speed_m_s`; simulated time advances by the time taken.
- `render()` renders only when asked: RGB, depth in metres, a shuffled instance mask with labels
  (door links are their own instance labelled "<category>_door"), detector noise and odometry drift.
- `ground_truth()` / `truth_at(t)` / the changes returned by `advance_to` are for evaluation only.
"""

from __future__ import annotations

import bisect
import math
import time as wallclock
from collections.abc import Iterable, Sequence

import numpy as np
import pybullet as p
import pybullet_data

from memory_stack.foundation.errors import BadInputError
from perception.sensor_frame import SensorFrame
from robot_model.dimensions import BASE_RADIUS
from scene_graph.types import FloorPlan, Pose
from sim.backend import (
    AppliedChange,
    FrameClock,
    FurnitureTruth,
    GroundTruth,
    MotionResult,
    ObjectTruth,
    SimBackend,
    SkippedEvent,
    TimelineCursor,
)
from sim.camera_rendering import PinholeCamera, body_and_link
from sim.detector_model import InstanceKey, detections, detector_noise, noisy_frame
from sim.house_builder import (
    DOOR_OPEN_ANGLE,
    FurnitureBody,
    ObjectBody,
    build_floor,
    build_furniture,
    build_object,
    build_walls,
    door_angle,
    free_spot,
    set_door,
)
from sim.occupancy_grid import NoPathError, OccupancyGrid, build_occupancy_grid, path_length, plan_path
from sim.perception_inputs import PERCEPTION_INPUTS, as_perception_input, label_space
from sim.pybullet_robot import MobileManipulator, load_mobile_panda
from sim.scenario import ObjectSpec, Scenario, TimelineEvent, load_scenario
from sim.surface_packing import pack
from sim.walls import wall_segments

OPEN_THRESHOLD_RAD = 0.35  # a door opened further than this counts as open in the ground truth
SETTLE_STEPS = 24  # 0.1 s of physics after a teleport: objects are put down 2 mm above their support
TURN_SPEED_RAD_S = 1.0
VIEW_TIME_S = 0.5  # simulated time one look_around view takes


class PyBulletBackend(SimBackend):
    """A scenario's household in a private PyBullet client. Use as a context manager or call close()."""

    def __init__(self, scenario: Scenario | str | None = None, *, seed: int | None = None,
                 known_obstacles: Iterable[Sequence[tuple[float, float]]] = (), grid_resolution: float = 0.1,
                 view_time_s: float = VIEW_TIME_S, perception_input: str | None = None) -> None:
        if perception_input is not None and perception_input not in PERCEPTION_INPUTS:
            raise BadInputError(f"perception_input: must be one of {list(PERCEPTION_INPUTS)}, got {perception_input!r}")
        self._perception_input_override = perception_input
        self.client_id = p.connect(p.DIRECT)
        self._seed_override = seed
        self._known_obstacles = [list(o) for o in known_obstacles]
        self._grid_resolution = grid_resolution
        self.view_time_s = view_time_s
        self.scenario: Scenario | None = None
        self.robot: MobileManipulator | None = None
        self.furniture: dict[str, FurnitureBody] = {}
        self.objects: dict[str, ObjectBody] = {}
        self.removed: set[str] = set()
        self._skipped: list[SkippedEvent] = []
        self._now = 0.0
        self.driven_route: list[tuple[float, float]] = []  # every base motion's path points, in order
        self._timeline = TimelineCursor(())
        self._frame_id = 0
        self.frame_clock = FrameClock()
        self._history: list[GroundTruth] = []
        self._history_times: list[float] = []
        self._grid: OccupancyGrid | None = None
        self._drift = np.zeros(3)  # odometry error (dx, dy, dyaw) in the map frame
        self.render_seconds: list[float] = []
        self.last_frame_truth: dict[int, InstanceKey] = {}
        self._keys: dict[tuple[int, int], InstanceKey] | None = None
        self._door_bodies: set[int] = set()
        if scenario is not None:
            self.load(load_scenario(scenario) if isinstance(scenario, str) else scenario)

    # -- building ----------------------------------------------------------------------------------
    def load(self, scenario: Scenario) -> None:
        if self.scenario is not None:
            p.resetSimulation(physicsClientId=self.client_id)
        self.scenario = scenario
        seed = scenario.seed if self._seed_override is None else self._seed_override
        self.rng = np.random.default_rng(seed)
        self._placement_rng = np.random.default_rng(seed + 1)
        c = self.client_id
        p.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=c)
        p.setGravity(0, 0, -9.81, physicsClientId=c)
        floor_plan = scenario.floor_plan()
        pts = np.array([pt for room in floor_plan.rooms for pt in room.polygon], dtype=float)
        self.static_bodies = {build_floor(c, tuple(pts.min(axis=0)), tuple(pts.max(axis=0)))}
        self.static_bodies.update(build_walls(c, wall_segments(floor_plan)))
        self.furniture = {f.id: build_furniture(c, f) for f in scenario.world.furniture}
        self._keys = None
        self.objects = {}
        self.removed = set()
        self._skipped = []
        for spec in scenario.world.objects:
            if self._add_object(spec) is None:
                self._skipped.append(SkippedEvent(0.0, "place", spec.id, f"no room on {spec.rests_on!r}"))
        start = scenario.robot.start
        self.robot = load_mobile_panda(c, start.at[0], start.at[1], start.yaw)
        cam = scenario.robot.camera
        self.camera = PinholeCamera(cam.width, cam.height, cam.hfov_deg, cam.near_m, cam.far_m)
        self._flip_pool = {
            "object": sorted({o.category for o in scenario.world.objects}
                             | {e.add.category for e in scenario.timeline if e.add is not None}),
            "furniture": sorted({f.category for f in scenario.world.furniture}),
        }
        self.perception_input = self._perception_input_override or scenario.robot.perception_input
        self._label_ids = label_space(self._flip_pool["object"] + self._flip_pool["furniture"]
                                      + [f"{c}_door" for c in self._flip_pool["furniture"]])
        noise = scenario.robot.noise
        self.noise = detector_noise(noise.label_flip, noise.miss_rate, noise.depth_sigma_m, seed, self._flip_pool)
        self._now = 0.0
        self._timeline = TimelineCursor(scenario.timeline)
        self._frame_id = 0
        self.frame_clock = FrameClock(self.frame_clock.interval_s)
        self._drift = np.zeros(3)
        self._grid = None
        self._history, self._history_times = [], []
        self._settle()
        self._record_truth(0.0)

    def _add_object(self, spec: ObjectSpec) -> ObjectBody | None:
        """Build and place an object; None (nothing built) when its furniture has no room for it."""
        furniture = self.furniture[spec.rests_on]
        body = build_object(self.client_id, spec, (0.0, 0.0, -10.0 - len(self.objects)))
        self.objects[spec.id] = body
        self._keys = None
        if not self._put_on(body, furniture):
            del self.objects[spec.id]
            p.removeBody(body.body, physicsClientId=self.client_id)
            return None
        return body

    def _put_on(self, obj: ObjectBody, furniture: FurnitureBody) -> bool:
        """Put `obj` on a free spot of `furniture`: a random one, else everything there packed densely.

        False (nothing moved) when even the dense packing has no room.
        """
        others = []
        for other in self.objects.values():
            if other is obj:
                continue
            pos = self._position(other.body)
            if furniture.holds(pos):
                others.append((other, pos))
        occupied = [(pos[0], pos[1], other.radius) for other, pos in others]
        spot = free_spot(furniture, obj.radius, occupied, self._placement_rng)
        if spot is not None:
            self._place(obj, furniture, spot)
            return True
        # Make room as a person would: slide what is there together (sim.surface_packing, the validator's packer).
        # Objects the robot holds above the surface are not shifted.
        resting = [other for other, pos in others if pos[2] - furniture.support_z < other.half_height + 0.05]
        held = [(*furniture.to_local(pos[0], pos[1]), other.radius) for other, pos in others
                if other not in resting]
        centres = pack(furniture.surface, [o.radius for o in resting] + [obj.radius], fixed=held)
        if centres is None:
            return False
        for other, centre in zip(resting + [obj], centres):
            self._place(other, furniture, furniture.to_map(*centre))
        return True

    def _place(self, obj: ObjectBody, furniture: FurnitureBody, spot: tuple[float, float]) -> None:
        self._release_constraints(obj.body)
        z = furniture.support_z + obj.half_height + 0.002
        yaw = float(self._placement_rng.uniform(-math.pi, math.pi))
        p.resetBasePositionAndOrientation(obj.body, (spot[0], spot[1], z), p.getQuaternionFromEuler((0, 0, yaw)),
                                          physicsClientId=self.client_id)
        p.resetBaseVelocity(obj.body, (0, 0, 0), (0, 0, 0), physicsClientId=self.client_id)
        obj.rests_on = furniture.id

    def skipped_events(self) -> list[SkippedEvent]:
        return list(self._skipped)

    def _release_constraints(self, body: int) -> None:
        c = self.client_id
        for i in reversed(range(p.getNumConstraints(physicsClientId=c))):
            uid = p.getConstraintUniqueId(i, physicsClientId=c)
            info = p.getConstraintInfo(uid, physicsClientId=c)
            if body in (info[0], info[2]):
                p.removeConstraint(uid, physicsClientId=c)

    def _settle(self, steps: int = SETTLE_STEPS) -> None:
        for _ in range(steps):
            p.stepSimulation(physicsClientId=self.client_id)

    def step_physics(self, steps: int = 1) -> None:
        """Step physics without advancing scenario time (the executor accounts for its own time)."""
        self._settle(steps)

    def close(self) -> None:
        if self.client_id is not None and p.isConnected(self.client_id):
            p.disconnect(self.client_id)
        self.client_id = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: pybullet may already be gone
            pass

    # -- the interface -----------------------------------------------------------------------------
    def floor_plan(self) -> FloorPlan:
        return self.scenario.floor_plan()

    @property
    def now(self) -> float:
        return self._now

    def advance_to(self, t: float) -> list[AppliedChange]:
        """Apply every timeline event with time <= t, in order; returns the changes (evaluation only)."""
        t = float(t)
        if t < self._now - 1e-9:
            raise BadInputError(f"advance_to({t}): simulated time cannot go back (now is {self._now})")
        self._record_if_changed(self._now)
        changes = []
        for event in self._timeline.due(t):
            changes.append(self._apply(event))
            self._settle()
            self._record_truth(event.time)
        self._now = t
        return changes

    def advance_by(self, seconds: float) -> list[AppliedChange]:
        return self.advance_to(self._now + max(0.0, float(seconds)))

    def _apply(self, e: TimelineEvent) -> AppliedChange:
        kind = e.kind
        missing = self._missing_target(e)
        if missing:
            return self._skip(e, missing)
        if kind == "move":
            obj = self.objects[e.move]
            before = obj.rests_on
            if not self._put_on(obj, self.furniture[e.to]):
                return self._skip(e, f"no room on {e.to!r} for {e.move!r}")
            return AppliedChange(e.time, "move", e.move, f"{before} -> {e.to}")
        if kind in ("open", "close"):
            target = getattr(e, kind)
            set_door(self.client_id, self.furniture[target], DOOR_OPEN_ANGLE if kind == "open" else 0.0)
            return AppliedChange(e.time, kind, target)
        if kind == "remove":
            if e.remove in self.objects:
                obj = self.objects.pop(e.remove)
                self._release_constraints(obj.body)
                p.removeBody(obj.body, physicsClientId=self.client_id)
            else:
                furniture = self.furniture[e.remove]
                furniture.present = False
                p.removeBody(furniture.body, physicsClientId=self.client_id)
                self._grid = None
            self.removed.add(e.remove)
            self._keys = None
            return AppliedChange(e.time, "remove", e.remove)
        spec = e.add
        if self._add_object(spec) is None:
            return self._skip(e, f"no room on {spec.rests_on!r} for {spec.id!r}")
        self.removed.discard(spec.id)
        return AppliedChange(e.time, "add", spec.id, f"on {spec.rests_on}")

    def _missing_target(self, e: TimelineEvent) -> str:
        """Why an event cannot act (an earlier event on its object was skipped), or ''."""
        if e.kind == "move" and e.move not in self.objects:
            return f"object {e.move!r} is not in the house (an earlier event on it was skipped)"
        if e.kind == "remove" and e.remove not in self.objects and e.remove not in self.furniture:
            return f"{e.remove!r} is not in the house (an earlier event on it was skipped)"
        if e.kind == "remove" and e.remove in self.furniture and e.remove not in self.objects:
            resting = sorted(o.id for o in self.objects.values() if o.rests_on == e.remove)
            if resting:
                return f"furniture {e.remove!r} still holds {resting}"
        return ""

    def _skip(self, e: TimelineEvent, reason: str) -> AppliedChange:
        """An event the house cannot take: reported (results' skipped_events), not applied; the run goes on."""
        self._skipped.append(SkippedEvent(e.time, e.kind, e.target, reason))
        return AppliedChange(e.time, "skipped", e.target, reason)

    def robot_pose(self) -> Pose:
        x, y, yaw = self._odometry()
        return Pose.from_xyz_yaw(x, y, 0.0, yaw)

    def _odometry(self) -> tuple[float, float, float]:
        x, y, yaw = self.robot.base_pose()
        return (x + self._drift[0], y + self._drift[1], yaw + self._drift[2])

    def camera_pose(self) -> Pose:
        """The head camera's optical frame as the robot believes it is (odometry drift included)."""
        true_cam = self.robot.camera_pose()
        x, y, yaw = self.robot.base_pose()
        true_base = Pose.from_xyz_yaw(x, y, 0.0, yaw).matrix()
        believed_base = self.robot_pose().matrix()
        return Pose.from_matrix(believed_base @ np.linalg.inv(true_base) @ true_cam.matrix())

    def render(self) -> SensorFrame:
        """One frame; the clock first moves on by up to one camera period if the last frame was that recent."""
        self._advance_to_frame_time()
        started = wallclock.perf_counter()
        rgb, depth, seg = self.camera.render(self.client_id, self.robot.camera_pose())
        mask, labels, confidences, truth = detections(seg, self._key_of, self.rng)
        self._frame_id += 1
        frame = SensorFrame(frame_id=self._frame_id, time=self._now, rgb=rgb, depth=depth, instance_mask=mask,
                            labels=labels, intrinsics=self.camera.intrinsics, camera_pose=self.camera_pose(),
                            robot_pose=self.robot_pose(), confidences=confidences)
        frame, self.last_frame_truth = noisy_frame(frame, truth, self.noise)
        frame = as_perception_input(frame, self.perception_input, self._label_ids)
        self.render_seconds.append(wallclock.perf_counter() - started)
        return frame

    def _key_of(self, segment_id: int) -> InstanceKey | None:
        if self._keys is None:
            self._keys = self._body_keys()
        body, link = body_and_link(segment_id)
        return self._keys.get((body, link if body in self._door_bodies else -1))

    def _body_keys(self) -> dict[tuple[int, int], InstanceKey]:
        """(body, link) -> what it is; rebuilt only when bodies come or go."""
        keys = {}
        self._door_bodies = set()
        for f in self.furniture.values():
            if not f.present:
                continue
            keys[(f.body, -1)] = InstanceKey("furniture", f.id, f.category)
            if f.door_link is not None:
                self._door_bodies.add(f.body)
                keys[(f.body, f.door_link)] = InstanceKey("door", f.id, f"{f.category}_door")
        for o in self.objects.values():
            keys[(o.body, -1)] = InstanceKey("object", o.id, o.category)
        return keys

    def set_head(self, pan: float, tilt: float | None = None) -> None:
        self.robot.set_head(pan, self.robot.tilt if tilt is None else tilt)

    def look_at(self, point: tuple[float, float, float]) -> None:
        self.robot.aim_head_at(point)

    def look_around(self, views: int = 8, tilt: float | None = None) -> list[SensorFrame]:
        """Pan the head through `views` equally spaced headings, one frame each; time passes per view."""
        frames = []
        tilt = self.robot.tilt if tilt is None else tilt
        for k in range(views):
            self.robot.set_head(2.0 * math.pi * k / views, tilt)
            frames.append(self.render())
            self.advance_by(self.view_time_s)
        self.robot.set_head(0.0, tilt)
        return frames

    # -- base motion -------------------------------------------------------------------------------
    def occupancy_grid(self) -> OccupancyGrid:
        if self._grid is None:
            obstacles = [f.spec.footprint() for f in self.furniture.values() if f.present] + self._known_obstacles
            self._grid = build_occupancy_grid(self.floor_plan(), obstacles, robot_radius=BASE_RADIUS,
                                              resolution=self._grid_resolution)
        return self._grid

    def set_known_obstacles(self, obstacles: Iterable[Sequence[tuple[float, float]]]) -> None:
        """Extra footprints (e.g. from the robot's map) the base must keep out of."""
        self._known_obstacles = [list(o) for o in obstacles]
        self._grid = None

    def plan_base_path(self, x: float, y: float) -> list[tuple[float, float]]:
        """Waypoints from the robot's true position to (x, y); raises NoPathError."""
        bx, by, _ = self.robot.base_pose()
        return plan_path(self.occupancy_grid(), (bx, by), (x, y))

    def move_base_to(self, x: float, y: float, yaw: float | None = None) -> MotionResult:
        # Goals arrive in the robot's (odometry) frame; the drift maps them to where it really drives.
        gx, gy, gyaw = self._odometry_to_true(x, y, yaw)
        try:
            path = self.plan_base_path(gx, gy)
        except NoPathError as exc:
            return MotionResult(False, 0.0, 0.0, str(exc))
        bx, by, byaw = self.robot.base_pose()
        length = path_length(path)
        turning = 0.0
        heading = byaw
        for a, b in zip(path, path[1:]):
            seg_heading = math.atan2(b[1] - a[1], b[0] - a[0])
            turning += abs(_wrap(seg_heading - heading))
            heading = seg_heading
        final_yaw = heading if gyaw is None else gyaw
        turning += abs(_wrap(final_yaw - heading))
        duration = length / self.scenario.robot.speed_m_s + turning / TURN_SPEED_RAD_S
        self.robot.set_base_pose(path[-1][0], path[-1][1], final_yaw)
        # the route as driven, for the report's map (bench.report_figures)
        self.driven_route.extend((round(float(px), 3), round(float(py), 3)) for px, py in path)
        self._accumulate_drift(length)
        self.advance_by(duration)
        return MotionResult(True, length, duration, "", path)

    def _odometry_to_true(self, x: float, y: float, yaw: float | None) -> tuple[float, float, float | None]:
        dx, dy, dyaw = self._drift
        return (x - dx, y - dy, None if yaw is None else yaw - dyaw)

    def _accumulate_drift(self, distance: float) -> None:
        rate = self.scenario.robot.noise.odom_drift_m_per_m
        if rate <= 0 or distance <= 0:
            return
        direction = self.rng.uniform(-math.pi, math.pi)
        magnitude = abs(self.rng.normal(rate * distance, 0.25 * rate * distance))
        self._drift += np.array([magnitude * math.cos(direction), magnitude * math.sin(direction),
                                 self.rng.normal(0.0, 0.1 * rate * distance)])

    def teleport_base(self, x: float, y: float, yaw: float) -> None:
        """Put the base somewhere without driving (set-up and tests; no time passes, no drift)."""
        self.robot.set_base_pose(x, y, yaw)

    # -- ground truth (evaluation only) ------------------------------------------------------------
    def _position(self, body: int) -> tuple[float, float, float]:
        return tuple(float(v) for v in p.getBasePositionAndOrientation(body, physicsClientId=self.client_id)[0])

    def ground_truth(self) -> GroundTruth:
        return self._truth(self._now)

    def _truth(self, t: float) -> GroundTruth:
        objects = {}
        for o in self.objects.values():
            pos = self._position(o.body)
            rests_on = None
            if p.getContactPoints(bodyA=o.body, bodyB=self.robot.arm_id, physicsClientId=self.client_id) and \
                    not any(f.present and f.holds(pos, slack=0.0) and pos[2] - f.support_z < o.half_height + 0.02
                            for f in self.furniture.values()):
                rests_on = "robot"
            else:
                for f in self.furniture.values():
                    if f.present and f.holds(pos):
                        rests_on = f.id
                        break
            objects[o.id] = ObjectTruth(o.id, o.category, pos, rests_on, self.scenario.room_at(pos[0], pos[1]))
        furniture = {}
        for f in self.furniture.values():
            if not f.present:
                continue
            angle = door_angle(self.client_id, f)
            furniture[f.id] = FurnitureTruth(f.id, f.category, (f.spec.at[0], f.spec.at[1], 0.0), f.spec.room,
                                             f.spec.openable, (angle > OPEN_THRESHOLD_RAD) if f.spec.openable else None,
                                             angle)
        return GroundTruth(t, objects, furniture, set(self.removed))

    def _record_truth(self, t: float) -> None:
        truth = self._truth(t)
        if self._history_times and self._history_times[-1] == t:
            self._history[-1] = truth
        else:
            self._history.append(truth)
            self._history_times.append(t)

    def _record_if_changed(self, t: float) -> None:
        if not self._history:
            self._record_truth(t)
            return
        last, now = self._history[-1], self._truth(t)
        if _truth_summary(last) != _truth_summary(now):
            self._record_truth(t)

    def truth_at(self, t: float) -> GroundTruth:
        self._record_if_changed(self._now)
        i = bisect.bisect_right(self._history_times, float(t)) - 1
        return self._history[max(i, 0)]

    # -- measurements ------------------------------------------------------------------------------
    def frames_rendered(self) -> int:
        return len(self.render_seconds)


def _truth_summary(truth: GroundTruth) -> tuple[dict, dict]:
    return ({k: v.rests_on for k, v in truth.objects.items()}, {k: v.is_open for k, v in truth.furniture.items()})


def _wrap(angle: float) -> float:
    return math.atan2(math.sin(angle), math.cos(angle))
