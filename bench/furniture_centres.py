"""Where boxed furniture is put, against the simulator's ground truth: the development set of amodal completion.

    python -m bench.furniture_centres [--scenarios PATH ...] [--households SEED ...]
                                      [--distances 1.6 2.6] [--bearings -50 -25 0 25 50]
                                      [--depth-sigma M] [--depth-sigma-per-m M] [--rows] [--json]

For every piece of furniture whose category has a typical size (perception.size_priors) the robot stands
at each distance and bearing in front of it (where the base fits), aims the head at the piece's middle
and renders one frame; perception gets the frame twice, as 2D boxes (perception.box_lifting, then the
size-prior completion) and as instance masks (the seen points' centroid). The observation of the
piece's category nearest to the truth is scored: the distance from its centroid to the centre of the
piece's 3D box, split into along the view ray, across it and height. Evaluation code: it reads the
scenario's furniture; perception sees only the rendered frames. SUN RGB-D (`memstack bench
perception`) is the test set; this is where completion rules are developed.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from memory_stack.foundation.errors import BadInputError
from perception.frame_processing import FrameProcessor
from perception.size_priors import size_prior
from sim.pybullet_backend import PyBulletBackend
from sim.scenario import Scenario, load_scenario, scenario_from_dict
from sim.sensor_noise import DepthNoise, DepthNoiseConfig

SHIPPED = Path(__file__).resolve().parents[1] / "sim_configs"
MATCH_M = 2.0


def views(sim: PyBulletBackend, distances: Sequence[float], bearings_deg: Sequence[float]
          ) -> Iterator[tuple[object, float, float, np.ndarray]]:
    """(furniture spec, distance, bearing, true centre) with the robot placed and the head aimed, per view."""
    grid = sim.occupancy_grid()
    for spec in sim.scenario.world.furniture:
        if size_prior(spec.category) is None:
            continue
        width, depth, height = spec.dimensions()
        centre = np.array([spec.at[0], spec.at[1], height / 2.0])
        for distance in distances:
            for bearing in bearings_deg:
                # The front faces local +y; the robot stands `distance` beyond the front face.
                heading = spec.yaw + math.pi / 2.0 + math.radians(bearing)
                reach = depth / 2.0 + distance
                x, y = spec.at[0] + reach * math.cos(heading), spec.at[1] + reach * math.sin(heading)
                if not grid.is_free_xy(x, y):
                    continue
                sim.teleport_base(x, y, math.atan2(spec.at[1] - y, spec.at[0] - x))
                sim.look_at((float(centre[0]), float(centre[1]), float(centre[2])))
                yield spec, distance, bearing, centre


def _error(observations: list, category: str, centre: np.ndarray, camera: np.ndarray) -> dict | None:
    candidates = [o for o in observations if o.category == category]
    if not candidates:
        return None
    best = min(candidates, key=lambda o: float(np.linalg.norm(np.asarray(o.centroid) - centre)))
    offset = np.asarray(best.centroid, dtype=np.float64) - centre
    if float(np.linalg.norm(offset)) > MATCH_M:
        return None
    ray = centre[:2] - camera[:2]
    ray /= max(float(np.linalg.norm(ray)), 1e-9)
    return {"error_m": float(np.linalg.norm(offset)), "along_m": float(offset[:2] @ ray),
            "across_m": float(offset[0] * -ray[1] + offset[1] * ray[0]), "height_m": float(offset[2])}


def measure_scenario(scenario: Scenario, distances: Sequence[float], bearings_deg: Sequence[float],
                     depth_noise: DepthNoiseConfig | None = None) -> list[dict]:
    """Per view, both modes' errors; `depth_noise`: Gaussian depth noise on the rendered frames (a real sensor's)."""
    rows = []
    processor = FrameProcessor()
    noise = DepthNoise(depth_noise, scenario.seed) if depth_noise is not None else None
    with PyBulletBackend(scenario, perception_input="boxes") as sim:
        for spec, distance, bearing, centre in views(sim, distances, bearings_deg):
            row = {"scenario": scenario.name, "furniture": spec.id, "category": spec.category,
                   "distance_m": distance, "bearing_deg": bearing}
            for mode in ("boxes", "masks"):
                sim.perception_input = mode
                frame = sim.render()
                if noise is not None:
                    frame = noise.apply(frame)
                camera = np.asarray(frame.camera_pose.position, dtype=np.float64)
                row[mode] = _error(processor.process(frame).observations, spec.category, centre, camera)
            rows.append(row)
    return rows


def summary(rows: list[dict]) -> dict:
    out: dict = {"views": len(rows)}
    for mode in ("boxes", "masks"):
        found = [r[mode] for r in rows if r[mode] is not None]
        errors = np.array([f["error_m"] for f in found]) if found else np.zeros(0)
        per_class: dict[str, list[float]] = {}
        for r in rows:
            if r[mode] is not None:
                per_class.setdefault(r["category"], []).append(r[mode]["error_m"])
        out[mode] = {
            "found": len(found),
            "median_error_m": float(np.median(errors)) if found else None,
            "p90_error_m": float(np.quantile(errors, 0.9)) if found else None,
            "max_error_m": float(errors.max()) if found else None,
            "within_0_5_m": int(np.count_nonzero(errors <= 0.5)),
            "median_abs_along_m": float(np.median([abs(f["along_m"]) for f in found])) if found else None,
            "median_along_m": float(np.median([f["along_m"] for f in found])) if found else None,
            "median_abs_across_m": float(np.median([abs(f["across_m"]) for f in found])) if found else None,
            "median_height_m": float(np.median([f["height_m"] for f in found])) if found else None,
            "median_abs_height_m": float(np.median([abs(f["height_m"]) for f in found])) if found else None,
            "per_class": {c: {"views": len(v), "median_error_m": float(np.median(v)), "max_error_m": float(max(v))}
                          for c, v in sorted(per_class.items())},
        }
    return out


def _scenarios(args: argparse.Namespace) -> list[Scenario]:
    from sim.generation.household import generate_household

    paths = [Path(p) for p in args.scenarios] if args.scenarios else sorted(SHIPPED.glob("*.yaml"))
    out = [load_scenario(p) for p in paths] if not args.households or args.scenarios else []
    for seed in args.households:
        document = generate_household(seed)
        out.append(scenario_from_dict(document, document["scenario"]))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.furniture_centres", description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="*", default=[], help="scenario YAML files (default: the shipped ones)")
    parser.add_argument("--households", nargs="*", type=int, default=[],
                        help="generated household seeds (instead of the shipped scenarios unless --scenarios)")
    parser.add_argument("--distances", nargs="+", type=float, default=[1.6, 2.6])
    parser.add_argument("--bearings", nargs="+", type=float, default=[-50.0, -25.0, 0.0, 25.0, 50.0])
    parser.add_argument("--depth-sigma", type=float, default=0.0, help="depth noise sigma (m) at 0 m")
    parser.add_argument("--depth-sigma-per-m", type=float, default=0.0,
                        help="depth noise sigma growth per metre of depth (a structured-light camera: ~0.006)")
    parser.add_argument("--rows", action="store_true", help="print every view's errors too")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        if any(d <= 0 for d in args.distances):
            raise BadInputError(f"--distances: must be positive, got {args.distances}")
        try:
            noise = DepthNoiseConfig(args.depth_sigma, args.depth_sigma_per_m)
        except ValueError as exc:
            raise BadInputError(f"--depth-sigma / --depth-sigma-per-m: {exc}") from exc
        rows = []
        for scenario in _scenarios(args):
            rows.extend(measure_scenario(scenario, args.distances, args.bearings, noise))
    except BadInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = summary(rows)
    if args.json:
        print(json.dumps({**result, **({"rows": rows} if args.rows else {})}))
        return 0
    if args.rows:
        for r in rows:
            cells = [f"{m} {r[m]['error_m']:.3f} (along {r[m]['along_m']:+.2f} across {r[m]['across_m']:+.2f} "
                     f"height {r[m]['height_m']:+.2f})" if r[m] else f"{m} -" for m in ("boxes", "masks")]
            print(f"{r['scenario']:26s} {r['furniture']:14s} {r['distance_m']:.1f} m {r['bearing_deg']:+4.0f}: "
                  + "; ".join(cells))
    print(f"{result['views']} views")
    for mode in ("boxes", "masks"):
        m = result[mode]
        if not m["found"]:
            print(f"{mode}: nothing found")
            continue
        print(f"{mode}: found {m['found']}, error median {m['median_error_m']:.3f} m, p90 {m['p90_error_m']:.3f}, "
              f"max {m['max_error_m']:.3f}, within 0.5 m {m['within_0_5_m']}; |along| {m['median_abs_along_m']:.3f} "
              f"(signed {m['median_along_m']:+.3f}), |across| {m['median_abs_across_m']:.3f}, |height| "
              f"{m['median_abs_height_m']:.3f} (signed {m['median_height_m']:+.3f})")
        for c, v in m["per_class"].items():
            print(f"    {c:14s} n={v['views']:3d} median {v['median_error_m']:.3f} max {v['max_error_m']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
