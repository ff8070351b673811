"""Import a spark_dsg scene graph file (ours or Hydra's) into a memory.

  memstack import --format dsg scene.json --db memory.db [--at "d1 08:00"]

Rooms become the memory's floor plan (added to an existing one); objects are ingested as
observations through the memory's normal ingest, so they are associated with what it already holds.
The file is read and checked completely before the memory is opened or created.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from memory_stack.commands.stack_option import stack_config
from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.time_format import format_time_value, parse_time_argument


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--format", required=True, choices=["dsg"])
    parser.add_argument("file", help="scene graph file (.json, .sparkdsg or .bson)")
    parser.add_argument("--db", required=True, help="SQLite memory file to write (created if missing)")
    parser.add_argument("--at", help="time of the imported sightings (default: the file's own time, else d1 00:00)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")


def run(args: argparse.Namespace) -> int:
    from scene_graph.exchange_dsg import import_graph_into_memory, read_dsg

    at = parse_time_argument(args.at, "--at")
    config = stack_config(args)
    if not Path(args.file).is_file():
        raise BadInputError(f"{args.file}: no such file")
    imported = read_dsg(args.file)
    db = Path(args.db)
    if db.is_dir():
        raise BadInputError(f"--db {db}: is a directory, expected a memory store file")
    from memory_stack.composition.assembly import open_memory

    memory = open_memory(db, config)
    try:
        latest = memory.now
        if at is not None and at < latest:
            raise BadInputError(f"--at: {args.at!r} is before the latest time in {db} ({format_time_value(latest)}); "
                                "a memory takes sightings in time order")
        summary = import_graph_into_memory(imported, memory, time=at)
    finally:
        memory.close()
    document = {"file": str(args.file), "db": str(db), **dataclasses.asdict(summary)}
    if args.json:
        json.dump(document, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(f"imported {summary.objects_in_file} objects and {summary.rooms} rooms from {args.file} into {db} "
              f"({summary.created} new objects)")
    return 0
