"""Typed scenario files (specs/scenario.md): load, validate, and hand out the prior floor plan.

`load_scenario(path) -> Scenario`. Every problem raises `ScenarioError` (a ConfigError, so a BadInputError) whose
message names the file and the field path, e.g.
`sim_configs/x.yaml: timeline[3].to: unknown furniture 'desk'`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memory_stack.foundation.time_format import TimeFormatError, parse_time
from memory_stack.foundation.typed_config import ConfigError, build_dataclass, load_yaml_file
from planners.acting.task_outcomes import CANNOT_KINDS
from robot_model.category_shapes import furniture_shape
from scene_graph.floor_plan_file import DoorEntry, RoomEntry
from scene_graph.types import Door, FloorPlan, Room
from sim.surface_packing import fits, spec_surface

TimeValue = str | float


class ScenarioError(ConfigError):
    """A scenario file is wrong; the message is `FILE: FIELD.PATH: problem`."""


@dataclass(frozen=True)
class ScenarioBounds:
    """What a scenario may ask of the machine; checked before anything is built or simulated."""

    max_camera_side_px: int = 2048
    max_camera_pixels: int = 2048 * 1536
    max_far_m: float = 100.0
    min_watch_period_s: float = 1.0
    max_watch_frames: int = 20_000  # over all watches: (to - from) / period_s, summed
    max_days: int = 366
    max_coordinate_m: float = 1000.0
    max_plan_extent_m: float = 250.0  # the occupancy grid covers the floor plan's bounding box at 0.1 m
    max_polygon_points: int = 256
    max_furniture_side_m: float = 10.0
    max_speed_m_s: float = 5.0
    max_seed: int = 2**32 - 2  # numpy seeds are non-negative; the simulator also uses seed + 1
    max_items: tuple[tuple[str, int], ...] = (
        ("world.rooms", 200), ("world.doors", 1000), ("world.furniture", 5000), ("world.objects", 20000),
        ("timeline", 200_000), ("observe", 20_000), ("questions", 20_000), ("tasks", 5000))


BOUNDS = ScenarioBounds()


@dataclass
class FurnitureSpec:
    """A static receptacle. `size` overrides the category's default [width, depth, height]."""

    id: str
    category: str
    room: str
    at: tuple[float, float]
    yaw: float = 0.0
    openable: bool = False
    size: tuple[float, float, float] | None = None

    def dimensions(self) -> tuple[float, float, float]:
        if self.size is not None:
            return self.size
        shape = furniture_shape(self.category)
        return (shape.width, shape.depth, shape.height)

    def footprint(self) -> list[tuple[float, float]]:
        """The four floor corners of the furniture's box in the map frame."""
        w, d, _ = self.dimensions()
        c, s = math.cos(self.yaw), math.sin(self.yaw)
        corners = []
        for lx, ly in ((-w / 2, -d / 2), (w / 2, -d / 2), (w / 2, d / 2), (-w / 2, d / 2)):
            corners.append((self.at[0] + c * lx - s * ly, self.at[1] + s * lx + c * ly))
        return corners


@dataclass
class ObjectSpec:
    """A movable object resting on (or, for openable furniture, inside) a piece of furniture."""

    id: str
    category: str
    rests_on: str


@dataclass
class World:
    rooms: list[RoomEntry]
    doors: list[DoorEntry] = field(default_factory=list)
    furniture: list[FurnitureSpec] = field(default_factory=list)
    objects: list[ObjectSpec] = field(default_factory=list)


@dataclass
class RobotStart:
    at: tuple[float, float]
    yaw: float = 0.0


@dataclass
class CameraSpec:
    width: int = 320
    height: int = 240
    hfov_deg: float = 70.0
    near_m: float = 0.05
    far_m: float = 12.0


@dataclass
class NoiseSpec:
    label_flip: float = 0.0
    miss_rate: float = 0.0
    depth_sigma_m: float = 0.0
    odom_drift_m_per_m: float = 0.0


@dataclass
class RobotSpec:
    start: RobotStart
    camera: CameraSpec = field(default_factory=CameraSpec)
    noise: NoiseSpec = field(default_factory=NoiseSpec)
    speed_m_s: float = 0.5
    # What the simulated detector gives perception: masks | boxes | label_image (sim.perception_inputs).
    perception_input: str = "masks"


@dataclass
class TimelineEvent:
    """One thing other people do. Exactly one of move (with to), open, close, remove, add."""

    at: TimeValue
    move: str | None = None
    to: str | None = None
    open: str | None = None
    close: str | None = None
    remove: str | None = None
    add: ObjectSpec | None = None
    time: float = field(default=0.0, init=False)

    @property
    def kind(self) -> str:
        for name in ("move", "open", "close", "remove", "add"):
            if getattr(self, name) is not None:
                return name
        return ""

    @property
    def target(self) -> str:
        """The id the event acts on (the added object's id for `add`)."""
        if self.add is not None:
            return self.add.id
        return getattr(self, self.kind)


@dataclass
class ObserveEntry:
    """The robot's own schedule: a patrol at `at`, or a watch of one room `from_`..`to` (YAML key `from`)."""

    at: TimeValue | None = None
    patrol: str | list[str] | None = None
    from_: TimeValue | None = None
    to: TimeValue | None = None
    watch: str | None = None
    period_s: float = 600.0
    start: float = field(default=0.0, init=False)
    end: float = field(default=0.0, init=False)

    @property
    def kind(self) -> str:
        return "patrol" if self.patrol is not None else "watch"

    def rooms(self, all_rooms: list[str]) -> list[str]:
        if self.watch is not None:
            return [self.watch]
        if self.patrol == "all":
            return list(all_rooms)
        return list(self.patrol or [])


@dataclass
class Question:
    """A question put to the robot at `at`; `answer` is the raw expected value of specs/scenario.md.

    Answer shapes: {rests_on: FURNITURE_ID}, {room: ROOM | none}, {time: T[, tolerance_min: N]} (first/last
    seen), an integer, a boolean, or a list of categories.
    """

    id: str
    at: TimeValue
    ask: str
    answer: Any = None
    time: float = field(default=0.0, init=False)


@dataclass
class TaskGoal:
    """What must hold after a task: e.g. {category: mug, rests_on: counter} or {furniture: fridge, state: open}."""

    category: str | None = None
    object: str | None = None
    rests_on: str | None = None
    furniture: str | None = None
    state: str | None = None
    # the task cannot be done, and the robot must say why: unreachable, not graspable or not found
    # (planners.acting.task_outcomes); it is still right when the robot does it after all
    cannot: str | None = None


@dataclass
class Task:
    id: str
    at: TimeValue
    do: str
    goal: TaskGoal
    time: float = field(default=0.0, init=False)


@dataclass
class Scenario:
    scenario: str
    world: World
    robot: RobotSpec
    seed: int = 0
    timeline: list[TimelineEvent] = field(default_factory=list)
    observe: list[ObserveEntry] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    source: str = field(default="<scenario>", init=False)

    @property
    def name(self) -> str:
        return self.scenario

    def floor_plan(self) -> FloorPlan:
        rooms = tuple(Room(r.name, tuple((float(x), float(y)) for x, y in r.polygon)) for r in self.world.rooms)
        doors = tuple(Door((d.rooms[0], d.rooms[1]), (float(d.at[0]), float(d.at[1])), float(d.width))
                      for d in self.world.doors)
        return FloorPlan(rooms=rooms, doors=doors)

    def room_names(self) -> list[str]:
        return [r.name for r in self.world.rooms]

    def furniture_by_id(self) -> dict[str, FurnitureSpec]:
        return {f.id: f for f in self.world.furniture}

    def room_at(self, x: float, y: float) -> str | None:
        for room in self.world.rooms:
            if point_in_polygon((x, y), room.polygon):
                return room.name
        return None

    def end_time(self) -> float:
        """The last time anything in the scenario happens."""
        times = [0.0]
        times += [e.time for e in self.timeline]
        times += [o.end for o in self.observe]
        times += [q.time for q in self.questions]
        times += [t.time for t in self.tasks]
        return max(times)

    def days(self) -> int:
        return int(self.end_time() // 86400.0) + 1


def point_in_polygon(point: tuple[float, float], polygon: list[tuple[float, float]] | tuple) -> bool:
    x, y = point
    inside = False
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        if (y1 > y) != (y2 > y):
            x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < x_cross:
                inside = not inside
    return inside


def distance_to_polygon_boundary(point: tuple[float, float], polygon) -> float:
    px, py = point
    best = math.inf
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        dx, dy = x2 - x1, y2 - y1
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - x1) * dx + (py - y1) * dy) / length2))
        best = min(best, math.hypot(px - (x1 + t * dx), py - (y1 + t * dy)))
    return best


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario YAML file."""
    source = str(path)
    try:
        data = load_yaml_file(path)
    except ConfigError as exc:
        raise ScenarioError(source, exc.field_path, exc.problem) from exc
    return scenario_from_dict(data, source)


def scenario_from_dict(data: Any, source: str = "<scenario>") -> Scenario:
    """Build and validate a Scenario from already-parsed YAML (a dict)."""
    if not isinstance(data, dict):
        raise ScenarioError(source, "", f"expected a mapping at the top level, got {type(data).__name__}")
    data = dict(data)
    _check_counts(data, source)
    _check_finite(data, source, "")
    observe = data.get("observe")
    if isinstance(observe, list):
        data["observe"] = [_rename_from_key(entry) for entry in observe]
    try:
        scenario = build_dataclass(Scenario, data, source=source)
    except ConfigError as exc:
        raise ScenarioError(source, exc.field_path.replace("from_", "from"),
                            exc.problem.replace("from_", "from")) from exc
    scenario.source = source
    _validate(scenario, _Reporter(source))
    return scenario


def _check_counts(data: dict, source: str) -> None:
    """Refuse oversized lists before they are converted (the conversion itself walks every item)."""
    for path, limit in BOUNDS.max_items:
        value: Any = data
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, list) and len(value) > limit:
            raise ScenarioError(source, path, f"{len(value)} entries; at most {limit} are allowed")


def _check_finite(value: Any, source: str, path: str) -> None:
    """NaN and infinities (YAML .nan/.inf) are never a valid coordinate, size, rate or time."""
    stack = [(value, path)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            raise ScenarioError(source, path, f"expected a finite number, got {value!r}")
        if isinstance(value, dict):
            stack += [(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(v, f"{path}[{i}]") for i, v in enumerate(value)]


def _rename_from_key(entry: Any) -> Any:
    if isinstance(entry, dict) and "from" in entry:
        entry = dict(entry)
        entry["from_"] = entry.pop("from")
    return entry


class _Reporter:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field_path: str, problem: str) -> None:
        raise ScenarioError(self.source, field_path, problem)

    def time(self, value: Any, field_path: str) -> float:
        try:
            t = parse_time(value)
        except TimeFormatError as exc:
            raise ScenarioError(self.source, field_path, str(exc)) from exc
        if t > BOUNDS.max_days * 86400.0:
            raise ScenarioError(self.source, field_path, f"{value!r} is later than day {BOUNDS.max_days}")
        return t


def _validate(s: Scenario, r: _Reporter) -> None:
    if not 0 <= s.seed <= BOUNDS.max_seed:
        r.fail("seed", f"must be within 0..{BOUNDS.max_seed}, got {s.seed}")
    _validate_extent(s, r)
    rooms = _validate_world(s, r)
    furniture = s.furniture_by_id()
    _validate_robot(s, r, rooms)
    _validate_timeline(s, r, furniture)
    _validate_observe(s, r, rooms)
    all_object_ids = {o.id for o in s.world.objects} | {e.add.id for e in s.timeline if e.add is not None}
    categories = {o.category for o in s.world.objects} | {e.add.category for e in s.timeline if e.add is not None}
    _validate_questions(s, r, rooms, furniture, all_object_ids)
    _validate_tasks(s, r, furniture, all_object_ids, categories)


def _validate_extent(s: Scenario, r: _Reporter) -> None:
    """Coordinates, polygon sizes and the floor plan's extent within BOUNDS."""
    limit = BOUNDS.max_coordinate_m
    points: list[tuple[float, float]] = []
    for i, room in enumerate(s.world.rooms):
        if len(room.polygon) > BOUNDS.max_polygon_points:
            r.fail(f"world.rooms[{i}].polygon", f"{len(room.polygon)} points; at most {BOUNDS.max_polygon_points}")
        for j, point in enumerate(room.polygon):
            if max(abs(float(c)) for c in point) > limit:
                r.fail(f"world.rooms[{i}].polygon[{j}]", f"{list(point)} is farther than {limit} m from the origin")
            points.append((float(point[0]), float(point[1])))
    if points:
        xs, ys = [x for x, _ in points], [y for _, y in points]
        extent = max(max(xs) - min(xs), max(ys) - min(ys))
        if extent > BOUNDS.max_plan_extent_m:
            r.fail("world.rooms", f"the floor plan spans {extent:.0f} m; at most {BOUNDS.max_plan_extent_m} m")
    for i, f in enumerate(s.world.furniture):
        if max(abs(c) for c in f.at) > limit:
            r.fail(f"world.furniture[{i}].at", f"{list(f.at)} is farther than {limit} m from the origin")
        if f.size is not None and max(f.size) > BOUNDS.max_furniture_side_m:
            r.fail(f"world.furniture[{i}].size", f"{list(f.size)}: no side may exceed {BOUNDS.max_furniture_side_m} m")


def _validate_world(s: Scenario, r: _Reporter) -> dict[str, RoomEntry]:
    w = s.world
    if not w.rooms:
        r.fail("world.rooms", "at least one room is required")
    rooms: dict[str, RoomEntry] = {}
    for i, room in enumerate(w.rooms):
        if room.name in rooms:
            r.fail(f"world.rooms[{i}].name", f"duplicate room name {room.name!r}")
        if room.name == "none":
            r.fail(f"world.rooms[{i}].name", "'none' is reserved (means: not in the house)")
        if len(room.polygon) < 3:
            r.fail(f"world.rooms[{i}].polygon", "a polygon needs at least 3 points")
        if abs(_polygon_area(room.polygon)) < 1e-6:
            r.fail(f"world.rooms[{i}].polygon", "polygon has zero area")
        rooms[room.name] = room
    for i, door in enumerate(w.doors):
        for j, name in enumerate(door.rooms):
            if name not in rooms:
                r.fail(f"world.doors[{i}].rooms[{j}]", f"unknown room {name!r}")
        if door.rooms[0] == door.rooms[1]:
            r.fail(f"world.doors[{i}].rooms", "a door joins two different rooms")
        if door.width <= 0:
            r.fail(f"world.doors[{i}].width", f"must be positive, got {door.width}")
        for name in door.rooms:
            if distance_to_polygon_boundary(door.at, rooms[name].polygon) > 0.25:
                r.fail(f"world.doors[{i}].at", f"{list(door.at)} is not on the wall of room {name!r}")
    ids: dict[str, str] = {}
    for i, f in enumerate(w.furniture):
        where = f"world.furniture[{i}]"
        if f.id in ids:
            r.fail(f"{where}.id", f"duplicate id {f.id!r}")
        ids[f.id] = where
        if f.room not in rooms:
            r.fail(f"{where}.room", f"unknown room {f.room!r}")
        if f.size is not None and min(f.size) <= 0:
            r.fail(f"{where}.size", f"sizes must be positive, got {list(f.size)}")
        polygon = rooms[f.room].polygon
        if not point_in_polygon(f.at, polygon):
            r.fail(f"{where}.at", f"{list(f.at)} is outside room {f.room!r}")
        for corner in f.footprint():
            if not point_in_polygon(corner, polygon) and distance_to_polygon_boundary(corner, polygon) > 0.05:
                r.fail(f"{where}.at", f"{f.category} {f.id!r} at {list(f.at)} sticks out of room {f.room!r} "
                                      f"(corner {[round(c, 2) for c in corner]})")
    furniture = s.furniture_by_id()
    capacity = _Capacity(furniture)
    for i, o in enumerate(w.objects):
        where = f"world.objects[{i}]"
        if o.id in ids:
            r.fail(f"{where}.id", f"duplicate id {o.id!r}")
        ids[o.id] = where
        if o.rests_on not in furniture:
            r.fail(f"{where}.rests_on", f"unknown furniture {o.rests_on!r}")
    for fid, held in capacity.holding({o.id: (o.rests_on, o.category) for o in w.objects}).items():
        if not capacity.fits(fid, held):
            first = next(i for i, o in enumerate(w.objects) if o.rests_on == fid)
            r.fail(f"world.objects[{first}].rests_on", f"{capacity.describe(fid)} cannot hold all of {sorted(held)} "
                                                       f"at once ({len(held)} objects)")
    return rooms


class _Capacity:
    """Whether the objects on a piece of furniture fit on its surface (sim.surface_packing), memoised."""

    def __init__(self, furniture: dict[str, FurnitureSpec]) -> None:
        self.furniture = furniture
        self._known: dict[tuple[str, tuple[str, ...]], bool] = {}

    @staticmethod
    def holding(placed: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
        """Furniture id -> {object id: category} from object id -> (furniture id, category)."""
        out: dict[str, dict[str, str]] = {}
        for oid, (fid, category) in placed.items():
            out.setdefault(fid, {})[oid] = category
        return out

    def fits(self, fid: str, held: dict[str, str]) -> bool:
        key = (fid, tuple(sorted(held.values())))
        if key not in self._known:
            self._known[key] = fits(spec_surface(self.furniture[fid]), list(key[1]))
        return self._known[key]

    def describe(self, fid: str) -> str:
        f = self.furniture[fid]
        x0, x1, y0, y1 = spec_surface(f)
        where = "inside" if f.openable else "on top"
        return f"{f.category} {fid!r} ({x1 - x0:.2f} x {y1 - y0:.2f} m usable {where})"


def _polygon_area(polygon) -> float:
    return 0.5 * sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(polygon, list(polygon[1:]) + [polygon[0]]))


def _validate_robot(s: Scenario, r: _Reporter, rooms: dict[str, RoomEntry]) -> None:
    start = s.robot.start
    if s.room_at(*start.at) is None:
        r.fail("robot.start.at", f"{list(start.at)} is not inside any room")
    for f in s.world.furniture:
        if point_in_polygon(start.at, f.footprint()):
            r.fail("robot.start.at", f"{list(start.at)} is inside furniture {f.id!r}")
    cam = s.robot.camera
    if cam.width < 8 or cam.height < 8:
        r.fail("robot.camera", f"image too small ({cam.width}x{cam.height})")
    side = BOUNDS.max_camera_side_px
    for name in ("width", "height"):
        if getattr(cam, name) > side:
            r.fail(f"robot.camera.{name}", f"{getattr(cam, name)} px; at most {side}")
    if cam.width * cam.height > BOUNDS.max_camera_pixels:
        r.fail("robot.camera", f"{cam.width}x{cam.height} is more than {BOUNDS.max_camera_pixels} pixels")
    if cam.far_m > BOUNDS.max_far_m:
        r.fail("robot.camera.far_m", f"{cam.far_m} m; at most {BOUNDS.max_far_m}")
    if not 10.0 <= cam.hfov_deg <= 170.0:
        r.fail("robot.camera.hfov_deg", f"must be within 10..170 degrees, got {cam.hfov_deg}")
    if not 0 < cam.near_m < cam.far_m:
        r.fail("robot.camera.near_m", "need 0 < near_m < far_m")
    for name in ("label_flip", "miss_rate"):
        value = getattr(s.robot.noise, name)
        if not 0.0 <= value <= 1.0:
            r.fail(f"robot.noise.{name}", f"a rate must be within 0..1, got {value}")
    for name in ("depth_sigma_m", "odom_drift_m_per_m"):
        if getattr(s.robot.noise, name) < 0:
            r.fail(f"robot.noise.{name}", "must not be negative")
    if s.robot.perception_input not in ("masks", "boxes", "label_image"):
        r.fail("robot.perception_input", f"must be masks, boxes or label_image, got {s.robot.perception_input!r}")
    if not 0 < s.robot.speed_m_s <= BOUNDS.max_speed_m_s:
        r.fail("robot.speed_m_s", f"must be within 0..{BOUNDS.max_speed_m_s} (exclusive of 0), got {s.robot.speed_m_s}")


def _validate_timeline(s: Scenario, r: _Reporter, furniture: dict[str, FurnitureSpec]) -> None:
    location = {o.id: o.rests_on for o in s.world.objects}
    category = {o.id: o.category for o in s.world.objects}
    capacity = _Capacity(furniture)
    removed_objects: set[str] = set()
    furniture_present = set(furniture)
    open_now: set[str] = set()
    last = -math.inf
    for i, e in enumerate(s.timeline):
        where = f"timeline[{i}]"
        e.time = r.time(e.at, f"{where}.at")
        if e.time < last:
            r.fail(f"{where}.at", f"time {e.at!r} goes backwards (previous event is later)")
        last = e.time
        actions = [n for n in ("move", "open", "close", "remove", "add") if getattr(e, n) is not None]
        if len(actions) != 1:
            r.fail(where, f"exactly one of move/open/close/remove/add is required, got {actions or 'none'}")
        kind = actions[0]
        if kind != "move" and e.to is not None:
            r.fail(f"{where}.to", "'to' belongs to a 'move' event")
        if kind == "move":
            if e.move not in location:
                known = e.move in removed_objects
                r.fail(f"{where}.move", f"object {e.move!r} is {'no longer in the house' if known else 'unknown'}")
            if e.to is None:
                r.fail(f"{where}.to", "a move needs 'to' (a furniture id)")
            _check_receptacle(r, f"{where}.to", e.to, furniture, furniture_present)
            location[e.move] = e.to
            _check_room_on(r, f"{where}.to", e.to, e.move, location, category, capacity)
        elif kind in ("open", "close"):
            target = getattr(e, kind)
            _check_receptacle(r, f"{where}.{kind}", target, furniture, furniture_present)
            if not furniture[target].openable:
                r.fail(f"{where}.{kind}", f"furniture {target!r} is not openable")
            if kind == "open":
                if target in open_now:
                    r.fail(f"{where}.open", f"furniture {target!r} is already open")
                open_now.add(target)
            else:
                if target not in open_now:
                    r.fail(f"{where}.close", f"furniture {target!r} is already closed")
                open_now.discard(target)
        elif kind == "remove":
            if e.remove in location:
                del location[e.remove]
                removed_objects.add(e.remove)
            elif e.remove in furniture_present:
                resting = sorted(o for o, f in location.items() if f == e.remove)
                if resting:
                    r.fail(f"{where}.remove", f"furniture {e.remove!r} still holds {resting}")
                furniture_present.discard(e.remove)
                open_now.discard(e.remove)
            else:
                known = e.remove in removed_objects or e.remove in furniture
                r.fail(f"{where}.remove", f"{e.remove!r} is {'not there any more' if known else 'unknown'}")
        else:
            added = e.add
            if added.id in location or added.id in furniture:
                r.fail(f"{where}.add.id", f"id {added.id!r} is already in use")
            _check_receptacle(r, f"{where}.add.rests_on", added.rests_on, furniture, furniture_present)
            location[added.id] = added.rests_on
            category[added.id] = added.category
            removed_objects.discard(added.id)
            _check_room_on(r, f"{where}.add.rests_on", added.rests_on, added.id, location, category, capacity)


def _check_room_on(r: _Reporter, field_path: str, fid: str, oid: str, location: dict[str, str],
                   category: dict[str, str], capacity: _Capacity) -> None:
    held = {o: category[o] for o, f in location.items() if f == fid}
    if not capacity.fits(fid, held):
        others = sorted(o for o in held if o != oid)
        r.fail(field_path, f"no room for {oid!r} ({category[oid]}): {capacity.describe(fid)} already holds "
                           f"{others} then")


def _check_receptacle(r: _Reporter, field_path: str, fid: str, furniture: dict, present: set[str]) -> None:
    if fid not in furniture:
        r.fail(field_path, f"unknown furniture {fid!r}")
    if fid not in present:
        r.fail(field_path, f"furniture {fid!r} has been removed")


def _validate_observe(s: Scenario, r: _Reporter, rooms: dict[str, RoomEntry]) -> None:
    last = -math.inf
    watch_frames = 0.0
    for i, o in enumerate(s.observe):
        where = f"observe[{i}]"
        if (o.patrol is None) == (o.watch is None):
            r.fail(where, "exactly one of 'patrol' (with 'at') or 'watch' (with 'from' and 'to') is required")
        if o.patrol is not None:
            if o.at is None:
                r.fail(f"{where}.at", "a patrol needs 'at'")
            if o.from_ is not None or o.to is not None:
                r.fail(f"{where}.from", "a patrol has 'at', not 'from'/'to'")
            o.start = o.end = r.time(o.at, f"{where}.at")
            if isinstance(o.patrol, str):
                if o.patrol != "all":
                    r.fail(f"{where}.patrol", f"expected 'all' or a list of rooms, got {o.patrol!r}")
            else:
                if not o.patrol:
                    r.fail(f"{where}.patrol", "empty list of rooms")
                for j, name in enumerate(o.patrol):
                    if name not in rooms:
                        r.fail(f"{where}.patrol[{j}]", f"unknown room {name!r}")
        else:
            if o.at is not None:
                r.fail(f"{where}.at", "a watch has 'from' and 'to', not 'at'")
            if o.watch not in rooms:
                r.fail(f"{where}.watch", f"unknown room {o.watch!r}")
            if o.from_ is None or o.to is None:
                r.fail(f"{where}.{'from' if o.from_ is None else 'to'}", "a watch needs 'from' and 'to'")
            o.start = r.time(o.from_, f"{where}.from")
            o.end = r.time(o.to, f"{where}.to")
            if o.end <= o.start:
                r.fail(f"{where}.to", "must be later than 'from'")
            if o.period_s < BOUNDS.min_watch_period_s:
                r.fail(f"{where}.period_s", f"at least {BOUNDS.min_watch_period_s} s, got {o.period_s}")
            watch_frames += (o.end - o.start) / o.period_s
            if watch_frames > BOUNDS.max_watch_frames:
                r.fail(f"{where}.period_s", f"the watches so far take {watch_frames:.0f} frames; "
                                            f"at most {BOUNDS.max_watch_frames} in a scenario")
        if o.start < last:
            r.fail(f"{where}.{'at' if o.patrol is not None else 'from'}", "observe entries go backwards in time")
        last = o.start


def _validate_questions(s: Scenario, r: _Reporter, rooms: dict, furniture: dict, object_ids: set[str]) -> None:
    seen: set[str] = set()
    for i, q in enumerate(s.questions):
        where = f"questions[{i}]"
        if q.id in seen:
            r.fail(f"{where}.id", f"duplicate question id {q.id!r}")
        seen.add(q.id)
        q.time = r.time(q.at, f"{where}.at")
        if not q.ask.strip():
            r.fail(f"{where}.ask", "empty question")
        a = q.answer
        if isinstance(a, dict):
            for key in ("rests_on", "room"):
                if key in a and not isinstance(a[key], str):
                    r.fail(f"{where}.answer.{key}", f"expected a single id, got {a[key]!r}")
            if set(a) == {"rests_on"}:
                if a["rests_on"] not in furniture:
                    r.fail(f"{where}.answer.rests_on", f"unknown furniture {a['rests_on']!r}")
            elif set(a) == {"room"}:
                if a["room"] != "none" and a["room"] not in rooms:
                    r.fail(f"{where}.answer.room", f"unknown room {a['room']!r}")
            elif len(a) == 1 and next(iter(a)) in ("colour", "size", "material", "shape"):
                # an attribute answer (docs/QUESTIONS.md): {colour: red}, {size: small}, ...
                key = next(iter(a))
                if not isinstance(a[key], str) or not a[key].strip():
                    r.fail(f"{where}.answer.{key}", f"expected a name, got {a[key]!r}")
            elif "time" in a and set(a) <= {"time", "tolerance_min"}:
                r.time(a["time"], f"{where}.answer.time")
                tolerance = a.get("tolerance_min", 60)
                if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or tolerance <= 0:
                    r.fail(f"{where}.answer.tolerance_min", f"expected a positive number of minutes, got {tolerance!r}")
            else:
                r.fail(f"{where}.answer", "expected {rests_on: ID}, {room: NAME}, {time: T[, tolerance_min: N]} or "
                                          "{colour|size|material|shape: NAME}, "
                                          f"got keys {sorted(a)}")
        elif isinstance(a, list):
            for j, item in enumerate(a):
                if not isinstance(item, str):
                    r.fail(f"{where}.answer[{j}]", f"expected a category name, got {item!r}")
        elif not isinstance(a, (bool, int)):
            r.fail(f"{where}.answer", f"expected a mapping, list, integer or boolean, got {a!r}")


def _validate_tasks(s: Scenario, r: _Reporter, furniture: dict, object_ids: set[str], categories: set[str]) -> None:
    seen: set[str] = set()
    for i, t in enumerate(s.tasks):
        where = f"tasks[{i}]"
        if t.id in seen:
            r.fail(f"{where}.id", f"duplicate task id {t.id!r}")
        seen.add(t.id)
        t.time = r.time(t.at, f"{where}.at")
        g = t.goal
        if g.rests_on is not None and g.rests_on not in furniture:
            r.fail(f"{where}.goal.rests_on", f"unknown furniture {g.rests_on!r}")
        if g.object is not None and g.object not in object_ids:
            r.fail(f"{where}.goal.object", f"unknown object {g.object!r}")
        if g.category is not None and g.category not in categories:
            r.fail(f"{where}.goal.category", f"no object of category {g.category!r} in the scenario")
        if g.furniture is not None:
            if g.furniture not in furniture:
                r.fail(f"{where}.goal.furniture", f"unknown furniture {g.furniture!r}")
            if g.state not in ("open", "closed"):
                r.fail(f"{where}.goal.state", f"expected 'open' or 'closed', got {g.state!r}")
            if not furniture[g.furniture].openable:
                r.fail(f"{where}.goal.furniture", f"furniture {g.furniture!r} is not openable")
        elif g.state is not None:
            r.fail(f"{where}.goal.state", "'state' needs 'furniture'")
        if g.furniture is None and g.rests_on is None:
            r.fail(f"{where}.goal", "a goal needs 'rests_on' (with category/object) or 'furniture' with 'state'")
        if g.rests_on is not None and g.category is None and g.object is None:
            r.fail(f"{where}.goal", "'rests_on' needs 'category' or 'object'")
        if g.cannot is not None and g.cannot not in CANNOT_KINDS:
            r.fail(f"{where}.goal.cannot", f"expected one of {list(CANNOT_KINDS)}, got {g.cannot!r}")
