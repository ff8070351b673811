"""The memory nodes on Jazzy: the ros-jazzy-* wheels (pyproject's `jazzy` extra) in a venv of their own.

build/jazzy-venv is created once per pin set (and rebuilt when interfaces/ changes): the wheels, the
few libraries the memory server imports (at requirements.txt's pins) and memory_interfaces built with
Jazzy's generators. The Kilted wheels of the project's venv are never mixed in. memory_server runs
there as its own process and is driven over DDS by tests/memory_node/jazzy_probe.py, also on Jazzy.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / "build" / "jazzy-venv"
INTERFACES = ROOT / "interfaces" / "memory_interfaces"
# what memory_server imports besides ROS, at the project's pins
LIBRARIES = ("numpy", "scipy", "networkx", "PyYAML", "shapely", "catkin-pkg", "empy", "lark-parser")


def pins() -> list[str]:
    jazzy = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["jazzy"]
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    libraries = [line for line in lines if re.match(rf"^({'|'.join(map(re.escape, LIBRARIES))})==", line)]
    return jazzy + libraries


def run(command: list[str], **kwargs) -> None:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{' '.join(command[:4])} ...: {(done.stdout + done.stderr)[-3000:]}"


def interface_files() -> bytes:
    return b"".join(p.read_bytes() for p in sorted(INTERFACES.rglob("*")) if p.is_file())


def jazzy_venv() -> Path:
    wanted = hashlib.sha256("\n".join(pins()).encode() + interface_files()).hexdigest()
    stamp = VENV / ".memory_stack-stamp"
    if stamp.exists() and stamp.read_text() == wanted:
        return VENV
    if shutil.which("cmake") is None:
        pytest.skip("cmake is not installed (scripts/setup.sh installs it)")
    shutil.rmtree(VENV, ignore_errors=True)
    run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(VENV)])
    python = str(VENV / "bin" / "python")
    done = subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins()],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"the Jazzy wheels could not be installed from the package index: {done.stderr[-500:]}")
    include = subprocess.run([python, "-c", "import sysconfig, numpy; print(sysconfig.get_paths()['include']); "
                              "print(numpy.get_include())"], capture_output=True, text=True).stdout.split()
    for cmake_file in (VENV / "share").rglob("*.cmake"):  # the wheels name their build machine's include paths
        text = cmake_file.read_text(errors="replace")
        fixed = re.sub(r"/opt/python/cp3\d+-cp3\d+/lib/python3\.\d+/site-packages/numpy/_core/include", include[1],
                       text)
        fixed = re.sub(r"/opt/python/cp3\d+-cp3\d+/include/python3\.\d+", include[0], fixed)
        if fixed != text:
            cmake_file.write_text(fixed)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "LD_LIBRARY_PATH", "_ROS_WHEELS_BOOTSTRAP_COMPLETE", "VIRTUAL_ENV")}
    env.update(AMENT_PREFIX_PATH=str(VENV), PATH=f"{VENV / 'bin'}{os.pathsep}{os.environ['PATH']}")
    build = ROOT / "build" / "jazzy-interfaces"
    shutil.rmtree(build, ignore_errors=True)
    run(["cmake", "-S", str(INTERFACES), "-B", str(build), f"-DCMAKE_INSTALL_PREFIX={VENV}",
         f"-DPython3_EXECUTABLE={python}", "-DBUILD_TESTING=OFF"], env=env)
    run(["cmake", "--build", str(build), "--target", "install", "-j2"], env=env)
    stamp.write_text(wanted)
    return VENV


@pytest.mark.slow
def test_memory_server_lifecycle_and_parameters_on_jazzy(ros_domain, tmp_path):
    venv = jazzy_venv()
    # this process's ROS wheels bootstrap (LD_LIBRARY_PATH and its guard) must not leak into Jazzy's
    kilted = ("PYTHONPATH", "AMENT_PREFIX_PATH", "VIRTUAL_ENV", "LD_LIBRARY_PATH", "_ROS_WHEELS_BOOTSTRAP_COMPLETE")
    env = {k: v for k, v in os.environ.items() if k not in kilted}
    env.update(PYTHONPATH=str(ROOT), AMENT_PREFIX_PATH=str(venv), HF_HUB_OFFLINE="1")
    done = subprocess.run([str(venv / "bin" / "python"), str(ROOT / "tests" / "memory_node" / "jazzy_probe.py"),
                           str(tmp_path / "jazzy.db")], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0 and done.stdout.strip(), done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["rclpy"].startswith(str(venv)), "Jazzy's rclpy, not the project venv's"
    version = subprocess.run([str(venv / "bin" / "python"), "-c", "import importlib.metadata as m; "
                              "print(m.version('ros-jazzy-rclpy'))"], capture_output=True, text=True).stdout
    assert version.startswith("7."), version
    assert seen["state"] == "active" and seen["query"] is True
    assert seen["db_path_set"] is False, "read-only parameter refused"
    assert seen["max_results_set"] is True
    assert seen["deactivated"] is True
    assert seen["inactive_query"][0] is False and "not active" in seen["inactive_query"][1]
    assert "Traceback" not in seen["server_stderr_tail"], seen["server_stderr_tail"]
    assert (tmp_path / "jazzy.db").exists()
