""""What changed in the room" answers: portable things that moved, appeared or left in the asked period."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from household_memory import (  # noqa: E402
    BOOK_ON_SHELF,
    DAY,
    HOUR,
    KITCHEN_FURNITURE,
    LIVING_FURNITURE,
    MUG_ON_TABLE,
    Thing,
    fridge_watch,
    two_room_memory,
)

from planners.belief.builder import BeliefBuilder  # noqa: E402
from planners.language.typed_query import TypedQuery  # noqa: E402

# A side table: a category the ontology does not know, standing on the floor, furniture-sized.
SIDE_TABLE = Thing("side_table", (6.0, 0.4, 0.3), (0.5, 0.4, 0.6))


@pytest.fixture(scope="module")
def memory():
    """A day remembered: 07:00 patrol, fridge opened/closed at 12:00, living room at 14:00, kitchen at 20:00.

    At 14:00 the mug is on the living room table and a side table is seen for the first time.
    """
    store, writer = two_room_memory()
    fridge_watch(writer)
    writer.look_living_room(14 * HOUR, LIVING_FURNITURE + [BOOK_ON_SHELF, SIDE_TABLE, MUG_ON_TABLE], repeats=3)
    writer.look_kitchen(20 * HOUR, KITCHEN_FURNITURE, repeats=6)
    yield store
    store.close()


def changed(memory, room: str, t0_h: float, t1_h: float) -> list[str]:
    query = TypedQuery("changes", room=room, t0=t0_h * HOUR, t1=t1_h * HOUR, confidence=1.0)
    return BeliefBuilder(memory).build(query, 2 * DAY).map_candidate.value


def test_moves_of_portable_things_are_changes_furniture_and_states_are_not(memory):
    assert memory.count("state_changed", "fridge") >= 2
    assert any(o.category == "side_table" for o in memory.objects())
    assert changed(memory, "living_room", 10, 15) == ["mug"]
    assert changed(memory, "kitchen", 10, 13) == [], "the fridge opening and closing is a state, not a change"
    assert changed(memory, "kitchen", 13, 19) == ["mug"], "the mug left the kitchen counter"


def test_a_change_counts_when_it_most_likely_fell_inside_the_period(memory):
    # The move was seen at 14:00; the previous look at the living room ended just after 07:00,
    # so it happened at an unknown moment in between.
    assert changed(memory, "living_room", 7.5, 13.9) == ["mug"], "seen after the period, but most of the gap is in it"
    assert changed(memory, "living_room", 7.5, 8.0) == [], "only a sliver of the gap is in the period"
    assert changed(memory, "living_room", 6.0, 8.0) == [], "what the first look found is not a change"


def test_contents_of_a_room_list_the_things_in_it_not_its_furniture(memory):
    # the side table is remembered (furniture, a receptacle in the ontology), yet no answer lists it
    assert any(o.category == "side_table" for o in memory.objects())
    query = TypedQuery("contents", room="living_room", confidence=1.0)
    listed = BeliefBuilder(memory).build(query, 15 * HOUR).map_candidate.value
    assert "mug" in listed and "book" in listed
    assert not {"side_table", "table", "shelf"} & set(listed)
