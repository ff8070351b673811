"""Named implementations, imported only when asked for (after habitat-lab's registry).

One `Registry` per kind of part (simulator backends, planner policies, reasoners, ...). Entries are
"module:attribute" strings, so registering a backend whose heavy dependency is missing costs nothing,
and asking for it fails with the registry's own error instead of an ImportError at start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Generic, TypeVar

from memory_stack.foundation.errors import BadInputError

T = TypeVar("T")


class UnknownNameError(BadInputError):
    """A name nothing is registered under; the message lists the known names."""


class Registry(Generic[T]):
    """`register(name, "module:Class")`, `get(name)`, `names()`.

    `kind` names the registry in errors; `field`, if given, is the configuration field the name came from
    ("reasoner.type: unknown reasoner 'gpt' (known: ...)").
    """

    def __init__(self, kind: str, entries: dict[str, str] | None = None,
                 unknown_error: type[BadInputError] = UnknownNameError, field: str | None = None) -> None:
        self.kind = kind
        self.field = field
        self._entries: dict[str, str | T] = dict(entries or {})
        self._unknown_error = unknown_error

    def register(self, name: str, target: str | T | None = None) -> Callable[[T], T] | None:
        """Register `target` ("module:attribute" or the object) under `name`; a decorator without `target`."""
        if target is None:
            def decorator(obj: T) -> T:
                self._entries[name] = obj
                return obj
            return decorator
        self._entries[name] = target
        return None

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def target(self, name: str) -> str:
        """The "module:attribute" an entry points at (without importing it)."""
        entry = self._lookup(name)
        if isinstance(entry, str):
            return entry
        return f"{entry.__module__}:{entry.__qualname__}"

    def get(self, name: str) -> T:
        """The registered object, imported on first use."""
        entry = self._lookup(name)
        if isinstance(entry, str):
            module, _, attribute = entry.partition(":")
            entry = getattr(importlib.import_module(module), attribute)
        return entry

    def _lookup(self, name: str) -> str | T:
        if name not in self._entries:
            where = f"{self.field}: " if self.field else ""
            raise self._unknown_error(f"{where}unknown {self.kind} {name!r} (known: {', '.join(self.names())})")
        return self._entries[name]
