"""Output types of the memory: what queries return (plain dataclasses, no storage handles)."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

Vec3 = tuple[float, float, float]


@dataclass(slots=True)
class SceneObject:
    """An object (movable thing or receptacle/furniture) as the memory believes it at some time."""

    id: str
    category: str
    position: Vec3
    bbox_min: Vec3
    bbox_max: Vec3
    room: str | None
    rests_on: str | None
    rests_on_category: str | None
    state: str | None
    confidence: float
    first_seen: float
    last_seen: float
    present: bool
    is_receptacle: bool
    tentative: bool = False  # seen, not yet confirmed (only in answers that asked for tentative objects)


@dataclass(slots=True)
class Place:
    """A navigable place: a room centre, a doorway, or a viewpoint in front of a receptacle."""

    id: str
    kind: str  # "room" | "door" | "receptacle"
    position: Vec3
    room: str | None
    receptacle: str | None = None


@dataclass(slots=True)
class PresenceInterval:
    """A period during which the object was believed present; `end` None = still present."""

    object_id: str
    start: float
    end: float | None
    last_seen: float
    sightings: int


@dataclass(slots=True)
class LocationRecord:
    """Where an object was from `time` on (until the next record)."""

    object_id: str
    time: float
    position: Vec3
    room: str | None
    rests_on: str | None
    rests_on_category: str | None


@dataclass(slots=True)
class StateRecord:
    """The articulation/power state of an object from `time` on."""

    object_id: str
    time: float
    state: str


@dataclass(slots=True)
class MemoryEvent:
    """One change the robot noticed: appeared, moved, disappeared or state_changed.

    `discovery` (appeared events only): True when the object was seen for the first time where the
    memory has no evidence the place was empty before - the robot found it, the world did not
    necessarily change. `changes()` leaves discoveries out; `events(kinds=["discovered"])` lists them.
    """

    kind: str
    object_id: str
    category: str
    time: float
    position: Vec3 | None
    room: str | None
    from_place: str | None = None
    to_place: str | None = None
    old_state: str | None = None
    new_state: str | None = None
    frame_ids: tuple[int, ...] = ()
    id: int = 0
    provenance: str = "perception"  # "perception": seen in frames; "manipulation": the robot moved it itself
    discovery: bool = False

    @property
    def is_change(self) -> bool:
        """A change in the world (not the first sighting of something that may have been there all along)."""
        return not self.discovery


@dataclass(slots=True)
class Fact:
    """A semantic fact, bi-temporal: valid in the world [valid_from, valid_to), known [recorded_at, retired_at)."""

    id: int
    subject: str
    predicate: str
    object: str
    valid_from: float | None
    valid_to: float | None
    recorded_at: float
    retired_at: float | None
    confidence: float
    provenance: str


@dataclass(slots=True)
class Episode:
    """A chunk of experience (patrol, task, question) with a coarse summary for recall."""

    id: int
    kind: str
    name: str
    start: float
    end: float | None
    summary: dict = field(default_factory=dict)


@dataclass(slots=True)
class LocationBelief:
    """One candidate answer to "where is X": a place with a probability."""

    object_id: str | None
    category: str
    position: Vec3
    room: str | None
    rests_on: str | None
    rests_on_category: str | None
    probability: float
    last_seen: float | None
    present: bool
    source: str = "memory"  # "memory": remembered; "prior": a likely other receptacle; "tentative": seen, unconfirmed


@dataclass(slots=True)
class ObjectHistory:
    """Everything the temporal memory holds about one object within [t0, t1]."""

    object_id: str
    category: str
    intervals: list[PresenceInterval]
    locations: list[LocationRecord]
    states: list[StateRecord]
    events: list[MemoryEvent]


class SnapshotObjects(Sequence):
    """A read-only list of SceneObjects built on first access from per-object columns.

    A snapshot of 10,000+ objects is mostly counted, filtered or partly read; building every SceneObject
    up front dominated its cost. Each column is a sequence with one entry per object, in SceneObject
    field order; the full list is built once, on the first iteration or slice, and kept.
    """

    __slots__ = ("_columns", "_built", "_n")

    def __init__(self, columns: tuple[Sequence, ...]) -> None:
        self._columns = columns
        self._n = len(columns[0]) if columns else 0
        self._built: list[SceneObject] | None = None

    def _list(self) -> list[SceneObject]:
        if self._built is None:
            gc_was_enabled = gc.isenabled()
            gc.disable()  # thousands of small allocations: no point scanning them mid-way
            try:
                self._built = list(map(SceneObject, *(c.tolist() if hasattr(c, "tolist") else c
                                                      for c in self._columns))) if self._n else []
            finally:
                if gc_was_enabled:
                    gc.enable()
        return self._built

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if self._built is not None or isinstance(i, slice):
            return self._list()[i]
        if not -self._n <= i < self._n:
            raise IndexError("snapshot object index out of range")
        i = i + self._n if i < 0 else i
        return SceneObject(*(c[i:i + 1].tolist()[0] if hasattr(c, "tolist") else c[i] for c in self._columns))

    def __iter__(self) -> Iterator[SceneObject]:
        return iter(self._list())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SnapshotObjects):
            other = other._list()
        return self._list() == other if isinstance(other, list) else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._list())


@dataclass(slots=True)
class WorldSnapshot:
    """The world as the robot believed it at `time`, reconstructed from the temporal memory.

    `objects` is a list, or a SnapshotObjects (list-like, built lazily) for past times.
    """

    time: float
    objects: list[SceneObject] | SnapshotObjects

    def by_id(self) -> dict[str, SceneObject]:
        return {o.id: o for o in self.objects}


@dataclass(slots=True)
class IngestResult:
    """What one ingested frame changed: ids matched, ids created (tentative included), events emitted."""

    frame_id: int
    matched: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    events: list[MemoryEvent] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
