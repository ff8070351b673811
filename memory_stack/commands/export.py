"""Export a stored memory as a spark_dsg scene graph (Hydra), JSON or GraphML.

memstack export --db memory.db --format dsg scene.json        (spark_dsg: .json, .sparkdsg or .bson)
memstack export --db memory.db --format json memory.json [--at "d2 08:30"]
memstack export --db memory.db --format graphml memory.graphml
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from memory_stack.commands.query import open_stored_memory
from memory_stack.foundation.time_format import parse_time_argument


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--db", required=True, help="SQLite memory file")
    parser.add_argument("--format", required=True, choices=["dsg", "json", "graphml"])
    parser.add_argument("out", help="output file")
    parser.add_argument("--at", help="export the world as believed at this time (default: latest)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")


def run(args: argparse.Namespace) -> int:
    at = parse_time_argument(args.at, "--at")
    if args.format == "dsg":
        from scene_graph.exchange_dsg import check_dsg_suffix

        check_dsg_suffix(Path(args.out))
    from memory_stack.commands.stack_option import stack_config

    memory = open_stored_memory(args.db, stack_config(args))
    try:
        if args.format == "dsg":
            from scene_graph.exchange_dsg import export_dsg

            graph = export_dsg(memory, args.out, at=at)
            counts = {"nodes": graph.num_nodes(), "edges": graph.num_edges()}
        elif args.format == "json":
            from scene_graph.exchange_json import export_json

            document = export_json(memory, args.out, at=at)
            counts = {key: len(document[key]) for key in ("rooms", "places", "objects", "events", "facts")}
        else:
            from scene_graph.exchange_graphml import export_graphml

            graph = export_graphml(memory, args.out, at=at)
            counts = {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}
    finally:
        memory.close()
    summary = {"format": args.format, "out": str(args.out), "db": str(args.db), "at": at, **counts}
    if args.json:
        json.dump(summary, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(f"wrote {args.out} ({args.format}): " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0
