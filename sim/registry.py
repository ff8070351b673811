"""Simulator backends by name: a config's `type:` picks the class (after habitat-lab's registry).

Entries are "module:Class" strings, imported only when asked for, so naming a backend whose
simulator is missing fails at construction with SimulatorNotInstalledError, not at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from memory_stack.foundation.registry import Registry, UnknownNameError
from sim.backend import SimBackend


class UnknownBackendError(UnknownNameError):
    """A backend name that is not registered; the message lists the known ones."""


BACKENDS: Registry[type[SimBackend]] = Registry("simulator backend type", {
    "pybullet": "sim.pybullet_backend:PyBulletBackend",
    "habitat": "sim.habitat_backend:HabitatBackend",
    "ai2thor": "sim.ai2thor_backend:AI2ThorBackend",
}, unknown_error=UnknownBackendError)


def register_backend(name: str, target: str | type[SimBackend] | None = None) -> Callable | None:
    """Register `target` ("module:Class" or a class) under `name`; usable as a class decorator."""
    if target is None:
        def decorator(cls: type[SimBackend]) -> type[SimBackend]:
            register_backend(name, cls)
            return cls
        return decorator
    if isinstance(target, type) and not issubclass(target, SimBackend):
        raise TypeError(f"{target.__name__} is not a SimBackend")
    BACKENDS.register(name, target)
    return None


def backend_names() -> list[str]:
    return BACKENDS.names()


def get_backend_class(name: str) -> type[SimBackend]:
    return BACKENDS.get(name)


def make_backend(name: str, scenario=None, **options) -> SimBackend:
    """Construct the backend registered as `name` (options go to its constructor)."""
    return get_backend_class(name)(scenario, **options)


@dataclass
class SimBackendConfig:
    """The `sim:` section of a run configuration: `type` names a registered backend, `options` its arguments.

    e.g. {type: habitat, options: {scene_path: data/scene.glb}} or {type: ai2thor, options: {scene: FloorPlan201}}.
    """

    type: str = "pybullet"
    options: dict[str, Any] = field(default_factory=dict)


def backend_from_config(config: SimBackendConfig, scenario=None) -> SimBackend:
    return make_backend(config.type, scenario, **config.options)
