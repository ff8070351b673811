"""One process hosting the stack's nodes: the code behind `memstack up` and the node executables.

`StackProcess` creates the nodes from one parameter file (ROS params-file format), puts them on one
MultiThreadedExecutor (ingestion and queries are in separate callback groups, see
`memory_node.shared_store`), configures and activates the lifecycle nodes, spins until SIGINT or
SIGTERM, then deactivates (the ingest backlog is drained), cleans up and shuts down.
"""

from __future__ import annotations

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


def ros_arguments(params_file: str | Path | None = None, overrides: dict[str, Any] | None = None) -> list[str]:
    """`--ros-args` for rclpy.init: the params file, then global `-p name:=value` overrides."""
    args = ["--ros-args"]
    if params_file:
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


@dataclass
class StackProcess:
    """The nodes of one process and the executor spinning them."""

    nodes: list[Any] = field(default_factory=list)
    executor: Any = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    _spinner: threading.Thread | None = None

    @classmethod
    def create(cls, with_ingest: bool | None = True, with_server: bool = True, with_planner: bool = False,
               with_sim: bool = False, num_threads: int = 4) -> StackProcess:
        """Create nodes in an already-initialised rclpy context (None: ingest if the server hosts it)."""
        from rclpy.executors import MultiThreadedExecutor

        from memory_node.ingest_node import IngestNode
        from memory_node.memory_server import MemoryServerNode

        nodes: list[Any] = []
        server = None
        if with_server:
            server = MemoryServerNode()
            nodes.append(server)
        if with_ingest is None:
            with_ingest = bool(server is not None and server.host_ingest)
        if with_ingest:
            nodes.insert(0, IngestNode())
        if with_planner:
            nodes += [c() for c in optional_node_classes("memory_node.planner_server")]
        if with_sim:
            sim_classes = optional_node_classes("sim.ros_bridge")
            if not sim_classes:
                LOG.warning("sim/ros_bridge.py is not available: the scenario is used for its floor plan only")
            nodes += [c() for c in sim_classes]
        executor = MultiThreadedExecutor(num_threads=num_threads)
        for node in nodes:
            executor.add_node(node)
        return cls(nodes=nodes, executor=executor)

    def node(self, cls_name: str) -> Any:
        return next(n for n in self.nodes if type(n).__name__ == cls_name)

    def activate(self) -> None:
        """Configure + activate every lifecycle node; a failed transition raises naming the node."""
        from lifecycle_msgs.msg import State as StateMsg
        from rclpy.lifecycle import TransitionCallbackReturn

        from memory_stack.errors import BadInputError

        for node in self.nodes:
            if not _is_lifecycle(node):
                continue
            for step in ("configure", "activate"):
                result = getattr(node, f"trigger_{step}")()
                if result != TransitionCallbackReturn.SUCCESS:
                    raise BadInputError(f"node {node.get_name()}: {step} failed (see its log above)")
            assert node._state_machine.current_state[0] == StateMsg.PRIMARY_STATE_ACTIVE

    def spin_in_background(self) -> None:
        self._spinner = threading.Thread(target=self.spin, name="stack-executor", daemon=True)
        self._spinner.start()

    def spin(self) -> None:
        while not self.stop_event.is_set():
            self.executor.spin_once(timeout_sec=0.1)

    def shutdown(self) -> None:
        """Deactivate (draining the ingest backlog), clean up and destroy every node."""
        from rclpy.lifecycle import TransitionCallbackReturn  # noqa: F401

        self.stop_event.set()
        if self._spinner is not None:
            self._spinner.join(timeout=10.0)
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
        for node in reversed(self.nodes):
            self.executor.remove_node(node)
            node.destroy_node()
        self.executor.shutdown(timeout_sec=5.0)


def node_executable(args: list[str] | None, with_ingest: bool | None, with_server: bool) -> None:
    """Body of the `ingest_node` / `memory_server` executables: bad parameters exit 2 with the reason."""
    from memory_stack.errors import BadInputError

    try:
        run_nodes(args, with_ingest=with_ingest, with_server=with_server)
    except BadInputError as exc:
        print(f"memory_stack: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def run_nodes(args: list[str] | None, with_ingest: bool | None, with_server: bool, with_planner: bool = False,
              with_sim: bool = False) -> int:
    """rclpy.init with `args`, host the nodes until SIGINT/SIGTERM, shut down cleanly. Returns 0."""
    import rclpy
    from rclpy.signals import SignalHandlerOptions

    # Queries, subscriptions and the ingest worker share the GIL: hand it over every 1 ms instead of
    # every 5 ms, so a query waits at most about a millisecond behind perception's Python code.
    sys.setswitchinterval(0.001)
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    stack = None
    try:
        stack = StackProcess.create(with_ingest=with_ingest, with_server=with_server, with_planner=with_planner,
                                    with_sim=with_sim)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stack.stop_event.set())
        stack.activate()
        LOG.info("memory_stack nodes up: %s", ", ".join(n.get_name() for n in stack.nodes))
        stack.spin()
    finally:
        if stack is not None:
            stack.shutdown()
        rclpy.try_shutdown()
    return 0
