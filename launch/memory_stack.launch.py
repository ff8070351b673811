"""Launch the memory stack on a robot with a full ROS 2 install (`ros2 launch memory_stack memory_stack.launch.py`).

Starts (memory_node.launch_plan decides which nodes with which parameters; `ros2 launch ... -s`
lists the arguments):
- `memory_server`: the memory services, markers and diagnostics. By default this one process also
  hosts `ingest_node`; with `separate_ingest:=true` ingest_node runs as its own process and the
  server reads the file it writes.
- `planner_server`: the AnswerQuestion / ExecuteTask action servers.
- `sim_node` (only with `use_sim:=true`): the PyBullet household of `scenario` bridged onto ROS.

Several robots on one DDS domain: `namespace:=robot1` (the parameter file's bare node keys are widened
to `/**/NAME`, so they apply there). `autostart:=false` leaves the lifecycle nodes unconfigured for
nav2's lifecycle_manager (node_names: memory_server, planner_server[, ingest_node]).
Remap the inputs to your drivers, e.g. rgb_topic:=/camera/color/image_raw pose_topic:=/odom.
"""

from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from launch import LaunchDescription
from memory_node.launch_plan import LAUNCH_ARGUMENTS, plan_nodes


def nodes(context):
    values = {name: LaunchConfiguration(name).perform(context) for name in LAUNCH_ARGUMENTS}
    return [Node(package="memory_stack", executable=spec.executable, name=spec.name, namespace=values["namespace"],
                 output="screen", arguments=spec.arguments, parameters=spec.parameters, remappings=spec.remappings,
                 ros_arguments=["--log-level", values["log_level"]])
            for spec in plan_nodes(values)]


def generate_launch_description(defaults=None):
    """`defaults`: other default values of the launch arguments (sim.launch.py's)."""
    defaults = defaults or {}
    arguments = [DeclareLaunchArgument(name, default_value=defaults.get(name, default), description=description)
                 for name, (default, description) in LAUNCH_ARGUMENTS.items()]
    return LaunchDescription(arguments + [OpaqueFunction(function=nodes)])
