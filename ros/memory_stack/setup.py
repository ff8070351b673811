"""The ament_python package `memory_stack` for colcon: the Python packages at the repository root.

The repository root is not a package itself (colcon and rosdep stop descending at a package), so this
directory and `interfaces/memory_interfaces` are found side by side by `colcon build` / `rosdep
install --from-paths`. The sources stay where they are (`package_dir` points two levels up); the
console scripts are those of the root `pyproject.toml` (the one list, also used by `pip install`),
installed to `lib/memory_stack` (setup.cfg) where `ros2 run memory_stack NODE` looks.
"""

from glob import glob
from pathlib import Path

import tomllib
from setuptools import find_packages, setup

PACKAGE = "memory_stack"
HERE = Path(__file__).resolve().parent
SOURCE = "../.."  # relative, as setuptools requires: the repository root
PROJECT = tomllib.loads((HERE / SOURCE / "pyproject.toml").read_text())
SETUPTOOLS = PROJECT["tool"]["setuptools"]


def source_files(pattern: str) -> list[str]:
    return sorted(glob(f"{SOURCE}/{pattern}", root_dir=HERE))


setup(
    name=PACKAGE,
    version=PROJECT["project"]["version"],
    package_dir={"": SOURCE},
    packages=find_packages(str(HERE / SOURCE), include=SETUPTOOLS["packages"]["find"]["include"]),
    package_data=SETUPTOOLS["package-data"],
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE]),
        ("share/" + PACKAGE, ["package.xml"]),
        ("share/" + PACKAGE + "/launch", source_files("launch/*.launch.py")),
        ("share/" + PACKAGE + "/config", source_files("config/*.yaml") + source_files("config/*.xml")),
        ("share/" + PACKAGE + "/sim_configs", source_files("sim_configs/*.yaml")),
    ],
    install_requires=["setuptools"],
    zip_safe=False,
    maintainer="memory_stack maintainers",
    maintainer_email="maintainers@memory-stack.dev",
    description=PROJECT["project"]["description"],
    license="Apache-2.0",
    python_requires=PROJECT["project"]["requires-python"],
    entry_points={"console_scripts": [f"{name} = {target}" for name, target in PROJECT["project"]["scripts"].items()]},
)
