"""Fan scenarios x seeds x planners out on Ray; results as JSON lines plus a summary."""

from __future__ import annotations

import argparse

from memory_stack.errors import NotImplementedYetError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("globs", nargs="+", metavar="GLOB", help="scenario files or globs")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ray-address", help="Ray cluster address (default: local Ray)")
    parser.add_argument("--planner", action="append", help="planner(s); default: all")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per scenario")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def run(args: argparse.Namespace) -> int:
    raise NotImplementedYetError("lands with issue 7")
