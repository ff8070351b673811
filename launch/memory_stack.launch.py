"""Launch the memory stack on a robot with a full ROS 2 install (`ros2 launch memory_stack memory_stack.launch.py`).

Starts, from config/memory_stack.yaml (the file `memstack up` uses too):
- `memory_server`: the memory services, markers and diagnostics. By default this one process also
  hosts `ingest_node` (one SQLite writer, ingestion and queries on separate EventsExecutor threads;
  `executor:=multi-threaded` for one MultiThreadedExecutor); with `separate_ingest:=true` ingest_node
  runs as its own process and the server reads the file it writes (answers lag by up to `refresh_period_s`).
- `planner_server`: the AnswerQuestion / ExecuteTask action servers.
- `sim_node` (only with `use_sim:=true`): the PyBullet household of `scenario` bridged onto ROS.
The memory's map is `floor_plan:=FILE` (rooms and doors; `python -m sim.scenario_check SCENARIO
--floor-plan-out FILE` writes one from a scenario), else the rooms and doors of `scenario`.
The memory nodes configure and activate themselves at start (like nav2's `autostart: true`); they
remain lifecycle nodes (`ros2 lifecycle set /memory_server deactivate`).

Remap the inputs to your drivers with the launch arguments (defaults are the names the nodes use):
  rgb_topic:=/camera/color/image_raw  depth_topic:=/camera/aligned_depth_to_color/image_raw
  camera_info_topic:=/camera/color/camera_info  detections_topic:=/segmenter/detections
  pose_topic:=/odom  camera_pose_topic:=/camera/optical_pose
"""

from launch.actions import DeclareLaunchArgument
from launch.conditions import IfCondition
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution, PythonExpression
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

from launch import LaunchDescription

INPUTS = {
    "rgb_topic": "camera/color/image_raw",
    "depth_topic": "camera/depth/image_raw",
    "camera_info_topic": "camera/color/camera_info",
    "detections_topic": "detections",
    "pose_topic": "odom",
    "camera_pose_topic": "camera/pose",
}


def generate_launch_description():
    params_file = LaunchConfiguration("params_file")
    scenario = LaunchConfiguration("scenario")
    separate_ingest = LaunchConfiguration("separate_ingest")
    remappings = [(default, LaunchConfiguration(name)) for name, default in INPUTS.items()]
    shared = {"db_path": LaunchConfiguration("db_path"), "floor_plan_file": LaunchConfiguration("floor_plan")}

    arguments = [
        DeclareLaunchArgument("params_file", default_value=PathJoinSubstitution(
            [FindPackageShare("memory_stack"), "config", "memory_stack.yaml"]),
            description="node parameters (ROS params-file format)"),
        DeclareLaunchArgument("db_path", default_value="memory.db", description="SQLite memory file"),
        DeclareLaunchArgument("scenario", default_value="",
                              description="scenario YAML: its rooms/doors are the prior map; with use_sim, the world"),
        DeclareLaunchArgument("floor_plan", default_value=scenario,
                              description="the robot's map: a floor-plan file (scene_graph.floor_plan_file) or a "
                                          "scenario YAML's rooms/doors (default: `scenario`)"),
        DeclareLaunchArgument("use_sim", default_value="false",
                              description="start the PyBullet sim_node for `scenario`"),
        DeclareLaunchArgument("executor", default_value="events",
                              description="events (default) or multi-threaded: see memory_node.node_process"),
        DeclareLaunchArgument("separate_ingest", default_value="false",
                              description="run ingest_node as its own process (the server then only reads)"),
    ] + [DeclareLaunchArgument(name, default_value=default, description=f"remap the {default} input")
         for name, default in INPUTS.items()]

    memory_server = Node(
        package="memory_stack", executable="memory_server", output="screen",
        arguments=["--executor", LaunchConfiguration("executor")], parameters=[params_file, shared,
                    {"host_ingest": PythonExpression(["'", separate_ingest, "'.lower() != 'true'"])}],
        remappings=remappings)
    ingest_node = Node(
        package="memory_stack", executable="ingest_node", name="ingest_node", output="screen",
        arguments=["--executor", LaunchConfiguration("executor")], parameters=[params_file, shared],
        remappings=remappings, condition=IfCondition(separate_ingest))
    planner_server = Node(
        package="memory_stack", executable="planner_server", name="planner_server", output="screen",
        parameters=[params_file, shared])
    sim_node = Node(
        package="memory_stack", executable="sim_node", name="sim_node", output="screen",
        parameters=[params_file, {"scenario": scenario}], condition=IfCondition(LaunchConfiguration("use_sim")))
    return LaunchDescription(arguments + [memory_server, ingest_node, planner_server, sim_node])
