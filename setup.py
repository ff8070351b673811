"""memory_stack: an ament_python package, also pip-installable (`pip install -e .`)."""

from glob import glob

from setuptools import find_packages, setup

PACKAGE = "memory_stack"
# Every subpackage of these is installed too.
TOP_LEVEL_PACKAGES = ["memory_stack", "scene_graph", "perception", "memory_node", "planners", "robot_model", "executor",
                      "sim", "bench"]

NODES = {
    "ingest_node": "memory_node.ingest_node:main",
    "memory_server": "memory_node.memory_server:main",
    "planner_server": "memory_node.planner_server:main",
    "sim_node": "memory_node.sim_node:main",
}

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(include=[p for top in TOP_LEVEL_PACKAGES for p in (top, top + ".*")]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE]),
        ("share/" + PACKAGE, ["package.xml"]),
        ("share/" + PACKAGE + "/launch", glob("launch/*.launch.py")),
        ("share/" + PACKAGE + "/config", glob("config/*.yaml") + glob("config/*.xml")),
        ("share/" + PACKAGE + "/sim_configs", glob("sim_configs/*.yaml")),
    ],
    package_data={"sim": ["assets/*"], "scene_graph": ["data/*"], "planners": ["data/*"]},
    include_package_data=True,
    install_requires=["setuptools"],
    zip_safe=False,
    maintainer="memory_stack maintainers",
    maintainer_email="maintainers@memory-stack.dev",
    description="Long-term spatio-temporal scene-graph memory for robots on ROS 2.",
    license="Apache-2.0",
    python_requires=">=3.10",
    entry_points={
        "console_scripts": [f"{name} = {target}" for name, target in NODES.items()]
        + ["memstack = memory_stack.cli:main"],
    },
)
