"""`memstack bench query`: query latency against memory size.

Builds a synthetic memory through the public ingest API: a building of rooms with receptacles
(some openable), N movable objects on them, D days in which others move objects, take some away,
bring them back and open/close furniture, and robot patrols that look at every receptacle (frames
of observations with a depth image, so negative evidence applies). Then measures p50/p99 latency of
locate/history/changes/snapshot/search/contents, the store size, a no-change day's growth and the
reopen (index rebuild) time. Output shape: shared specs/cli.md (`bench query --json`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from memory_stack.composition import assembly
from memory_stack.composition.stack_config import StackConfig
from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.progress import ProgressBar, progress_bar
from scene_graph.store import MemoryStore
from scene_graph.types import CameraIntrinsics, Door, FloorPlan, Frame, Observation, Pose, Room

ROOM_SIZE_M = 10.0
RECEPTACLE_GRID = 3  # 3x3 receptacles per room, 3 m apart
SLOT_SPACING_M = 0.22
OBJECT_CATEGORIES = [
    "mug", "glass", "bottle", "bowl", "plate", "apple", "banana", "orange", "can", "keys", "wallet", "phone",
    "remote", "laptop", "glasses", "book", "magazine", "toy", "ball", "pillow", "towel", "plant", "box",
    "notebook_computer", "stapler", "scissors", "pen", "tape", "charger", "headphones", "camera", "watch",
    "umbrella", "hat", "shoe", "candle", "vase", "clock", "lamp", "speaker",
]
RECEPTACLE_CATEGORIES = ["table", "counter", "desk", "shelf", "cabinet", "fridge", "sofa", "bed"]
OPENABLE = {"cabinet", "fridge"}
SEARCH_PHRASES = ["something to drink from", "where are my car keys", "something to read", "a snack",
                  "device to call someone", "a soft thing to rest my head on", "something to carry things in",
                  "a green plant", "tool to cut paper", "something to tell the time"]
TARGETS = {"locate": 2.0, "history": 2.0, "contents": 2.0, "changes": 20.0, "snapshot": 20.0, "search": 20.0}


@dataclass
class Receptacle:
    id: int
    category: str
    centre: tuple[float, float, float]
    half: tuple[float, float, float]
    room: str
    state: str | None = None
    slots: list[int | None] = field(default_factory=list)  # object index per slot


@dataclass
class Thing:
    category: str
    receptacle: int | None
    slot: int


class SyntheticBuilding:
    """Ground truth of the benchmark world; renders observation frames of one receptacle at a time."""

    def __init__(self, n_objects: int, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        n_receptacles = max(4, math.ceil(n_objects / 10))
        per_room = RECEPTACLE_GRID * RECEPTACLE_GRID
        n_rooms = math.ceil(n_receptacles / per_room)
        side = math.ceil(math.sqrt(n_rooms))
        rooms, doors = [], []
        self.receptacles: list[Receptacle] = []
        for r in range(n_rooms):
            gx, gy = r % side, r // side
            x0, y0 = gx * ROOM_SIZE_M, gy * ROOM_SIZE_M
            name = f"room_{r}"
            rooms.append(Room(name, ((x0, y0), (x0 + ROOM_SIZE_M, y0), (x0 + ROOM_SIZE_M, y0 + ROOM_SIZE_M),
                                     (x0, y0 + ROOM_SIZE_M))))
            if gx > 0:
                doors.append(Door((f"room_{r - 1}", name), (x0, y0 + ROOM_SIZE_M / 2)))
            if gy > 0:
                doors.append(Door((f"room_{r - side}", name), (x0 + ROOM_SIZE_M / 2, y0)))
            for k in range(per_room):
                if len(self.receptacles) >= n_receptacles:
                    break
                cx = x0 + 2.0 + 3.0 * (k % RECEPTACLE_GRID)
                cy = y0 + 2.0 + 3.0 * (k // RECEPTACLE_GRID)
                cat = RECEPTACLE_CATEGORIES[len(self.receptacles) % len(RECEPTACLE_CATEGORIES)]
                rec = Receptacle(len(self.receptacles), cat, (cx, cy, 0.375), (0.6, 0.4, 0.375), name,
                                 "closed" if cat in OPENABLE else None, [None] * 15)
                self.receptacles.append(rec)
        self.floor_plan = FloorPlan(tuple(rooms), tuple(doors))
        self.things: list[Thing] = []
        for i in range(n_objects):
            rec = self.receptacles[i % len(self.receptacles)]
            slot = rec.slots.index(None)
            rec.slots[slot] = i
            self.things.append(Thing(OBJECT_CATEGORIES[self.rng.randrange(len(OBJECT_CATEGORIES))], rec.id, slot))
        self.intrinsics = CameraIntrinsics.from_hfov(16, 12, 70)
        self.depth = np.full((12, 16), 3.0, dtype=np.float32)
        self.frame_id = 0
        self.observations = 0

    def slot_position(self, rec: Receptacle, slot: int) -> tuple[float, float, float]:
        sx, sy = slot % 5, slot // 5
        return (rec.centre[0] - 0.44 + SLOT_SPACING_M * sx, rec.centre[1] - 0.22 + SLOT_SPACING_M * sy, 0.8)

    # -------------------------------------------------------------- what others do
    def move_random(self) -> None:
        i = self.rng.randrange(len(self.things))
        thing = self.things[i]
        if thing.receptacle is None:
            return
        dest = self.receptacles[self.rng.randrange(len(self.receptacles))]
        free = [s for s, o in enumerate(dest.slots) if o is None]
        if not free or dest.id == thing.receptacle:
            return
        self.receptacles[thing.receptacle].slots[thing.slot] = None
        thing.receptacle, thing.slot = dest.id, self.rng.choice(free)
        dest.slots[thing.slot] = i

    def remove_random(self) -> int | None:
        i = self.rng.randrange(len(self.things))
        thing = self.things[i]
        if thing.receptacle is None:
            return None
        self.receptacles[thing.receptacle].slots[thing.slot] = None
        thing.receptacle = None
        return i

    def bring_back(self, i: int) -> None:
        thing = self.things[i]
        if thing.receptacle is not None:
            return
        dest = self.receptacles[self.rng.randrange(len(self.receptacles))]
        free = [s for s, o in enumerate(dest.slots) if o is None]
        if free:
            thing.receptacle, thing.slot = dest.id, self.rng.choice(free)
            dest.slots[thing.slot] = i

    def toggle_random_openable(self) -> None:
        rec = self.receptacles[self.rng.randrange(len(self.receptacles))]
        if rec.state is not None:
            rec.state = "open" if rec.state == "closed" else "closed"

    # -------------------------------------------------------------- what the robot sees
    def frame(self, rec: Receptacle, t: float) -> Frame:
        """A frame looking at one receptacle from 1.2 m: the receptacle and everything on it."""
        self.frame_id += 1
        eye = (rec.centre[0], rec.centre[1] - 1.2, 1.2)
        target = (rec.centre[0], rec.centre[1], 0.75)
        noise = self.np_rng.normal(0.0, 0.01, (len(rec.slots) + 1, 3))
        c = np.asarray(rec.centre) + noise[0]
        h = np.asarray(rec.half)
        obs = [Observation(rec.category, tuple(c), tuple(c - h), tuple(c + h), 0.9, 500, state=rec.state,
                           state_confidence=0.9 if rec.state else 0.0, instance_id=1)]
        for s, i in enumerate(rec.slots):
            if i is None:
                continue
            p = np.asarray(self.slot_position(rec, s)) + noise[s + 1]
            obs.append(Observation(self.things[i].category, tuple(p), tuple(p - 0.05), tuple(p + 0.05), 0.9, 80,
                                   instance_id=len(obs) + 1))
        order = self.np_rng.permutation(len(obs))
        self.observations += len(obs)
        cam = Pose.looking_at(eye, target)
        return Frame(self.frame_id, t, Pose.from_xyz_yaw(eye[0], eye[1], 0.0, math.pi / 2), cam, self.intrinsics,
                     [obs[k] for k in order], self.depth, 2.0, detector_min_pixels=0.0)


def _percentiles(samples_ms: list[float], cpu_ms: list[float] | None = None) -> dict[str, float]:
    """p50/p99 of wall-clock latency (the contract's keys) plus the same of process CPU time.

    On a shared machine wall-clock includes waiting for a core; CPU time shows the query's own cost.
    """
    a = np.asarray(samples_ms)
    out = {"p50_ms": round(float(np.percentile(a, 50)), 4), "p99_ms": round(float(np.percentile(a, 99)), 4),
           "n": len(samples_ms)}
    if cpu_ms is not None:
        c = np.asarray(cpu_ms)
        out["cpu_p50_ms"] = round(float(np.percentile(c, 50)), 4)
        out["cpu_p99_ms"] = round(float(np.percentile(c, 99)), 4)
    return out


class Timings(list):
    """Wall-clock samples (ms) with the matching process-CPU samples in `.cpu`."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu: list[float] = []


def _timed(fn, args_list) -> Timings:
    out = Timings()
    for args in args_list:
        c0, t0 = time.process_time(), time.perf_counter()
        fn(*args)
        out.append((time.perf_counter() - t0) * 1000.0)
        out.cpu.append((time.process_time() - c0) * 1000.0)
    return out


def _stats(samples: Timings) -> dict[str, float]:
    return _percentiles(samples, samples.cpu)


def _file_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def _progress(msg: str) -> None:
    print(f"[bench query] {msg}", file=sys.stderr, flush=True)


def build_memory(store: MemoryStore, world: SyntheticBuilding, days: int, patrols_per_day: int,
                 moves_per_day: int, removals_per_day: int, toggles_per_patrol: int, first_day: int = 0,
                 bar: ProgressBar | None = None) -> dict:
    """Simulate `days` days: changes between patrols; each patrol looks at every receptacle, room by room.

    `bar` advances once per day and shows the day's status line above itself.
    """
    ingest_ms: list[float] = []
    removed: list[int] = []
    day_starts = []
    spacing = 14 * 3600.0 / max(1, patrols_per_day)
    dt = min(2.0, 0.9 * spacing / len(world.receptacles))
    by_room: dict[str, list[int]] = {}
    for rec in world.receptacles:
        by_room.setdefault(rec.room, []).append(rec.id)
    for day in range(first_day, first_day + days):
        day_start = day * 86400.0
        day_starts.append(day_start)
        for p in range(patrols_per_day):
            t = day_start + 7 * 3600.0 + p * spacing
            if day > 0 or p > 1:  # the first two patrols learn the initial world
                for _ in range(max(1, moves_per_day // patrols_per_day)):
                    world.move_random()
                for _ in range(max(0, removals_per_day // patrols_per_day)):
                    i = world.remove_random()
                    if i is not None:
                        removed.append(i)
                while len(removed) > 3:
                    world.bring_back(removed.pop(0))
                for _ in range(toggles_per_patrol):
                    world.toggle_random_openable()
            order = []
            for room_recs in by_room.values():
                order.extend(world.rng.sample(room_recs, len(room_recs)))
            for k, ri in enumerate(order):
                f = world.frame(world.receptacles[ri], t + dt * k)
                t0 = time.perf_counter()
                store.ingest(f)
                ingest_ms.append((time.perf_counter() - t0) * 1000.0)
        status = (f"day {day + 1}/{first_day + days}: {world.frame_id} frames, {world.observations} observations, "
                  f"{len(store.tracks)} objects remembered")
        if bar is None:
            _progress(status)
        else:
            bar.write(f"[bench query] {status}")
            bar.advance()
    return {"frames": len(ingest_ms), "ingest": _percentiles(ingest_ms),
            "fps_mean": round(len(ingest_ms) / (sum(ingest_ms) / 1000.0), 1), "day_starts": day_starts}


def run(args: argparse.Namespace) -> int:
    n_objects = int(getattr(args, "objects", 1000))
    days = int(getattr(args, "days", 3))
    min_obs = int(getattr(args, "observations", 0) or 0)
    if n_objects < 1 or days < 1:
        raise BadInputError("bench query: --objects and --days must be >= 1")
    world = SyntheticBuilding(n_objects)
    per_patrol = n_objects + len(world.receptacles)
    patrols = max(3, math.ceil(min_obs / (per_patrol * (days + 1)))) if min_obs else 3  # +1: the quiet day
    tmp = None
    if getattr(args, "db", None):
        db = Path(args.db)
        if db.exists() and db.stat().st_size > 0:
            raise BadInputError(f"{db}: already exists; bench query builds a new store, give a new --db path")
    else:
        tmp = tempfile.TemporaryDirectory(prefix="memstack_bench_query_")
        db = Path(tmp.name) / "memory.db"
    try:
        # one step per simulated day, the quiet day, then the queries
        with progress_bar("bench query", total=days + 2, unit="step", json_output=getattr(args, "json", False)) as bar:
            result = _run(world, db, n_objects, days, patrols, bar)
    finally:
        if tmp is not None:
            tmp.cleanup()
    if getattr(args, "json", False):
        print(json.dumps(result))
    else:
        print(f"objects {result['objects']}  observations {result['observations']}  days {days}  "
              f"db {result['db_bytes'] / 1e6:.1f} MB  reopen {result['reopen_s']:.2f} s")
        for name, q in result["queries"].items():
            if q is not None:
                print(f"  {name:16s} p50 {q['p50_ms']:8.3f} ms   p99 {q['p99_ms']:8.3f} ms")
    return 0


def _run(world: SyntheticBuilding, db: Path, n_objects: int, days: int, patrols: int,
         bar: ProgressBar | None = None) -> dict:
    rng = random.Random(1)
    store = MemoryStore.open(db, world.floor_plan)
    _progress(f"{n_objects} objects, {len(world.receptacles)} receptacles, "
              f"{len(world.floor_plan.rooms)} rooms, {days} days x {patrols} patrols")
    build = build_memory(store, world, days, patrols, moves_per_day=max(1, n_objects // 100),
                         removals_per_day=max(1, n_objects // 1000), toggles_per_patrol=max(1, n_objects // 500),
                         bar=bar)
    store.file.checkpoint()
    db_bytes = _file_bytes(db)
    observations_built = world.observations

    # a day without changes: patrols only
    before = db_bytes
    build_memory(store, world, 1, patrols, 0, 0, 0, first_day=days, bar=bar)
    store.file.checkpoint()
    no_change_day_bytes = _file_bytes(db) - before

    ids = [o.id for o in store.objects(include_absent=True) if not o.is_receptacle]
    recs = [o.id for o in store.receptacles()]
    rooms = [r.name for r in world.floor_plan.rooms]
    now = store.now
    cats = sorted({store.tracks[i].category for i in ids})
    n = 2000
    queries: dict[str, dict | None] = {}
    queries["locate"] = _stats(_timed(store.locate, [(rng.choice(ids),) for _ in range(n)]))
    queries["locate_category"] = _stats(_timed(store.locate, [(rng.choice(cats),) for _ in range(200)]))
    # what `memstack query locate` and QueryMemory answer: the planners' model over those placements
    where_is = assembly.where_is(StackConfig())
    queries["locate_model"] = _stats(_timed(lambda target: where_is(store, target, None),
                                            [(rng.choice(ids),) for _ in range(200)]))
    queries["history"] = _stats(_timed(store.history, [(rng.choice(ids),) for _ in range(n)]))
    queries["contents"] = _stats(_timed(store.contents, [(rng.choice(recs),) for _ in range(n)]))
    c0 = time.process_time()
    store.snapshot(rng.uniform(0, now))  # builds the time index once (it is rebuilt lazily after changes)
    index_build_cpu_ms = (time.process_time() - c0) * 1000.0
    queries["contents_past"] = _stats(_timed(store.contents, [(rng.choice(recs), rng.uniform(0, now))
                                                                    for _ in range(50)]))
    day_pairs = []
    for _ in range(500):
        t0 = rng.uniform(0, now - 86400.0) if now > 86400.0 else 0.0
        day_pairs.append((rng.choice(rooms), t0, t0 + 86400.0))
    queries["changes"] = _stats(_timed(store.changes, day_pairs))
    queries["snapshot"] = _stats(_timed(store.snapshot, [(rng.uniform(0, now),) for _ in range(100)]))
    queries["count"] = _stats(_timed(store.count, [("moved", rng.choice(cats)) for _ in range(500)]))
    try:
        for phrase in SEARCH_PHRASES:
            store.search(phrase, 5)  # the model loads and each phrase is embedded once (cached after)
        queries["search"] = _stats(_timed(store.search, [(rng.choice(SEARCH_PHRASES), 5) for _ in range(300)]))
    except Exception as exc:  # the model is another package's; report instead of failing the benchmark
        queries["search"] = None
        _progress(f"search not measured: {exc}")
    store.close()

    t0 = time.perf_counter()
    reopened = MemoryStore.open(db)
    reopen_s = time.perf_counter() - t0
    remembered = len(reopened.objects())
    reopened.close()
    result = {
        "objects": n_objects, "observations": world.observations, "days": days, "db_bytes": db_bytes,
        "observations_in_days": observations_built, "quiet_day_observations": world.observations - observations_built,
        "queries": queries,
        "ros_service": None,
        "ros_service_note": "measured by the memory_node benchmark (QueryMemory service round trip)",
        "reopen_s": round(reopen_s, 3), "time_index_build_cpu_ms": round(index_build_cpu_ms, 1),
        "no_change_day_bytes": no_change_day_bytes,
        "remembered_objects": remembered, "receptacles": len(world.receptacles),
        "rooms": len(world.floor_plan.rooms), "patrols_per_day": patrols,
        "ingest": {"frames": build["frames"], "ms_per_frame": build["ingest"], "fps_mean": build["fps_mean"]},
        "targets_ms_p99": TARGETS,
        "cpu_count": os.cpu_count(),
        "load_average": list(os.getloadavg()),
    }
    result["targets_met"] = {k: (queries.get(k) is not None and queries[k]["p99_ms"] <= v) for k, v in TARGETS.items()}
    result["targets_met_cpu"] = {k: (queries.get(k) is not None and queries[k]["cpu_p99_ms"] <= v)
                                 for k, v in TARGETS.items()}
    result["targets_met"]["db_bytes"] = db_bytes <= 100e6
    result["targets_met"]["no_change_day"] = no_change_day_bytes < 1e6
    result["targets_met"]["reopen"] = reopen_s <= 10.0
    if bar is not None:
        bar.advance()
    return result
