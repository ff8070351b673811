"""Output types of the memory: what queries return (plain dataclasses, no storage handles)."""

from __future__ import annotations

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
    """One change the robot noticed: appeared, moved, disappeared or state_changed."""

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
    source: str = "memory"  # "memory": remembered location; "prior": a likely other receptacle


@dataclass(slots=True)
class ObjectHistory:
    """Everything the temporal memory holds about one object within [t0, t1]."""

    object_id: str
    category: str
    intervals: list[PresenceInterval]
    locations: list[LocationRecord]
    states: list[StateRecord]
    events: list[MemoryEvent]


@dataclass(slots=True)
class WorldSnapshot:
    """The world as the robot believed it at `time`, reconstructed from the temporal memory."""

    time: float
    objects: list[SceneObject]

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
