"""Going and looking: candidate observation actions, their travel cost, and executing a look.

`Explorer` is the protocol the question answerer and the task planner use; `SimExplorer` is the
implementation over executor skills + perception + memory ingest (it works for any `RobotSkills`
backend: the simulator directly, or a robot over ROS). `explore_until_stopped` is the loop that
alternates belief -> policy decision -> look -> ingest until the policy says stop.
"""

from __future__ import annotations

import logging
import time as wall_time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from memory_stack.foundation.errors import BadInputError
from planners.acting.floor_plan_routes import polygon_centroid, room_named, travel_distance
from planners.acting.viewpoints import (
    XYZ,
    Box,
    CameraModel,
    Stand,
    inside_footprint,
    plan_surface_look,
    top_coverage,
    viewpoint_for,
)
from planners.belief.builder import BeliefBuilder
from planners.belief.candidates import Belief, LookRecord
from planners.memory_api import MemoryWriter
from scene_graph.types import FloorPlan, Frame

log = logging.getLogger(__name__)


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
    # further stand points after `viewpoint`, each with its own aims (SurfaceLook.more_stands), and
    # the metres driven from the first stand point through the others
    more_stands: tuple[Stand, ...] = ()
    stands_path_m: float = 0.0

    @property
    def look_around(self) -> bool:
        return self.kind == "room"

    @property
    def stands(self) -> tuple[Stand, ...]:
        return ((self.viewpoint, self.aims),) + self.more_stands

    @property
    def end_viewpoint(self) -> tuple[float, float, float]:
        """Where the robot stands when the look is over (the next look's travel starts there)."""
        return self.more_stands[-1][0] if self.more_stands else self.viewpoint


class Explorer(Protocol):
    """The thing that goes and looks (see docs/ARCHITECTURE.md, planners/)."""

    def candidates(self, query: Any, belief: Belief) -> list[ObservationAction]: ...

    def travel_cost(self, action: ObservationAction) -> float: ...

    def look(self, action: ObservationAction) -> list[Frame]: ...




@dataclass
class SimExplorer:
    """An `Explorer` over `RobotSkills` (navigate + look) that ingests what it sees into memory.

    `processor` is a `perception.frame_processing.FrameProcessor` (SensorFrame -> Frame). Frames
    perception rejects are logged and skipped; the rest are ingested one transaction each.
    """

    skills: Any
    processor: Any
    memory: MemoryWriter
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
    # the other receptacles the last look's frames showed, with the share of each top they saw
    last_look_also_seen: tuple[tuple[str, float], ...] = ()
    # a top farther than this from the camera counts as not shown: a small thing there is a few pixels
    # (5 cm at 2.5 m: ~5 px wide with the scenarios' 320 px, 70 degree camera)
    side_view_range_m: float = 2.5

    def _floor_plan(self) -> FloorPlan | None:
        return self.memory.floor_plan

    def robot_xy(self) -> tuple[float, float]:
        pose = self.skills.robot_pose()
        return (float(pose.x), float(pose.y))

    def candidates(self, query: Any, belief: Belief) -> list[ObservationAction]:
        floor_plan = self._floor_plan()
        robot = self.robot_xy()
        actions: dict[str, ObservationAction] = {}
        boxes = on_top = None
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
                boxes, on_top = self._receptacle_boxes(), self._things_on_receptacles()
            box = boxes.get(c.reveal_target)
            if box is None:
                vp = viewpoint_for((position[0], position[1]), robot, floor_plan, self.standoff_m)
                actions[c.reveal_target] = ObservationAction(c.reveal_target, position, vp, "receptacle")
                continue
            inside = c.object_id and position[2] < box[1][2] - 0.15 and inside_footprint(position, box)
            plan = plan_surface_look(box[0], box[1], robot, floor_plan, self.camera,
                                     occluders=() if inside else on_top.get(c.reveal_target, ()))
            aims, more = plan.aims, plan.more_stands
            if inside and plan.sees_top:
                # a thing remembered inside the furniture (a cabinet's shelf), not on its top
                aims, more = (position,), ()
            stands = ((plan.viewpoint, aims),) + more
            path = sum(travel_distance(floor_plan, a[0][:2], b[0][:2]) for a, b in zip(stands, stands[1:]))
            actions[c.reveal_target] = ObservationAction(c.reveal_target, position, plan.viewpoint, "receptacle",
                                                         aims, box, more, path)
        return list(actions.values())

    def _things_on_receptacles(self) -> dict[str, list[Box]]:
        """The boxes of the things memory holds on each receptacle (what may hide others on its top)."""
        things: dict[str, list[Box]] = {}
        for o in self.memory.objects():
            if o.rests_on and not o.is_receptacle:
                things.setdefault(o.rests_on, []).append((tuple(o.bbox_min[:3]), tuple(o.bbox_max[:3])))
        return things

    def _receptacle_boxes(self) -> dict[str, tuple[XYZ, XYZ]]:
        boxes = {}
        for r in self.memory.receptacles():
            boxes[r.id] = (tuple(float(v) for v in r.bbox_min[:3]), tuple(float(v) for v in r.bbox_max[:3]))
        return boxes

    def travel_cost(self, action: ObservationAction) -> float:
        """Metres to the look's first stand point and on through the others (`stands_path_m`)."""
        return travel_distance(self._floor_plan(), self.robot_xy(), action.viewpoint[:2]) + action.stands_path_m

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
        if action.look_around:
            results.append(self.skills.navigate_to(action.viewpoint[0], action.viewpoint[1], None))
            results.append(self.skills.look_around())
        for viewpoint, aims in () if action.look_around else action.stands:
            results.append(self.skills.navigate_to(viewpoint[0], viewpoint[1], viewpoint[2]))
            for aim in aims or (action.target_position,):
                for _ in range(max(1, self.views_per_look)):
                    results.append(self.skills.look_at(aim))
        self.last_skill_results = results
        sensor_frames = [sf for r in results for sf in (r.frames or [])]
        self.path_length_m += sum(float(r.path_length_m) for r in results)
        frames = self.ingest(sensor_frames)
        self.last_look_coverage = 1.0
        self.last_look_also_seen = ()
        if action.look_around or not frames:
            return frames
        height = self.camera.height_m if self.camera is not None else None
        # what memory now holds on a top (this look's sightings included) hides what is behind it
        on_top = self._things_on_receptacles()
        if action.box is not None:
            self.last_look_coverage = top_coverage(frames, action.box[0], action.box[1], height,
                                                   occluders=on_top.get(action.target, ()))
        self.last_look_also_seen = self._neighbours_seen(frames, action.target, height, on_top)
        return frames

    def _neighbours_seen(self, frames: Sequence[Frame], target: str, height: float | None,
                         on_top: dict[str, list[Box]]) -> tuple[tuple[str, float], ...]:
        """The other receptacles within `side_view_range_m` of the cameras, with the share of each top seen."""
        cameras = [(f.camera_pose.x, f.camera_pose.y) for f in frames]
        seen = []
        for rid, (lo, hi) in self._receptacle_boxes().items():
            if rid == target:
                continue
            if min(_box_distance(c, lo, hi) for c in cameras) > self.side_view_range_m:
                continue
            share = top_coverage(frames, lo, hi, height, occluders=on_top.get(rid, ()),
                                 max_range_m=self.side_view_range_m)
            if share > 0.0:
                seen.append((rid, round(share, 3)))
        return tuple(seen)


def _box_distance(xy: tuple[float, float], lo: Sequence[float], hi: Sequence[float]) -> float:
    """Ground distance from a point to a box's footprint (0 inside it)."""
    dx = max(lo[0] - xy[0], 0.0, xy[0] - hi[0])
    dy = max(lo[1] - xy[1], 0.0, xy[1] - hi[1])
    return (dx * dx + dy * dy) ** 0.5


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
        looks.append(LookRecord(action.target, look_time, float(getattr(explorer, "last_look_coverage", 1.0)),
                                tuple(getattr(explorer, "last_look_also_seen", ()))))
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

