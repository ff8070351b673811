"""A node started without the generated interfaces tells the user which command builds them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]


def setup_py_console_scripts() -> dict[str, str]:
    """The ROS node executables: pyproject.toml's scripts but the `memstack` CLI."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    return {name: target for name, target in scripts.items() if name != "memstack"}


NODE_SCRIPTS = setup_py_console_scripts()


@pytest.mark.parametrize("name", sorted(NODE_SCRIPTS))
def test_node_without_interfaces_names_the_build_command(name):
    module_name, func = NODE_SCRIPTS[name].split(":")
    code = (
        "import sys\n"
        "for m in ('memory_interfaces', 'memory_interfaces.msg',\n"
        "          'memory_interfaces.srv', 'memory_interfaces.action'):\n"
        "    sys.modules[m] = None\n"
        f"import importlib; importlib.import_module({module_name!r}).{func}()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2, result.stderr[-1000:]
    assert "make setup" in result.stderr
    assert "memory_interfaces" in result.stderr


def test_prepare_ros_environment_puts_prefix_on_ament_prefix_path(monkeypatch):
    from memory_node.ros_environment import prepare_ros_environment

    monkeypatch.delenv("AMENT_PREFIX_PATH", raising=False)
    prepare_ros_environment()
    import os

    assert sys.prefix in os.environ["AMENT_PREFIX_PATH"].split(os.pathsep)
    from ament_index_python.packages import get_package_share_directory

    assert get_package_share_directory("memory_interfaces").endswith("share/memory_interfaces")


def test_fast_dds_gets_the_packaged_image_profile_unless_transports_were_chosen(monkeypatch):
    import os
    import xml.etree.ElementTree as ET

    from memory_node.ros_environment import TRANSPORT_CHOICES, large_image_transport_profile, prepare_ros_environment

    for name in TRANSPORT_CHOICES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("RMW_IMPLEMENTATION", raising=False)
    prepare_ros_environment()
    profile = Path(os.environ["FASTDDS_DEFAULT_PROFILES_FILE"])
    assert profile.name == "fastdds_large_images.xml" and profile.is_file()
    namespace = {"f": "http://www.eprosima.com"}
    segment = ET.parse(profile).getroot().find(".//f:transport_descriptor[f:type='SHM']/f:segment_size", namespace)
    assert int(segment.text) >= 640 * 480 * (3 + 4) * 2, "two 640x480 RGB-D frames must fit in flight"

    for name in TRANSPORT_CHOICES:
        monkeypatch.setenv(name, "user-choice")
        assert large_image_transport_profile() is None, name
        monkeypatch.delenv(name)
    monkeypatch.setenv("RMW_IMPLEMENTATION", "rmw_cyclonedds_cpp")
    assert large_image_transport_profile() is None
