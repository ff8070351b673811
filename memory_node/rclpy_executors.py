"""The executor for one node on a thread of its own, on every supported ROS 2 distribution."""

from __future__ import annotations

from typing import Any


def single_node_executor(context: Any = None) -> Any:
    """Rclpy's EventsExecutor where it exists (Kilted: callbacks dispatched from C++), else SingleThreadedExecutor.

    Jazzy's rclpy (7.1) has no `rclpy.experimental`; both executors exist on both distributions'
    `rclpy.executors`, so the layout is the same, only the dispatch cost differs.
    """
    try:
        from rclpy.experimental import EventsExecutor
    except ImportError:
        from rclpy.executors import SingleThreadedExecutor

        return SingleThreadedExecutor(context=context)
    return EventsExecutor(context=context)
