"""Two `memstack bench eqa` outputs compared answer by answer: the witness that a refactor changed nothing.

    python -m bench.eqa_compare BASE_DIR NEW_DIR        # exit 0: no answer differs; 1: some do; 2: bad input

Each question, probe and task of every run (scenario x planner x seed) is keyed by where it came
from and compared on what was answered and what it cost (answer, correctness, score, confidence,
stopped_by, steps, path; a task's success, steps and path). Latency and wall time are not compared.
A run present in only one directory is counted, not treated as a difference, so a one-scenario run
can be checked against a full baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memory_stack.foundation.errors import BadInputError

COMPARED = ("answer", "correct", "score", "confidence", "stopped_by", "steps", "path_length_m", "success")
Key = tuple[str, str, int, str, str]


@dataclass
class Comparison:
    """Answers found in both outputs, in only one of them, and the ones that differ (key, base, new)."""

    both: int = 0
    only_base: int = 0
    only_new: int = 0
    differing: list[tuple[Key, dict[str, Any], dict[str, Any]]] = field(default_factory=list)


def load_answers(directory: str | Path) -> dict[Key, dict[str, Any]]:
    """Every answer of an eqa output directory's results.jsonl, keyed by run and item."""
    path = Path(directory, "results.jsonl")
    if not path.is_file():
        raise BadInputError(f"{path}: no such file (not a `memstack bench eqa` output directory)")
    answers: dict[Key, dict[str, Any]] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            run = json.loads(line)
            scenario, planner = run["scenario"], run["planner"]
            for kind in ("questions", "probes", "tasks"):
                for item in run.get(kind) or []:
                    key = (scenario, planner, int(run.get("seed_offset", 0)), kind, str(item["id"]))
                    answers[key] = {name: item[name] for name in COMPARED if name in item}
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise BadInputError(f"{path}: line {number}: not an eqa run record ({exc})") from None
    return answers


def compare(base_dir: str | Path, new_dir: str | Path) -> Comparison:
    base, new = load_answers(base_dir), load_answers(new_dir)
    result = Comparison(only_base=len(base.keys() - new.keys()), only_new=len(new.keys() - base.keys()))
    for key in sorted(base.keys() & new.keys()):
        result.both += 1
        if json.dumps(base[key], sort_keys=True) != json.dumps(new[key], sort_keys=True):
            result.differing.append((key, base[key], new[key]))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.eqa_compare", description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the baseline's eqa output directory")
    parser.add_argument("new", help="the eqa output directory to check against it")
    args = parser.parse_args(argv)
    try:
        result = compare(args.base, args.new)
    except BadInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{result.both} answers in both; only in base: {result.only_base}; only in new: {result.only_new}; "
          f"differing: {len(result.differing)}")
    for key, before, after in result.differing:
        print(f"DIFF {'/'.join(map(str, key))}\n  base: {json.dumps(before)}\n  new:  {json.dumps(after)}")
    return 1 if result.differing else 0


if __name__ == "__main__":
    sys.exit(main())
