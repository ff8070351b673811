"""colcon builds both ROS packages into an install space, and memory_server runs from it alone.

colcon comes from PyPI (pinned in pyproject's `colcon` extra, installed into build/colcon-tools);
no --symlink-install, so the node's code, ontology and parameter file must come from install/, not
from this checkout.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
VENV = Path(sys.prefix)
PY = f"python{sys.version_info.major}.{sys.version_info.minor}"


def colcon_tools() -> Path:
    """The pinned colcon packages in build/colcon-tools (installed once per pin set, outside the venv)."""
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["colcon"]
    target = BUILD / "colcon-tools"
    stamp = target / ".pins"
    digest = hashlib.sha256("\n".join(pins).encode()).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        shutil.rmtree(target, ignore_errors=True)
        done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                               "--no-deps", "--target", str(target), *pins], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"colcon could not be installed from the package index: {done.stderr[-500:]}")
        stamp.write_text(digest)
    return target


def build_env(tools: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AMENT_PREFIX_PATH", "CMAKE_PREFIX_PATH")}
    env.update(PYTHONPATH=str(tools), AMENT_PREFIX_PATH=str(VENV), CMAKE_PREFIX_PATH=str(VENV),
               PATH=f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    return env


def install_env(install: Path) -> dict[str, str]:
    """What `source install/setup.bash` sets for these two packages, over the venv's ROS wheels."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AMENT_PREFIX_PATH")}
    packages = [install / "memory_stack", install / "memory_interfaces"]
    env["PYTHONPATH"] = os.pathsep.join(str(p / "lib" / PY / "site-packages") for p in packages)
    env["AMENT_PREFIX_PATH"] = os.pathsep.join([str(p) for p in packages] + [str(VENV)])
    env["LD_LIBRARY_PATH"] = os.pathsep.join([str(install / "memory_interfaces" / "lib"),
                                              env.get("LD_LIBRARY_PATH", "")])
    return env


@pytest.fixture(scope="module")
def install_space(tmp_path_factory) -> Path:
    if shutil.which("cmake") is None:
        pytest.skip("cmake is not installed (scripts/setup.sh installs it)")
    tools = colcon_tools()
    workspace = tmp_path_factory.mktemp("colcon_ws")
    command = [sys.executable, "-m", "colcon", "build", "--base-paths", str(ROOT),
               "--build-base", str(workspace / "build"), "--install-base", str(workspace / "install"),
               "--event-handlers", "console_direct-",
               "--cmake-args", f"-DPython3_EXECUTABLE={sys.executable}", "-DBUILD_TESTING=OFF"]
    done = subprocess.run(command, cwd=workspace, env=build_env(tools), capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    return workspace / "install"


@pytest.mark.slow
@pytest.mark.timeout(1800)  # the first test builds both packages (minutes on 2 loaded cores)
def test_colcon_finds_and_installs_both_packages_with_their_data(install_space):
    share = install_space / "memory_stack" / "share" / "memory_stack"
    assert (share / "package.xml").is_file()
    assert (share / "config" / "memory_stack.yaml").is_file()
    assert (share / "launch" / "memory_stack.launch.py").is_file()
    assert (share / "sim_configs" / "apartment_two_days.yaml").is_file()
    for executable in ("memory_server", "ingest_node", "planner_server", "sim_node"):
        assert os.access(install_space / "memory_stack" / "lib" / "memory_stack" / executable, os.X_OK), executable
    site = install_space / "memory_stack" / "lib" / PY / "site-packages"
    assert (site / "scene_graph" / "data" / "ontology.yaml").is_file()
    assert not (site / "memory_node").is_symlink(), "a copy, not --symlink-install"
    assert (install_space / "memory_interfaces" / "share" / "memory_interfaces" / "package.xml").is_file()


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_memory_server_runs_from_the_install_space_alone(install_space, ros_domain, tmp_path):
    import rclpy

    env = install_env(install_space)
    where = subprocess.run([sys.executable, "-c", "import memory_node, scene_graph.ontology as o, memory_interfaces;"
                            "from memory_stack.foundation.package_paths import default_params_file as d;"
                            "print(memory_node.__file__, o.DEFAULT_ONTOLOGY, d(), memory_interfaces.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert where.returncode == 0, where.stderr[-2000:]
    for path in where.stdout.split():
        assert path.startswith(str(install_space)), f"{path} is not from the install space"

    server = subprocess.Popen([str(install_space / "memory_stack" / "lib" / "memory_stack" / "memory_server"),
                               "--ros-args", "-p", f"db_path:={tmp_path / 'installed.db'}",
                               "-p", "perception_process:=false"],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    from memory_node.child_processes import stop_child_process
    from tests.memory_node.node_harness import LifecycleClient, query, wait_until

    rclpy.init()
    node = rclpy.create_node("install_space_client")
    try:
        client = LifecycleClient(node, "/memory_server")
        assert wait_until(lambda: server.poll() is not None or client.state() == "active", 120.0, 0.5), \
            server.communicate()[1][-3000:]
        assert query(node, "objects").success
        assert (tmp_path / "installed.db").exists()
    finally:
        node.destroy_node()
        rclpy.shutdown()
        stop_child_process(server)
    err = server.communicate()[1] or ""
    assert "Traceback" not in err, err[-3000:]
