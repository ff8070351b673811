"""Start the ROS 2 nodes in one process (same nodes and parameters as launch/memory_stack.launch.py).

Hosts ingest_node and memory_server (and planner_server when memory_node/planner_server.py exists, and
the PyBullet sim bridged onto ROS as sim_node when a scenario is given and memory_node/sim_node.py exists)
on executors of their own (`--executor`, see memory_node.node_process.StackProcess), configures and
activates the lifecycle nodes whose `autostart` is true (the process's small lifecycle manager;
`--no-autostart` leaves them to nav2's lifecycle_manager or `ros2 lifecycle set`), and runs until
SIGINT or SIGTERM, then shuts down cleanly (frames already received are written first).
Parameters come from config/memory_stack.yaml (or --params), in ROS params-file format; `--config`
names the StackConfig the nodes build their parts from (their `config_file` parameter).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from memory_stack.foundation.errors import BadInputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", nargs="?", help="scenario YAML: also bridge the PyBullet sim onto ROS "
                                                    "(its rooms and doors are the memory's map unless --floor-plan)")
    parser.add_argument("--floor-plan", metavar="FILE",
                        help="the robot's map: a floor-plan file (scene_graph.floor_plan_file; overrides "
                             "floor_plan_file of the parameter file and the scenario's rooms)")
    parser.add_argument("--params", help="node parameter YAML (default: config/memory_stack.yaml)")
    parser.add_argument("--db", help="SQLite memory file (overrides db_path of the parameter file)")
    parser.add_argument("--no-planner", action="store_true", help="do not start planner_server")
    parser.add_argument("--namespace", default="", help="run every node under this ROS namespace (one robot of "
                                                        "several on a DDS domain); the parameter file applies there")
    parser.add_argument("--no-autostart", action="store_true",
                        help="leave the lifecycle nodes unconfigured for a lifecycle manager (autostart:=false)")
    parser.add_argument("--log-level", default="", choices=("", "debug", "info", "warn", "error", "fatal"),
                        help="ROS log level of the nodes")
    parser.add_argument("--executor", choices=("events", "multi-threaded"), default="events",
                        help="events: ingest and memory server on rclpy EventsExecutors of their own (default); "
                             "multi-threaded: every node on one rclpy MultiThreadedExecutor")


def _checked_params_file(path: str | None) -> Path:
    from memory_stack.foundation.package_paths import default_params_file
    from memory_stack.foundation.typed_config import load_yaml_file

    params = Path(path) if path else default_params_file()
    content = load_yaml_file(params)
    if not isinstance(content, dict) or not all(
            isinstance(section, dict) and isinstance(section.get("ros__parameters"), dict)
            for section in content.values()):
        raise BadInputError(f"{params}: not a ROS parameter file (expected `node_name: ros__parameters: ...`)")
    return params


def resumed_start_time(db_path: Path) -> str | None:
    """Where the simulator's clock resumes on an existing memory kept on it: the minute after its last frame.

    A restarted `memstack up SCENARIO --db M` then continues M (its new frames are newer than what M
    holds) instead of replaying the scenario's first day, whose frames M would refuse as older.
    """
    import math

    from memory_stack.foundation.time_format import format_time
    from scene_graph.store import MemoryStore

    if not db_path.is_file():
        return None
    with MemoryStore.open(db_path) as store:
        if store.last_frame_id < 0 or store.time_epoch != 0.0:  # empty, or not on the simulator's clock
            return None
        return format_time((math.floor(store.now / 60.0) + 1) * 60.0)


def run(args: argparse.Namespace) -> int:
    from memory_node.ros_environment import RosEnvironmentError, require_ros

    params = _checked_params_file(args.params)
    overrides: dict[str, object] = {}
    if args.db:
        overrides["db_path"] = str(Path(args.db).resolve())
    if args.no_autostart:
        overrides["autostart"] = False
    if args.scenario:
        from sim.scenario import load_scenario

        scenario_path = Path(args.scenario).resolve()
        load_scenario(scenario_path)  # bad scenarios fail here, naming file and field (exit 2)
        overrides["floor_plan_file"] = str(scenario_path)
        overrides["scenario"] = str(scenario_path)
        resume = resumed_start_time(Path(args.db)) if args.db else None
        if resume is not None:
            overrides["start_time"] = resume
    if args.floor_plan:
        from scene_graph.floor_plan_file import load_floor_plan_file

        floor_plan_path = Path(args.floor_plan).resolve()
        load_floor_plan_file(floor_plan_path)  # a bad map fails here, naming file and field (exit 2)
        overrides["floor_plan_file"] = str(floor_plan_path)
    if args.config:
        from memory_stack.composition.stack_config import load_stack_config

        config_path = Path(args.config).resolve()
        load_stack_config(config_path)  # a bad StackConfig fails here, naming file and field (exit 2)
        overrides["config_file"] = str(config_path)
    try:
        require_ros()
    except RosEnvironmentError as exc:
        raise BadInputError(str(exc)) from exc
    from memory_node.node_process import ros_arguments, run_nodes

    ros_args = ros_arguments(params, overrides, namespace=args.namespace, log_level=args.log_level)
    return run_nodes(ros_args, with_ingest=True, with_server=True,
                     with_planner=not args.no_planner, with_sim=bool(args.scenario),
                     executor_kind=args.executor)
