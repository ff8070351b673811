"""A relation in the selection picks the instance for the belief-based kinds (state, location), or refuses.

Real parser, real SQLite memory from constructed frames (tests/planners/household_memory.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from household_memory import FLOOR_PLAN, KITCHEN_EYE, FrameWriter, Thing  # noqa: E402

HOUR = 3600.0
SINK = Thing("sink", (2.6, 0.5, 0.9), (0.6, 0.5, 0.2))
CABINET_UNDER_SINK_OPEN = Thing("cabinet", (2.6, 0.5, 0.3), (0.6, 0.5, 0.6), state="open")
CABINET_BY_DOOR_CLOSED = Thing("cabinet", (1.2, 1.2, 0.3), (0.6, 0.5, 0.6), state="closed")
MUG_IN_SINK = Thing("mug", (2.6, 0.5, 1.05), (0.1, 0.1, 0.1))
MUG_BY_DOOR = Thing("mug", (1.2, 1.2, 0.65), (0.1, 0.1, 0.1))


@pytest.fixture(scope="module")
def answerer(tmp_path_factory):
    from planners.question_answering import QuestionAnswerer
    from scene_graph.store import MemoryStore

    store = MemoryStore.open(tmp_path_factory.mktemp("relations") / "memory.db", floor_plan=FLOOR_PLAN)
    writer = FrameWriter(store)
    writer.look(7 * HOUR, KITCHEN_EYE, (2.0, 0.8, 0.6), [SINK, CABINET_UNDER_SINK_OPEN, MUG_IN_SINK])
    # The other cabinet is the one seen last: without the relation it would answer for it.
    writer.look(8 * HOUR, KITCHEN_EYE, (1.2, 1.2, 0.4), [CABINET_BY_DOOR_CLOSED, MUG_BY_DOOR])
    yield QuestionAnswerer(store)
    store.close()


def test_the_state_of_the_instance_the_relation_picks(answerer):
    report = answerer.answer("Is the cabinet below the sink open?", 9 * HOUR, planner="memory-only")
    assert report.typed_query.relation == "below" and report.typed_query.anchor == "sink"
    assert (report.type, report.value) == ("object_state", True), report.text
    plain = answerer.answer("Is the cabinet open?", 9 * HOUR, planner="memory-only")
    assert plain.value is False, "without a relation: the cabinet seen last"


def test_a_relation_memory_holds_no_instance_for_is_refused_with_the_reason(answerer):
    no_anchor = answerer.answer("Is the cabinet below the oven open?", 9 * HOUR, planner="memory-only")
    assert no_anchor.refused and "oven" in no_anchor.reason
    nothing_there = answerer.answer("Is the cabinet above the sink open?", 9 * HOUR, planner="memory-only")
    assert nothing_there.refused and "above the sink" in nothing_there.reason


def test_a_location_question_about_the_related_instance(answerer):
    from planners.belief.builder import BeliefBuilder
    from planners.language.typed_query import TypedQuery

    builder = BeliefBuilder(answerer.memory)
    query = TypedQuery(kind="room_of", target="mug", relation="on", anchor="sink", confidence=0.9)
    belief = builder.build(query, 9 * HOUR)
    located = {c.object_id for c in belief.candidates if c.object_id}
    mugs = {o.id: o for o in answerer.memory.objects() if o.category == "mug"}
    assert len(mugs) == 2 and len(located) == 1
    assert mugs[located.pop()].position[0] == pytest.approx(2.6, abs=0.2), "the mug in the sink, not by the door"
    missing = builder.build(TypedQuery(kind="present_location", target="mug", relation="below", anchor="sink",
                                       confidence=0.9), 9 * HOUR)
    assert not missing.candidates and "below the sink" in missing.notes[0]


@pytest.fixture(scope="module")
def boxes(tmp_path_factory):
    """A small box in the sink and a medium one by the door."""
    from planners.question_answering import QuestionAnswerer
    from scene_graph.store import MemoryStore

    store = MemoryStore.open(tmp_path_factory.mktemp("boxes") / "memory.db", floor_plan=FLOOR_PLAN)
    writer = FrameWriter(store)
    writer.look(7 * HOUR, KITCHEN_EYE, (2.0, 0.8, 0.6), [SINK, Thing("box", (2.6, 0.5, 1.05), (0.1, 0.1, 0.1))])
    writer.look(8 * HOUR, KITCHEN_EYE, (1.2, 1.2, 0.4), [Thing("box", (1.2, 1.2, 0.4), (0.9, 0.6, 0.8))])
    yield QuestionAnswerer(store)
    store.close()


def test_an_attribute_of_the_instance_the_relation_picks(boxes):
    """'What size is the box in the sink?' is about that box, not the one seen last (the relation is kept)."""
    report = boxes.answer("What size is the box in the sink?", 9 * HOUR, planner="memory-only")
    assert report.typed_query.relation == "in" and report.typed_query.anchor == "sink", report.typed_query
    assert (report.type, report.value) == ("attribute", "small"), report.text
    assert boxes.answer("What size is the box?", 9 * HOUR, planner="memory-only").value == ["medium", "small"]
    nothing = boxes.answer("What size is the box next to the fridge?", 9 * HOUR, planner="memory-only")
    assert nothing.refused and "fridge" in nothing.reason, nothing.text


def test_a_where_question_keeps_the_relation_of_its_thing(answerer):
    report = answerer.answer("Where is the mug in the sink?", 9 * HOUR, planner="memory-only")
    assert report.typed_query.relation == "in" and report.typed_query.anchor == "sink", report.typed_query
    assert report.position is not None and report.position[0] == pytest.approx(2.6, abs=0.2), report.text
