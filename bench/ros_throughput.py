"""Ingest throughput and query latency through ROS 2 (for `memstack bench ingest --ros`).

Three processes over DDS on an isolated domain: the stack (`memstack up`: ingest + memory server in
one process), a publisher process streaming synthetic RGB-D frames with instance masks (sensor-data
QoS) at a target rate, and this process, which calls QueryMemory in a loop while frames stream and
reads the ingest counters from /diagnostics. For each target rate it reports the achieved rate,
frames ingested and every counted drop; `max_rate_zero_drops_hz` is the highest rate at which every
published frame was written with no drop anywhere.

`python -m bench.ros_throughput --json` or `run_ros_ingest_benchmark(...) -> dict`. The ROS side (query client,
/diagnostics reader) is memory_node.stack_probe.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from memory_node.child_processes import stop_child_process
from memory_node.query_client import percentile
from memory_node.ros_environment import require_ros
from memory_node.stack_probe import StackProbe
from memory_stack.foundation.package_paths import SOURCE_ROOT, default_params_file, sim_config


def _params_file(directory: Path, db: Path, perception_process: bool = True, query_priority: int | None = None) -> Path:
    content = yaml.safe_load(default_params_file().read_text())
    content["ingest_node"]["ros__parameters"]["perception_process"] = perception_process
    if query_priority is not None:
        content["memory_server"]["ros__parameters"]["query_thread_priority"] = query_priority
    for name, section in content.items():
        section["ros__parameters"]["db_path"] = str(db)
        section["ros__parameters"]["floor_plan_file"] = str(sim_config("apartment_two_days.yaml"))
        if name == "ingest_node":
            section["ros__parameters"]["diagnostics_period_s"] = 0.5
        if name == "memory_server":
            section["ros__parameters"]["diagnostics_period_s"] = 0.5
    path = directory / "params.yaml"
    path.write_text(yaml.safe_dump(content))
    return path


def _transport_description(env: dict[str, str]) -> str:
    if env.get("FASTDDS_BUILTIN_TRANSPORTS"):
        return env["FASTDDS_BUILTIN_TRANSPORTS"]
    profile = env.get("FASTDDS_DEFAULT_PROFILES_FILE") or env.get("FASTRTPS_DEFAULT_PROFILES_FILE")
    return f"profile {Path(profile).name}" if profile else "Fast DDS defaults"


def _publish_round(env: dict[str, str], frames: int, rate: float, width: int, height: int, start_time: float,
                   probe: StackProbe, query_period_s: float, latencies: list[float],
                   deadline_s: float) -> dict[str, Any]:
    """Run one publisher process while querying; returns its JSON report, or {"error": ...} if it hung."""
    publisher = subprocess.Popen(
        [sys.executable, "-m", "memory_node.synthetic_frame_publisher", "--frames", str(frames),
         "--rate", str(rate), "--width", str(width), "--height", str(height),
         "--start-time", str(start_time), "--wait", "30", "--settle", "2.0"],
        cwd=SOURCE_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(publisher.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + deadline_s
    try:
        while publisher.poll() is None and not any(line.startswith("{") for line in lines):
            if time.monotonic() > deadline:
                return {"error": f"publisher did not finish within {deadline_s:.0f} s"}
            started = time.perf_counter()
            response = probe.query("locate", ["mug"], timeout_s=5.0)
            if response.success:
                latencies.append((time.perf_counter() - started) * 1000.0)
            time.sleep(query_period_s)
        reader.join(timeout=2.0)
    finally:
        if publisher.poll() is None:
            publisher.kill()
        publisher.wait()
    reports = [json.loads(line) for line in lines if line.startswith("{")]
    return reports[-1] if reports else {"error": f"publisher exited with {publisher.returncode}"}


def run_ros_ingest_benchmark(width: int = 320, height: int = 240, frames: int = 150,
                             rates: tuple[float, ...] = (30.0, 60.0, 120.0), query_period_s: float = 0.01,
                             timeout_s: float = 120.0, transport: str | None = None,
                             executor_kind: str = "events", perception_process: bool = True,
                             query_priority: int | None = None) -> dict[str, Any]:
    """Run the benchmark; returns a JSON-ready dict (see the module docstring).

    `query_priority` overrides the memory server's query_thread_priority (None: the packaged parameters').
    """
    # this process and the two it starts share one DDS environment
    os.environ.setdefault("ROS_DOMAIN_ID", str(random.Random(os.getpid()).randint(120, 200)))
    # ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST makes rmw_fastrtps replace the builtin transports with its own
    # localhost set, which drops most best-effort image samples at 30 frames/s; isolate by domain id instead.
    os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "SUBNET"
    if transport:  # Fast DDS builtin transports instead of the packaged profile
        os.environ["FASTDDS_BUILTIN_TRANSPORTS"] = transport
        os.environ.pop("FASTDDS_DEFAULT_PROFILES_FILE", None)
    require_ros()  # after the environment is final: it picks the transport profile
    env = dict(os.environ)
    result: dict[str, Any] = {"width": width, "height": height, "frames_per_round": frames,
                              "transport": _transport_description(env), "executor": executor_kind,
                              "perception": "process" if perception_process else "thread", "rounds": []}
    with tempfile.TemporaryDirectory(prefix="memstack_ros_bench_") as tmp:
        directory = Path(tmp)
        db = directory / "memory.db"
        stack = subprocess.Popen(
            [sys.executable, "-m", "memory_stack.cli", "up", "--no-planner", "--executor", executor_kind,
             "--params", str(_params_file(directory, db, perception_process, query_priority))],
            cwd=SOURCE_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        probe = StackProbe()
        try:
            if not probe.connect(60.0):
                raise RuntimeError("memstack up did not offer query_memory within 60 s: "
                                   + (stack.stderr.read()[-2000:] if stack.poll() is not None else ""))
            diagnostics = probe.diagnostics
            latencies: list[float] = []
            start_time = 7 * 3600.0
            warmup = subprocess.run(
                [sys.executable, "-m", "memory_node.synthetic_frame_publisher", "--frames", "20", "--rate", "10",
                 "--width", str(width), "--height", str(height), "--start-time", str(start_time - 600.0),
                 "--wait", "30", "--settle", "2.0"],
                cwd=SOURCE_ROOT, env=env, capture_output=True, text=True, timeout=timeout_s)
            if warmup.returncode != 0:
                raise RuntimeError(f"warm-up publisher failed: {warmup.stderr[-1000:]}")
            time.sleep(2.0)
            idle: list[float] = []
            for _ in range(200):  # the same query with nothing streaming: what the machine and DDS cost alone
                started = time.perf_counter()
                if probe.query("locate", ["mug"], timeout_s=5.0).success:
                    idle.append((time.perf_counter() - started) * 1000.0)
                time.sleep(query_period_s)
            result["query_idle"] = {"n": len(idle), "p50_ms": percentile(idle, 50), "p99_ms": percentile(idle, 99)}
            for rate in rates:
                before = diagnostics.totals()
                round_latencies: list[float] = []
                sent: dict[str, Any] = {}
                for _attempt in range(2):  # a publisher that hangs (seen in DDS start-up) is killed and retried
                    sent = _publish_round(env, frames, rate, width, height, start_time, probe, query_period_s,
                                          round_latencies, deadline_s=frames / rate + 45.0)
                    if "rate_hz" in sent:
                        break
                    start_time += frames * 0.5 + 60.0
                deadline = time.monotonic() + 15.0
                after = diagnostics.totals()
                while time.monotonic() < deadline:
                    time.sleep(0.6)
                    now = diagnostics.totals()
                    if now == after and now["frames_ingested"] - before["frames_ingested"] >= frames:
                        break
                    after = now
                after = diagnostics.totals()
                ingested = after["frames_ingested"] - before["frames_ingested"]
                received = {t: n - before["received"].get(t, 0) for t, n in after["received"].items()}
                drops = {k: after[k] - before[k] for k in ("messages_dropped", "frames_dropped_backlog",
                                                           "frames_rejected")}
                result["rounds"].append({
                    "rate_hz_target": rate, "rate_hz_achieved": sent.get("rate_hz"), "frames_published": frames,
                    "frames_ingested": ingested, **drops, "messages_received": received,
                    "zero_drops": ingested == frames and not any(drops.values()),
                    "publisher_error": sent.get("error", ""),
                    "query_p50_ms": percentile(round_latencies, 50), "query_p99_ms": percentile(round_latencies, 99),
                    "server_handler_p99_ms": diagnostics.server_ms("query_p99_ms"),
                    "server_lock_wait_p99_ms": diagnostics.server_ms("query_lock_wait_p99_ms"),
                    "queries": len(round_latencies)})
                latencies += round_latencies
                start_time += frames * 0.5 + 60.0
            probe.disconnect()
            zero = [r["rate_hz_achieved"] for r in result["rounds"] if r["zero_drops"]]
            result["max_rate_zero_drops_hz"] = max(zero) if zero else 0.0
            result["query_thread_scheduling"] = diagnostics.server_value("query_thread_scheduling")
            result["query_while_ingesting"] = {"n": len(latencies), "p50_ms": percentile(latencies, 50),
                                               "p99_ms": percentile(latencies, 99)}
        finally:
            probe.shutdown()
            stop_child_process(stack, signal.SIGINT, timeout_s=20.0)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--frames", type=int, default=150, help="frames per rate")
    parser.add_argument("--rates", default="30,60,120", help="comma-separated target frame rates")
    parser.add_argument("--transport", help="FASTDDS_BUILTIN_TRANSPORTS for all three processes (default: the "
                                            "packaged config/fastdds_large_images.xml unless the environment "
                                            "chooses Fast DDS transports)")
    parser.add_argument("--executor", choices=("events", "multi-threaded"), default="events",
                        help="executor layout of the stack process (memstack up --executor)")
    parser.add_argument("--perception", choices=("process", "thread"), default="process",
                        help="ingest_node perception_process: a child process (default) or the ingest worker thread")
    parser.add_argument("--query-priority", type=int,
                        help="memory_server query_thread_priority (SCHED_FIFO; 0 = normal scheduling; "
                             "default: config/memory_stack.yaml)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    def interrupted(*_: Any) -> None:
        raise KeyboardInterrupt  # so the stack process is stopped in run_ros_ingest_benchmark's finally

    signal.signal(signal.SIGTERM, interrupted)
    result = run_ros_ingest_benchmark(args.width, args.height, args.frames,
                                      tuple(float(r) for r in args.rates.split(",")), transport=args.transport,
                                      executor_kind=args.executor, perception_process=args.perception == "process",
                                      query_priority=args.query_priority)
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
