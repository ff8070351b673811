"""What the launch files start, as plain data: which nodes, with which parameters, remappings and arguments.

`launch/memory_stack.launch.py` and `launch/sim.launch.py` declare `LAUNCH_ARGUMENTS` and turn each
`NodeLaunch` of `plan_nodes` into a launch_ros `Node` (namespace and log level applied to all of
them). Keeping the decisions here lets the tests start the very same nodes as processes on machines
without `launch` (not on PyPI), and check every combination of the arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# remappable inputs: launch argument -> the topic name the ingest node subscribes to
INPUTS = {
    "rgb_topic": "camera/color/image_raw",
    "depth_topic": "camera/depth/image_raw",
    "camera_info_topic": "camera/color/camera_info",
    "detections_topic": "detections",
    "pose_topic": "odom",
    "camera_pose_topic": "camera/pose",
    "map_to_odom_topic": "map_to_odom",
}

# name -> (default, description); "" params_file = the packaged config/memory_stack.yaml
LAUNCH_ARGUMENTS: dict[str, tuple[str, str]] = {
    "namespace": ("", "ROS namespace of every node (one robot of several on a DDS domain)"),
    "use_sim_time": ("false", "nodes take time from /clock"),
    "params_file": ("", "node parameters (ROS params-file format; bare node keys apply under the namespace too); "
                        "'' = the packaged config/memory_stack.yaml"),
    "autostart": ("true", "the nodes configure and activate themselves; false = a lifecycle manager drives them"),
    "log_level": ("info", "ROS log level of the nodes"),
    "db_path": ("", "SQLite memory file ('' = db_path of params_file)"),
    "scenario": ("", "scenario YAML: its rooms/doors are the prior map; with use_sim, the simulated world"),
    "floor_plan": ("", "the robot's map: a floor-plan file or a scenario YAML's rooms/doors ('' = scenario)"),
    "use_sim": ("false", "start the PyBullet sim_node for `scenario`"),
    "robot": ("", "planner_server skills: none | ros ('' = robot of params_file)"),
    "executor": ("events", "events or multi-threaded: see memory_node.node_process"),
    "separate_ingest": ("false", "run ingest_node as its own process (memory_server then only reads the file)"),
} | {name: (default, f"remap the {default} input") for name, default in INPUTS.items()}


@dataclass(frozen=True)
class NodeLaunch:
    """One node of the plan: launch_ros `Node(executable=..., name=..., arguments=..., parameters=..., ...)`."""

    executable: str
    name: str
    parameters: list[Any] = field(default_factory=list)  # a params file path, then dicts
    arguments: list[str] = field(default_factory=list)  # before --ros-args
    remappings: list[tuple[str, str]] = field(default_factory=list)


def _flag(text: str) -> bool:
    return str(text).strip().lower() in ("true", "1", "yes", "on")


def launch_values(given: dict[str, str]) -> dict[str, str]:
    """Every launch argument's value: `given` over the defaults (unknown names are refused)."""
    from memory_stack.foundation.errors import BadInputError

    unknown = sorted(set(given) - set(LAUNCH_ARGUMENTS))
    if unknown:
        raise BadInputError(f"launch arguments: unknown {unknown} (known: {sorted(LAUNCH_ARGUMENTS)})")
    return {name: str(given.get(name, default)) for name, (default, _) in LAUNCH_ARGUMENTS.items()}


def plan_nodes(given: dict[str, str]) -> list[NodeLaunch]:
    """The nodes the launch files start for these launch-argument values."""
    from memory_node.params_file_namespacing import namespaced_params_file
    from memory_stack.foundation.package_paths import default_params_file

    values = launch_values(given)
    params = str(namespaced_params_file(values["params_file"] or default_params_file()))
    common = {"use_sim_time": _flag(values["use_sim_time"])}
    lifecycle = {**common, "autostart": _flag(values["autostart"])}
    shared: dict[str, Any] = {}
    if values["db_path"]:
        shared["db_path"] = values["db_path"]
    floor_plan = values["floor_plan"] or values["scenario"]
    if floor_plan:
        shared["floor_plan_file"] = floor_plan
    remappings = [(default, values[name]) for name, default in INPUTS.items() if values[name] != default]
    separate = _flag(values["separate_ingest"])
    executor = ["--executor", values["executor"]]
    nodes = [NodeLaunch("memory_server", "memory_server", [params, shared, lifecycle, {"host_ingest": not separate}],
                        executor, remappings)]
    if separate:
        nodes.append(NodeLaunch("ingest_node", "ingest_node", [params, shared, lifecycle], executor, remappings))
    planner = {"robot": values["robot"]} if values["robot"] else {}
    nodes.append(NodeLaunch("planner_server", "planner_server", [params, shared, lifecycle, planner]))
    if _flag(values["use_sim"]):
        nodes.append(NodeLaunch("sim_node", "sim_node", [params, lifecycle, {"scenario": values["scenario"]}]))
    return nodes
