"""Run one scenario with one planner and score it; results per specs/cli.md (JSON with --json)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from memory_stack.commands.stack_option import stack_config
from memory_stack.composition.planner_registry import planner_names
from memory_stack.foundation.progress import progress_bar


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", help="scenario YAML file (format: specs/scenario.md)")
    parser.add_argument("--planner", default="voi", choices=planner_names())
    parser.add_argument("--db", help="SQLite memory file to create (default: DIR/memory.db, or in memory)")
    parser.add_argument("--out", help="output directory for results.json")
    parser.add_argument("--seed", type=int, help="override the scenario's seed")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def run(args: argparse.Namespace) -> int:
    from bench.scenario_runner import run_scenario
    from memory_stack.foundation.errors import BadInputError
    from sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    out = Path(args.out) if args.out else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    db_path = Path(args.db) if args.db else (out / "memory.db" if out is not None else None)
    if db_path is not None and db_path.exists():
        raise BadInputError(f"--db {db_path}: already exists; `memstack run` builds a fresh memory "
                            "(remove it or choose another path)")
    config = stack_config(args)
    with progress_bar(f"run {scenario.name}", unit="step", json_output=args.json) as bar:
        result = run_scenario(scenario, planner=args.planner, db_path=db_path, seed=args.seed,
                              progress=bar.write, config=config, bar=bar)
    if out is not None:
        (out / "results.json").write_text(json.dumps(result, indent=1))
    if args.json:
        print(json.dumps(result))
    else:
        print(results_table(result))
    return 0


def results_table(result: dict) -> str:
    lines = [f"scenario {result['scenario']} / planner {result['planner']}", "",
             "| id | question | answer | expected | correct | path (m) | stopped by |", "|---|---|---|---|---|---|---|"]
    for q in result["questions"]:
        lines.append(f"| {q['id']} | {q['ask']} | {q['answer']['text']} | {q['expected']} | "
                     f"{'yes' if q['correct'] else 'no'} | {q['path_length_m']:.1f} | {q['stopped_by']} |")
    for t in result["tasks"]:
        lines.append(f"| {t['id']} | {t['do']} | {'done' if t['success'] else 'failed: ' + t['reason']} | "
                     f"goal holds | {'yes' if t['success'] else 'no'} | {t['path_length_m']:.1f} | "
                     f"{t['steps']} steps |")
    s = result["summary"]
    lines += ["", f"accuracy {s['accuracy']:.2f}, mean path {s['mean_path_length_m']:.1f} m, "
              f"task success {s['task_success_rate'] if s['task_success_rate'] is not None else '-'}"]
    return "\n".join(lines)
