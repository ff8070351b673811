"""Shared test set-up: offline model loading, and an isolated DDS domain per test process."""

from __future__ import annotations

import os
import random

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")


@pytest.fixture
def ros_domain(monkeypatch) -> int:
    """A DDS domain id of its own, inherited by child processes, so parallel tests never cross-talk."""
    domain = random.Random(os.getpid() * 7919 + id(monkeypatch)).randint(1, 101)
    monkeypatch.setenv("ROS_DOMAIN_ID", str(domain))
    from memory_stack.ros_environment import prepare_ros_environment

    prepare_ros_environment()
    return domain
