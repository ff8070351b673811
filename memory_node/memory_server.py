"""memory_server: the memory as ROS services, RViz markers and diagnostics (a lifecycle node).

Serves `query_memory` (memory_interfaces/srv/QueryMemory: locate, history, changes, contents, count,
first_seen, last_seen, search, path, objects) and `get_snapshot` (memory_interfaces/srv/GetSnapshot),
on an executor thread of their own (`memory_node.node_process.StackProcess`: queries never wait
behind ingestion's callbacks; each holds the store lock only while it reads), under SCHED_FIFO where
allowed (`query_thread_priority`, memory_node/thread_scheduling.py). Publishes `scene_graph/markers`
(visualization_msgs/MarkerArray, TRANSIENT_LOCAL so late RViz subscribers get the latest graph) every
`markers_period_s`, and `/diagnostics` (DiagnosticArray at 1 Hz: the memory's objects and size, plus the
ingest rate and per-topic drops of every ingest node in this process).

Sharing the memory with ingestion: see `memory_node.shared_store`. The `memory_server` executable
hosts the ingest node too (parameter `host_ingest`, default true) because one process with one
SQLite writer is the robust design; with `host_ingest:=false` it only reads the file another
process writes, re-opening it on a background thread when it changed (at most every `refresh_period_s`;
queries answer from the memory loaded before until the fresh one is swapped in).
"""

from __future__ import annotations

import math
import time
from collections import deque
from typing import Any

from memory_node.ros_environment import node_main_guard
from memory_node.thread_scheduling import MAX_PRIORITY
from scene_graph.requests import store_objects

try:
    from diagnostic_msgs.msg import DiagnosticArray
    from memory_interfaces.srv import GetSnapshot, QueryMemory
    from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
    from rclpy.lifecycle import Node as LifecycleNode
    from rclpy.lifecycle import State, TransitionCallbackReturn
    from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
    from visualization_msgs.msg import MarkerArray
except ImportError:  # main() reports what is missing through node_main_guard
    LifecycleNode = object

NODE_NAME = "memory_server"
MAP_FRAME = "map"  # REP 105: every position the memory keeps is in the map frame
TIME_VALUED_KINDS = ("first_seen", "last_seen")  # their `value` is a time: sent as ROS seconds


def memory_epoch(store: Any) -> float:
    """The ROS time of the memory's d1 00:00 (0 while it is empty: stamps are then simulated seconds)."""
    epoch = store.time_epoch
    return 0.0 if epoch is None else float(epoch)


class MemoryServerNode(LifecycleNode):
    """Lifecycle node answering memory queries and publishing the scene graph."""

    def __init__(self, node_name: str = NODE_NAME, **kwargs: Any) -> None:
        super().__init__(node_name, **kwargs)
        from memory_node.config_file_parameter import declare_config_file
        from memory_node.parameter_declaration import (
            declare,
            declare_autostart,
            follow_dynamic_parameters,
            require_parameters_under_namespace,
        )
        from memory_stack.composition.assembly import where_is

        self.stack_config = declare_config_file(self)  # its memory section, for the store this node opens first
        self._where_is = where_is(self.stack_config)  # locate answers with the planners' model of where things are
        self.db_path = declare(self, "db_path", "memory.db", "SQLite memory file (':memory:' for none)")
        self.floor_plan_file = declare(self, "floor_plan_file", "",
                                       "prior map: a floor-plan or scenario YAML ('' = none)")
        self.host_ingest = declare(self, "host_ingest", True,
                                   "the memory_server executable also runs ingest_node in this process")
        self.refresh_period_s = declare(self, "refresh_period_s", 1.0,
                                        "re-open the file when another process wrote it, at most this often (s)",
                                        (0.05, 3600.0), dynamic=True)
        self.markers_period_s = declare(self, "markers_period_s", 1.0,
                                        "period of the scene-graph MarkerArray (s)", (0.05, 3600.0))
        self.diagnostics_period_s = declare(self, "diagnostics_period_s", 1.0, "period of /diagnostics (s)",
                                            (0.1, 60.0))
        self.diagnostics_window_s = declare(self, "diagnostics_window_s", 10.0,
                                            "ingest faults (drops, rejects) make /diagnostics WARN for this long (s)",
                                            (0.1, 3600.0))
        self.max_results = declare(self, "max_results", 10, "results per query when the request says 0",
                                   (1, 10000), dynamic=True)
        # read by the process hosting this node (memory_node.node_process), which owns the thread
        self.executor_thread_priority = declare(
            self, "query_thread_priority", 10,
            "SCHED_FIFO priority of the thread serving queries, 0 = normal scheduling "
            "(memory_node/thread_scheduling.py; without the privilege the server warns and runs normally)",
            (0, MAX_PRIORITY))
        self.autostart = declare_autostart(self)
        follow_dynamic_parameters(self)
        require_parameters_under_namespace(self)
        self.executor_thread_scheduling = "normal"
        self.shared = None
        self.markers = None
        # not `_services` / `_timers`: rclpy's Node keeps its own lists under those names (the lifecycle and
        # parameter services among them), and replacing them silently unregisters those services
        self._query_services: list[Any] = []
        self._periodic_timers: list[Any] = []
        self._markers_pub = None
        self._diagnostics_pub = None
        self._active = False
        self.query_latencies_ms: deque[float] = deque(maxlen=1000)
        # the part of each query's time spent waiting for a memory write to release the store
        self.query_lock_waits_ms: deque[float] = deque(maxlen=1000)
        self._fault_windows: dict[str, Any] = {}  # per ingest node: its faults over diagnostics_window_s
        self.queries_served = 0
        self.queries_failed = 0

    # ------------------------------------------------------------ lifecycle

    def on_configure(self, state: State) -> TransitionCallbackReturn:
        from memory_node.scene_graph_markers import SceneGraphMarkers
        from memory_node.shared_store import SharedStore, load_floor_plan

        try:
            self.shared = SharedStore.acquire(self.db_path, load_floor_plan(self.floor_plan_file),
                                              config=self.stack_config.memory)
        except Exception as exc:  # a bad parameter or database: stay unconfigured, say why
            self.get_logger().error(f"configure failed: {exc}")
            return TransitionCallbackReturn.FAILURE
        self.shared.server_attached = True
        self.markers = SceneGraphMarkers()
        queries = ReentrantCallbackGroup()
        periodic = MutuallyExclusiveCallbackGroup()
        self._query_services = [
            self.create_service(QueryMemory, "query_memory", self._on_query, callback_group=queries),
            self.create_service(GetSnapshot, "get_snapshot", self._on_snapshot, callback_group=queries),
        ]
        latched = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self._markers_pub = self.create_lifecycle_publisher(MarkerArray, "scene_graph/markers", latched)
        self._diagnostics_pub = self.create_lifecycle_publisher(DiagnosticArray, "/diagnostics", 10)
        self._periodic_timers = [
            self.create_timer(self.markers_period_s, self.publish_markers, callback_group=periodic),
            self.create_timer(self.diagnostics_period_s, self.publish_diagnostics, callback_group=periodic),
        ]
        self.get_logger().info(f"configured: memory {self.shared.key}")
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: State) -> TransitionCallbackReturn:
        self._active = True
        result = super().on_activate(state)
        self.publish_markers()
        return result

    def on_deactivate(self, state: State) -> TransitionCallbackReturn:
        self._active = False
        return super().on_deactivate(state)

    def on_cleanup(self, state: State) -> TransitionCallbackReturn:
        self._teardown()
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: State) -> TransitionCallbackReturn:
        self._active = False
        self._teardown()
        return TransitionCallbackReturn.SUCCESS

    def _teardown(self) -> None:
        for service in self._query_services:
            self.destroy_service(service)
        for timer in self._periodic_timers:
            self.destroy_timer(timer)
        self._query_services, self._periodic_timers = [], []
        for pub in (self._markers_pub, self._diagnostics_pub):
            if pub is not None:
                self.destroy_lifecycle_publisher(pub)
        self._markers_pub = self._diagnostics_pub = None
        if self.shared is not None:
            self.shared.server_attached = False
            self.shared.release()
            self.shared = None

    # ------------------------------------------------------------ services

    def _on_query(self, request: Any, response: Any) -> Any:
        from memory_node.message_conversion import (
            location_belief_to_msg,
            memory_event_to_msg,
            memory_stamp,
            scene_object_to_msg,
            stamp_to_seconds,
        )
        from scene_graph.requests import QueryRequest, answer_query

        started = time.perf_counter()
        if not self._active or self.shared is None:
            response.success, response.error, response.value = False, "memory_server is not active", math.nan
            return response
        self.shared.refresh_if_changed(self.refresh_period_s)
        asked = stamp_to_seconds(request.time) if request.has_time else None  # ROS time
        asked_end = stamp_to_seconds(request.time_end) if request.has_time_end else None
        query = QueryRequest(kind=request.kind.strip(), arguments=list(request.arguments),
                             max_results=request.max_results or self.max_results)
        response.header.frame_id = MAP_FRAME
        if query.kind == "search":
            self._embed_outside_the_lock(" ".join(query.arguments))
        entered: list[float] = []

        def run(store: Any) -> Any:
            entered.append(time.perf_counter())
            epoch = memory_epoch(store)  # the memory's d1 00:00 in ROS time: request times -> memory times
            query.time = None if asked is None else asked - epoch
            query.time_end = None if asked_end is None else asked_end - epoch
            answer = answer_query(store, query, self._where_is)
            return answer, epoch, query.time if query.time is not None else store.now

        try:
            waiting = time.perf_counter()
            answer, epoch, about = self.shared.read(run)
            self.query_lock_waits_ms.append((entered[0] - waiting) * 1000.0)
            response.memory_epoch = memory_stamp(0.0, epoch)
            response.header.stamp = memory_stamp(max(about, 0.0), epoch)
            response.success, response.error, response.text = answer.success, answer.error, answer.text
            response.objects = [location_belief_to_msg(o, epoch) if hasattr(o, "object_id")
                                else scene_object_to_msg(o, epoch=epoch) for o in answer.objects]
            response.scores = [float(s) for s in answer.scores]
            response.events = [memory_event_to_msg(e, epoch, MAP_FRAME) for e in answer.events]
            value = float(answer.value)
            response.value = value + epoch if query.kind in TIME_VALUED_KINDS and math.isfinite(value) else value
            response.labels = [str(label) for label in answer.labels]
        except Exception as exc:  # a failing query must not take the server down
            self.get_logger().error(f"query {query.kind} {query.arguments} failed: {exc!r}")
            response.success, response.error, response.value = False, f"internal error: {exc}", math.nan
        self.queries_served += 1
        self.queries_failed += int(not response.success)
        self.query_latencies_ms.append((time.perf_counter() - started) * 1000.0)
        return response

    @staticmethod
    def _embed_outside_the_lock(text: str) -> None:
        """Embed a search text before the store lock is taken.

        The process-wide embedder caches the vector, so the first search's seconds of model loading
        never hold up the ingest worker.
        """
        if not text.strip():
            return
        try:
            from scene_graph.text_embedding import TextEmbedder

            TextEmbedder.shared().embed([text])
        except Exception:  # a missing model is reported by the query itself
            return

    def _on_snapshot(self, request: Any, response: Any) -> Any:
        from memory_node.message_conversion import memory_stamp, scene_object_to_msg, stamp_to_seconds

        if not self._active or self.shared is None:
            response.success, response.error = False, "memory_server is not active"
            return response
        self.shared.refresh_if_changed(self.refresh_period_s)
        epoch = self.shared.read(memory_epoch)
        at_asked = stamp_to_seconds(request.time) - epoch
        if request.has_time and at_asked < 0:
            response.success, response.error = False, "time: before this memory's d1 00:00"
            return response

        def read(store: Any) -> tuple[float, list[Any], list[str]]:
            if request.has_time:
                snapshot = store.snapshot(at_asked)
                objects, at = snapshot.objects, snapshot.time
            else:
                objects, at = store_objects(store), self._latest_time(store)
            plan = store.floor_plan
            return at, objects, [room.name for room in plan.rooms] if plan is not None else []

        try:
            at, objects, rooms = self.shared.read(read)
        except Exception as exc:
            response.success, response.error = False, f"internal error: {exc}"
            return response
        response.success, response.rooms = True, rooms
        response.header.stamp, response.header.frame_id = memory_stamp(at, epoch), MAP_FRAME
        response.objects = [scene_object_to_msg(o, epoch=epoch) for o in objects]
        return response

    @staticmethod
    def _latest_time(store: Any) -> float:
        times = [o.last_seen for o in store_objects(store, include_absent=True)]
        return max(times) if times else 0.0

    # ------------------------------------------------------------ periodic output

    def publish_markers(self) -> None:
        if not self._active or self.shared is None or self._markers_pub is None:
            return
        self.shared.refresh_if_changed(self.refresh_period_s)

        def read(store: Any) -> tuple[Any, list[Any], list[Any], list[Any]]:
            return store.floor_plan, store_objects(store), store.places(), store.trajectory()

        try:
            plan, objects, places, trajectory = self.shared.read(read)
        except Exception as exc:
            self.get_logger().error(f"scene graph markers: {exc!r}", throttle_duration_sec=10.0)
            return
        self._markers_pub.publish(self.markers.build(self.get_clock().now().to_msg(), plan, objects, places,
                                                     trajectory))

    def memory_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {"db_path": self.shared.key if self.shared else ""}
        if self.shared is not None:
            values["objects"] = len(self.shared.read(store_objects))
            values["db_bytes"] = self.shared.db_bytes()
        values["query_thread_scheduling"] = self.executor_thread_scheduling
        values["queries_served"] = self.queries_served
        values["queries_failed"] = self.queries_failed
        for name, samples in (("query", self.query_latencies_ms), ("query_lock_wait", self.query_lock_waits_ms)):
            ordered = sorted(samples)
            if ordered:
                values[f"{name}_p50_ms"] = ordered[len(ordered) // 2]
                values[f"{name}_p99_ms"] = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
                values[f"{name}_max_ms"] = ordered[-1]
        return values

    def publish_diagnostics(self) -> None:
        from memory_node.diagnostics_report import FaultWindow, diagnostic_array, ingest_status, memory_status

        if not self._active or self._diagnostics_pub is None or self.shared is None:
            return
        try:
            statuses = [memory_status(self.get_name(), self.memory_values())]
        except Exception as exc:
            statuses = [memory_status(self.get_name(), {}, error=f"memory unreadable: {exc}")]
        for report in list(self.shared.ingest_reporters):
            values = report()
            window = self._fault_windows.setdefault(values.get("node", ""), FaultWindow(self.diagnostics_window_s))
            statuses.append(ingest_status(values, window))
        self._diagnostics_pub.publish(diagnostic_array(self.get_clock().now().to_msg(), statuses))


def main(args: list[str] | None = None) -> None:
    node_main_guard()
    from memory_node.node_process import node_executable

    node_executable(args, with_ingest=None, with_server=True)


if __name__ == "__main__":
    main()
