"""A running stack seen from another process over ROS: QueryMemory calls and the counters on /diagnostics.

The ROS side of the throughput benchmark (bench/ros_throughput.py), which measures with it.
"""

from __future__ import annotations

import threading
from typing import Any

from memory_node.query_client import QueryClient


class DiagnosticsReader:
    """Keeps the latest ingest status values from /diagnostics."""

    def __init__(self, node: Any) -> None:
        from diagnostic_msgs.msg import DiagnosticArray

        self.latest: dict[str, str] = {}
        self.memory: dict[str, str] = {}
        self.lock = threading.Lock()
        node.create_subscription(DiagnosticArray, "/diagnostics", self._on_message, 10)

    def _on_message(self, msg: Any) -> None:
        for status in msg.status:
            if status.name.endswith(": ingest"):
                with self.lock:
                    self.latest = {kv.key: kv.value for kv in status.values}
            elif status.name.endswith(": memory"):
                with self.lock:
                    self.memory = {kv.key: kv.value for kv in status.values}

    def server_ms(self, key: str) -> float:
        """One of the memory server's timings over its last 1000 queries.

        "query_p99_ms" is its own time in the query callback, "query_lock_wait_p99_ms" the part of it
        spent waiting for a memory write to release the store.
        """
        return float(self.server_value(key) or "nan")

    def server_value(self, key: str) -> str:
        with self.lock:
            return self.memory.get(key, "")

    def totals(self) -> dict[str, int]:
        with self.lock:
            values = dict(self.latest)
        dropped = sum(int(v) for k, v in values.items() if k.endswith("/dropped"))
        received = {k[:-len("/received")]: int(v) for k, v in values.items() if k.endswith("/received")}
        return {"received": received,"frames_ingested": int(values.get("frames_ingested", 0)),
                "frames_rejected": int(values.get("frames_rejected", 0)),
                "frames_dropped_backlog": int(values.get("frames_dropped_backlog", 0)),
                "messages_dropped": dropped}


class StackProbe:
    """Owns rclpy in this process: a diagnostics node spun in the background and a query client node.

    Call `connect`, then `query`/`diagnostics` while measuring, `disconnect` when done and `shutdown`
    always (it also ends rclpy). The ROS environment must be prepared (`require_ros`) beforehand.
    """

    def __init__(self) -> None:
        import rclpy

        from memory_node.rclpy_executors import single_node_executor

        self._rclpy = rclpy
        rclpy.init()
        self.node = rclpy.create_node("ros_throughput_benchmark")
        # the diagnostics reader is spun in C++ too: a Python executor thread in this process would hold
        # the GIL for a millisecond or two per /diagnostics message and show up in the measured round trips
        self._executor = single_node_executor()
        self._spinning = threading.Event()
        self._spinner: threading.Thread | None = None
        self.diagnostics: DiagnosticsReader | None = None
        self.client: QueryClient | None = None
        self._query_node: Any = None

    def connect(self, timeout_s: float) -> bool:
        """Subscribe to /diagnostics and wait for query_memory; False if it is not offered in time."""
        self.diagnostics = DiagnosticsReader(self.node)
        self._query_node = self._rclpy.create_node("ros_throughput_benchmark_queries")
        self.client = QueryClient(self._query_node)
        if not self.client.wait(timeout_s):
            return False
        self._executor.add_node(self.node)

        def spin() -> None:
            try:
                while not self._spinning.is_set():
                    self._executor.spin_once(0.05)
            except Exception:  # rclpy shut down under us: the benchmark is over
                return

        self._spinner = threading.Thread(target=spin, daemon=True)
        self._spinner.start()
        return True

    def query(self, kind: str, arguments: list[str], timeout_s: float) -> Any:
        return self.client.call(kind, arguments, timeout_s=timeout_s)

    def disconnect(self) -> None:
        self._spinning.set()
        if self._spinner is not None:
            self._spinner.join(timeout=2.0)
        self.client.close()
        self._query_node.destroy_node()

    def shutdown(self) -> None:
        self.node.destroy_node()
        self._rclpy.try_shutdown()
