"""Make a pip-only ROS 2 (PyPI `ros-*` wheels) usable without sourcing a setup script.

On a robot with a full ROS 2 install the environment is already set by `source install/setup.bash`
and this module changes nothing that is already there.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

INTERFACES_BUILD_HINT = "run `make setup` (or `make interfaces`) in the memory_stack checkout"


class RosEnvironmentError(RuntimeError):
    """ROS 2 or the generated memory_interfaces cannot be imported; the message says what to run."""


# any of these means the user chose Fast DDS's transports; the packaged profile then stays out of the way
TRANSPORT_CHOICES = ("FASTDDS_DEFAULT_PROFILES_FILE", "FASTRTPS_DEFAULT_PROFILES_FILE", "FASTDDS_BUILTIN_TRANSPORTS")


def prepare_ros_environment() -> None:
    """AMENT_PREFIX_PATH with the interpreter prefix, and Fast DDS with the large-image transport profile.

    The prefix is where the wheels and memory_interfaces install. The profile is set only when no
    transport choice is in the environment already (TRANSPORT_CHOICES).
    """
    prefix = sys.prefix
    current = [p for p in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep) if p]
    if prefix not in current and Path(prefix, "share", "ament_index").is_dir():
        os.environ["AMENT_PREFIX_PATH"] = os.pathsep.join(current + [prefix])
    profile = large_image_transport_profile()
    if profile is not None:
        os.environ["FASTDDS_DEFAULT_PROFILES_FILE"] = str(profile)


def large_image_transport_profile() -> Path | None:
    """config/fastdds_large_images.xml when rmw_fastrtps runs and no transport choice is in the environment."""
    if any(os.environ.get(name) for name in TRANSPORT_CHOICES):
        return None
    if not os.environ.get("RMW_IMPLEMENTATION", "rmw_fastrtps_cpp").startswith("rmw_fastrtps"):
        return None
    from memory_stack.foundation.package_paths import package_file

    return package_file("config", "fastdds_large_images.xml")


def require_ros() -> None:
    """Import rclpy and memory_interfaces, or raise with the command that fixes it."""
    prepare_ros_environment()
    try:
        import rclpy  # noqa: F401
    except ImportError as exc:
        raise RosEnvironmentError(
            f"rclpy cannot be imported ({exc}); {INTERFACES_BUILD_HINT}, or source a ROS 2 install"
        ) from exc
    try:
        import memory_interfaces.action  # noqa: F401
        import memory_interfaces.msg  # noqa: F401
        import memory_interfaces.srv  # noqa: F401
    except ImportError as exc:
        raise RosEnvironmentError(
            f"the memory_interfaces messages are not built ({exc}); {INTERFACES_BUILD_HINT} "
            "(on a robot: `colcon build --packages-select memory_interfaces` and source install/setup.bash)"
        ) from exc


def node_main_guard() -> None:
    """First call in every node's main(): a clear message and exit 2 on a bad environment."""
    try:
        require_ros()
    except RosEnvironmentError as exc:
        print(f"memory_stack: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
