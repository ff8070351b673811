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
    tx, ty = target_xy
    target_room = room_at(floor_plan, target_xy)
    to_robot = math.atan2(robot_xy[1] - ty, robot_xy[0] - tx) if math.dist(robot_xy, target_xy) > 1e-6 else None
    to_interior = None
    if target_room is not None:
        cx, cy = polygon_centroid(target_room.polygon)
        if math.dist((cx, cy), target_xy) > 1e-6:
            to_interior = math.atan2(cy - ty, cx - tx)
    if not face_interior:
        to_interior = None
    preferred = to_interior if to_interior is not None else (to_robot if to_robot is not None else 0.0)
    ranked: list[tuple[int, float, tuple[float, float]]] = []
    for k in range(16):
        angle = k * math.pi / 8
        x, y = tx + standoff_m * math.cos(angle), ty + standoff_m * math.sin(angle)
        if target_room is not None and room_at(floor_plan, (x, y)) is not target_room:
            continue
        cramped = target_room is not None and _wall_clearance((x, y), target_room.polygon) < wall_clearance_m
        score = _angle_gap(angle, preferred)
        if to_robot is not None:
            score += robot_side_weight * _angle_gap(angle, to_robot)
        ranked.append((int(cramped), score, (x, y)))
    best = min(ranked)[2] if ranked else (tx, ty)
    yaw = math.atan2(ty - best[1], tx - best[0])
    return (best[0], best[1], yaw)


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
    path_length_m: float = 0.0
    frames_ingested: int = 0
    frames_rejected: int = 0
    last_skill_results: list[Any] = field(default_factory=list)

    def _floor_plan(self) -> Any:
        return getattr(self.memory, "floor_plan", None)

    def robot_xy(self) -> tuple[float, float]:
        pose = self.skills.robot_pose()
        return (float(pose.x), float(pose.y))

    def candidates(self, query: Any, belief: Belief) -> list[ObservationAction]:
        floor_plan = self._floor_plan()
        robot = self.robot_xy()
        actions: dict[str, ObservationAction] = {}
        for c in belief.candidates:
            if not c.reveal_target or c.reveal_position is None or c.reveal_target in actions:
                continue
            position = c.reveal_position
            room = room_named(floor_plan, c.reveal_target)
            if room is not None:
                cx, cy = polygon_centroid(room.polygon)
                actions[c.reveal_target] = ObservationAction(c.reveal_target, (cx, cy, 0.0), (cx, cy, 0.0), "room")
                continue
            vp = viewpoint_for((position[0], position[1]), robot, floor_plan, self.standoff_m)
            actions[c.reveal_target] = ObservationAction(c.reveal_target, position, vp, "receptacle")
        return list(actions.values())

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
        self.frames_ingested += len(frames)
        return frames

    def look(self, action: ObservationAction) -> list[Frame]:
        results = []
        yaw = None if action.look_around else action.viewpoint[2]
        results.append(self.skills.navigate_to(action.viewpoint[0], action.viewpoint[1], yaw))
        if action.look_around:
            results.append(self.skills.look_around())
        else:
            for _ in range(max(1, self.views_per_look)):
                results.append(self.skills.look_at(action.target_position))
        self.last_skill_results = results
        sensor_frames = [sf for r in results for sf in (r.frames or [])]
        self.path_length_m += sum(float(r.path_length_m) for r in results)
        return self.ingest(sensor_frames)


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
        looks.append(LookRecord(action.target, look_time))
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
