"""The layering in .importlinter holds (docs/ARCHITECTURE.md): import-linter's contracts, run on the tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROOT_PACKAGES = ["memory_stack", "scene_graph", "perception", "planners", "robot_model", "executor", "sim",
                 "memory_node", "bench"]


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def _section(config: str, name: str) -> str:
    start = config.index(f"[importlinter:contract:{name}]")
    end = config.find("\n[", start + 1)
    return config[start:] if end < 0 else config[start:end + 1]


def test_contracts_catch_forbidden_imports(tmp_path):
    """The contracts as written are live: a planner importing the simulator, or sim importing rclpy, breaks them."""
    config = (ROOT / ".importlinter").read_text()
    probes = {"planners": "import sim.scenario\n", "sim": "import rclpy\n", "memory_node": "import rclpy\n"}
    modules = {line.strip() for name in ("no-ground-truth", "ros-only-in-memory-node", "layers")
               for line in _section(config, name).splitlines()
               if line.startswith("    ") and not line.strip().startswith(";")}
    modules = {m for line in modules for m in line.split(" | ")} | {"memory_node", "sim"}
    for module in sorted(modules):
        if module.split(".")[0] not in ROOT_PACKAGES:
            continue  # an external package (rclpy, *_msgs)
        parts = module.split(".")
        for depth in range(1, len(parts) + 1):
            tmp_path.joinpath(*parts[:depth]).mkdir(exist_ok=True)
            tmp_path.joinpath(*parts[:depth], "__init__.py").touch()
        tmp_path.joinpath(*parts, "probe.py").write_text(probes.get(module, ""))
    (tmp_path / "sim" / "scenario.py").write_text("")
    (tmp_path / "rclpy.py").write_text("")
    head = ("[importlinter]\nroot_packages =\n    " + "\n    ".join(ROOT_PACKAGES)
            + "\ninclude_external_packages = True\n\n")
    (tmp_path / "contracts.ini").write_text(head + _section(config, "no-ground-truth") + "\n"
                                            + _section(config, "ros-only-in-memory-node"))
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache", "--config", "contracts.ini"], capture_output=True,
                            text=True, cwd=tmp_path, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "planners.probe -> sim.scenario" in result.stdout
    assert "sim.probe -> rclpy" in result.stdout
    assert "memory_node.probe" not in result.stdout
