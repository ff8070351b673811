"""Declaring ROS parameters with a description and, for numbers, a range (`ros2 param describe`)."""

from __future__ import annotations

from typing import Any

from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor

from memory_stack.foundation.errors import BadInputError


def declare(node: Any, name: str, default: Any, description: str,
            value_range: tuple[float, float] | None = None, choices: tuple[str, ...] = ()) -> Any:
    """Declare `name` on `node` and return its value (from the params file, or `default`)."""
    descriptor = ParameterDescriptor(name=name, description=description)
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
    return value
