"""Launch files are checked statically here (no `launch` on PyPI) and for real where ROS is installed.

Static checks: the launch files take their nodes from memory_node.launch_plan; every node of every
plan is an executable pyproject.toml declares, and the packaged parameter file holds only parameters
the nodes really declare (found by constructing the node classes with rclpy). The plans' nodes are
started as processes in tests/memory_node/test_launch_plan_processes.py.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[2]
LAUNCH_FILES = sorted((ROOT / "launch").glob("*.launch.py"))


def declared_executables() -> dict[str, str]:
    """The ROS node executables: pyproject.toml's scripts but the `memstack` CLI."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    return {name: target for name, target in scripts.items() if name != "memstack"}


def plans() -> dict[str, list]:
    """The nodes of every combination of the launch arguments that change which nodes start."""
    from memory_node.launch_plan import plan_nodes

    combos = {}
    for separate in ("false", "true"):
        for use_sim in ("false", "true"):
            for namespace in ("", "robot1"):
                key = f"separate_ingest={separate} use_sim={use_sim} namespace={namespace!r}"
                combos[key] = plan_nodes({"separate_ingest": separate, "use_sim": use_sim, "namespace": namespace,
                                          "scenario": "s.yaml" if use_sim == "true" else ""})
    return combos


def node_classes(entry_point: str) -> list[type]:
    from rclpy.node import Node

    module = importlib.import_module(entry_point.split(":")[0])
    return [obj for _, obj in inspect.getmembers(module, inspect.isclass)
            if issubclass(obj, Node) and obj.__module__ == module.__name__]


def test_there_are_launch_files():
    assert [p.name for p in LAUNCH_FILES], "launch/ holds no *.launch.py"
    assert (ROOT / "launch" / "memory_stack.launch.py").is_file()


@pytest.mark.parametrize("path", LAUNCH_FILES, ids=lambda p: p.name)
def test_launch_file_is_valid_python_and_defines_generate_launch_description(path):
    tree = ast.parse(path.read_text())
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert "generate_launch_description" in functions


def test_launch_files_declare_the_integrator_arguments():
    from memory_node.launch_plan import LAUNCH_ARGUMENTS

    assert {"namespace", "use_sim_time", "params_file", "autostart", "log_level"} <= set(LAUNCH_ARGUMENTS)
    text = (ROOT / "launch" / "memory_stack.launch.py").read_text()
    assert "LAUNCH_ARGUMENTS" in text and "plan_nodes" in text and "namespace=values[\"namespace\"]" in text


def test_the_plan_starts_the_right_nodes_with_declared_executables():
    executables = declared_executables()
    for key, nodes in plans().items():
        names = [n.executable for n in nodes]
        assert set(names) <= set(executables), key
        assert ("ingest_node" in names) == ("separate_ingest=true" in key), key
        assert ("sim_node" in names) == ("use_sim=true" in key), key
        server = next(n for n in nodes if n.executable == "memory_server")
        host = {k: v for p in server.parameters if isinstance(p, dict) for k, v in p.items()}["host_ingest"]
        assert host == ("separate_ingest=false" in key), key


def test_the_plan_passes_a_params_file_that_applies_under_any_namespace():
    from memory_node.launch_plan import plan_nodes

    server = plan_nodes({"namespace": "robot1", "db_path": "/var/lib/r1.db", "autostart": "false"})[0]
    params_file = Path(server.parameters[0])
    content = yaml.safe_load(params_file.read_text())
    assert "/**/memory_server" in content and "memory_server" not in content
    extra = {k: v for p in server.parameters[1:] for k, v in p.items()}
    assert extra["db_path"] == "/var/lib/r1.db" and extra["autostart"] is False and extra["use_sim_time"] is False


def test_parameter_files_hold_only_declared_parameters(ros_domain):
    import rclpy

    from memory_stack.foundation.package_paths import default_params_file

    executables = declared_executables()
    rclpy.init()
    try:
        declared: dict[str, set[str]] = {}
        launched = {n.executable for nodes in plans().values() for n in nodes}
        for executable in sorted(launched):
            for cls in node_classes(executables[executable]):
                instance = cls()
                try:
                    declared.setdefault(instance.get_name(), set()).update(instance._parameters)
                finally:
                    instance.destroy_node()
        content = yaml.safe_load(default_params_file().read_text())
        for node_name, section in content.items():
            assert node_name in declared, f"memory_stack.yaml: {node_name!r} is not a launched node"
            unknown = set(section["ros__parameters"]) - declared[node_name]
            assert not unknown, f"memory_stack.yaml: {node_name} does not declare {sorted(unknown)}"
    finally:
        rclpy.shutdown()


def test_launch_descriptions_load_with_real_launch_ros():
    launch = pytest.importorskip(
        "launch_ros", reason="launch_ros is not installed (not on PyPI); the static checks above stand in for it"
    )
    from launch.launch_description_sources import get_launch_description_from_python_launch_file

    assert launch is not None
    for path in LAUNCH_FILES:
        description = get_launch_description_from_python_launch_file(str(path))
        assert description.entities
