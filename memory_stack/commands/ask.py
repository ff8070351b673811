"""Answer a natural-language question from a stored memory alone (no robot).

The memory file is opened as it is and never created: a missing file is an error naming it
(exit 2). Without --at the question is asked at the latest time the memory knows of.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from memory_stack.commands.stack_option import stack_config
from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.time_format import format_time_value, parse_time_argument


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, help="SQLite memory file")
    parser.add_argument("question")
    parser.add_argument("--at", help="time of asking: \"dN HH:MM\" or seconds since d1 00:00")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def run(args: argparse.Namespace) -> int:
    db = Path(args.db)
    if not db.is_file():
        raise BadInputError(f"--db {db}: no such memory file (ask never creates one)")
    at = parse_time_argument(args.at, "--at")
    config = stack_config(args)
    from memory_stack.composition.assembly import build_answerer, open_memory
    from planners.question_answering import latest_memory_time

    with open_memory(db, config) as memory:
        now = at if at is not None else latest_memory_time(memory)
        report = build_answerer(memory, None, config).answer(args.question, now, planner="memory-only")
    document = report.to_dict()
    document["at"] = now
    document["at_text"] = format_time_value(now)
    document["db"] = str(db)
    if args.json:
        json.dump(document, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(f"{report.text}  (confidence {report.confidence:.2f}, {report.type}, {report.latency_ms:.0f} ms)")
    return 0
