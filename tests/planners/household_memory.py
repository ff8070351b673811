"""A small two-room household remembered by a real MemoryStore from constructed frames (no renderer).

Frames carry what perception would hand over (map-frame observations with boxes) from a camera that
really looks at them, so the store's association, support relations, negative evidence and
observation coverage all run for real.
"""

from __future__ import annotations

from dataclasses import dataclass

from scene_graph.store import MemoryStore
from scene_graph.types import CameraIntrinsics, Door, FloorPlan, Frame, Observation, Pose, Room

HOUR = 3600.0
DAY = 24 * HOUR

FLOOR_PLAN = FloorPlan(
    rooms=(Room("kitchen", ((0.0, 0.0), (5.0, 0.0), (5.0, 4.0), (0.0, 4.0))),
           Room("living_room", ((5.0, 0.0), (11.0, 0.0), (11.0, 5.0), (5.0, 5.0)))),
    doors=(Door(("kitchen", "living_room"), (5.0, 2.0), 1.0),),
)
INTRINSICS = CameraIntrinsics.from_hfov(320, 240, 70.0)


@dataclass(frozen=True)
class Thing:
    category: str
    center: tuple[float, float, float]
    size: tuple[float, float, float]
    state: str | None = None

    def observation(self) -> Observation:
        lo = tuple(c - s / 2 for c, s in zip(self.center, self.size))
        hi = tuple(c + s / 2 for c, s in zip(self.center, self.size))
        return Observation(self.category, self.center, lo, hi, confidence=0.95, num_points=400,
                           state=self.state, state_confidence=0.9 if self.state else 0.0)


COUNTER = Thing("counter", (1.0, 0.6, 0.45), (1.6, 0.6, 0.9))
FRIDGE_CLOSED = Thing("fridge", (4.3, 0.6, 0.9), (0.8, 0.7, 1.8), state="closed")
FRIDGE_OPEN = Thing("fridge", (4.3, 0.6, 0.9), (0.8, 0.7, 1.8), state="open")
TABLE = Thing("table", (8.0, 2.5, 0.225), (1.2, 0.8, 0.45))
SHELF = Thing("shelf", (10.2, 4.4, 0.6), (1.2, 0.4, 1.2))
MUG_ON_COUNTER = Thing("mug", (1.0, 0.6, 0.95), (0.1, 0.1, 0.1))
MUG_ON_TABLE = Thing("mug", (8.0, 2.5, 0.5), (0.1, 0.1, 0.1))
KEYS_ON_TABLE = Thing("keys", (8.3, 2.4, 0.47), (0.1, 0.06, 0.03))
BOOK_ON_SHELF = Thing("book", (10.2, 4.4, 1.25), (0.2, 0.15, 0.1))

KITCHEN_EYE = (2.6, 3.6, 1.3)
KITCHEN_FURNITURE = [COUNTER, FRIDGE_CLOSED]
LIVING_EYE = (6.2, 1.2, 1.3)
LIVING_FURNITURE = [TABLE, SHELF]


class FrameWriter:
    """Ingests constructed frames into a store, numbering them."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.next_id = 0

    def look(self, t: float, eye: tuple[float, float, float], target: tuple[float, float, float],
             things: list[Thing], repeats: int = 2, step_s: float = 2.0) -> None:
        camera = Pose.looking_at(eye, target)
        robot = Pose.from_xyz_yaw(eye[0], eye[1], 0.0, 0.0)
        for k in range(repeats):
            frame = Frame(self.next_id, t + k * step_s, robot, camera, INTRINSICS,
                          [thing.observation() for thing in things])
            self.next_id += 1
            self.store.ingest(frame)

    def look_kitchen(self, t: float, things: list[Thing], repeats: int = 2) -> None:
        self.look(t, KITCHEN_EYE, (2.6, 0.6, 0.8), things, repeats)

    def look_living_room(self, t: float, things: list[Thing], repeats: int = 2) -> None:
        self.look(t, LIVING_EYE, (9.0, 3.4, 0.6), things, repeats)


def two_room_memory(path=None, mug_moves_seen: bool = False) -> tuple[MemoryStore, FrameWriter]:
    """Day 1 07:00 patrol: mug on the counter, keys on the table, book on the shelf, fridge closed.

    With `mug_moves_seen`, a 10:00 patrol also sees the mug on the table (a move memory knows).
    """
    store = MemoryStore.open(path, floor_plan=FLOOR_PLAN)
    writer = FrameWriter(store)
    t = 7 * HOUR
    writer.look_kitchen(t, KITCHEN_FURNITURE + [MUG_ON_COUNTER])
    writer.look_living_room(t + 60, LIVING_FURNITURE + [KEYS_ON_TABLE, BOOK_ON_SHELF])
    if mug_moves_seen:
        writer.look_kitchen(10 * HOUR, KITCHEN_FURNITURE, repeats=6)
        writer.look_living_room(10 * HOUR + 60, LIVING_FURNITURE + [KEYS_ON_TABLE, BOOK_ON_SHELF, MUG_ON_TABLE])
    return store, writer


def fridge_watch(writer: FrameWriter, t_open: float = 12 * HOUR, t_close: float = 12 * HOUR + 300,
                 on_counter: tuple[Thing, ...] = (MUG_ON_COUNTER,)) -> None:
    """The robot watches the kitchen while the fridge is opened and closed again."""
    writer.look_kitchen(t_open - 600, [COUNTER, FRIDGE_CLOSED, *on_counter], repeats=2)
    writer.look_kitchen(t_open, [COUNTER, FRIDGE_OPEN, *on_counter], repeats=2)
    writer.look_kitchen(t_close, [COUNTER, FRIDGE_CLOSED, *on_counter], repeats=2)


def mug_place_after_looks(coverages: list[float | None]) -> list[float]:
    """P(the mug is at its remembered place) after one look there that saw `coverage` of its top (None: no look).

    On `two_room_memory` two days on (planners.belief.builder weighs a look's negative evidence by its coverage).
    """
    from planners.belief.builder import BeliefBuilder
    from planners.belief.candidates import LookRecord
    from planners.language.typed_query import TypedQuery

    store, _ = two_room_memory()
    try:
        builder = BeliefBuilder(store)
        query = TypedQuery("present_location", target="mug", confidence=1.0)
        now = 2 * DAY
        place = next(c.reveal_target for c in builder.build(query, now).candidates if c.reveal_target)
        beliefs = [builder.build(query, now, [] if c is None else [LookRecord(place, now, c)]) for c in coverages]
        return [next(c.probability for c in b.candidates if c.reveal_target == place) for b in beliefs]
    finally:
        store.close()
