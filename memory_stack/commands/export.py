"""Export a stored memory as a spark_dsg scene graph (Hydra), JSON or GraphML."""

from __future__ import annotations

import argparse

from memory_stack.errors import NotImplementedYetError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, help="SQLite memory file")
    parser.add_argument("--format", required=True, choices=["dsg", "json", "graphml"])
    parser.add_argument("out", help="output file")


def run(args: argparse.Namespace) -> int:
    raise NotImplementedYetError("lands with issue 3")
