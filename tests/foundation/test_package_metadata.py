"""The package is a valid ament_python package and its metadata agree with the tree."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from catkin_pkg.package import parse_package

ROOT = Path(__file__).resolve().parents[2]


def setup_py_console_scripts() -> dict[str, str]:
    tree = ast.parse((ROOT / "setup.py").read_text())
    nodes: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "NODES" for t in node.targets):
            nodes = ast.literal_eval(node.value)
    nodes["memstack"] = "memory_stack.cli:main"
    return nodes


def test_package_xml_is_format_3_with_real_dependencies():
    package = parse_package(str(ROOT / "package.xml"))
    assert package.package_format == 3
    assert package.name == "memory_stack"
    assert package.get_build_type() == "ament_python"
    exec_names = {d.name for d in package.exec_depends}
    assert {"rclpy", "memory_interfaces", "sensor_msgs", "visualization_msgs"} <= exec_names
    assert {d.name for d in package.test_depends} >= {"python3-pytest"}


def test_interfaces_package_xml_is_an_interface_package():
    package = parse_package(str(ROOT / "interfaces" / "memory_interfaces" / "package.xml"))
    assert package.get_build_type() == "ament_cmake"
    assert "rosidl_interface_packages" in [g.name for g in package.member_of_groups]


def test_resource_marker_and_setup_cfg_layout_for_ros2_run():
    assert (ROOT / "resource" / "memory_stack").is_file()
    cfg = (ROOT / "setup.cfg").read_text()
    assert "script_dir=$base/lib/memory_stack" in cfg
    assert "install_scripts=$base/lib/memory_stack" in cfg


def test_every_console_script_target_imports_and_is_callable():
    for name, target in setup_py_console_scripts().items():
        module_name, func = target.split(":")
        code = f"import importlib; m = importlib.import_module({module_name!r}); assert callable(m.{func})"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, f"console script {name} -> {target}: {result.stderr[-500:]}"


def test_generated_interfaces_are_importable_with_typed_fields():
    from memory_interfaces.action import AnswerQuestion, ExecuteTask
    from memory_interfaces.msg import Detections, MemoryEvent, ObjectObservation, SceneObject
    from memory_interfaces.srv import GetSnapshot, QueryMemory

    request = QueryMemory.Request(kind="locate", arguments=["mug"], has_time=True, time=3600.0)
    assert request.arguments == ["mug"]
    observation = ObjectObservation(label="mug", confidence=0.5)
    observation.embedding = [0.1, 0.2]
    detections = Detections(observations=[observation])
    assert detections.observations[0].label == "mug"
    assert SceneObject(category="mug").category == "mug"
    assert MemoryEvent.MOVED == "moved"
    assert GetSnapshot.Response().objects == []
    assert AnswerQuestion.Goal(question="Where is the mug?").question.startswith("Where")
    assert ExecuteTask.Feedback(skill="pick").skill == "pick"
