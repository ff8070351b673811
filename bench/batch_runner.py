"""Scenario x seed x planner jobs fanned out on Ray, with one retry for a crashed worker.

A worker process that dies (segfault, OOM kill, os._exit) surfaces as a Ray system error: the job
is reported in `crashes` and resubmitted once; a second failure is reported as failed. Jobs that
raise an ordinary exception are reported as failed without retry (rerunning them gives the same
exception). The rest of the batch always completes.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import threading
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from memory_stack.composition.assembly import case_memory_path
from memory_stack.composition.planner_registry import benchmark_planners, check_planner
from memory_stack.composition.stack_config import StackConfig
from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.progress import ProgressBar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchJob:
    """One run; `seed` is an offset added to the scenario's own seed (0 = the scenario as written)."""

    scenario: str
    planner: str
    seed: int
    crash_first_attempt: bool = False
    crash_attempts: int = 0  # fault injection: the worker process dies on this many first attempts
    measure: bool = True  # also ask the stale probes and record staleness calibration (run_scenario_file)

    @property
    def injected_crashes(self) -> int:
        return max(int(self.crash_attempts), int(self.crash_first_attempt))

    @property
    def name(self) -> str:
        return f"{Path(self.scenario).stem}__{self.planner}__s{self.seed}"


@dataclass
class BatchReport:
    results: list[dict] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    crashes: list[dict] = field(default_factory=list)
    wall_time_s: float = 0.0

    def summary(self) -> dict:
        by_planner: dict[str, dict] = {}
        grouped: dict[str, list[dict]] = defaultdict(list)
        for result in self.results:
            grouped[result["planner"]].append(result)
        for planner, runs in sorted(grouped.items()):
            questions = [q for r in runs for q in r["questions"]]
            tasks = [t for r in runs for t in r.get("tasks", [])]
            by_type: dict[str, list[dict]] = defaultdict(list)
            for q in questions:
                by_type[q["type"]].append(q)
            by_planner[planner] = {
                "runs": len(runs),
                "questions": len(questions),
                "accuracy": _mean([float(q["correct"]) for q in questions]),
                "mean_path_length_m": _mean([q["path_length_m"] for q in questions]),
                "task_success_rate": _mean([float(t["success"]) for t in tasks]) if tasks else None,
                "by_type": {t: {"accuracy": _mean([float(q["correct"]) for q in qs]), "n": len(qs)}
                            for t, qs in sorted(by_type.items())},
            }
        return {"planners": by_planner, "jobs": len(self.results) + len(self.failures),
                "succeeded": len(self.results), "failed": self.failures, "crashes": self.crashes,
                "wall_time_s": round(self.wall_time_s, 2)}


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def expand_jobs(patterns: list[str], planners: list[str] | None, seeds: int) -> list[BatchJob]:
    paths: list[str] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern))
        if not matches:
            raise BadInputError(f"{pattern}: no scenario file matches")
        paths.extend(m for m in matches if Path(m).name != "ontology.yaml" and m not in paths)
    chosen = planners or benchmark_planners()
    for planner in chosen:
        try:
            check_planner(planner)
        except BadInputError as exc:
            raise BadInputError(f"--planner: {exc}") from None
    if seeds < 1:
        raise BadInputError("--seeds: must be >= 1")
    return [BatchJob(p, planner, seed) for p in paths for planner in chosen for seed in range(seeds)]


def _run_job(job: BatchJob, out_dir: str, config: StackConfig | None = None) -> dict:
    """Executed inside a Ray worker process; the job's memory and case memory start empty."""
    marker = Path(out_dir) / "crash_markers" / job.name
    crashed = int(marker.read_text() or 0) if marker.exists() else 0
    if crashed < job.injected_crashes:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(str(crashed + 1))
        os._exit(17)  # a hard crash of the worker process, as a segfault or OOM kill would be
    from bench.scenario_runner import run_scenario_file

    db_path = Path(out_dir) / "memory" / f"{job.name}.db"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    config = config or StackConfig()
    # a rerun into the same directory starts from an empty memory, and from no past task executions
    # unless the config names a case file shared on purpose
    stale = [db_path] if config.paths.case_memory else [db_path, case_memory_path(db_path, config)]
    for path in stale:
        path.unlink(missing_ok=True)
    result = run_scenario_file(job.scenario, planner=job.planner, seed_offset=job.seed, db_path=db_path,
                               config=config, measure=job.measure)
    result["seed_offset"] = job.seed
    result["job"] = job.name
    return result


def run_batch(jobs: list[BatchJob], out_dir: str | Path, workers: int = 2, ray_address: str | None = None,
              progress=None, config: StackConfig | None = None, bar: ProgressBar | None = None) -> BatchReport:
    """Run `jobs` on Ray, each with a stack assembled from `config` (None: the defaults).

    `progress(job, result)` is called for each finished job; `bar` advances once per job that ends
    (succeeded or failed for good). A `ray_address` that cannot be reached is a BadInputError at once.
    """
    import ray
    from ray.exceptions import RayTaskError, WorkerCrashedError

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if bar is not None:
        bar.set_total(len(jobs))
    if ray_address:
        connect_to_ray(ray_address)
    else:
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                 runtime_env={"env_vars": {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}})
    remote_job = ray.remote(num_cpus=1, max_retries=0)(_run_job)
    report = BatchReport()
    attempts = {job: 1 for job in jobs}
    pending = {remote_job.remote(job, str(out), config): job for job in jobs}
    results_path = out / "results.jsonl"
    try:
        with results_path.open("w") as results_file:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                ref = ready[0]
                job = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except WorkerCrashedError as exc:
                    report.crashes.append({"job": job.name, "attempt": attempts[job], "error": type(exc).__name__})
                    log.warning("worker crashed on %s (attempt %d)", job.name, attempts[job])
                    if attempts[job] < 2:
                        attempts[job] += 1
                        pending[remote_job.remote(job, str(out), config)] = job
                    else:
                        report.failures.append({"job": job.name, "error": "worker crashed twice"})
                        _advance(bar, f"{job.name} FAILED")
                    continue
                except RayTaskError as exc:
                    cause = exc.cause if exc.cause is not None else exc
                    report.failures.append({"job": job.name, "error": f"{type(cause).__name__}: {cause}"[:500]})
                    log.error("job %s failed: %s", job.name, cause)
                    _advance(bar, f"{job.name} FAILED")
                    continue
                result["attempts"] = attempts[job]
                report.results.append(result)
                results_file.write(json.dumps(result) + "\n")
                results_file.flush()
                if progress is not None:
                    progress(job, result)
                _advance(bar, job.name)
    finally:
        ray.shutdown()
    report.wall_time_s = time.monotonic() - started
    (out / "summary.json").write_text(json.dumps(report.summary(), indent=2))
    (out / "summary.md").write_text(summary_markdown(report.summary()))
    (out / "jobs.json").write_text(json.dumps([asdict(j) for j in jobs], indent=2))
    return report


def _advance(bar: ProgressBar | None, status: str) -> None:
    if bar is not None:
        bar.advance(status=status)


RAY_CONNECT_TIMEOUT_S = 5.0
RAY_JOIN_TIMEOUT_S = 20.0


def connect_to_ray(address: str) -> None:
    """Join the Ray cluster at `address`, or raise BadInputError naming it within seconds.

    Ray itself retries an unreachable address for a long time, logging a warning per attempt; a
    TCP probe of host:port first turns a wrong address into a one-line error.
    """
    import socket

    import ray

    target = address
    if address == "auto":
        from ray._private.services import canonicalize_bootstrap_address

        target = canonicalize_bootstrap_address("auto")
        if target is None:
            raise BadInputError("--ray-address auto: no running Ray cluster found on this machine")
    host, port = _ray_host_port(target)
    try:
        with socket.create_connection((host, port), timeout=RAY_CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        raise BadInputError(f"--ray-address {address}: cannot connect to {host}:{port} ({exc.strerror or exc})"
                            ) from None
    # Something listens there, but it may not be Ray: ray.init would then retry for minutes.
    outcome: list[BaseException | None] = []

    def join() -> None:
        try:
            ray.init(address=target, log_to_driver=False)
            outcome.append(None)
        except BaseException as exc:  # handed to the calling thread below
            outcome.append(exc)

    joiner = threading.Thread(target=join, name="ray-connect", daemon=True)
    joiner.start()
    joiner.join(RAY_JOIN_TIMEOUT_S)
    if not outcome:
        raise BadInputError(f"--ray-address {address}: {host}:{port} did not answer as a Ray cluster "
                            f"within {RAY_JOIN_TIMEOUT_S:.0f} s")
    if outcome[0] is not None:
        exc = outcome[0]
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BadInputError(f"--ray-address {address}: cannot join the Ray cluster ({first_line})") from None


def _ray_host_port(address: str) -> tuple[str, int]:
    rest = address.split("://", 1)[1] if "://" in address else address
    host, _, port = rest.rstrip("/").rpartition(":")
    if not host or not port.isdigit():
        raise BadInputError(f"--ray-address {address}: expected HOST:PORT, ray://HOST:PORT or auto")
    return host.strip("[]"), int(port)


def summary_markdown(summary: dict) -> str:
    lines = ["| planner | runs | questions | accuracy | mean path (m) | task success |",
             "|---|---|---|---|---|---|"]
    for planner, s in summary["planners"].items():
        tasks = "-" if s["task_success_rate"] is None else f"{s['task_success_rate']:.2f}"
        lines.append(f"| {planner} | {s['runs']} | {s['questions']} | {s['accuracy']:.3f} | "
                     f"{s['mean_path_length_m']:.1f} | {tasks} |")
    types = sorted({t for s in summary["planners"].values() for t in s["by_type"]})
    if types:
        lines += ["", "| question type | " + " | ".join(summary["planners"]) + " |",
                  "|---|" + "---|" * len(summary["planners"])]
        for t in types:
            cells = []
            for s in summary["planners"].values():
                entry = s["by_type"].get(t)
                cells.append("-" if entry is None else f"{entry['accuracy']:.2f} (n={entry['n']})")
            lines.append(f"| {t} | " + " | ".join(cells) + " |")
    if summary["crashes"]:
        lines += ["", "Worker crashes (retried once): " + ", ".join(c["job"] for c in summary["crashes"])]
    if summary["failed"]:
        lines += ["", "Failed jobs: " + ", ".join(f["job"] for f in summary["failed"])]
    return "\n".join(lines) + "\n"
