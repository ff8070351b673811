"""Shared set-up for the node tests: an in-process stack, a publisher node, a query client."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from memory_stack.foundation.package_paths import default_params_file, sim_config

SCENARIO = sim_config("apartment_two_days.yaml")


def stack_arguments(db: Path, **overrides: Any) -> list[str]:
    from memory_node.node_process import ros_arguments

    values = {"db_path": str(db), "floor_plan_file": str(SCENARIO)}
    values.update(overrides)
    return ros_arguments(default_params_file(), values)


def wait_until(condition: Callable[[], bool], timeout_s: float = 15.0, period_s: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(period_s)
    return condition()


def call_service(node: Any, srv_type: Any, name: str, request: Any, timeout_s: float = 10.0) -> Any:
    """Call a service from a plain node spun here (the stack spins in its own executor)."""
    import rclpy

    client = node.create_client(srv_type, name)
    try:
        assert client.wait_for_service(timeout_sec=timeout_s), f"service {name} not available"
        future = client.call_async(request)
        rclpy.spin_until_future_complete(node, future, timeout_sec=timeout_s)
        assert future.done(), f"service {name} did not answer within {timeout_s} s"
        return future.result()
    finally:
        node.destroy_client(client)


def query(node: Any, kind: str, *arguments: str, at: float | None = None) -> Any:
    from memory_interfaces.srv import QueryMemory

    request = QueryMemory.Request(kind=kind, arguments=list(arguments))
    if at is not None:
        from memory_node.message_conversion import seconds_to_stamp

        request.has_time, request.time = True, seconds_to_stamp(float(at))
    return call_service(node, QueryMemory, "query_memory", request)
