"""What the memory holds that its file does not, kept aside while a transaction runs.

A failed transaction reloads the memory from the file (`MemoryStore._transaction`); the file alone
would lose what lives only in memory: the free-surface grid since it was last saved, each track's
per-frame bookkeeping (label conflicts, a state seen but not yet believed, the frame it was last
seen in, when its surface was seen bare, its running colour), the objects seen so far in each open
episode, and when tentative tracks are next checked for expiry. `capture` copies them before the transaction and
`restore` puts them back after the reload, so the memory after a failed frame equals the memory
before it, in memory as in the file.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

# TrackedObject slots that are not columns of the objects table
_TRACK_SLOTS = ("last_frame", "conflicts", "conflict_votes", "pending_state", "pending_time", "pending_frames",
                "seen_empty", "colour")


@dataclass
class UnsavedState:
    surfaces: tuple
    tracks: dict[str, tuple]
    open_episode_objects: dict[int, set[str]]
    next_expiry_check: float


def _copied(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str)):
        return value
    if isinstance(value, (dict, list, set)):
        return value.copy()
    return copy.deepcopy(value)  # e.g. the running colour summary


def capture(tracker: Any, episodic: Any) -> UnsavedState:
    return UnsavedState(
        surfaces=tracker.surface_state(),
        tracks={oid: tuple(_copied(getattr(obj, slot)) for slot in _TRACK_SLOTS)
                for oid, obj in tracker.tracks.items()},
        open_episode_objects={eid: set(seen) for eid, seen in episodic.open_episode_objects.items()},
        next_expiry_check=tracker._next_expiry_check)


def restore(state: UnsavedState, tracker: Any, episodic: Any) -> None:
    tracker.restore_surface_state(state.surfaces)
    for oid, values in state.tracks.items():
        obj = tracker.tracks.get(oid)
        if obj is not None:
            for slot, value in zip(_TRACK_SLOTS, values):
                setattr(obj, slot, _copied(value))
    for eid, seen in state.open_episode_objects.items():
        if eid in episodic.open_episode_objects:
            episodic.open_episode_objects[eid] = set(seen)
    tracker._next_expiry_check = state.next_expiry_check
