"""Ingest a recorded MCAP / rosbag2 (MCAP storage) of the input topics into a memory."""

from __future__ import annotations

import argparse

from memory_stack.errors import NotImplementedYetError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bag", help="MCAP file or rosbag2 directory")
    parser.add_argument("--db", required=True, help="SQLite memory file")


def run(args: argparse.Namespace) -> int:
    raise NotImplementedYetError("lands with issue 4")
