"""Going and looking: candidate observation actions, their travel cost, and executing a look.

`Explorer` is the protocol the question answerer and the task planner use; `SimExplorer` is the
implementation over executor skills + perception + memory ingest (it works for any `RobotSkills`
backend: the simulator directly, or a robot over ROS). `explore_until_stopped` is the loop that
alternates belief -> policy decision -> look -> ingest until the policy says stop.
"""

from __future__ import annotations

import logging
import math
import time as wall_time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from memory_stack.errors import BadInputError
from planners.beliefs import Belief, BeliefBuilder, LookRecord
from planners.floor_plan_routes import polygon_centroid, room_at, room_named, travel_distance
from scene_graph.types import Frame

log = logging.getLogger(__name__)

XYZ = tuple[float, float, float]


@dataclass(frozen=True)
class ObservationAction:
    """Go to `viewpoint` (x, y, yaw) and look at `target` (a receptacle/object id or a room name)."""

    target: str
    target_position: XYZ
    viewpoint: tuple[float, float, float]
    kind: str = "receptacle"            # receptacle | room
    # where to point the camera from the viewpoint (empty: at target_position); see plan_surface_look
    aims: tuple[XYZ, ...] = ()
    # the receptacle's remembered box (min, max), to measure how much of its top a look saw
    box: tuple[XYZ, XYZ] | None = None

    @property
    def look_around(self) -> bool:
        return self.kind == "room"


class Explorer(Protocol):
    """The thing that goes and looks (see docs/ARCHITECTURE.md, planners/)."""

    def candidates(self, query: Any, belief: Belief) -> list[ObservationAction]: ...

    def travel_cost(self, action: ObservationAction) -> float: ...

    def look(self, action: ObservationAction) -> list[Frame]: ...


def _angle_gap(a: float, b: float) -> float:
    return abs((a - b + math.pi) % (2.0 * math.pi) - math.pi)


def _wall_clearance(point: tuple[float, float], polygon: Any) -> float:
    """Distance from `point` to the nearest edge of `polygon` (a room's walls)."""
    best = math.inf
    n = len(polygon)
    for i in range(n):
        (x1, y1), (x2, y2) = polygon[i][:2], polygon[(i + 1) % n][:2]
        dx, dy = x2 - x1, y2 - y1
        length2 = dx * dx + dy * dy
        u = 0.0 if length2 <= 1e-12 else max(0.0, min(1.0, ((point[0] - x1) * dx + (point[1] - y1) * dy) / length2))
        best = min(best, math.hypot(point[0] - (x1 + u * dx), point[1] - (y1 + u * dy)))
    return best


def _inside_footprint(point: Sequence[float], box: tuple[XYZ, XYZ]) -> bool:
    return box[0][0] <= point[0] <= box[1][0] and box[0][1] <= point[1] <= box[1][1]


def viewpoint_for(target_xy: tuple[float, float], robot_xy: tuple[float, float], floor_plan: Any,
                  standoff_m: float = 1.0, wall_clearance_m: float = 0.35,
                  robot_side_weight: float = 0.25, face_interior: bool = True) -> tuple[float, float, float]:
    """A spot `standoff_m` from the target inside its room, facing it from the room's interior.

    Furniture stands against walls with its open side towards the room, so a look comes from
    the direction of the room's centre (a shelf seen from the side hides what is on its top);
    among similar directions the robot's side wins (less travel). Spots closer than
    `wall_clearance_m` to a wall are used only when no other spot is inside the room.
    `face_interior=False`: the spot on the robot's side (the task planner's approach for the arm,
    whose own short approach works from there).
    """
    return _best_spot(target_xy, robot_xy, floor_plan, lambda angle: (standoff_m,), wall_clearance_m,
                      robot_side_weight, face_interior)[0]


def _best_spot(target_xy: tuple[float, float], robot_xy: tuple[float, float], floor_plan: Any,
               distances: Callable[[float], Sequence[float]], wall_clearance_m: float = 0.35,
               robot_side_weight: float = 0.25, face_interior: bool = True,
               near_wall_m: float = 1.2) -> tuple[tuple[float, float, float], float]:
    """`viewpoint_for` over 16 directions with, per direction, distances from the target in order of preference.

    Returns the spot (x, y, yaw facing the target) and the direction's angle. A later distance of a
    direction is used only when the earlier ones leave the room (a shorter standoff before a wall).
    """
    tx, ty = target_xy
    target_room = room_at(floor_plan, target_xy)
    to_robot = math.atan2(robot_xy[1] - ty, robot_xy[0] - tx) if math.dist(robot_xy, target_xy) > 1e-6 else None
    to_interior = None
    # only furniture near a wall has an open side towards the room (a table in the middle of the room
    # has none: the direction to the room's centre from about its centre is noise)
    if target_room is not None and _wall_clearance(target_xy, target_room.polygon) < near_wall_m:
        cx, cy = polygon_centroid(target_room.polygon)
        if math.dist((cx, cy), target_xy) > 1e-6:
            to_interior = math.atan2(cy - ty, cx - tx)
    if not face_interior:
        to_interior = None
    preferred = to_interior if to_interior is not None else (to_robot if to_robot is not None else 0.0)
    ranked: list[tuple[int, float, int, tuple[float, float], float]] = []
    for k in range(16):
        angle = k * math.pi / 8
        score = _angle_gap(angle, preferred)
        if to_robot is not None:
            score += robot_side_weight * _angle_gap(angle, to_robot)
        spots = []
        for rank, distance in enumerate(distances(angle)):
            x, y = tx + distance * math.cos(angle), ty + distance * math.sin(angle)
            if target_room is not None and room_at(floor_plan, (x, y)) is not target_room:
                continue
            cramped = target_room is not None and _wall_clearance((x, y), target_room.polygon) < wall_clearance_m
            spots.append((int(cramped), score, rank, (x, y), angle))
        if spots:
            ranked.append(min(spots))
    if not ranked:
        return (tx, ty, 0.0), 0.0
    _, _, _, best, angle = min(ranked)
    yaw = math.atan2(ty - best[1], tx - best[0])
    return (best[0], best[1], yaw), angle


@dataclass(frozen=True)
class CameraModel:
    """What a look can see: the head camera's height, field of view, and where it sits on the base.

    `behind_base_m`: how far behind the base's centre (away from what it faces) the lens is. The
    explorer learns all of it from the frames it ingests (`from_frame`); the defaults are the
    simulated robot's (sim.pybullet_robot: lens 1.45 m high, 0.12 m behind the centre; 70 x 55 deg).
    """

    height_m: float = 1.45
    hfov_rad: float = math.radians(70.0)
    vfov_rad: float = 2.0 * math.atan(math.tan(math.radians(35.0)) * 0.75)
    behind_base_m: float = 0.12

    @classmethod
    def from_frame(cls, frame: Any) -> CameraModel | None:
        """The camera model of one frame (its pose, intrinsics and the robot pose it was taken at)."""
        cam, k, base = getattr(frame, "camera_pose", None), getattr(frame, "intrinsics", None), getattr(
            frame, "robot_pose", None)
        if cam is None or k is None:
            return None
        behind = cls.behind_base_m
        if base is not None:
            heading = float(base.yaw) if hasattr(base, "yaw") else 0.0
            dx, dy = float(cam.x) - float(base.x), float(cam.y) - float(base.y)
            behind = max(0.0, -(dx * math.cos(heading) + dy * math.sin(heading)))
        return cls(height_m=float(cam.z), hfov_rad=2.0 * math.atan2(k.width / 2.0, k.fx),
                   vfov_rad=2.0 * math.atan2(k.height / 2.0, k.fy), behind_base_m=behind)


@dataclass(frozen=True)
class SurfaceLook:
    """Where to stand and where to point the camera to see the top of a receptacle's box.

    `aims` are points on the top face (one per pan of the head, spread along the face when it is
    wider than the view); `sees_top` is False when the top is not below the camera (a fridge, a
    wardrobe: only its front can be seen, and the aim is the box's centre).
    """

    viewpoint: tuple[float, float, float]
    aims: tuple[XYZ, ...]
    face_distance_m: float
    sees_top: bool


def _box_extent(half_x: float, half_y: float, angle: float) -> tuple[float, float, float]:
    """(centre-to-face distance, width across the view, depth along it) of an axis-aligned box.

    The box has these half extents; the view comes from direction `angle` (from its centre outwards).
    """
    c, s = abs(math.cos(angle)), abs(math.sin(angle))
    to_face = min(half_x / c if c > 1e-9 else math.inf, half_y / s if s > 1e-9 else math.inf)
    return to_face, 2.0 * (half_x * s + half_y * c), 2.0 * (half_x * c + half_y * s)


def plan_surface_look(bbox_min: Sequence[float], bbox_max: Sequence[float], robot_xy: tuple[float, float],
                      floor_plan: Any, camera: CameraModel | None = None, *,
                      min_depression_rad: float = math.radians(15.0), field_margin_rad: float = math.radians(5.0),
                      base_clearance_m: float = 0.45,
                      max_face_distance_m: float = 1.2, min_top_drop_m: float = 0.05,
                      wall_clearance_m: float = 0.35) -> SurfaceLook:
    """A look at a receptacle planned from its box and the camera's geometry, so its top is in view.

    From each direction the camera stands `D` from the box's near face (horizontally):
    - far enough that the face's width fits the horizontal field of view (less a margin),
    - near enough that the far edge of the top is seen at least `min_depression_rad` below the
      horizon: a top only a little below the camera (a 1.2 m shelf under a 1.45 m camera) is seen
      at a grazing angle from afar, where small things on it are a few pixels high,
    - never nearer than the base's clearance (plus the lens's offset behind the base's centre), nor
      farther than `max_face_distance_m`.
    When the width does not fit at that distance, the head pans across the top: one aim per slice
    of the face the view covers at its near edge. The aims are on the top face, not the box's
    centre (a camera aimed at a shelf's middle sees its top at the edge of the image or not at all).
    Directions are ranked as in `viewpoint_for` (from the room's interior, the robot's side).
    """
    camera = camera or CameraModel()
    lo, hi = [float(v) for v in bbox_min[:3]], [float(v) for v in bbox_max[:3]]
    cx, cy = (lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0
    half_x, half_y = max(0.0, (hi[0] - lo[0]) / 2.0), max(0.0, (hi[1] - lo[1]) / 2.0)
    top = hi[2]
    drop = camera.height_m - top
    sees_top = drop >= min_top_drop_m
    half_field = max(math.radians(5.0), camera.hfov_rad / 2.0 - field_margin_rad)
    nearest = base_clearance_m + camera.behind_base_m

    def face_distance(angle: float) -> float:
        _, width, depth = _box_extent(half_x, half_y, angle)
        fit = (width / 2.0) / math.tan(half_field)
        farthest = max_face_distance_m
        if sees_top:
            farthest = min(farthest, drop / math.tan(min_depression_rad) - depth)
        return max(nearest, min(fit, farthest))

    def distances(angle: float) -> list[float]:
        to_face, _, _ = _box_extent(half_x, half_y, angle)
        d = face_distance(angle)
        # where the spot at `d` is outside the room or against a wall: nearer ones, down to the clearance
        steps = [d - k * (d - nearest) / 3.0 for k in range(4)] if d > nearest else [d]
        return [to_face + s - camera.behind_base_m for s in steps]

    viewpoint, angle = _best_spot((cx, cy), robot_xy, floor_plan, distances, wall_clearance_m)
    to_face, width, _ = _box_extent(half_x, half_y, angle)
    d = max(nearest, math.dist(viewpoint[:2], (cx, cy)) - to_face + camera.behind_base_m)
    if not sees_top:
        return SurfaceLook(viewpoint, ((cx, cy, (lo[2] + hi[2]) / 2.0),), d, False)
    covered = 2.0 * d * math.tan(half_field)
    n = max(1, math.ceil(width / max(covered, 1e-6) - 1e-9))
    across = (-math.sin(angle), math.cos(angle))
    offsets = [(i + 0.5) * width / n - width / 2.0 for i in range(n)]
    # the aims go along the box's axis that spans most of the view's width (a counter seen from an
    # angle: along its length), at the points whose offset across the view is `o`
    if half_x * abs(across[0]) >= half_y * abs(across[1]):
        aims = tuple((cx + max(-half_x, min(half_x, o / across[0])), cy, top) for o in offsets)
    else:
        aims = tuple((cx, cy + max(-half_y, min(half_y, o / across[1])), top) for o in offsets)
    return SurfaceLook(viewpoint, aims, d, True)


def top_coverage(frames: Sequence[Frame], bbox_min: Sequence[float], bbox_max: Sequence[float],
                 camera_height_m: float | None = None, grid: int = 5, occlusion_margin_m: float = 0.3,
                 edge_margin: float = 0.02, min_range_m: float = 0.2) -> float:
    """The share of a receptacle's top face (a `grid` x `grid` sample, just above it) that some frame saw.

    A sample point counts when it is in front of a frame's camera, projects inside its image and,
    with depth, nothing stands more than `occlusion_margin_m` in front of it. A top that is not below
    the camera cannot be seen at all; then the samples are on the box's middle height (what a look
    at a tall cupboard's front can see). Frames are the look's own (`SimExplorer.look`).
    """
    lo, hi = np.asarray(bbox_min, dtype=float)[:3], np.asarray(bbox_max, dtype=float)[:3]
    if not frames:
        return 0.0
    height = camera_height_m if camera_height_m is not None else max(f.camera_pose.z for f in frames)
    z = hi[2] + 0.02 if height > hi[2] + 0.02 else (lo[2] + hi[2]) / 2.0
    inset = (hi[:2] - lo[:2]) * 0.05
    xs = np.linspace(lo[0] + inset[0], hi[0] - inset[0], grid)
    ys = np.linspace(lo[1] + inset[1], hi[1] - inset[1], grid)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    points = np.stack([gx.ravel(), gy.ravel(), np.full(gx.size, z)], axis=1)
    seen = np.zeros(len(points), dtype=bool)
    for f in frames:
        k = f.intrinsics
        cam = f.camera_pose.inverse_transform_points(points)
        ahead = cam[:, 2] > min_range_m
        if not ahead.any():
            continue
        uv = np.full((len(points), 2), -1.0)
        uv[ahead] = k.project(cam[ahead])
        mu, mv = edge_margin * k.width, edge_margin * k.height
        ok = ahead & (uv[:, 0] >= mu) & (uv[:, 0] <= k.width - 1 - mu)
        ok &= (uv[:, 1] >= mv) & (uv[:, 1] <= k.height - 1 - mv)
        if f.depth is not None and ok.any():
            u = np.clip(np.rint(uv[ok, 0]).astype(int), 0, k.width - 1)
            v = np.clip(np.rint(uv[ok, 1]).astype(int), 0, k.height - 1)
            d = np.asarray(f.depth, dtype=float)[v, u]
            clear = np.isfinite(d) & (d > 0) & (d >= cam[ok, 2] - occlusion_margin_m)
            idx = np.flatnonzero(ok)
            ok[idx[~clear]] = False
        seen |= ok
    return float(seen.mean())


@dataclass
class SimExplorer:
    """An `Explorer` over `RobotSkills` (navigate + look) that ingests what it sees into memory.

    `processor` is a `perception.frame_processing.FrameProcessor` (SensorFrame -> Frame). Frames
    perception rejects are logged and skipped; the rest are ingested one transaction each.
    """

    skills: Any
    processor: Any
    memory: Any
    standoff_m: float = 1.0
    # Frames rendered at the target. The memory confirms an object on its 2nd sighting; with the
    # scenarios' detector noise (miss 0.1, label flip 0.05) 2 views confirm only ~72% of the time
    # (family f8: keys on the shelf looked at and not confirmed), 3 views ~94%.
    views_per_look: int = 3
    # the head camera's geometry; None: learned from the first frame ingested (CameraModel.from_frame)
    camera: CameraModel | None = None
    path_length_m: float = 0.0
    frames_ingested: int = 0
    frames_rejected: int = 0
    last_skill_results: list[Any] = field(default_factory=list)
    # share of the looked-at receptacle's top the last look saw (top_coverage; 1.0 for rooms)
    last_look_coverage: float = 1.0

    def _floor_plan(self) -> Any:
        return getattr(self.memory, "floor_plan", None)

    def robot_xy(self) -> tuple[float, float]:
        pose = self.skills.robot_pose()
        return (float(pose.x), float(pose.y))

    def candidates(self, query: Any, belief: Belief) -> list[ObservationAction]:
        floor_plan = self._floor_plan()
        robot = self.robot_xy()
        actions: dict[str, ObservationAction] = {}
        boxes = None
        for c in belief.candidates:
            if not c.reveal_target or c.reveal_position is None or c.reveal_target in actions:
                continue
            position = c.reveal_position
            room = room_named(floor_plan, c.reveal_target)
            if room is not None:
                cx, cy = polygon_centroid(room.polygon)
                actions[c.reveal_target] = ObservationAction(c.reveal_target, (cx, cy, 0.0), (cx, cy, 0.0), "room")
                continue
            if boxes is None:
                boxes = self._receptacle_boxes()
            box = boxes.get(c.reveal_target)
            if box is None:
                vp = viewpoint_for((position[0], position[1]), robot, floor_plan, self.standoff_m)
                actions[c.reveal_target] = ObservationAction(c.reveal_target, position, vp, "receptacle")
                continue
            plan = plan_surface_look(box[0], box[1], robot, floor_plan, self.camera)
            aims = plan.aims
            if c.object_id and plan.sees_top and position[2] < box[1][2] - 0.15 and _inside_footprint(position, box):
                aims = (position,)  # a thing remembered inside the furniture (a cabinet's shelf), not on its top
            actions[c.reveal_target] = ObservationAction(c.reveal_target, position, plan.viewpoint, "receptacle",
                                                         aims, box)
        return list(actions.values())

    def _receptacle_boxes(self) -> dict[str, tuple[XYZ, XYZ]]:
        boxes = {}
        receptacles = getattr(self.memory, "receptacles", None)
        for r in (receptacles() if callable(receptacles) else None) or []:
            lo, hi = getattr(r, "bbox_min", None), getattr(r, "bbox_max", None)
            if lo is not None and hi is not None:
                boxes[r.id] = (tuple(float(v) for v in lo[:3]), tuple(float(v) for v in hi[:3]))
        return boxes

    def travel_cost(self, action: ObservationAction) -> float:
        return travel_distance(self._floor_plan(), self.robot_xy(), action.viewpoint[:2])

    def ingest(self, sensor_frames: Sequence[Any]) -> list[Frame]:
        frames = []
        for sensor_frame in sensor_frames:
            try:
                frame = self.processor.process(sensor_frame)
            except BadInputError as exc:
                log.warning("skipping a frame perception rejected: %s", exc)
                self.frames_rejected += 1
                continue
            self.memory.ingest(frame)
            frames.append(frame)
            if self.camera is None:
                self.camera = CameraModel.from_frame(frame)
        self.frames_ingested += len(frames)
        return frames

    def look(self, action: ObservationAction) -> list[Frame]:
        results = []
        yaw = None if action.look_around else action.viewpoint[2]
        results.append(self.skills.navigate_to(action.viewpoint[0], action.viewpoint[1], yaw))
        if action.look_around:
            results.append(self.skills.look_around())
        else:
            for aim in action.aims or (action.target_position,):
                for _ in range(max(1, self.views_per_look)):
                    results.append(self.skills.look_at(aim))
        self.last_skill_results = results
        sensor_frames = [sf for r in results for sf in (r.frames or [])]
        self.path_length_m += sum(float(r.path_length_m) for r in results)
        frames = self.ingest(sensor_frames)
        self.last_look_coverage = 1.0
        if action.box is not None:
            height = self.camera.height_m if self.camera is not None else None
            self.last_look_coverage = top_coverage(frames, action.box[0], action.box[1], height)
        return frames


@dataclass
class ExplorationStepRecord:
    """One look made while answering: where, why (gain, cost) and the confidence afterwards."""

    step: int
    target: str
    expected_gain: float
    cost_m: float
    travel_m: float
    confidence: float
    frames: int


@dataclass
class ExplorationOutcome:
    belief: Belief
    stopped_by: str
    steps: int = 0
    path_length_m: float = 0.0
    looked_at: list[str] = field(default_factory=list)
    records: list[ExplorationStepRecord] = field(default_factory=list)
    frame_ids: list[int] = field(default_factory=list)
    now: float = 0.0
    explore_ms: float = 0.0


def explore_until_stopped(query: Any, now: float, builder: BeliefBuilder, explorer: Explorer | None, policy: Any,
                          on_step: Callable[[ExplorationStepRecord], None] | None = None,
                          skip_targets: Sequence[str] = ()) -> ExplorationOutcome:
    """Belief -> decision -> look -> ingest, until `policy` stops; returns the final belief and the trail."""
    looks: list[LookRecord] = []
    belief = builder.build(query, now)
    outcome = ExplorationOutcome(belief, "", now=now)
    visited: set[str] = set(skip_targets)
    started = wall_time.perf_counter()
    while True:
        actions = []
        if explorer is not None:
            actions = [a for a in explorer.candidates(query, belief) if a.target not in visited]
        travel = [float(explorer.travel_cost(a)) for a in actions] if actions else []
        decision = policy.decide(belief, actions, travel, outcome.path_length_m, outcome.steps)
        if decision.stop:
            outcome.stopped_by = decision.stopped_by or "voi"
            break
        action = decision.action
        before = float(getattr(explorer, "path_length_m", 0.0) or 0.0)
        frames = explorer.look(action)
        after = getattr(explorer, "path_length_m", None)
        driven = (float(after) - before) if after is not None else travel[actions.index(action)]
        visited.add(action.target)
        look_time = min((f.time for f in frames), default=now)
        now = max([now] + [f.time for f in frames])
        looks.append(LookRecord(action.target, look_time, float(getattr(explorer, "last_look_coverage", 1.0))))
        outcome.steps += 1
        outcome.path_length_m += driven
        outcome.looked_at.append(action.target)
        outcome.frame_ids.extend(f.frame_id for f in frames)
        belief = builder.build(query, now, looks)
        chosen = decision.chosen
        record = ExplorationStepRecord(outcome.steps, action.target, chosen.expected_gain if chosen else 0.0,
                                       chosen.cost_m if chosen else driven, driven, belief.confidence, len(frames))
        outcome.records.append(record)
        if on_step is not None:
            on_step(record)
    outcome.belief = belief
    outcome.now = now
    outcome.explore_ms = (wall_time.perf_counter() - started) * 1000.0
    return outcome
