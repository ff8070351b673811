"""Declaring ROS parameters with a description and, for numbers, a range (`ros2 param describe`).

A parameter is read-only unless declared `dynamic`: a `ros2 param set` of a read-only one is refused
("parameter is read-only"), never accepted and ignored. The values of dynamic parameters are kept
on the node's attribute of the same name by `follow_dynamic_parameters`, which every node calls
after declaring them, so a change takes effect at the next use (the node reads the attribute there).
"""

from __future__ import annotations

from typing import Any

from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor

from memory_stack.foundation.errors import BadInputError

_DYNAMIC = "_memory_stack_dynamic_parameters"  # node attribute: name -> allowed choices (empty: any value)


def declare(node: Any, name: str, default: Any, description: str,
            value_range: tuple[float, float] | None = None, choices: tuple[str, ...] = (),
            dynamic: bool = False) -> Any:
    """Declare `name` on `node` and return its value (from the params file, or `default`)."""
    descriptor = ParameterDescriptor(name=name, description=description, read_only=not dynamic)
    if choices:
        descriptor.additional_constraints = f"one of: {', '.join(choices)}"
    if value_range is not None:
        low, high = value_range
        if isinstance(default, bool):
            raise TypeError(f"{name}: a boolean parameter has no range")
        if isinstance(default, int):
            descriptor.integer_range = [IntegerRange(from_value=int(low), to_value=int(high), step=0)]
        else:
            descriptor.floating_point_range = [
                FloatingPointRange(from_value=float(low), to_value=float(high), step=0.0)]
    from rclpy.exceptions import InvalidParameterTypeException, InvalidParameterValueException

    try:
        value = node.declare_parameter(name, default, descriptor).value
    except (InvalidParameterValueException, InvalidParameterTypeException) as exc:
        raise BadInputError(f"node {node.get_name()}: parameter {name!r}: {exc}") from exc
    if choices and value not in choices:
        raise BadInputError(f"node {node.get_name()}: parameter {name!r} = {value!r} is not one of {list(choices)}")
    if dynamic:
        if not hasattr(node, _DYNAMIC):
            setattr(node, _DYNAMIC, {})
        getattr(node, _DYNAMIC)[name] = tuple(choices)
    return value


def declare_autostart(node: Any) -> bool:
    """`autostart`: the process hosting the node configures and activates it (false: a lifecycle manager does)."""
    return declare(node, "autostart", True,
                   "configure and activate at start (as nav2's lifecycle manager autostart); false: stay "
                   "unconfigured until a lifecycle manager (or `ros2 lifecycle set`) drives the node")


def follow_dynamic_parameters(node: Any) -> None:
    """Check and apply run-time changes of `node`'s dynamic parameters to its attributes of the same name.

    Ranges and read-only are checked by rclpy before this runs; here a value outside `choices` is
    refused with the reason, and an accepted one is stored on the node.
    """
    from rcl_interfaces.msg import SetParametersResult

    dynamic: dict[str, tuple[str, ...]] = getattr(node, _DYNAMIC, {})

    def on_set(parameters: list[Any]) -> Any:
        for parameter in parameters:
            choices = dynamic.get(parameter.name, ())
            if choices and parameter.value not in choices:
                reason = f"{parameter.name}: {parameter.value!r} is not one of {list(choices)}"
                return SetParametersResult(successful=False, reason=reason)
        for parameter in parameters:
            if parameter.name in dynamic:
                setattr(node, parameter.name, parameter.value)
        return SetParametersResult(successful=True)

    node.add_on_set_parameters_callback(on_set)


def parameters_applied(node: Any) -> bool:
    """Whether any parameter of a params file or `-p` override was addressed to this node (by name or wildcard)."""
    return bool(getattr(node, "_parameter_overrides", {}))


def require_parameters_under_namespace(node: Any) -> None:
    """A node in a namespace that received no parameters would quietly run on defaults (./memory.db): refuse.

    The packaged params file uses `/**/NODE:` keys, which match under every namespace; a file keyed
    by bare node names (`memory_server:`) applies only in the root namespace.
    """
    if node.get_namespace() in ("", "/") or parameters_applied(node):
        return
    raise BadInputError(
        f"node {node.get_fully_qualified_name()}: no parameters were given to it under namespace "
        f"{node.get_namespace()!r} (a params file keyed by the bare node name applies only in the root namespace: "
        f"key it '/**/{node.get_name()}:' or '/**:'); refusing to run on defaults such as db_path=memory.db")
