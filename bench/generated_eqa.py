"""`memstack bench eqa --generated N --seed S`: every planner on N generated households (sim.generation).

Households get seeds S..S+N-1 and knobs from the index (`household_knobs`): rooms 2..4 (the size
that 2 shared cores run in reasonable time), clutter (0.3 / 0.6 / 0.9 of a surface's real capacity),
detector noise (none / low / medium) and days (1 / 2), in a design where every pair of knobs takes
every pair of values equally often in each block of 18 households, so one knob's table is not
another's in disguise. Writes DIR/households/*.yaml, DIR/results.jsonl (bench.batch_runner), DIR/generated.json and
DIR/generated.md: per planner accuracy with 95% Wilson intervals (bench.statistics), by question form
and by knob, path driven, score_spl, task success, the present-location questions whose object moved
unseen, skipped timeline events and aborted runs (a run that did not finish).
`python -m bench.generated_eqa DIR` re-summarises DIR/results.jsonl (e.g. of a run stopped early).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from bench.batch_runner import BatchJob, run_batch
from bench.statistics import wilson_interval
from memory_stack.composition.planner_registry import benchmark_planners
from memory_stack.foundation.progress import progress_bar

ROOMS = (2, 3, 4)
CLUTTER = (0.3, 0.6, 0.9)
NOISE = ("none", "low", "medium")
DAYS = (1, 2)


def household_knobs(index: int):
    """The knobs of the index-th household: each knob varies independently of every other.

    Rooms and clutter run through all 9 pairs in each block of 9 households; noise is the third
    factor of a 3x3 Latin square over them (each noise level once with each room count and with
    each clutter level); days alternate, and their period 2 against the others' 3 and 9 pairs every
    day count with every value of the others over 18 households. (Cycling all knobs with the index
    made the rooms and clutter tables the same households.)
    """
    from sim.generation.household import Knobs

    rooms, clutter = index % 3, (index // 3) % 3
    return Knobs(rooms=ROOMS[rooms], days=DAYS[index % 2], clutter=CLUTTER[clutter],
                 noise=NOISE[(rooms + clutter) % 3], questions=6, tasks=1, impossible_tasks=1, max_objects=18,
                 unseen_moves=2)


def generate_set(seed: int, count: int, out: Path) -> dict[str, dict]:
    """Write the households; returns scenario name -> its knobs (the table's knob columns)."""
    from sim.generation.household import generate_household, to_yaml

    knobs_of = {}
    folder = out / "households"
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(count):
        knobs = household_knobs(k)
        document = generate_household(seed + k, knobs)
        (folder / f"{document['scenario']}.yaml").write_text(to_yaml(document))
        knobs_of[document["scenario"]] = {"clutter": knobs.clutter, "noise": knobs.noise, "days": knobs.days,
                                          "rooms": knobs.rooms}
    (out / "knobs.json").write_text(json.dumps(knobs_of, indent=1))
    return knobs_of


def _rate(flags: list[bool]) -> dict:
    return wilson_interval(sum(flags), len(flags)).as_dict()


def summarise(runs: list[dict], knobs_of: dict[str, dict], failures: list[dict], expected_runs: int) -> dict:
    by_planner: dict[str, list[dict]] = defaultdict(list)
    for run in runs:
        by_planner[run["planner"]].append(run)
    order = [p for p in benchmark_planners() if p in by_planner] + sorted(set(by_planner) - set(benchmark_planners()))
    planners = {}
    for planner in order:
        planner_runs = by_planner[planner]
        questions = [dict(q, scenario=r["scenario"]) for r in planner_runs for q in r["questions"]]
        tasks = [t for r in planner_runs for t in r["tasks"]]
        forms: dict[str, list[bool]] = defaultdict(list)
        for q in questions:
            forms[q["type"]].append(bool(q["correct"]))
        knob_rates: dict[str, dict] = {}
        for knob in ("clutter", "noise", "days", "rooms"):
            values: dict[str, list[bool]] = defaultdict(list)
            for q in questions:
                values[str(knobs_of.get(q["scenario"], {}).get(knob))].append(bool(q["correct"]))
            knob_rates[knob] = {v: _rate(flags) for v, flags in sorted(values.items())}
        stale = [bool(q["correct"]) for q in questions if q["type"] == "present_location" and q.get("stale")]
        planners[planner] = {
            "runs": len(planner_runs),
            "accuracy": _rate([bool(q["correct"]) for q in questions]),
            "by_form": {f: _rate(flags) for f, flags in sorted(forms.items())},
            "by_knob": knob_rates,
            "present_location_moved_unseen": _rate(stale),
            # the target: tasks that can be done, done; tasks that cannot, ended with why (or done)
            "task_success": _rate([bool(t["success"]) for t in tasks if t.get("expected", "done") == "done"]),
            "task_cannot_said_why": _rate([bool(t["success"]) for t in tasks if t.get("expected", "done") != "done"]),
            # as the scenario labelled them: a fetch judged out of the arm's reach when it started counts as doable
            "task_success_labelled_doable": _rate([bool(t.get("done")) for t in tasks
                                                   if t.get("labelled", t.get("expected", "done")) == "done"]),
            "tasks_judged_out_of_reach": sum(1 for t in tasks if t.get("labelled", t.get("expected")) !=
                                             t.get("expected")),
            "task_success_by_expected": {kind: _rate([bool(t["success"]) for t in tasks
                                                      if t.get("expected", "done") == kind])
                                         for kind in sorted({t.get("expected", "done") for t in tasks})},
            "task_failures": dict(sorted(_count(t.get("reason", "") for t in tasks if not t["success"]).items())),
            # what the robot said against the truth: "done" only when done (the report is scored, not only the world)
            "task_reports": _reports(tasks),
            "score_spl": round(sum(q["score_spl"] for q in questions) / len(questions), 4) if questions else None,
            "total_path_length_m": round(sum(q["path_length_m"] for q in questions), 1),
            "mean_path_length_m": round(sum(q["path_length_m"] for q in questions) / len(questions), 3)
            if questions else None,
            "skipped_events": sum(len(r.get("skipped_events", [])) for r in planner_runs),
        }
    return {"planners": planners, "households": len(knobs_of), "runs": len(runs), "expected_runs": expected_runs,
            "aborted_runs": len(failures) + max(0, expected_runs - len(runs) - len(failures)),
            "failed": failures}


def _reports(tasks: list[dict]) -> dict:
    """Reported success against the goal's truth: false successes, done but not confirmed, and the agreeing rate."""
    told = [t for t in tasks if "reported_success" in t and "done" in t]
    return {"false_success": sum(1 for t in told if t["reported_success"] and not t["done"]),
            "done_unconfirmed": sum(1 for t in told if t["done"] and not t["reported_success"]),
            "agrees": _rate([bool(t["reported_success"]) == bool(t["done"]) for t in told])}


def _count(values) -> dict:
    out: dict = {}
    for v in values:
        key = str(v).split(":")[0][:60]
        out[key] = out.get(key, 0) + 1
    return out


def _cell(rate: dict) -> str:
    if not rate["n"]:
        return "-"
    return f"{rate['rate']:.3f} [{rate['ci95_low']:.2f}, {rate['ci95_high']:.2f}] (n={rate['n']})"


def markdown(summary: dict) -> str:
    planners = summary["planners"]
    explore = planners.get("explore-all", {}).get("total_path_length_m")
    stopped = summary.get("stopped_early")
    note = (f" (run stopped early: the {stopped['households_finished']} of {stopped['households_generated']} "
            "generated households every planner finished)" if stopped else "")
    lines = [f"{summary['households']} generated households{note}, {summary['runs']} of {summary['expected_runs']} "
             f"runs finished, aborted runs: {summary['aborted_runs']}.", "",
             "| planner | accuracy [95% CI] | present-location, moved unseen | task success | impossible tasks: "
             "said why | score_spl | total path (m) | path / explore-all | skipped events |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, s in planners.items():
        ratio = f"{s['total_path_length_m'] / explore:.2f}" if explore else "-"
        lines.append(f"| {name} | {_cell(s['accuracy'])} | {_cell(s['present_location_moved_unseen'])} | "
                     f"{_cell(s['task_success'])} | {_cell(s['task_cannot_said_why'])} | {s['score_spl']} | "
                     f"{s['total_path_length_m']} | {ratio} | {s['skipped_events']} |")
    forms = sorted({f for s in planners.values() for f in s["by_form"]})
    lines += ["", "| question form | " + " | ".join(planners) + " |", "|---|" + "---|" * len(planners)]
    for form in forms:
        lines.append(f"| {form} | " + " | ".join(_cell(s["by_form"].get(form, {"n": 0})) for s in planners.values())
                     + " |")
    for knob in ("clutter", "noise", "days", "rooms"):
        values = sorted({v for s in planners.values() for v in s["by_knob"][knob]})
        lines += ["", f"| {knob} | " + " | ".join(planners) + " |", "|---|" + "---|" * len(planners)]
        for value in values:
            cells = [_cell(s["by_knob"][knob].get(value, {"n": 0})) for s in planners.values()]
            lines.append(f"| {value} | " + " | ".join(cells) + " |")
    kinds = sorted({k for s in planners.values() for k in s.get("task_success_by_expected", {})})
    if kinds:
        lines += ["", "| task (expected outcome) | " + " | ".join(planners) + " |", "|---|" + "---|" * len(planners)]
        for kind in kinds:
            cells = [_cell(s["task_success_by_expected"].get(kind, {"n": 0})) for s in planners.values()]
            lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    reasons = "; ".join(f"{name}: {s['task_failures']}" for name, s in planners.items())
    lines += ["", f"Task failures by reason: {reasons}"]
    labelled = "; ".join(f"{name}: {_cell(s['task_success_labelled_doable'])} done, "
                         f"{s['tasks_judged_out_of_reach']} judged out of reach"
                         for name, s in planners.items() if "task_success_labelled_doable" in s)
    lines += ["", f"Tasks the scenario labels doable (some judged out of reach when they started): {labelled}"]
    reports = "; ".join(f"{name}: {s['task_reports']['false_success']} false success, "
                        f"{s['task_reports']['done_unconfirmed']} done but not confirmed, report = truth "
                        f"{_cell(s['task_reports']['agrees'])}" for name, s in planners.items() if "task_reports" in s)
    if reports:
        lines += ["", f"Task reports against the truth: {reports}"]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, config) -> int:
    out = Path(args.out)
    planners = args.planner or benchmark_planners()
    knobs_of = generate_set(args.seed, args.generated, out)
    files = sorted((out / "households").glob("*.yaml"))
    jobs = [BatchJob(str(path), planner, 0, measure=False) for path in files for planner in planners]
    print(f"bench eqa: {len(files)} generated households (seeds {args.seed}..{args.seed + args.generated - 1}) x "
          f"{len(planners)} planners on Ray", file=sys.stderr)
    with progress_bar("bench eqa --generated", total=len(jobs), unit="run", json_output=args.json) as bar:
        report = run_batch(jobs, out, workers=args.workers, ray_address=args.ray_address,
                           progress=lambda job, r: bar.write(f"  {job.name}: accuracy {r['summary']['accuracy']:.2f}"),
                           config=config, bar=bar)
    summary = summarise(report.results, knobs_of, report.failures, len(jobs))
    summary["seeds"] = [args.seed, args.seed + args.generated - 1]
    (out / "generated.json").write_text(json.dumps(summary, indent=1))
    (out / "generated.md").write_text(markdown(summary))
    print(json.dumps(summary) if args.json else markdown(summary))
    return 0 if not report.failures else 1


def main(argv: list[str] | None = None) -> int:
    """Summarise DIR/results.jsonl of a `bench eqa --generated` run (finished or stopped early)."""
    parser = argparse.ArgumentParser(prog="python -m bench.generated_eqa", description=main.__doc__)
    parser.add_argument("dir")
    args = parser.parse_args(argv)
    out = Path(args.dir)
    knobs_of = json.loads((out / "knobs.json").read_text())
    runs = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines() if line.strip()]
    planners = {r["planner"] for r in runs}
    # a run stopped early: only the households every planner finished, so the planners are compared on the same ones
    done = {h for h in knobs_of if {r["planner"] for r in runs if r["scenario"] == h} == planners}
    runs = [r for r in runs if r["scenario"] in done]
    summary = summarise(runs, {h: k for h, k in knobs_of.items() if h in done}, [], len(runs))
    summary["stopped_early"] = {"households_generated": len(knobs_of), "households_finished": len(done)}
    (out / "generated.md").write_text(markdown(summary))
    (out / "generated.json").write_text(json.dumps(summary, indent=1))
    print(markdown(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
