"""The error raised when a simulator backend's library is not installed, saying exactly what to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from memory_stack.foundation.errors import BadInputError


class SimulatorNotInstalledError(BadInputError):
    """A backend was chosen whose simulator is missing; the message says how to install it."""


HABITAT_INSTALL = ("habitat-sim is not installed (it has no PyPI distribution): install it with conda, "
                   "`conda install habitat-sim -c conda-forge -c aihabitat` (add `headless` for machines "
                   "without a display), into the interpreter that runs memory_stack; or use the PyBullet "
                   "backend (type: pybullet)")
AI2THOR_INSTALL = ("ai2thor is not installed: `pip install ai2thor`; on first use it downloads its Unity build "
                   "(several hundred MB), which needs internet access and an X server or CloudRendering "
                   "support; or use the PyBullet backend (type: pybullet)")


def import_simulator(module: str, install_hint: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise SimulatorNotInstalledError(f"{install_hint} (import {module!r} failed: {exc})") from exc
