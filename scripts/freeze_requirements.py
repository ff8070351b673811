"""Rewrite requirements.txt from the venv: every installed distribution pinned, minus those not on PyPI.

The ros-* wheels also register their inner packages (e.g. `action_msgs` beside `ros-action-msgs`),
and memory_interfaces is built locally; pinning those would make a fresh install fail.
"""

import re
import subprocess
import sys
from pathlib import Path

HEADER = [
    "# The one pinned dependency list of memory_stack (every package, transitive ones included).",
    "# torch is installed first from this same pin (see scripts/setup.sh); an unpinned torch pulls CUDA wheels.",
    "# Regenerate after adding a dependency: make freeze",
]


def main() -> None:
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    pins = {}
    for line in frozen:
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(.+)$", line)
        if match:
            pins[match.group(1).lower().replace("_", "-")] = (match.group(1), match.group(2))
    keep = []
    for key, (name, version) in sorted(pins.items()):
        if key == "memory-interfaces" or f"ros-{key}" in pins:
            continue
        keep.append(f"{name}=={version.split('+')[0] if name == 'torch' else version}")
    Path("requirements.txt").write_text("\n".join(HEADER + keep) + "\n")


if __name__ == "__main__":
    main()
