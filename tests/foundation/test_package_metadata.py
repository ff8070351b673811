"""The two ROS packages (ros/memory_stack, interfaces/memory_interfaces) and the pip metadata agree with the tree.

colcon and rosdep stop descending at a package, so the repository root must not be one: both
packages are found side by side by the ordinary crawl. The package.xml dependencies are the ones
the code imports, no more, no fewer.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tomllib
from catkin_pkg.package import parse_package
from catkin_pkg.packages import find_packages

ROOT = Path(__file__).resolve().parents[2]
SOURCE_PACKAGES = ["memory_stack", "scene_graph", "perception", "memory_node", "planners", "robot_model", "executor",
                   "sim", "bench"]
# rosdep keys of Python libraries -> the module the code imports
PYTHON_KEYS = {"python3-numpy": "numpy", "python3-scipy": "scipy", "python3-networkx": "networkx",
               "python3-yaml": "yaml", "python3-matplotlib": "matplotlib", "python3-shapely": "shapely"}


def console_scripts() -> dict[str, str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]


def imported_top_level_modules() -> set[str]:
    """Every absolute import in the installed sources and the launch files, lazy ones included."""
    found: set[str] = set()
    files = [f for top in SOURCE_PACKAGES for f in (ROOT / top).rglob("*.py")] + list((ROOT / "launch").glob("*.py"))
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def ament_packages_here() -> set[str]:
    from ament_index_python.packages import get_packages_with_prefixes

    from memory_node.ros_environment import prepare_ros_environment

    prepare_ros_environment()
    return set(get_packages_with_prefixes())


def test_colcon_and_rosdep_find_both_packages_from_the_checkout():
    assert not (ROOT / "package.xml").exists() and not (ROOT / "setup.py").exists(), \
        "the repository root must not be a package: colcon/rosdep would stop there"
    found = {pkg.name: path for path, pkg in find_packages(str(ROOT)).items()}
    assert found == {"memory_stack": "ros/memory_stack", "memory_interfaces": "interfaces/memory_interfaces"}


def test_package_xml_dependencies_are_what_the_code_imports():
    package = parse_package(str(ROOT / "ros" / "memory_stack" / "package.xml"))
    assert package.package_format == 3 and package.get_build_type() == "ament_python"
    declared = {d.name for d in package.exec_depends}
    imported = imported_top_level_modules()
    ros_declared = {name for name in declared if name not in PYTHON_KEYS}
    assert ros_declared - imported == set(), "declared but never imported"
    # packages not on PyPI, so not in this environment's ament index
    not_on_pypi = {"launch", "launch_ros", "tf2_ros", "tf2_msgs", "nav2_msgs", "control_msgs", "vision_msgs"}
    ros_imported = (imported & ament_packages_here()) | (not_on_pypi & imported)
    assert ros_imported - declared == set(), "imported ROS packages missing from ros/memory_stack/package.xml"
    python_declared = {PYTHON_KEYS[name] for name in declared if name in PYTHON_KEYS}
    assert python_declared <= imported
    assert {d.name for d in package.test_depends} >= {"python3-pytest"}


def test_interfaces_package_xml_is_an_interface_package():
    package = parse_package(str(ROOT / "interfaces" / "memory_interfaces" / "package.xml"))
    assert package.get_build_type() == "ament_cmake"
    assert "rosidl_interface_packages" in [g.name for g in package.member_of_groups]


def test_ros_package_installs_scripts_where_ros2_run_looks_and_reads_the_one_script_table():
    ros = ROOT / "ros" / "memory_stack"
    assert (ros / "resource" / "memory_stack").is_file()
    cfg = (ros / "setup.cfg").read_text()
    assert "script_dir=$base/lib/memory_stack" in cfg
    assert "install_scripts=$base/lib/memory_stack" in cfg
    result = subprocess.run([sys.executable, "setup.py", "--name", "--version"], cwd=ros, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-800:]
    assert result.stdout.split()[-2:] == ["memory_stack", tomllib.loads((ROOT / "pyproject.toml").read_text())[
        "project"]["version"]]


def test_every_console_script_target_imports_and_is_callable():
    for name, target in console_scripts().items():
        module_name, func = target.split(":")
        code = f"import importlib; m = importlib.import_module({module_name!r}); assert callable(m.{func})"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, f"console script {name} -> {target}: {result.stderr[-500:]}"


def test_generated_interfaces_are_importable_with_typed_fields():
    from builtin_interfaces.msg import Time
    from memory_interfaces.action import AnswerQuestion, ExecuteTask
    from memory_interfaces.msg import Detections, MemoryEvent, ObjectObservation, SceneObject
    from memory_interfaces.srv import GetSnapshot, QueryMemory

    request = QueryMemory.Request(kind="locate", arguments=["mug"], has_time=True, time=Time(sec=3600))
    assert request.arguments == ["mug"] and request.time.sec == 3600  # ROS time on the wire
    observation = ObjectObservation(label="mug", confidence=0.5)
    observation.embedding = [0.1, 0.2]
    detections = Detections(observations=[observation])
    assert detections.observations[0].label == "mug"
    assert SceneObject(category="mug").category == "mug"
    assert MemoryEvent.MOVED == "moved"
    assert GetSnapshot.Response().objects == []
    assert AnswerQuestion.Goal(question="Where is the mug?").question.startswith("Where")
    assert ExecuteTask.Feedback(skill="pick").skill == "pick"
