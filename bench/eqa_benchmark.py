"""`memstack bench eqa`: every planner on every scenario, scored (accuracy by type, path, score_spl).

Runs fan out on local Ray (bench.batch_runner). Writes DIR/eqa.json, DIR/eqa.md (the table for
docs/BENCHMARKS.md) and DIR/accuracy_vs_path.png; prints the JSON document with --json.

Buckets besides accuracy by question type (definitions in bench.evaluation):
- `present_location_stale`: present-location questions whose object moved after the robot's
  schedule last showed it (timeline-defined, the same questions for every planner);
  `present_stale` widens it to every present-tense form (room of, still in the house);
  `present_location_memory_only_wrong` is the older bucket (memory alone answered wrongly).
- `probes`: questions generated from the timeline (`stale_probe_questions`), asked after the
  scenario's own; scored apart, never part of `accuracy`. `stale_with_probes` pools them with
  `present_stale`.
- `staleness_calibration`: reliability tables of the belief's P(still where last seen) (objects
  memory holds as present) and P(out of the house) (objects memory saw leave) against what the
  simulator's truth says happened, for every remembered object before each scheduled look and
  before the questions (memory-only runs, so each moment is counted once), for the default belief
  (mobility prior, learned departures) and the legacy one (learned move rate, P(gone) = 0.9),
  with Brier scores.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from bench.batch_runner import expand_jobs, run_batch
from bench.report_figures import draw_accuracy_vs_path
from memory_stack.composition.planner_registry import benchmark_planners
from memory_stack.composition.stack_config import StackConfig, load_stack_config
from memory_stack.foundation.progress import progress_bar


def planner_statistics(runs: list[dict]) -> dict[str, dict]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for run in runs:
        grouped[run["planner"]].extend(run["questions"])
    stats = {}
    order = benchmark_planners()
    for planner in [p for p in order if p in grouped] + sorted(set(grouped) - set(order)):
        questions = grouped[planner]
        by_type: dict[str, list[dict]] = defaultdict(list)
        for q in questions:
            by_type[q["type"]].append(q)
        stale = [q for q in questions if q["type"] == "present_location" and q.get("stale")]
        present_stale = [q for q in questions if q.get("stale")]
        probes = [q for run in runs if run["planner"] == planner for q in run.get("probes", [])]
        stats[planner] = {
            "accuracy": _mean([float(q["correct"]) for q in questions]),
            "score_spl": _mean([q["score_spl"] for q in questions]),
            "mean_path_length_m": _mean([q["path_length_m"] for q in questions]),
            "total_path_length_m": round(sum(q["path_length_m"] for q in questions), 2),
            "n": len(questions),
            "by_type": {t: {"accuracy": _mean([float(q["correct"]) for q in qs]), "n": len(qs),
                            "mean_path_length_m": _mean([q["path_length_m"] for q in qs])}
                        for t, qs in sorted(by_type.items())},
            "present_location_stale": _bucket(stale),
            "present_stale": _bucket(present_stale),
            "present_location_memory_only_wrong": _bucket(
                [q for q in questions if q["type"] == "present_location" and not q["memory_only_correct"]]),
            "probes": _bucket(probes),
            "stale_with_probes": _bucket(present_stale + probes),
            "stopped_by": dict(sorted(_count(q["stopped_by"] for q in questions).items())),
            "latency_ms_p95": _percentile([q["latency_ms"] for q in questions if q["path_length_m"] == 0], 95),
        }
    return stats


def _bucket(questions: list[dict]) -> dict:
    return {"accuracy": _mean([float(q["correct"]) for q in questions]), "n": len(questions),
            "path_length_m": round(sum(q["path_length_m"] for q in questions), 2)}


CALIBRATION_BINS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0001)
CALIBRATION_MODELS = ("mobility_prior", "learned_rate")


SAMPLE_KINDS = {"present": "P(still where last seen)", "absent": "P(out of the house | seen leaving)"}


def staleness_calibration(runs: list[dict]) -> dict:
    """Reliability of the belief's predictions: per bin of the prediction, mean prediction vs outcome.

    "present": P(still where last seen) of objects memory holds as present (outcome: it stayed);
    "absent": P(out of the house) of objects memory saw leave (outcome: it had left the house).
    """
    samples = [s for run in runs for s in run.get("staleness_samples", [])]
    report: dict = {}
    for kind in SAMPLE_KINDS:
        chosen = [s for s in samples if s.get("kind", "present") == kind]
        outcome = [float(s.get("outcome", s.get("stayed", False))) for s in chosen]
        part: dict = {"n": len(chosen), "outcome_rate": _mean(outcome)}
        for model in CALIBRATION_MODELS:
            rows = []
            for low, high in zip(CALIBRATION_BINS, CALIBRATION_BINS[1:]):
                inside = [(s[model], o) for s, o in zip(chosen, outcome) if low <= s[model] < high]
                if inside:
                    rows.append({"bin": [low, min(high, 1.0)], "n": len(inside),
                                 "mean_predicted": _mean([p for p, _ in inside]),
                                 "observed": _mean([o for _, o in inside])})
            part[model] = {"brier": _mean([(s[model] - o) ** 2 for s, o in zip(chosen, outcome)]),
                           "mean_predicted": _mean([s[model] for s in chosen]),
                           "mean_predicted_when_false": _mean([s[model] for s, o in zip(chosen, outcome) if not o]),
                           "bins": rows}
        report[kind] = part
    return report


def calibration_table(calibration: dict) -> str:
    lines = []
    for kind, what in SAMPLE_KINDS.items():
        part = calibration[kind]
        lines += [f"Calibration of {what}: {part['n']} samples (remembered objects before scheduled looks and "
                  f"questions), observed rate {part['outcome_rate']:.3f}.", "",
                  "| predicted bin | " + " | ".join(f"{m}: n / predicted / observed" for m in CALIBRATION_MODELS)
                  + " |", "|---|" + "---|" * len(CALIBRATION_MODELS)]
        for low, high in zip(CALIBRATION_BINS, CALIBRATION_BINS[1:]):
            cells = []
            for model in CALIBRATION_MODELS:
                row = next((r for r in part[model]["bins"] if r["bin"][0] == low), None)
                cells.append("-" if row is None else
                             f"{row['n']} / {row['mean_predicted']:.3f} / {row['observed']:.3f}")
            if any(c != "-" for c in cells):
                lines.append(f"| [{low:.2f}, {min(high, 1.0):.2f}) | " + " | ".join(cells) + " |")
        lines.append("| Brier score | " + " | ".join(f"{part[m]['brier']:.4f}" for m in CALIBRATION_MODELS) + " |")
        lines.append("| mean prediction where the outcome was false | "
                     + " | ".join(f"{part[m]['mean_predicted_when_false']:.3f}" for m in CALIBRATION_MODELS) + " |")
        lines.append("")
    return "\n".join(lines)


def markdown_table(stats: dict[str, dict]) -> str:
    lines = ["| planner | accuracy | score_spl | mean path (m) | total path (m) | stale present-location acc. "
             "| stale present-tense acc. | probes acc. (path) | stale + probes acc. | n |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for planner, s in stats.items():
        stale, wide, probes, pooled = (s["present_location_stale"], s["present_stale"], s["probes"],
                                       s["stale_with_probes"])
        lines.append(f"| {planner} | {s['accuracy']:.3f} | {s['score_spl']:.3f} | {s['mean_path_length_m']:.2f} | "
                     f"{s['total_path_length_m']:.1f} | {stale['accuracy']:.2f} (n={stale['n']}) | "
                     f"{wide['accuracy']:.2f} (n={wide['n']}) | {probes['accuracy']:.2f} (n={probes['n']}, "
                     f"{probes['path_length_m']:.0f} m) | {pooled['accuracy']:.2f} (n={pooled['n']}) | {s['n']} |")
    types = sorted({t for s in stats.values() for t in s["by_type"]})
    lines += ["", "| question type | " + " | ".join(f"{p} acc / path" for p in stats) + " |",
              "|---|" + "---|" * len(stats)]
    for t in types:
        cells = []
        for s in stats.values():
            e = s["by_type"].get(t)
            cells.append("-" if e is None else f"{e['accuracy']:.2f} / {e['mean_path_length_m']:.1f} m (n={e['n']})")
        lines.append(f"| {t} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    config = load_stack_config(args.config)
    if args.generated:
        from bench.generated_eqa import run as run_generated

        return run_generated(args, config)
    if getattr(args, "perception_input", None):
        config.sim.options["perception_input"] = args.perception_input
    jobs = expand_jobs([args.scenarios], args.planner, seeds=1)
    out = Path(args.out)
    print(f"bench eqa: {len(jobs)} runs ({len({j.scenario for j in jobs})} scenarios x "
          f"{len({j.planner for j in jobs})} planners) on local Ray", file=sys.stderr)
    with progress_bar("bench eqa", total=len(jobs), unit="run", json_output=args.json) as bar:
        report = run_batch(jobs, out, workers=2,
                           progress=lambda job, r: bar.write(f"  {job.name}: accuracy {r['summary']['accuracy']:.2f}, "
                                                             f"path {r['summary']['mean_path_length_m']:.1f} m"),
                           config=config, bar=bar)
    stats = planner_statistics(report.results)
    calibration = staleness_calibration(report.results)
    document = {"planners": stats, "staleness_calibration": calibration, "runs": report.results,
                "failed": report.failures, "crashes": report.crashes, "wall_time_s": round(report.wall_time_s, 1)}
    (out / "eqa.json").write_text(json.dumps(document, indent=1))
    figure_link = ""
    if stats:
        draw_accuracy_vs_path(out / "accuracy_vs_path.png", stats, title="LA-EQA: accuracy vs path driven")
        figure_link = "![accuracy (95% Wilson interval) against mean path per question](accuracy_vs_path.png)\n\n"
    (out / "eqa.md").write_text(markdown_table(stats) + "\n" + figure_link + calibration_table(calibration))
    if args.json:
        print(json.dumps(document))
    else:
        print(markdown_table(stats) + "\n" + calibration_table(calibration))
    return 0 if not report.failures else 1


def _mean(values) -> float:
    values = list(values)
    return round(sum(values) / len(values), 4) if values else 0.0


def _count(values) -> dict:
    counts: dict = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return counts


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q / 100.0 * (len(ordered) - 1))))], 2)


def cost_weight_sweep(scenario_paths: list[str], weights: list[float], base: StackConfig | None = None) -> list[dict]:
    """VOI on the given scenarios at each `cost_weight` of question answering (everything else from `base`)."""
    import dataclasses

    from bench.scenario_runner import run_scenario
    from sim.scenario import load_scenario

    base = base or StackConfig()

    rows = []
    for weight in weights:
        questions = []
        for path in scenario_paths:
            qa = base.question_answering
            config = dataclasses.replace(base, question_answering=dataclasses.replace(
                qa, exploration=dataclasses.replace(qa.exploration, cost_weight=weight)))
            questions += run_scenario(load_scenario(path), planner="voi", config=config)["questions"]
        rows.append({"cost_weight": weight, "accuracy": _mean([float(q["correct"]) for q in questions]),
                     "total_path_length_m": round(sum(q["path_length_m"] for q in questions), 1),
                     "questions_explored": sum(1 for q in questions if q["steps"] > 0), "n": len(questions)})
        print(f"cost_weight {weight}: {rows[-1]}", file=sys.stderr)
    return rows


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.eqa_benchmark --cost-weights 0.002,0.01,0.05 SCENARIO.yaml...`: the cost_weight table."""
    parser = argparse.ArgumentParser(prog="python -m bench.eqa_benchmark", description=main.__doc__)
    parser.add_argument("scenarios", nargs="+")
    parser.add_argument("--cost-weights", default="0.002,0.005,0.01,0.02,0.05")
    parser.add_argument("--config", metavar="FILE", help="StackConfig YAML the other settings come from")
    args = parser.parse_args(argv)
    weights = [float(w) for w in args.cost_weights.split(",")]
    rows = cost_weight_sweep(args.scenarios, weights, load_stack_config(args.config))
    print("| cost_weight | accuracy | total path | questions explored | n |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['cost_weight']} | {r['accuracy']:.3f} | {r['total_path_length_m']:.1f} m | "
              f"{r['questions_explored']} | {r['n']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
