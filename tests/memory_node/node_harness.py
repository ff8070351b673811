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


def plan_command(spec: Any, namespace: str = "") -> list[str]:
    """The command line launch_ros builds for one `memory_node.launch_plan.NodeLaunch` (dict parameters as -p)."""
    import sys

    import tomllib

    root = Path(__file__).resolve().parents[2]
    target = tomllib.loads((root / "pyproject.toml").read_text())["project"]["scripts"][spec.executable]
    command = [sys.executable, "-m", target.split(":")[0], *spec.arguments, "--ros-args", "-r", f"__node:={spec.name}"]
    if namespace:
        command += ["-r", f"__ns:=/{namespace.strip('/')}"]
    for parameters in spec.parameters:
        if isinstance(parameters, dict):
            for name, value in parameters.items():
                text = ("true" if value else "false") if isinstance(value, bool) else str(value)
                command += ["-p", f"{name}:={text}"]
        else:
            command += ["--params-file", str(parameters)]
    for source, target_topic in spec.remappings:
        command += ["-r", f"{source}:={target_topic}"]
    return command


class LifecycleClient:
    """Another process's view of a node: its lifecycle and parameter services, called over DDS."""

    TRANSITIONS = {"configure": 1, "cleanup": 2, "activate": 3, "deactivate": 4}

    def __init__(self, node: Any, fqn: str) -> None:
        self.node, self.fqn = node, fqn

    def state(self) -> str:
        from lifecycle_msgs.srv import GetState

        return call_service(self.node, GetState, f"{self.fqn}/get_state", GetState.Request(), 30.0).current_state.label

    def transition(self, name: str, timeout_s: float = 60.0) -> bool:
        from lifecycle_msgs.msg import Transition
        from lifecycle_msgs.srv import ChangeState

        request = ChangeState.Request(transition=Transition(id=self.TRANSITIONS[name]))
        return call_service(self.node, ChangeState, f"{self.fqn}/change_state", request, timeout_s).success

    def list_parameters(self) -> list[str]:
        from rcl_interfaces.srv import ListParameters

        return list(call_service(self.node, ListParameters, f"{self.fqn}/list_parameters",
                                 ListParameters.Request()).result.names)

    def get(self, name: str) -> Any:
        from rcl_interfaces.srv import GetParameters
        from rclpy.parameter import parameter_value_to_python

        values = call_service(self.node, GetParameters, f"{self.fqn}/get_parameters",
                              GetParameters.Request(names=[name])).values
        return parameter_value_to_python(values[0])

    def set(self, name: str, value: Any) -> Any:
        """The SetParametersResult (successful, reason) of one change."""
        from rcl_interfaces.srv import SetParameters
        from rclpy.parameter import Parameter

        request = SetParameters.Request(parameters=[Parameter(name, value=value).to_parameter_msg()])
        return call_service(self.node, SetParameters, f"{self.fqn}/set_parameters", request).results[0]


def activated(node: Any) -> Any:
    """A lifecycle node configured and activated in this process (what its executable does with autostart)."""
    from rclpy.lifecycle import TransitionCallbackReturn

    for step in ("configure", "activate"):
        assert getattr(node, f"trigger_{step}")() == TransitionCallbackReturn.SUCCESS, f"{node.get_name()}: {step}"
    return node
