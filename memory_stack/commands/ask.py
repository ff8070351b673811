"""Answer a natural-language question from a stored memory alone (no robot)."""

from __future__ import annotations

import argparse

from memory_stack.errors import NotImplementedYetError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, help="SQLite memory file")
    parser.add_argument("question")
    parser.add_argument("--at", help="time of asking: \"dN HH:MM\" or seconds since d1 00:00")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def run(args: argparse.Namespace) -> int:
    raise NotImplementedYetError("lands with issue 6")
