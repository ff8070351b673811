"""Import a spark_dsg scene graph file into a memory."""

from __future__ import annotations

import argparse

from memory_stack.errors import NotImplementedYetError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", required=True, choices=["dsg"])
    parser.add_argument("file", help="scene graph file")
    parser.add_argument("--db", required=True, help="SQLite memory file to write")


def run(args: argparse.Namespace) -> int:
    raise NotImplementedYetError("lands with issue 3")
