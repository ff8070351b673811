"""Launch files are checked statically here (no `launch` on PyPI) and for real where ROS is installed.

Static checks: every Node a launch file starts names an executable that pyproject.toml declares, every
parameters file it loads exists, and each file holds only parameters the nodes really declare
(found by constructing the node classes with rclpy).
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


def launched_nodes(path: Path) -> list[dict[str, str]]:
    """Keyword constants of every `...Node(...)` call in a launch file."""
    found = []
    for call in ast.walk(ast.parse(path.read_text())):
        if not isinstance(call, ast.Call):
            continue
        name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
        if not name.endswith("Node"):
            continue
        kwargs = {k.arg: k.value.value for k in call.keywords
                  if k.arg and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)}
        if "executable" in kwargs:
            found.append(kwargs)
    return found


def parameter_files(path: Path) -> list[Path]:
    names = {c.value for c in ast.walk(ast.parse(path.read_text()))
             if isinstance(c, ast.Constant) and isinstance(c.value, str) and c.value.endswith((".yaml", ".yml"))}
    files = []
    for name in names:
        candidates = [ROOT / "config" / Path(name).name, ROOT / name]
        existing = [c for c in candidates if c.is_file()]
        assert existing, f"{path.name}: parameters file {name!r} does not exist under config/"
        files.append(existing[0])
    return files


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


@pytest.mark.parametrize("path", LAUNCH_FILES, ids=lambda p: p.name)
def test_every_launched_executable_is_declared_in_pyproject(path):
    executables = declared_executables()
    nodes = launched_nodes(path)
    assert nodes, f"{path.name} starts no Node"
    for node in nodes:
        if node.get("package", "memory_stack") != "memory_stack":
            continue
        assert node["executable"] in executables, f"{path.name}: {node['executable']!r} not in pyproject.toml"


@pytest.mark.parametrize("path", LAUNCH_FILES, ids=lambda p: p.name)
def test_parameter_files_hold_only_declared_parameters(path, ros_domain):
    import rclpy

    executables = declared_executables()
    files = parameter_files(path)
    assert files, f"{path.name} loads no parameters file"
    rclpy.init()
    try:
        declared: dict[str, set[str]] = {}
        for node in launched_nodes(path):
            if node["executable"] not in executables:
                continue
            for cls in node_classes(executables[node["executable"]]):
                instance = cls()
                try:
                    declared.setdefault(instance.get_name(), set()).update(instance._parameters)
                finally:
                    instance.destroy_node()
        for params_file in files:
            content = yaml.safe_load(params_file.read_text())
            for node_name, section in content.items():
                assert node_name in declared, f"{params_file.name}: {node_name!r} is not a node of {path.name}"
                unknown = set(section["ros__parameters"]) - declared[node_name]
                assert not unknown, f"{params_file.name}: {node_name} does not declare {sorted(unknown)}"
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
