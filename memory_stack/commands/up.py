"""Start the ROS 2 nodes in one process (same nodes and parameters as the launch file)."""

from __future__ import annotations

import argparse

from memory_stack.errors import NotImplementedYetError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", nargs="?", help="scenario YAML: also bridge the PyBullet sim onto ROS")
    parser.add_argument("--params", help="node parameter YAML (default: config/memory_stack.yaml)")


def run(args: argparse.Namespace) -> int:
    raise NotImplementedYetError("lands with issue 4")
