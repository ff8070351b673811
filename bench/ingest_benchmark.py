"""`memstack bench ingest`: perception + committed memory write throughput on synthetic RGB-D frames.

The scene: a room with `--instances` box-shaped instances (furniture, objects standing on it, one
fridge with its door part) at fixed world positions, seen by a camera that sweeps back and forth
along an arc in front of them. Frames are ray-cast exactly (perception.synthetic_scene) before the
clock starts; every frame gets freshly shuffled instance ids. Timed per frame: from the frame's
arrays to the committed SQLite transaction (FrameProcessor.process + MemoryStore.ingest).
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

import numpy as np

from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.progress import ProgressBar, bars_wanted
from perception.config import PerceptionConfig
from perception.frame_processing import FrameProcessor
from perception.sensor_frame import SensorFrame
from perception.synthetic_scene import SyntheticBox, render_boxes, sensor_frame_from_render
from scene_graph.types import CameraIntrinsics, Door, FloorPlan, Pose, Room

TARGET_FPS = {(320, 240): 150.0, (640, 480): 50.0}
ROOM_MIN = (-2.0, -5.0, 0.0)
ROOM_MAX = (10.0, 5.0, 2.8)
CLUSTER_CENTER = (6.5, 0.0)
FURNITURE = [("table", (1.2, 0.8, 0.75)), ("counter", (2.0, 0.6, 0.9)), ("shelf", (1.0, 0.35, 1.2)),
             ("sofa", (2.0, 0.9, 0.45)), ("desk", (1.2, 0.6, 0.75)), ("cabinet", (0.8, 0.45, 0.9))]
OBJECTS = [("mug", (0.08, 0.08, 0.1)), ("book", (0.15, 0.22, 0.04)), ("bottle", (0.07, 0.07, 0.25)),
           ("laptop", (0.33, 0.23, 0.03)), ("plant", (0.2, 0.2, 0.3)), ("bowl", (0.16, 0.16, 0.06)),
           ("box", (0.2, 0.15, 0.12)), ("vase", (0.12, 0.12, 0.25))]
MAX_DISTINCT_VIEWS = 40


def floor_plan() -> FloorPlan:
    return FloorPlan(
        rooms=(Room("living_room", ((-2.0, -5.0), (4.0, -5.0), (4.0, 5.0), (-2.0, 5.0))),
               Room("kitchen", ((4.0, -5.0), (10.0, -5.0), (10.0, 5.0), (4.0, 5.0)))),
        doors=(Door(("living_room", "kitchen"), (4.0, 0.0), 1.2),),
    )


def build_scene(instances: int, seed: int = 0) -> list[SyntheticBox]:
    """`instances` boxes: a fridge + door part, furniture in two rows, objects standing on furniture."""
    rng = np.random.default_rng(seed)
    cx, cy = CLUSTER_CENTER
    boxes = [SyntheticBox("fridge", (cx + 1.2, 1.3, 0.0), (cx + 1.9, 2.1, 1.8), (235, 235, 230))]
    if instances >= 2:
        boxes.append(SyntheticBox("fridge_door", (cx + 1.15, 1.33, 0.05), (cx + 1.2, 2.07, 1.75), (240, 240, 240)))
    n_rest = max(0, instances - len(boxes))
    n_furniture = min(max(1, n_rest // 3), 8) if n_rest else 0
    tops = []
    for i in range(n_furniture):
        category, (w, d, h) = FURNITURE[i % len(FURNITURE)]
        w, h = min(w, 1.0), h + 0.1 * (i // 4)
        row, col = divmod(i, 4)
        x0 = cx - 1.0 + row * 1.2
        y0 = -2.3 + col * 1.2 + (0.5 if row % 2 else 0.0)
        color = tuple(int(v) for v in rng.integers(40, 220, size=3))
        boxes.append(SyntheticBox(category, (x0, y0, 0.0), (x0 + d, y0 + w, h), color))
        tops.append((x0, y0, h, w, d))
    for i in range(n_rest - n_furniture):
        category, (sx, sy, sz) = OBJECTS[i % len(OBJECTS)]
        x0, y0, h, w, d = tops[i % len(tops)]
        slot = i // len(tops)
        px = x0 + 0.04 + (slot % 2) * max(d / 2.0, sx + 0.02)
        py = y0 + 0.05 + ((slot // 2) % 3) * max(w / 3.0, sy + 0.02)
        color = tuple(int(v) for v in rng.integers(40, 250, size=3))
        boxes.append(SyntheticBox(category, (px, py, h), (px + sx, py + sy, h + sz), color))
    return boxes


def camera_pose(view: int, views: int) -> Pose:
    """The camera on an arc 4 m in front of the cluster, 1.5 m high, looking at its middle."""
    cx, cy = CLUSTER_CENTER
    angle = math.radians(-35.0 + 70.0 * (view / max(1, views - 1)))
    eye = (cx - 4.0 * math.cos(angle), cy + 4.0 * math.sin(angle), 1.5)
    return Pose.looking_at(eye, (cx + 0.3, cy, 0.5))


def render_views(boxes: list[SyntheticBox], intrinsics: CameraIntrinsics, views: int):
    renders = []
    for v in range(views):
        pose = camera_pose(v, views)
        renders.append((pose, render_boxes(boxes, intrinsics, pose, ROOM_MIN, ROOM_MAX)))
    return renders


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def measure(width: int, height: int, frames: int, instances: int, seed: int = 0, db_path: Path | None = None,
            progress: bool = False) -> dict:
    """Run the benchmark and return the `bench ingest --json` document."""
    from scene_graph.store import MemoryStore

    intrinsics = CameraIntrinsics.from_hfov(width, height, 70.0)
    boxes = build_scene(instances, seed)
    views = max(2, min(frames, MAX_DISTINCT_VIEWS))
    renders = render_views(boxes, intrinsics, views)
    sweep = list(range(views)) + list(range(views - 2, 0, -1))
    rng = np.random.default_rng(seed)
    processor = FrameProcessor(PerceptionConfig())
    warmup = min(5, frames // 10)

    total_ms, cpu_ms, perception_ms, store_ms, instance_counts, observation_counts = [], [], [], [], [], []
    with tempfile.TemporaryDirectory(prefix="memstack_bench_ingest_") as tmp:
        path = db_path or Path(tmp) / "ingest.db"
        store = MemoryStore.open(path, floor_plan())
        bar = ProgressBar("bench ingest", total=warmup + frames, unit="frame", enabled=progress)
        try:
            for i in range(warmup + frames):
                pose, render = renders[sweep[i % len(sweep)]]
                frame_time = 8 * 3600.0 + 0.2 * i
                sensor_frame: SensorFrame = sensor_frame_from_render(
                    render, boxes, intrinsics, pose, frame_id=i, time=frame_time, rng=rng)
                c0 = time.thread_time()
                t0 = time.perf_counter()
                frame = processor.process(sensor_frame)
                t1 = time.perf_counter()
                store.ingest(frame)
                t2 = time.perf_counter()
                c1 = time.thread_time()
                if i >= warmup:
                    cpu_ms.append((c1 - c0) * 1e3)
                    perception_ms.append((t1 - t0) * 1e3)
                    store_ms.append((t2 - t1) * 1e3)
                    total_ms.append((t2 - t0) * 1e3)
                    instance_counts.append(len(sensor_frame.labels))
                    observation_counts.append(len(frame.observations))
                bar.advance()
            objects = len(store.objects(include_absent=True))
        finally:
            store.close()
            bar.close()
        db_bytes = sum(p.stat().st_size for p in Path(path).parent.glob(Path(path).name + "*"))

    p50 = _percentile(total_ms, 50)
    perception_p50 = _percentile(perception_ms, 50)
    target = TARGET_FPS.get((width, height))
    return {
        "width": width,
        "height": height,
        "frames": frames,
        "instances_per_frame": float(np.mean(instance_counts)) if instance_counts else 0.0,
        "fps_median": 1000.0 / p50 if p50 > 0 else float("inf"),
        "ms_per_frame_p50": p50,
        "ms_per_frame_p99": _percentile(total_ms, 99),
        "db_bytes": int(db_bytes),
        # CPU time of the ingesting thread: what the work costs when other processes compete for the cores.
        "cpu_ms_per_frame_p50": _percentile(cpu_ms, 50),
        "observations_per_frame": float(np.mean(observation_counts)) if observation_counts else 0.0,
        "objects_in_memory": objects,
        "warmup_frames": warmup,
        "perception": {
            "fps_median": 1000.0 / perception_p50 if perception_p50 > 0 else float("inf"),
            "ms_per_frame_p50": perception_p50,
            "ms_per_frame_p99": _percentile(perception_ms, 99),
        },
        "store_ingest": {"ms_per_frame_p50": _percentile(store_ms, 50), "ms_per_frame_p99": _percentile(store_ms, 99)},
        "target_fps": target,
        "meets_target": None if target is None else bool(1000.0 / p50 >= target),
    }


def _ros_measurement(width: int, height: int, frames: int, instances: int) -> dict:
    """`--ros`: frames published from another process into the running nodes (memory_node's benchmark)."""
    from bench.ros_throughput import run_ros_ingest_benchmark

    return {"ros": run_ros_ingest_benchmark(width=width, height=height, frames=frames)}


def run(args: argparse.Namespace) -> int:
    width, height = int(args.width), int(args.height)
    frames, instances = int(args.frames), int(getattr(args, "instances", 15))
    if width < 16 or height < 16 or width > 4096 or height > 4096:
        raise BadInputError(f"--width/--height: need 16..4096 pixels, got {width}x{height}")
    if frames < 1:
        raise BadInputError(f"--frames: need at least 1, got {frames}")
    if not 1 <= instances <= 60:
        raise BadInputError(f"--instances: need 1..60, got {instances}")
    result = measure(width, height, frames, instances, progress=bars_wanted(getattr(args, "json", False)))
    if getattr(args, "ros", False):
        result.update(_ros_measurement(width, height, frames, instances))
    if getattr(args, "json", False):
        print(json.dumps(result))
        return 0
    print(f"ingest {width}x{height}, {frames} frames, {result['instances_per_frame']:.1f} instances/frame")
    print(f"  end to end : {result['fps_median']:8.1f} frames/s median, p50 {result['ms_per_frame_p50']:.2f} ms,"
          f" p99 {result['ms_per_frame_p99']:.2f} ms")
    print(f"  cpu time   : p50 {result['cpu_ms_per_frame_p50']:.2f} ms per frame")
    print(f"  perception : {result['perception']['fps_median']:8.1f} frames/s median,"
          f" p50 {result['perception']['ms_per_frame_p50']:.2f} ms")
    print(f"  store write: p50 {result['store_ingest']['ms_per_frame_p50']:.2f} ms,"
          f" p99 {result['store_ingest']['ms_per_frame_p99']:.2f} ms; db {result['db_bytes']} bytes")
    if result["target_fps"] is not None:
        print(f"  target {result['target_fps']:.0f} frames/s: {'met' if result['meets_target'] else 'NOT met'}")
    return 0
