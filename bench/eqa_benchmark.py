"""`memstack bench eqa`: every planner on every scenario, scored (accuracy by type, path, score_spl).

Runs fan out on local Ray (bench.batch_runner). Writes DIR/eqa.json, DIR/eqa.md (the table for
docs/BENCHMARKS.md) and DIR/accuracy_vs_path.png; prints the JSON document with --json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from bench.batch_runner import PLANNERS, expand_jobs, run_batch
from bench.report_figures import draw_accuracy_vs_path


def planner_statistics(runs: list[dict]) -> dict[str, dict]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for run in runs:
        grouped[run["planner"]].extend(run["questions"])
    stats = {}
    for planner in [p for p in PLANNERS if p in grouped] + sorted(set(grouped) - set(PLANNERS)):
        questions = grouped[planner]
        by_type: dict[str, list[dict]] = defaultdict(list)
        for q in questions:
            by_type[q["type"]].append(q)
        stale = [q for q in questions if q["type"] == "present_location" and not q["memory_only_correct"]]
        stats[planner] = {
            "accuracy": _mean([float(q["correct"]) for q in questions]),
            "score_spl": _mean([q["score_spl"] for q in questions]),
            "mean_path_length_m": _mean([q["path_length_m"] for q in questions]),
            "total_path_length_m": round(sum(q["path_length_m"] for q in questions), 2),
            "n": len(questions),
            "by_type": {t: {"accuracy": _mean([float(q["correct"]) for q in qs]), "n": len(qs),
                            "mean_path_length_m": _mean([q["path_length_m"] for q in qs])}
                        for t, qs in sorted(by_type.items())},
            "present_location_stale": {"accuracy": _mean([float(q["correct"]) for q in stale]), "n": len(stale)},
            "stopped_by": dict(sorted(_count(q["stopped_by"] for q in questions).items())),
            "latency_ms_p95": _percentile([q["latency_ms"] for q in questions if q["path_length_m"] == 0], 95),
        }
    return stats


def markdown_table(stats: dict[str, dict]) -> str:
    lines = ["| planner | accuracy | score_spl | mean path (m) | total path (m) | stale present-location acc. | n |",
             "|---|---|---|---|---|---|---|"]
    for planner, s in stats.items():
        stale = s["present_location_stale"]
        lines.append(f"| {planner} | {s['accuracy']:.3f} | {s['score_spl']:.3f} | {s['mean_path_length_m']:.2f} | "
                     f"{s['total_path_length_m']:.1f} | {stale['accuracy']:.2f} (n={stale['n']}) | {s['n']} |")
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
    jobs = expand_jobs([args.scenarios], args.planner, seeds=1)
    out = Path(args.out)
    print(f"bench eqa: {len(jobs)} runs ({len({j.scenario for j in jobs})} scenarios x "
          f"{len({j.planner for j in jobs})} planners) on local Ray", file=sys.stderr)
    report = run_batch(jobs, out, workers=2,
                       progress=lambda job, r: print(f"  {job.name}: accuracy {r['summary']['accuracy']:.2f}, "
                                                     f"path {r['summary']['mean_path_length_m']:.1f} m",
                                                     file=sys.stderr))
    stats = planner_statistics(report.results)
    document = {"planners": stats, "runs": report.results, "failed": report.failures, "crashes": report.crashes,
                "wall_time_s": round(report.wall_time_s, 1)}
    (out / "eqa.json").write_text(json.dumps(document, indent=1))
    (out / "eqa.md").write_text(markdown_table(stats))
    if stats:
        draw_accuracy_vs_path(out / "accuracy_vs_path.png", stats, title="LA-EQA: accuracy vs path driven")
    if args.json:
        print(json.dumps(document))
    else:
        print(markdown_table(stats))
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
