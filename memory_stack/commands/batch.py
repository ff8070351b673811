"""Fan scenarios x seeds x planners out on Ray (local by default); JSON lines plus a summary."""

from __future__ import annotations

import argparse
import json
import sys

from memory_stack.commands.stack_option import stack_config
from memory_stack.composition.planner_registry import benchmark_planners, planner_names
from memory_stack.foundation.progress import progress_bar


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("globs", nargs="+", metavar="GLOB", help="scenario files or globs")
    parser.add_argument("--workers", type=int, default=2, help="local Ray worker processes")
    parser.add_argument("--ray-address", help="Ray cluster address (default: start a local Ray)")
    parser.add_argument("--planner", action="append", choices=planner_names(),
                        help=f"planner (repeatable); default: {', '.join(benchmark_planners())}")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per scenario")
    parser.add_argument("--out", required=True, help="output directory (results.jsonl, summary.json, summary.md)")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON document on stdout")


def run(args: argparse.Namespace) -> int:
    from bench.batch_runner import expand_jobs, run_batch

    config = stack_config(args)
    jobs = expand_jobs(args.globs, args.planner, args.seeds)
    print(f"batch: {len(jobs)} jobs on {args.ray_address or f'local Ray, {args.workers} workers'}", file=sys.stderr)

    with progress_bar("batch", total=len(jobs), unit="job", json_output=args.json) as bar:
        def progress(job, result):
            s = result["summary"]
            bar.write(f"  done {job.name}: accuracy {s['accuracy']:.2f}, path {s['mean_path_length_m']:.1f} m")

        report = run_batch(jobs, args.out, workers=args.workers, ray_address=args.ray_address, progress=progress,
                           config=config, bar=bar)
    summary = report.summary()
    if args.json:
        print(json.dumps(summary))
    else:
        from bench.batch_runner import summary_markdown

        print(summary_markdown(summary))
    return 0 if not report.failures else 1
