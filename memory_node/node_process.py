"""One process hosting the stack's nodes: the code behind `memstack up` and the node executables.

`StackProcess` creates the nodes from one parameter file (ROS params-file format), spins them on
executors of their own (ingestion and queries on separate threads, see `StackProcess` and
`memory_node.shared_store`), configures and activates the lifecycle nodes, spins until SIGINT or
SIGTERM, then deactivates (the ingest backlog is drained), cleans up and shuts down.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import logging
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOG = logging.getLogger(__name__)


def ros_arguments(params_file: str | Path | None = None, overrides: dict[str, Any] | None = None,
                  namespace: str = "", log_level: str = "") -> list[str]:
    """`--ros-args` for rclpy.init: namespace, log level, the params file, then global `-p name:=value` overrides.

    Under a namespace the params file is passed with its bare node keys widened to `/**/NAME`
    (memory_node.params_file_namespacing), so it reaches the nodes there.
    """
    args = ["--ros-args"]
    if namespace:
        args += ["-r", f"__ns:={namespace if namespace.startswith('/') else '/' + namespace}"]
    if log_level:
        args += ["--log-level", log_level]
    if params_file:
        if namespace:
            from memory_node.params_file_namespacing import namespaced_params_file

            params_file = namespaced_params_file(params_file)
        args += ["--params-file", str(params_file)]
    for name, value in (overrides or {}).items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        args += ["-p", f"{name}:={text}"]
    return args


def optional_node_classes(module_name: str) -> list[type]:
    """Rclpy Node classes defined in `module_name`, or [] when that module has not been written."""
    from rclpy.node import Node

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return []
        raise
    return [obj for _, obj in inspect.getmembers(module, inspect.isclass)
            if issubclass(obj, Node) and obj.__module__ == module.__name__]


def _is_lifecycle(node: Any) -> bool:
    from rclpy.lifecycle import Node as LifecycleNode

    return isinstance(node, LifecycleNode)


EXECUTOR_KINDS = ("events", "multi-threaded")


def _new_executor(kind: str, num_threads: int) -> Any:
    from rclpy.executors import MultiThreadedExecutor

    if kind == "events":
        from memory_node.rclpy_executors import single_node_executor

        return single_node_executor()
    return MultiThreadedExecutor(num_threads=num_threads)


@dataclass
class StackProcess:
    """The nodes of one process and the executors spinning them, each executor in a thread of its own.

    With `executor_kind="events"` (the default) the ingest node and the memory server each get an rclpy
    EventsExecutor (callbacks dispatched from C++), so ingestion and queries run on separate threads and
    neither waits behind the other's callbacks; the planner and sim nodes, whose action callbacks block
    for seconds, share a MultiThreadedExecutor. With "multi-threaded" every node shares one
    MultiThreadedExecutor, as in ROS 2 tutorials; its Python dispatch costs about a millisecond per
    callback, which at 30 frames/s of six topics starves the subscriptions (docs/BENCHMARKS.md).
    """

    nodes: list[Any] = field(default_factory=list)
    executors: list[tuple[Any, list[Any]]] = field(default_factory=list)
    stop_event: threading.Event = field(default_factory=threading.Event)
    _spinners: list[threading.Thread] = field(default_factory=list)

    @classmethod
    def create(cls, with_ingest: bool | None = True, with_server: bool = True, with_planner: bool = False,
               with_sim: bool = False, num_threads: int = 4, executor_kind: str = "events") -> StackProcess:
        """Create nodes in an already-initialised rclpy context (None: ingest if the server hosts it)."""
        from memory_node.ingest_node import IngestNode
        from memory_node.memory_server import MemoryServerNode
        from memory_stack.foundation.errors import BadInputError

        if executor_kind not in EXECUTOR_KINDS:
            raise BadInputError(f"executor: {executor_kind!r} is not one of {', '.join(EXECUTOR_KINDS)}")
        memory_nodes: list[Any] = []
        server = None
        if with_server:
            server = MemoryServerNode()
            memory_nodes.append(server)
        if with_ingest is None:
            with_ingest = bool(server is not None and server.host_ingest)
        if with_ingest:
            memory_nodes.insert(0, IngestNode())
        acting_nodes: list[Any] = []
        if with_planner:
            acting_nodes += [c() for c in optional_node_classes("memory_node.planner_server")]
        if with_sim:
            sim_classes = optional_node_classes("memory_node.sim_node")
            if not sim_classes:
                LOG.warning("memory_node/sim_node.py is not available: the scenario is used for its floor plan only")
            acting_nodes += [c() for c in sim_classes]
        if executor_kind == "events":
            groups = [[node] for node in memory_nodes] + ([acting_nodes] if acting_nodes else [])
            kinds = ["events"] * len(memory_nodes) + ["multi-threaded"] * bool(acting_nodes)
        else:
            groups, kinds = [memory_nodes + acting_nodes], ["multi-threaded"]
        executors = []
        for kind, group in zip(kinds, groups):
            executor = _new_executor(kind, num_threads)
            for node in group:
                executor.add_node(node)
            executors.append((executor, group))
        return cls(nodes=memory_nodes + acting_nodes, executors=executors)

    def node(self, cls_name: str) -> Any:
        return next(n for n in self.nodes if type(n).__name__ == cls_name)

    def activate(self) -> None:
        """The process's lifecycle manager: configure + activate every lifecycle node whose `autostart` is true.

        In order (ingest, memory server, then planner, which needs the memory they open); a failed
        transition raises naming the node. Nodes with `autostart:=false` stay unconfigured for an
        outside manager (nav2's lifecycle_manager, `ros2 lifecycle set`) to drive.
        """
        from lifecycle_msgs.msg import State as StateMsg
        from rclpy.lifecycle import TransitionCallbackReturn

        from memory_stack.foundation.errors import BadInputError

        for node in self.nodes:
            if not _is_lifecycle(node) or not getattr(node, "autostart", True):
                continue
            for step in ("configure", "activate"):
                result = getattr(node, f"trigger_{step}")()
                if result != TransitionCallbackReturn.SUCCESS:
                    raise BadInputError(f"node {node.get_name()}: {step} failed (see its log above)")
            assert node._state_machine.current_state[0] == StateMsg.PRIMARY_STATE_ACTIVE

    def spin_in_background(self) -> None:
        """One thread per executor; returns at once."""
        for executor, group in self.executors:
            name = "executor-" + "+".join(node.get_name() for node in group)
            thread = threading.Thread(target=self._spin_executor, args=(executor, group), name=name, daemon=True)
            thread.start()
            self._spinners.append(thread)

    def _spin_executor(self, executor: Any, group: list[Any]) -> None:
        _schedule_executor_thread(executor, group)
        while not self.stop_event.is_set():
            executor.spin_once(timeout_sec=0.1)

    def spin(self) -> None:
        """Spin every executor until `stop_event` is set (by SIGINT/SIGTERM in `run_nodes`)."""
        self.spin_in_background()
        while not self.stop_event.wait(0.2):
            if self.fatal_errors():  # a node in its error state (e.g. ingest_node on a fault it cannot survive)
                self.stop_event.set()

    def fatal_errors(self) -> list[str]:
        return [f"{node.get_name()}: {node.fatal_error}" for node in self.nodes if getattr(node, "fatal_error", "")]

    def shutdown(self) -> None:
        """Deactivate (draining the ingest backlog), clean up and destroy every node."""
        self.stop_event.set()
        for thread in self._spinners:
            thread.join(timeout=10.0)
        self._spinners = []
        for node in reversed(self.nodes):
            if _is_lifecycle(node):
                state = node._state_machine.current_state[1]
                try:
                    if state == "active":
                        node.trigger_deactivate()
                    if node._state_machine.current_state[1] == "inactive":
                        node.trigger_cleanup()
                except Exception as exc:  # keep shutting the others down
                    LOG.error("shutting down %s: %r", node.get_name(), exc)
        for executor, group in self.executors:
            for node in reversed(group):
                executor.remove_node(node)
                node.destroy_node()
            executor.shutdown(timeout_sec=5.0)


def _schedule_executor_thread(executor: Any, group: list[Any]) -> None:
    """Give the calling spinner thread the real-time priority its node asks for (`executor_thread_priority`).

    Only a thread of its own qualifies: one node on a single-threaded executor (the events layout).
    Threads of the multi-threaded layout run ingestion callbacks too and keep normal scheduling.
    """
    from rclpy.executors import MultiThreadedExecutor

    from memory_node.thread_scheduling import request_fifo_priority

    for node in group:
        if not hasattr(node, "executor_thread_priority"):
            continue
        priority = node.executor_thread_priority
        if priority and (len(group) > 1 or isinstance(executor, MultiThreadedExecutor)):
            node.executor_thread_scheduling = "normal (its executor's threads serve other nodes too)"
        else:
            node.executor_thread_scheduling = request_fifo_priority(priority)
        if node.executor_thread_scheduling.startswith("normal ("):
            node.get_logger().warning(f"executor thread: {node.executor_thread_scheduling}")


def node_executable(args: list[str] | None, with_ingest: bool | None, with_server: bool,
                    with_planner: bool = False) -> None:
    """Body of the `ingest_node` / `memory_server` / `planner_server` executables: bad parameters exit 2.

    Before `--ros-args` they take `--executor events|multi-threaded` (see `StackProcess`).
    """
    from rclpy.utilities import remove_ros_args

    from memory_stack.foundation.errors import BadInputError

    argv = list(sys.argv if args is None else args)
    own = argparse.ArgumentParser(prog=Path(argv[0]).name if argv else "memory_stack node")
    own.add_argument("--executor", choices=EXECUTOR_KINDS, default="events")
    options, _unknown = own.parse_known_args(remove_ros_args(argv)[1:])
    try:
        code = run_nodes(argv, with_ingest=with_ingest, with_server=with_server, with_planner=with_planner,
                         executor_kind=options.executor)
    except BadInputError as exc:
        print(f"memory_stack: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    if code:
        raise SystemExit(code)


def run_nodes(args: list[str] | None, with_ingest: bool | None, with_server: bool, with_planner: bool = False,
              with_sim: bool = False, executor_kind: str = "events") -> int:
    """rclpy.init with `args`, host the nodes until SIGINT/SIGTERM or a node's error state, shut down cleanly.

    Returns 0, or 1 when a node ended in its error state (a fault it could not survive).
    """
    import rclpy
    from rclpy.signals import SignalHandlerOptions

    # Queries, subscriptions and the ingest worker share the GIL: hand it over every 1 ms instead of
    # every 5 ms, so a query waits at most about a millisecond behind perception's Python code.
    sys.setswitchinterval(0.001)
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    stack = None
    try:
        stack = StackProcess.create(with_ingest=with_ingest, with_server=with_server, with_planner=with_planner,
                                    with_sim=with_sim, executor_kind=executor_kind)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stack.stop_event.set())
        stack.activate()
        LOG.info("memory_stack nodes up: %s", ", ".join(n.get_name() for n in stack.nodes))
        stack.spin()
        failed = stack.fatal_errors()
        for message in failed:
            print(f"memory_stack: {message}", file=sys.stderr)
    finally:
        if stack is not None:
            stack.shutdown()
        rclpy.try_shutdown()
    return 1 if failed else 0
