"""Where the package's data files are: the source checkout, or an installed ament share directory.

`config/`, `launch/` and `sim_configs/` sit next to the Python packages in a checkout (and in an
editable install); `colcon build` / `pip install` put them under `share/memory_stack/`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from memory_stack.foundation.errors import BadInputError

PACKAGE = "memory_stack"
SOURCE_ROOT = Path(__file__).resolve().parents[2]  # a checkout or an editable install


def share_directories() -> list[Path]:
    """Candidate roots, best first: the checkout, then every share/memory_stack on AMENT_PREFIX_PATH."""
    roots = [SOURCE_ROOT]
    prefixes = [p for p in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep) if p] + [sys.prefix]
    for prefix in prefixes:
        share = Path(prefix, "share", PACKAGE)
        if share.is_dir() and share not in roots:
            roots.append(share)
    return roots


def package_file(*parts: str) -> Path:
    """The first existing `parts` path under any share directory; BadInputError naming where it looked."""
    for root in share_directories():
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    looked = ", ".join(str(r.joinpath(*parts)) for r in share_directories())
    raise BadInputError(f"{'/'.join(parts)}: not found (looked in {looked})")


def default_params_file() -> Path:
    """config/memory_stack.yaml: the node parameters shared by the launch files and `memstack up`."""
    return package_file("config", "memory_stack.yaml")


def launch_file(name: str) -> Path:
    return package_file("launch", name)


def sim_config(name: str) -> Path:
    return package_file("sim_configs", name)
