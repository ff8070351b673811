"""Run the default scenario end to end on embedded defaults and write a report."""

from __future__ import annotations

import argparse

from memory_stack.errors import NotImplementedYetError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="demo_out", help="output directory")


def run(args: argparse.Namespace) -> int:
    raise NotImplementedYetError("lands with issue 7")
