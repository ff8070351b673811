"""A QueryMemory client: `python -m memory_node.query_client locate mug` prints the typed answer as JSON.

Used by the cross-process tests (a client process separate from the server process) and by the ROS
throughput benchmark (`--repeat N` measures round trips and prints p50/p99).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any

from memory_node.ros_environment import node_main_guard


def response_to_dict(response: Any) -> dict[str, Any]:
    """The answer as JSON; times are ROS seconds, `epoch` is the ROS time of the memory's d1 00:00."""
    from memory_node.message_conversion import stamp_to_seconds

    def point(p: Any) -> list[float]:
        return [p.x, p.y, p.z]

    return {
        "success": response.success, "error": response.error, "text": response.text,
        "objects": [{"id": o.id, "category": o.category, "position": point(o.position), "room": o.room,
                     "rests_on": o.rests_on, "state": o.state, "probability": o.probability,
                     "last_seen": stamp_to_seconds(o.last_seen), "present": o.present} for o in response.objects],
        "scores": list(response.scores),
        "events": [{"kind": e.kind, "object_id": e.object_id, "time": stamp_to_seconds(e.header.stamp),
                    "frame_id": e.header.frame_id} for e in response.events],
        "value": None if math.isnan(response.value) else response.value,
        "labels": list(response.labels),
        "stamp": stamp_to_seconds(response.header.stamp), "frame_id": response.header.frame_id,
        "epoch": stamp_to_seconds(response.memory_epoch),
    }


class QueryClient:
    """Blocking QueryMemory calls from a node that nothing else spins (its own executor spins it while waiting).

    The executor is rclpy's EventsExecutor (SingleThreadedExecutor on Jazzy), created once:
    rclpy.spin_until_future_complete(node, ...)
    builds a Python executor on every call, which alone costs about a millisecond per round trip.
    """

    def __init__(self, node: Any, service: str = "query_memory") -> None:
        from memory_interfaces.srv import QueryMemory

        from memory_node.rclpy_executors import single_node_executor

        self.node = node
        self.client = node.create_client(QueryMemory, service)
        self._type = QueryMemory
        self._executor = single_node_executor(context=node.context)
        self._executor.add_node(node)

    def wait(self, timeout_s: float) -> bool:
        return self.client.wait_for_service(timeout_sec=timeout_s)

    def call(self, kind: str, arguments: list[str], at: float | None = None, timeout_s: float = 10.0) -> Any:
        request = self._type.Request(kind=kind, arguments=list(arguments))
        if at is not None:  # ROS seconds
            from memory_node.message_conversion import seconds_to_stamp

            request.has_time, request.time = True, seconds_to_stamp(float(at))
        future = self.client.call_async(request)
        self._executor.spin_until_future_complete(future, timeout_sec=timeout_s)
        if not future.done():
            raise TimeoutError(f"query_memory {kind} {arguments}: no answer within {timeout_s} s")
        return future.result()

    def close(self) -> None:
        self._executor.remove_node(self.node)
        self._executor.shutdown()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, int(round(q / 100.0 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    node_main_guard()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind")
    parser.add_argument("arguments", nargs="*")
    parser.add_argument("--at", type=float, help="ROS time (s) the query is about (default: now)")
    parser.add_argument("--wait", type=float, default=20.0, help="seconds to wait for the service")
    parser.add_argument("--repeat", type=int, default=1, help="call N times and report round-trip percentiles")
    parser.add_argument("--period", type=float, default=0.0, help="seconds between repeated calls")
    args = parser.parse_args(argv)

    import rclpy

    rclpy.init()
    node = rclpy.create_node("memory_query_client")
    client = QueryClient(node)
    try:
        if not client.wait(args.wait):
            print(json.dumps({"success": False, "error": "query_memory service not available"}), flush=True)
            return 1
        latencies = []
        response = None
        for _ in range(max(1, args.repeat)):
            started = time.perf_counter()
            response = client.call(args.kind, args.arguments, args.at)
            latencies.append((time.perf_counter() - started) * 1000.0)
            if args.period:
                time.sleep(args.period)
        result = response_to_dict(response)
        result["round_trip_ms"] = {"n": len(latencies), "p50": percentile(latencies, 50),
                                   "p99": percentile(latencies, 99), "max": max(latencies)}
        print(json.dumps(result), flush=True)
        return 0 if response.success else 1
    finally:
        client.close()
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == "__main__":
    sys.exit(main())
