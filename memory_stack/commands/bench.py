"""Benchmarks: `ingest` (perception + memory write), `query` (latency vs memory size), `eqa`, `perception`."""

from __future__ import annotations

import argparse
import importlib

from memory_stack.commands.stack_option import add_config_option
from memory_stack.composition.planner_registry import benchmark_planners, planner_names
from memory_stack.foundation.errors import NotImplementedYetError

BENCHMARKS = {
    "ingest": "bench.ingest_benchmark",
    "query": "bench.query_benchmark",
    "eqa": "bench.eqa_benchmark",
    "perception": "bench.perception_benchmark",
    "ask": "bench.ask_latency",
    "faults": "bench.fault_benchmark",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK")
    sub.required = True
    ingest = sub.add_parser("ingest", help="perception + memory write throughput")
    ingest.add_argument("--width", type=int, default=320)
    ingest.add_argument("--height", type=int, default=240)
    ingest.add_argument("--frames", type=int, default=300)
    ingest.add_argument("--instances", type=int, default=15, help="instances per frame")
    ingest.add_argument("--ros", action="store_true", help="also measure through ROS 2 across processes")
    query = sub.add_parser("query", help="query latency against memory size")
    query.add_argument("--objects", type=int, default=1000)
    query.add_argument("--days", type=int, default=3)
    query.add_argument("--observations", type=int, default=0, help="minimum observations to ingest (0 = derived)")
    query.add_argument("--db", help="keep the built store at this path")
    query.add_argument("--ros", action="store_true", help="also measure the QueryMemory service round trip")
    eqa = sub.add_parser("eqa", help="question answering: every planner on every scenario")
    eqa.add_argument("--scenarios", default="sim_configs/*.yaml", help="scenario glob")
    eqa.add_argument("--planner", action="append", choices=planner_names(),
                     help=f"planner (repeatable); default: {', '.join(benchmark_planners())}")
    eqa.add_argument("--out", default="bench_out/eqa", help="directory for the table and plot")
    eqa.add_argument("--generated", type=int, default=0, metavar="N",
                     help="instead of --scenarios: N generated households (memstack generate), seeds --seed..")
    eqa.add_argument("--seed", type=int, default=1000, help="first household seed with --generated")
    eqa.add_argument("--workers", type=int, default=2, help="local Ray worker processes")
    eqa.add_argument("--ray-address", help="Ray cluster address (default: start a local Ray)")
    eqa.add_argument("--perception-input", choices=["masks", "boxes", "label_image"],
                     help="what the simulated detector hands perception (default: each scenario's robot."
                          "perception_input, masks)")
    perception = sub.add_parser("perception", help="box lifting and the detector on real RGB-D frames")
    perception.add_argument("--data", help="the rgbd folder (default: ../shared/data/rgbd beside the repository)")
    perception.add_argument("--frames", type=int, default=40, help="synthetic frames per input mode (ingest fps)")
    perception.add_argument("--no-detector", action="store_true", help="skip the detector (no OpenCV/weights)")
    ask = sub.add_parser("ask", help="questions cold (a process each) vs warm (one process, model loaded once)")
    ask.add_argument("--db", required=True, help="SQLite memory file (e.g. demo_out/memory.db)")
    ask.add_argument("--questions", help="one question per line (default: ten household questions)")
    for p in (ingest, query, eqa, perception, ask):
        p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
        add_config_option(p)
    faults = sub.add_parser("faults", help="the fault table: live ingestion and commands under store faults")
    importlib.import_module("bench.fault_benchmark").add_arguments(faults)
    add_config_option(faults)


def run(args: argparse.Namespace) -> int:
    try:
        module = importlib.import_module(BENCHMARKS[args.benchmark])
    except ModuleNotFoundError as exc:
        raise NotImplementedYetError(f"benchmark {args.benchmark!r}: {exc.name} missing") from exc
    return int(module.run(args) or 0)
