"""The kill rate per module (or per function) of the last mutmut run, read from mutants/**/*.meta.

`python scripts/mutation_report.py [--by-function] [--survivors] [GLOB ...]`: GLOBs select mutant names (as
`mutmut run` takes them); mutants never run ("not checked", outside the run's globs) are left out of the rates.
Kill rate = killed / (killed + survived + no tests + timeout): a mutant no selected test reaches counts as alive.
Needs mutmut importable (scripts/mutation.sh puts build/mutation-tools on PYTHONPATH).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
from collections import Counter, defaultdict
from pathlib import Path

from mutmut.stats import status_by_exit_code

COLUMNS = ("killed", "survived", "no tests", "timeout")


def results(root: Path) -> dict[str, str]:
    """Mutant name -> status, for every mutant of the last generation."""
    found = {}
    for meta in sorted(root.glob("**/*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            found[name] = status_by_exit_code[code]
    return found


def group_of(name: str, by_function: bool) -> str:
    function = name.rsplit("__mutmut_", 1)[0]
    if by_function:
        return function.replace("ǁ", ".").replace(".x_", ".").replace(".x.", ".")
    module, _, _ = function.rpartition(".")
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("globs", nargs="*", help="mutant-name globs (default: every mutant that was run)")
    parser.add_argument("--by-function", action="store_true")
    parser.add_argument("--survivors", action="store_true", help="list the surviving mutants' names")
    parser.add_argument("--root", type=Path, default=Path("mutants"))
    args = parser.parse_args()
    counts: dict[str, Counter] = defaultdict(Counter)
    survivors = []
    for name, status in results(args.root).items():
        if status == "not checked" or (args.globs and not any(fnmatch.fnmatch(name, g) for g in args.globs)):
            continue
        counts[group_of(name, args.by_function)][status if status in COLUMNS else "other"] += 1
        if status in ("survived", "no tests"):
            survivors.append(f"{name} ({status})")
    print("| " + ("function" if args.by_function else "module") + " | mutants | " + " | ".join(COLUMNS)
          + " | other | kill rate |")
    print("|---" * (len(COLUMNS) + 4) + "|")
    total: Counter = Counter()
    for group in sorted(counts):
        c = counts[group]
        total.update(c)
        print(_row(group, c))
    print(_row("**all**", total))
    if args.survivors:
        print("\n".join(["", *sorted(survivors)]))
    return 0


def _row(group: str, c: Counter) -> str:
    n = sum(c.values())
    alive_or_killed = sum(c[k] for k in COLUMNS)
    rate = f"{c['killed'] / alive_or_killed:.2f}" if alive_or_killed else "-"
    return f"| {group} | {n} | " + " | ".join(str(c[k]) for k in COLUMNS) + f" | {c['other']} | {rate} |"


if __name__ == "__main__":
    raise SystemExit(main())
