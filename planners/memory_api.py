"""What the planners need from the memory: typed protocols over `scene_graph.MemoryStore`.

The planners read memory through `MemoryReader` and write to it (frames seen while exploring,
objects the arm placed, the robot's own actions as episodes) through `MemoryWriter`; both list exactly
the MemoryStore members the planners call, typed with `scene_graph.records`, so a renamed method or
field fails a type check and tests/planners/test_memory_api.py instead of silently reading a default.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from scene_graph.ontology import Ontology
from scene_graph.records import Episode, Fact, IngestResult, LocationBelief, MemoryEvent, ObjectHistory, SceneObject
from scene_graph.types import FloorPlan, Frame


@runtime_checkable
class MemoryReader(Protocol):
    """The memory's query API as the planners use it (all times in scenario seconds)."""

    @property
    def floor_plan(self) -> FloorPlan | None: ...

    @property
    def ontology(self) -> Ontology: ...

    @property
    def now(self) -> float: ...

    def objects(self, at: float | None = None, include_absent: bool = False,
                include_tentative: bool = False) -> list[SceneObject]: ...

    def receptacles(self) -> list[SceneObject]: ...

    def get_object(self, object_id: str, at: float | None = None) -> SceneObject | None: ...

    def events(self, t0: float | None = None, t1: float | None = None, kinds: Iterable[str] | None = None,
               target: str | None = None) -> list[MemoryEvent]: ...

    def changes(self, room: str, t0: float | None = None, t1: float | None = None,
                include_discoveries: bool = False) -> list[MemoryEvent]: ...

    def history(self, object_id: str, t0: float | None = None, t1: float | None = None) -> ObjectHistory: ...

    def locate(self, target: str, at: float | None = None, include_tentative: bool = False
               ) -> list[LocationBelief]: ...

    def contents(self, receptacle_or_room: str, at: float | None = None) -> list[SceneObject]: ...

    def count(self, event_kind: str, target: str, t0: float | None = None, t1: float | None = None) -> int: ...

    def first_seen(self, target: str) -> float | None: ...

    def last_seen(self, target: str) -> float | None: ...

    def observed_intervals(self, t0: float | None = None, t1: float | None = None
                           ) -> list[tuple[float, float, str]]: ...

    def last_observed(self, room: str | None, at: float | None = None) -> float | None: ...

    def trajectory(self, t0: float | None = None, t1: float | None = None
                   ) -> list[tuple[float, float, float, float, float, str | None]]: ...

    def episodes(self, t0: float | None = None, t1: float | None = None, kind: str | None = None
                 ) -> list[Episode]: ...

    def facts(self, subject: str | None = None, predicate: str | None = None, at: float | None = None,
              as_of: float | None = None, include_retired: bool = False) -> list[Fact]: ...

    def move_rate(self, target: str) -> float: ...

    def location_prior(self, category: str) -> dict[str, float]: ...


@runtime_checkable
class MemoryWriter(MemoryReader, Protocol):
    """A memory the robot adds to while it acts: frames it saw, objects it moved itself."""

    def ingest(self, frame: Frame) -> IngestResult: ...

    def record_manipulation(self, object_id: str, position: Sequence[float], time: float,
                            frame_ids: Sequence[int] = (), rests_on: str | None = None) -> MemoryEvent: ...

    def begin_episode(self, kind: str, name: str, time: float) -> int: ...

    def end_episode(self, episode_id: int, time: float) -> Episode: ...
