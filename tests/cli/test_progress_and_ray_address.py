"""What a person at a terminal sees: a progress bar on stderr for `memstack run`; a wrong --ray-address fails fast."""

from __future__ import annotations

import os
import pty
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

MEMSTACK = Path(sys.executable).parent / "memstack"
TINY_ROOM = Path(__file__).resolve().parents[1] / "bench" / "data" / "tiny_room.yaml"


def run_with_stderr_on_a_terminal(*args: str, timeout: float = 400.0) -> tuple[int, str, str]:
    """`memstack ARGS` with stderr on a fresh pty (as in a terminal) and stdout on a pipe."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "MEMSTACK_PROGRESS"}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    proc = subprocess.Popen([str(MEMSTACK), *args], stdout=subprocess.PIPE, stderr=follower, env=env, text=True)
    os.close(follower)
    chunks: list[bytes] = []

    def drain() -> None:  # a pty buffer holds only a few KB: read while the command runs
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO once the child has closed its end
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        stdout, _ = proc.communicate(timeout=timeout)
    finally:
        proc.kill()
        reader.join(10)
        os.close(leader)
    return proc.returncode, stdout, b"".join(chunks).decode(errors="replace")


@pytest.mark.slow
def test_run_draws_a_progress_bar_with_counts_on_a_terminal():
    code, stdout, terminal = run_with_stderr_on_a_terminal("run", str(TINY_ROOM), "--planner", "memory-only")
    assert code == 0, terminal[-2000:]
    counts = [(int(done), int(total)) for done, total in re.findall(r"run tiny_room:.*?\| *(\d+)/(\d+) \[", terminal)]
    assert counts, f"no bar on the terminal: {terminal[-1500:]!r}"
    total = counts[-1][1]
    assert total == 5, "one patrol + four questions"
    assert counts[-1] == (total, total)
    assert {done for done, _ in counts} >= {0, total}
    assert "scenario tiny_room" in stdout and "run tiny_room" not in stdout, "the bar stays off stdout"
    assert "d1 10:00 [" in terminal, "the per-question log lines are still written (above the bar)"


def test_a_wrong_ray_address_exits_2_within_seconds(memstack, tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    proc = memstack("batch", TINY_ROOM, "--ray-address", f"127.0.0.1:{port}", "--out", tmp_path / "out",
                    timeout=120)
    elapsed = time.monotonic() - started
    assert proc.returncode == 2, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("memstack batch: --ray-address 127.0.0.1:") and "cannot connect" in last, last
    # the command's own import time on a loaded 2-core machine is most of this; Ray's own retries take minutes
    assert elapsed < 60, elapsed


@pytest.mark.slow
def test_a_port_that_is_not_ray_exits_2(memstack, tmp_path):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        proc = memstack("batch", TINY_ROOM, "--ray-address", f"127.0.0.1:{port}", "--out", tmp_path / "out",
                        timeout=120)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "did not answer as a Ray cluster" in proc.stderr.strip().splitlines()[-1]


def test_a_malformed_ray_address_exits_2(memstack, tmp_path):
    proc = memstack("batch", TINY_ROOM, "--ray-address", "no-port-here", "--out", tmp_path / "out", timeout=120)
    assert proc.returncode == 2
    assert "expected HOST:PORT" in proc.stderr


def test_generate_draws_one_step_per_household_on_a_terminal(tmp_path):
    code, stdout, terminal = run_with_stderr_on_a_terminal("generate", "--seed", "41", "--count", "2",
                                                           "--rooms", "2", "--out", str(tmp_path / "set"))
    assert code == 0, terminal[-2000:]
    counts = re.findall(r"generate:.*?\| *(\d+)/(\d+) \[", terminal)
    assert counts and counts[-1] == ("2", "2"), f"no finished bar: {terminal[-1500:]!r}"
    assert sorted(p.name for p in (tmp_path / "set").iterdir()) == ["generated_41.yaml", "generated_42.yaml"]
    assert "generate:" not in stdout


def test_bench_query_draws_one_step_per_simulated_day_and_one_for_the_queries():
    code, stdout, terminal = run_with_stderr_on_a_terminal("bench", "query", "--objects", "30", "--days", "2")
    assert code == 0, terminal[-2000:]
    counts = re.findall(r"bench query:.*?\| *(\d+)/(\d+) \[", terminal)
    assert counts and counts[-1] == ("4", "4"), f"two days, the quiet day, the queries: {terminal[-1500:]!r}"
    assert "[bench query] day 3/3" in terminal, "the per-day status lines are still written, above the bar"
    assert "p50" in stdout and "bench query:" not in stdout
