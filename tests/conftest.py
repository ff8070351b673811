"""Shared test set-up: offline model loading, an isolated DDS domain per test process, a `memstack` runner."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")

MEMSTACK = Path(sys.executable).parent / "memstack"


def run_memstack(*args: object, cwd: Path | None = None, timeout: float = 300.0) -> subprocess.CompletedProcess:
    """The installed `memstack` console script in a subprocess, offline; killed if it outlives `timeout`."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return subprocess.run([str(MEMSTACK), *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=timeout)


@pytest.fixture(scope="session")
def memstack() -> Callable[..., subprocess.CompletedProcess]:
    """A runner of the installed `memstack` console script (arguments as for the shell; cwd=, timeout=)."""
    assert MEMSTACK.exists(), f"{MEMSTACK} missing: run `pip install -e .` (make setup)"
    return run_memstack


@pytest.fixture
def ros_domain(monkeypatch) -> int:
    """A DDS domain id of its own, inherited by child processes, so parallel tests never cross-talk."""
    domain = random.Random(os.getpid() * 7919 + id(monkeypatch)).randint(1, 101)
    monkeypatch.setenv("ROS_DOMAIN_ID", str(domain))
    from memory_node.ros_environment import prepare_ros_environment

    prepare_ros_environment()
    return domain
