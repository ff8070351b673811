"""`memstack`: the command-line entry point (contract: shared specs/cli.md).

Each subcommand lives in memory_stack/commands/<name>.py with `add_arguments(parser)` and
`run(args) -> int`. Exit status: 0 success, 2 bad usage or bad input, 1 other failure.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from memory_stack.commands.stack_option import add_config_option
from memory_stack.foundation.errors import BadInputError, NotImplementedYetError

COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "run the default scenario end to end and write a report"),
    "run": ("run_scenario", "run one scenario with a planner and score it"),
    "batch": ("batch", "run many scenarios x seeds x planners on Ray"),
    "generate": ("generate", "generate household scenarios from a seed (rooms, furniture, days, questions)"),
    "bench": ("bench", "benchmarks: ingest, query, eqa"),
    "query": ("query", "structured queries on a stored memory"),
    "ask": ("ask", "answer a natural-language question from a stored memory"),
    "export": ("export", "export a stored memory (dsg, json, graphml)"),
    "import": ("import_graph", "import a spark_dsg scene graph into a memory"),
    "replay": ("replay", "ingest a recorded MCAP / rosbag2 of the input topics"),
    "up": ("up", "start the ROS 2 nodes in one process"),
    "detector": ("detector", "fetch the pretrained detector's files into a cache"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="memstack",
        description="memory_stack: long-term spatio-temporal memory for robots.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output to stderr")
    add_config_option(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(f"memory_stack.commands.{module_name}")
        command_parser = sub.add_parser(name, help=help_text, description=module.__doc__)
        module.add_arguments(command_parser)
        add_config_option(command_parser)
        command_parser.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.handler(args) or 0)
    except NotImplementedYetError as exc:
        print(f"memstack {args.command}: not implemented yet ({exc})", file=sys.stderr)
        return 2
    except BadInputError as exc:
        print(f"memstack {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"memstack {args.command}: interrupted", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
