"""Check scenario files: `python -m sim.scenario_check sim_configs/*.yaml [--build] [--json]`.

Prints one line per file (rooms, objects, days, questions, tasks); a bad file prints the loader's
one-line reason (file and field) on stderr and the exit status is 2. `--build` also builds each house
in PyBullet and plays its whole timeline (catches receptacles too small for what is put on them).
`--floor-plan-out FILE` (one scenario) also writes the scenario's rooms and doors, once checked, as the
robot's map file (scene_graph.floor_plan_file).
"""

from __future__ import annotations

import argparse
import json
import sys

from memory_stack.foundation.errors import BadInputError
from scene_graph.floor_plan_file import save_floor_plan_file
from sim.scenario import load_scenario


def summarize(path: str, build: bool = False, floor_plan_out: str | None = None) -> dict:
    scenario = load_scenario(path)
    summary = {"file": path, "scenario": scenario.name, "rooms": len(scenario.world.rooms),
               "furniture": len(scenario.world.furniture),
               "objects": len(scenario.world.objects) + sum(e.add is not None for e in scenario.timeline),
               "days": scenario.days(), "timeline": len(scenario.timeline), "observe": len(scenario.observe),
               "questions": len(scenario.questions), "tasks": len(scenario.tasks)}
    if build:
        from sim.pybullet_backend import PyBulletBackend

        with PyBulletBackend(scenario) as sim:
            sim.advance_to(scenario.end_time())
            summary["built"] = True
    if floor_plan_out:
        summary["floor_plan"] = str(save_floor_plan_file(scenario.floor_plan(), floor_plan_out))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", help="scenario YAML files")
    parser.add_argument("--build", action="store_true", help="also build each house in PyBullet and play it")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--floor-plan-out", metavar="FILE",
                        help="write the scenario's rooms and doors as a floor-plan file (one scenario only)")
    args = parser.parse_args(argv)
    if args.floor_plan_out and len(args.files) != 1:
        parser.error(f"--floor-plan-out: needs exactly one scenario file, got {len(args.files)}")
    results, failed = [], False
    for path in args.files:
        try:
            results.append(summarize(path, args.build, args.floor_plan_out))
        except BadInputError as exc:
            failed = True
            results.append({"file": path, "error": str(exc)})
            print(str(exc), file=sys.stderr)
    if args.json:
        print(json.dumps({"scenarios": results, "ok": not failed}))
    else:
        for r in results:
            if "error" not in r:
                print(f"{r['file']}: {r['scenario']}: {r['rooms']} rooms, {r['objects']} objects, {r['days']} days, "
                      f"{r['questions']} questions, {r['tasks']} tasks")
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
