"""Generate a household scenario (specs/scenario.md) from a seed: `memstack generate --seed S --out FILE [knobs]`.

The file passes `python -m sim.scenario_check`. Knobs: rooms, days, clutter, noise, the robot's
schedule, question and task counts, how busy the household is, unseen moves before the questions.
`--count N` writes N households, seeds S..S+N-1, into the directory --out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sim.generation.household import NOISE_LEVELS, SCHEDULES, Knobs

    defaults = Knobs()
    parser.add_argument("--seed", type=int, required=True, help="household seed (0..2^32-2)")
    parser.add_argument("--out", required=True, help="scenario YAML to write (a directory with --count)")
    parser.add_argument("--count", type=int, default=1, help="households to write, seeds S..S+N-1 (default 1)")
    parser.add_argument("--rooms", type=int, help="rooms, 2..10 (default: 3..6 from the seed)")
    parser.add_argument("--days", type=int, default=defaults.days)
    parser.add_argument("--clutter", type=float, default=defaults.clutter,
                        help="fraction of each surface's real capacity filled at the start (0..1)")
    parser.add_argument("--noise", choices=list(NOISE_LEVELS), default=defaults.noise)
    parser.add_argument("--schedule", choices=list(SCHEDULES), default=defaults.schedule,
                        help="the robot's own looks: sparse (every other morning), daily, twice_daily, watch")
    parser.add_argument("--questions", type=int, default=defaults.questions)
    parser.add_argument("--tasks", type=int, default=defaults.tasks)
    parser.add_argument("--impossible-tasks", type=int, default=defaults.impossible_tasks,
                        help="fetch tasks that cannot be done (unreachable, not graspable, not found), after the rest")
    parser.add_argument("--max-objects", type=int, default=defaults.max_objects)
    parser.add_argument("--activity", type=float, default=defaults.activity, help="scales the moves per day")
    parser.add_argument("--unseen-moves", type=int, default=defaults.unseen_moves,
                        help="moves after the robot's last look before the questions")
    parser.add_argument("--layout", choices=["split", "corridor"], help="floor plan style (default: from the seed)")
    parser.add_argument("--json", action="store_true", help="print one JSON document (files written) on stdout")


def knobs_from(args: argparse.Namespace):
    from sim.generation.household import Knobs

    return Knobs(rooms=args.rooms, days=args.days, clutter=args.clutter, noise=args.noise, schedule=args.schedule,
                 questions=args.questions, tasks=args.tasks,
                 impossible_tasks=args.impossible_tasks, max_objects=args.max_objects, activity=args.activity,
                 unseen_moves=args.unseen_moves, layout=args.layout)


def run(args: argparse.Namespace) -> int:
    from memory_stack.foundation.errors import BadInputError
    from memory_stack.foundation.progress import progress_bar
    from sim.generation.household import write_households

    if not 1 <= args.count <= 10_000:
        raise BadInputError(f"generate: --count must be within 1..10000, got {args.count}")
    with progress_bar("generate", total=args.count, unit="household", json_output=args.json) as bar:
        written = write_households(args.seed, args.count, Path(args.out), knobs_from(args),
                                   on_written=lambda path: bar.advance())
    if args.json:
        print(json.dumps({"files": [str(p) for p in written]}))
    else:
        for path in written:
            print(path, file=sys.stderr)
    return 0
