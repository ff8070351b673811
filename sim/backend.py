"""The one interface every simulator backend offers (PyBullet, Habitat-Sim, AI2-THOR).

What a backend hands the stack is what a robot's sensors would: RGB-D frames with per-frame instance
masks (ids meaningless across frames), noisy labels, and a possibly drifting odometry pose.
`ground_truth()` / `truth_at()` are for evaluation code only (bench/); perception, scene_graph and
planners never call them.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field

from perception.sensor_frame import SensorFrame
from scene_graph.types import FloorPlan, Pose


@dataclass
class MotionResult:
    """Outcome of a base motion. `reason` is empty on success, else says why it failed."""

    success: bool
    path_length_m: float = 0.0
    duration_s: float = 0.0
    reason: str = ""
    path: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class ObjectTruth:
    id: str
    category: str
    position: tuple[float, float, float]
    rests_on: str | None  # furniture id; "robot" while held by the gripper; None on the floor
    room: str | None


@dataclass
class FurnitureTruth:
    id: str
    category: str
    position: tuple[float, float, float]
    room: str
    openable: bool
    is_open: bool | None  # None for furniture without a door
    door_angle: float = 0.0


@dataclass
class GroundTruth:
    """The world's truth at `time` (evaluation only)."""

    time: float
    objects: dict[str, ObjectTruth]
    furniture: dict[str, FurnitureTruth]
    removed: set[str] = field(default_factory=set)

    def objects_of(self, category: str) -> list[ObjectTruth]:
        return [o for o in self.objects.values() if o.category == category]


@dataclass
class AppliedChange:
    """One timeline event as the backend applied it (evaluation only)."""

    time: float
    kind: str  # move / open / close / remove / add
    target: str
    detail: str = ""


@dataclass
class SkippedEvent:
    """A timeline event (or initial placement, kind "place") the house could not take; the run went on without it."""

    time: float
    kind: str
    target: str
    reason: str


class TimelineCursor:
    """The scenario timeline played forward: each event is handed out once, in time order.

    It reads the scenario's own list, so events appended later (after the last played one) play too.
    """

    def __init__(self, events) -> None:
        self.events = events
        self.position = 0

    def due(self, t: float) -> list:
        """The events not yet played whose time is <= t (and marks them played)."""
        start = self.position
        while self.position < len(self.events) and self.events[self.position].time <= t:
            self.position += 1
        return self.events[start:self.position]


FRAME_INTERVAL_S = 0.1  # one camera period; also sim_node's default frame_interval_s


class FrameClock:
    """Stamps of rendered frames: strictly increasing, at least one camera period apart.

    A camera gives one frame per period. Without this, two renders at one simulated instant (the
    frame on arrival, then the first look-around view; the frames around an arm motion) share a
    stamp, and readers of the recorded topics (`memstack replay`) drop all but the first as
    duplicates. A backend advances its clock to `next_time(now)` before it renders, then `mark`s it.
    """

    def __init__(self, interval_s: float = FRAME_INTERVAL_S) -> None:
        if not interval_s > 0.0:
            raise ValueError(f"frame interval must be > 0, got {interval_s}")
        self.interval_s = float(interval_s)
        self.last: float | None = None

    def next_time(self, now: float) -> float:
        if self.last is None or now >= self.last + self.interval_s - 1e-9:
            return now
        return self.last + self.interval_s

    def mark(self, time: float) -> None:
        self.last = float(time)


class TimelineClock(abc.ABC):
    """A backend's clock that only moves forward, playing the scenario timeline on the way.

    For backends whose world changes only by timeline events between the robot's actions (Habitat-Sim,
    AI2-THOR): `advance_to(t)` hands each event due by `t` to the backend's `_apply`, once and in time
    order, then moves the clock to `t` (an earlier `t` leaves it where it is). `_start_clock(scenario)`
    sets it to 0 with the scenario's timeline unplayed.
    """

    def _start_clock(self, scenario) -> None:
        self._now = 0.0
        self._timeline = TimelineCursor(scenario.timeline)
        self.frame_clock = FrameClock()

    @property
    def now(self) -> float:
        return self._now

    def advance_to(self, t: float) -> list[AppliedChange]:
        changes = [self._apply(e) for e in self._timeline.due(t)]
        self._now = max(self._now, float(t))
        return changes

    @abc.abstractmethod
    def _apply(self, event) -> AppliedChange:
        """Make one timeline event (sim.scenario.TimelineEvent) happen in the simulator."""


class SimBackend(abc.ABC):
    """A simulated household with one mobile manipulator in it."""

    frame_clock: FrameClock

    def _advance_to_frame_time(self) -> None:
        """Before a render: move the clock on to the frame's stamp (see `FrameClock`) and mark it."""
        stamp = self.frame_clock.next_time(self.now)
        if stamp > self.now:
            self.advance_to(stamp)
        self.frame_clock.mark(self.now)

    @abc.abstractmethod
    def load(self, scenario) -> None:
        """Build the world of `scenario` (a sim.scenario.Scenario) at time 0 with the robot at its start."""

    @abc.abstractmethod
    def floor_plan(self) -> FloorPlan:
        """The prior map (rooms and doors) the robot is given."""

    @property
    @abc.abstractmethod
    def now(self) -> float:
        """Simulated time, seconds since d1 00:00."""

    @abc.abstractmethod
    def advance_to(self, t: float) -> list[AppliedChange]:
        """Play the scenario timeline up to and including time `t`; returns what changed (evaluation only)."""

    @abc.abstractmethod
    def robot_pose(self) -> Pose:
        """The base pose as odometry reports it (drifts when the scenario says so)."""

    @abc.abstractmethod
    def render(self) -> SensorFrame:
        """One RGB-D frame from the head camera, instance ids shuffled, labels with the scenario's noise."""

    @abc.abstractmethod
    def move_base_to(self, x: float, y: float, yaw: float | None = None) -> MotionResult:
        """Drive the base to (x, y[, yaw]) at bounded speed, advancing simulated time."""

    @abc.abstractmethod
    def look_at(self, point: tuple[float, float, float]) -> None:
        """Aim the head camera at a map point."""

    def look_around(self, views: int = 8) -> list[SensorFrame]:
        """Render `views` frames panning the head a full turn at the current place."""
        raise NotImplementedError(f"{type(self).__name__} does not implement look_around")

    @abc.abstractmethod
    def ground_truth(self) -> GroundTruth:
        """The world's truth now. Evaluation only."""

    def truth_at(self, t: float) -> GroundTruth:
        """The world's truth as it was at time `t`. Evaluation only."""
        raise NotImplementedError(f"{type(self).__name__} keeps no truth history")

    def skipped_events(self) -> list[SkippedEvent]:
        """Timeline events the house could not take (e.g. no room left on a surface); they were not applied."""
        return []

    def close(self) -> None:  # noqa: B027 - backends without resources need not override it
        """Release the simulator."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
