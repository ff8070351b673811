"""The one cache of everything queries derive from the memory's state.

Queries build derived structures (the packed temporal index, events by time and by room, the place
graph, the spatial index, per-room observation records, priors) on first use and keep them here.
The memory clears the whole cache in one place: after every transaction, committed or rolled back,
and before a reader is let in between the observations of a frame. So no answer is ever derived
from state the memory no longer holds.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class ViewCache:
    """Derived values by key, built on first use and all dropped by `clear`."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, Any] = {}

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        try:
            return self._entries[key]
        except KeyError:
            value = self._entries[key] = build()
            return value

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
