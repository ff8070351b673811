"""Run one scenario with one planner; print results (JSON with --json)."""

from __future__ import annotations

import argparse

from memory_stack.errors import NotImplementedYetError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", help="scenario YAML file")
    parser.add_argument("--planner", default="voi", choices=["voi", "explore-all", "memory-only"])
    parser.add_argument("--db", help="SQLite memory file (default: in the output directory)")
    parser.add_argument("--out", help="output directory")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def run(args: argparse.Namespace) -> int:
    raise NotImplementedYetError("lands with issue 7")
