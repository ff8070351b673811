"""Measure the simulator: rendered frames/s at a resolution, and simulated days per wall-clock minute.

    python -m bench.render_benchmark [--scenario sim_configs/apartment_two_days.yaml] [--width 320 --height 240]
                                   [--frames 60] [--json]

Frames/s: `--frames` renders (RGB + depth + shuffled instance mask + labels) from the robot's start,
panning the head. Days/minute: the scenario's whole observe schedule (patrols, watches, timeline)
played with rendering but without perception or memory.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time

from sim.observe_schedule import play_observe_schedule
from sim.pybullet_backend import PyBulletBackend
from sim.scenario import load_scenario

DEFAULT_SCENARIO = "sim_configs/apartment_two_days.yaml"


def measure_render(scenario_path: str, width: int, height: int, frames: int) -> dict:
    scenario = load_scenario(scenario_path)
    scenario.robot.camera.width, scenario.robot.camera.height = width, height
    with PyBulletBackend(scenario) as sim:
        sim.render()  # warm-up
        times = []
        for k in range(frames):
            sim.set_head(2 * math.pi * k / 8)
            started = time.perf_counter()
            sim.render()
            times.append(time.perf_counter() - started)
    return {"width": width, "height": height, "frames": frames, "load_average_1min": round(os.getloadavg()[0], 2),
            "fps_median": round(1.0 / statistics.median(times), 2),
            "ms_per_frame_p50": round(1000 * statistics.median(times), 2),
            "ms_per_frame_p99": round(1000 * sorted(times)[min(len(times) - 1, int(0.99 * len(times)))], 2)}


def measure_schedule(scenario_path: str) -> dict:
    scenario = load_scenario(scenario_path)
    started = time.perf_counter()
    with PyBulletBackend(scenario) as sim:
        built = time.perf_counter() - started
        stats = play_observe_schedule(sim, scenario)
        simulated_s = sim.now
    wall_s = time.perf_counter() - started
    return {"scenario": scenario.name, "simulated_days": round(simulated_s / 86400.0, 3),
            "wall_s": round(wall_s, 2), "build_s": round(built, 2), "frames": stats.frames,
            "patrols": stats.patrols, "watches": stats.watches, "path_length_m": round(stats.path_length_m, 1),
            "failed_moves": stats.failed_moves,
            "sim_days_per_wall_minute": round((simulated_s / 86400.0) / (wall_s / 60.0), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", action="append", help="scenario YAML (repeatable)")
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    scenarios = args.scenario or [DEFAULT_SCENARIO]
    result = {"render": measure_render(scenarios[0], args.width, args.height, args.frames),
              "schedules": [measure_schedule(path) for path in scenarios]}
    if args.json:
        print(json.dumps(result))
    else:
        r = result["render"]
        print(f"render {r['width']}x{r['height']}: {r['fps_median']} frames/s (p50 {r['ms_per_frame_p50']} ms, "
              f"p99 {r['ms_per_frame_p99']} ms; machine load {r['load_average_1min']})")
        for s in result["schedules"]:
            print(f"{s['scenario']}: {s['simulated_days']} days in {s['wall_s']} s ({s['frames']} frames, "
                  f"{s['patrols']} patrols, {s['watches']} watches) = {s['sim_days_per_wall_minute']} "
                  f"simulated days per wall-clock minute", file=sys.stdout)
            for failure in s["failed_moves"]:
                print(f"  move failed: {failure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
