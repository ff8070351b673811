"""Score perception's door rule on PyBullet renders: openable furniture, doors at several angles, many views.

    python -m bench.door_state_benchmark [--angles 0 0.12 0.35 0.7 1.2 1.6] [--distances 0.9 1.5 2.6]
                                       [--bearings -70 -40 -15 0 15 40 70] [--pans 0 0.45 -0.45 0.7 -0.7]
                                       [--depth-sigma 0.0] [--perception-input masks|boxes] [--json]

Five kinds of openable furniture (fridge, cabinet, wardrobe, microwave, cupboard) face four ways in
one hall. For every door angle the robot stands at each distance and bearing in front of each piece,
aims the head at it and then turns it by each pan offset, so many views cut the body, the door or
both at the image border. A view counts when its door pairs with its body. Reported per angle: how
many views read open, closed, or gave no evidence; `wrong` counts "open" on a shut door and
"closed" on a door opened past the ground truth's open threshold. Evaluation code: it sets and
reads the door angles; perception sees only the rendered frames. `--perception-input boxes` hands
perception each instance's 2D box instead of its mask (sim.perception_inputs: no door part, the
door widens its body's box), so the state comes from the box's depth (perception.box_openness).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from perception.frame_processing import FrameProcessor
from sim.house_builder import set_door
from sim.perception_inputs import as_perception_input
from sim.pybullet_backend import OPEN_THRESHOLD_RAD, PyBulletBackend
from sim.scenario import scenario_from_dict
from sim.sensor_noise import DepthNoise, DepthNoiseConfig

SHOWROOM = {
    "scenario": "door_showroom", "seed": 1,
    "world": {
        "rooms": [{"name": "hall", "polygon": [[0, 0], [16, 0], [16, 10], [0, 10]]}],
        "furniture": [
            {"id": "fridge", "category": "fridge", "room": "hall", "at": [2.0, 0.41], "yaw": 0.0, "openable": True},
            {"id": "cabinet", "category": "cabinet", "room": "hall", "at": [7.0, 0.29], "yaw": 0.0, "openable": True},
            {"id": "wardrobe", "category": "wardrobe", "room": "hall", "at": [12.0, 0.36], "yaw": 0.0,
             "openable": True},
            {"id": "microwave", "category": "microwave", "room": "hall", "at": [0.31, 7.0], "yaw": -1.5708,
             "openable": True},
            {"id": "cupboard", "category": "cupboard", "room": "hall", "at": [15.7, 7.0], "yaw": 1.5708,
             "openable": True},
        ],
        "objects": [],
    },
    "robot": {"start": {"at": [8.0, 5.0], "yaw": 0.0}, "camera": {"width": 320, "height": 240, "hfov_deg": 70}},
}


def door_views(sim: PyBulletBackend, angles: Sequence[float], distances: Sequence[float],
               bearings_deg: Sequence[float], pans: Sequence[float]) -> Iterator[tuple[Any, float, Any]]:
    """(furniture, door angle, SensorFrame) for every view of the grid, every openable piece in `sim`.

    For each door angle the robot stands at each distance (from the front face) and bearing in front
    of the piece, aims the head at its centre, then turns it by each pan offset. Each door is shut
    again after its views.
    """
    for furniture in sim.furniture.values():
        _, depth, height = furniture.spec.dimensions()
        centre = (*furniture.spec.at, height / 2.0)
        for angle in angles:
            set_door(sim.client_id, furniture, angle)
            for distance in distances:
                for bearing in bearings_deg:
                    b, reach = math.radians(bearing), distance + depth / 2.0
                    x, y = furniture.to_map(math.sin(b) * reach, math.cos(b) * reach)
                    sim.teleport_base(x, y, math.atan2(centre[1] - y, centre[0] - x))
                    for pan in pans:
                        sim.look_at(centre)
                        sim.set_head(sim.robot.pan + pan)
                        yield furniture, angle, sim.render()
        set_door(sim.client_id, furniture, 0.0)


def run(angles: list[float], distances: list[float], bearings_deg: list[float], pans: list[float],
        depth_sigma_m: float = 0.0, perception_input: str = "masks") -> dict:
    processor = FrameProcessor()
    noise = DepthNoise(DepthNoiseConfig(sigma_m=depth_sigma_m), seed=1) if depth_sigma_m > 0 else None
    by_angle: dict[float, Counter] = {a: Counter() for a in angles}
    cut = views = 0
    seconds: list[float] = []
    with PyBulletBackend(scenario_from_dict(SHOWROOM, "door_showroom.yaml")) as sim:
        for furniture, angle, sensor_frame in door_views(sim, angles, distances, bearings_deg, pans):
            if noise is not None:
                sensor_frame = noise.apply(sensor_frame)
            sensor_frame = as_perception_input(sensor_frame, perception_input, {})
            started = time.perf_counter()
            frame = processor.process(sensor_frame)
            elapsed = time.perf_counter() - started
            bodies = [o for o in frame.observations if o.category == furniture.category]
            if len(bodies) != 1 or not processor.last_stats.door_readings.get(bodies[0].instance_id):
                continue
            views += 1
            cut += bool(bodies[0].partial)
            seconds.append(elapsed)
            by_angle[angle][bodies[0].state or "none"] += 1
    table = {}
    wrong = 0
    for angle, states in by_angle.items():
        bad = states["open"] if angle == 0.0 else (states["closed"] if angle > OPEN_THRESHOLD_RAD else 0)
        wrong += bad
        table[f"{angle:g}"] = {"open": states["open"], "closed": states["closed"], "none": states["none"],
                               "wrong": bad}
    return {"views": views, "border_cut": cut, "depth_sigma_m": depth_sigma_m, "perception_input": perception_input,
            "wrong": wrong, "by_angle": table,
            "perception_ms_per_frame_p50": round(1000.0 * statistics.median(seconds), 2) if seconds else None,
            "load_average_1min": round(os.getloadavg()[0], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--angles", type=float, nargs="+", default=[0.0, 0.12, 0.35, 0.7, 1.2, 1.6])
    parser.add_argument("--distances", type=float, nargs="+", default=[0.9, 1.5, 2.6])
    parser.add_argument("--bearings", type=float, nargs="+", default=[-70, -40, -15, 0, 15, 40, 70])
    parser.add_argument("--pans", type=float, nargs="+", default=[0.0, 0.45, -0.45, 0.7, -0.7])
    parser.add_argument("--depth-sigma", type=float, default=0.0)
    parser.add_argument("--perception-input", choices=("masks", "boxes"), default="masks")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.angles, args.distances, args.bearings, args.pans, args.depth_sigma, args.perception_input)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['views']} views ({result['border_cut']} cut by the border), wrong: {result['wrong']}, "
          f"perception {result['perception_ms_per_frame_p50']} ms/frame p50")
    print("| door angle (rad) | open | closed | no evidence | wrong |\n|---|---|---|---|---|")
    for angle, row in result["by_angle"].items():
        print(f"| {angle} | {row['open']} | {row['closed']} | {row['none']} | {row['wrong']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
