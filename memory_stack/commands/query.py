"""Structured queries on a stored memory: locate, history, changes, contents, count, search."""

from __future__ import annotations

import argparse

from memory_stack.errors import NotImplementedYetError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, help="SQLite memory file")
    parser.add_argument("kind", help="locate | history | changes | contents | count | first_seen | last_seen | search | path")
    parser.add_argument("arguments", nargs="*")
    parser.add_argument("--at", help="time: \"dN HH:MM\" or seconds since d1 00:00")
    parser.add_argument("--since", help="interval start")
    parser.add_argument("--until", help="interval end")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def run(args: argparse.Namespace) -> int:
    raise NotImplementedYetError("lands with issue 3")
