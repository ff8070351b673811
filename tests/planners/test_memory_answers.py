"""The typed query's newer projections answered from a real stored memory (real parser, real SQLite)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from household_memory import two_room_memory  # noqa: E402

HOUR = 3600.0


@pytest.fixture(scope="module")
def answerer(tmp_path_factory):
    from planners.question_answering import QuestionAnswerer

    store, _ = two_room_memory(tmp_path_factory.mktemp("answers") / "memory.db", mug_moves_seen=True)
    yield QuestionAnswerer(store)
    store.close()


def test_how_many_counts_objects_not_events(answerer):
    report = answerer.answer("How many mugs are in the living room?", 11 * HOUR, planner="memory-only")
    assert (report.type, report.value) == ("object_count", 1), report.text
    report = answerer.answer("How many mugs are in the kitchen?", 11 * HOUR, planner="memory-only")
    assert report.value == 0, report.text


def test_did_you_see_is_a_yes_or_no_from_what_memory_saw(answerer):
    seen = answerer.answer("Did you see a book?", 11 * HOUR, planner="memory-only")
    assert (seen.type, seen.value, seen.refused) == ("exists", True, False)
    assert seen.evidence and seen.evidence[0].startswith("object:")
    never = answerer.answer("Did you see a giraffe?", 11 * HOUR, planner="memory-only")
    assert never.value is False and "not seen" in never.text


def test_an_attribute_memory_does_not_keep_is_refused_with_the_reason(answerer):
    report = answerer.answer("What colour is the mug?", 11 * HOUR, planner="memory-only")
    assert report.refused and "colour" in report.reason
    assert report.typed_query.kind == "attribute"


def test_where_were_you_reads_the_robots_own_trajectory(answerer):
    report = answerer.answer("Where were you at d1 07:00?", 11 * HOUR, planner="memory-only")
    nodes = answerer.memory.trajectory(None, 7 * HOUR)
    if not nodes:
        assert report.refused
    else:
        assert report.type == "robot_location" and report.value == nodes[-1][5]


def test_inexpressible_questions_are_refused_not_answered_as_another_question(answerer):
    for question in ("Which color is the dining table?", "Is the kitchen counter clean?",
                     "Why is the mug on the table?"):
        report = answerer.answer(question, 11 * HOUR, planner="memory-only")
        assert report.refused, (question, report.text)
        assert report.reason
    barrels = answerer.answer("How many blue barrels do we have on the shelves?", 11 * HOUR, planner="memory-only")
    assert barrels.type == "object_count" and barrels.value == 0, "objects counted, not shelf openings"
    assert barrels.confidence < 0.5, "never having seen a barrel is weak evidence of none"


def test_what_is_next_to_a_thing_is_computed_from_remembered_geometry(answerer):
    report = answerer.answer("What is next to the keys?", 11 * HOUR, planner="memory-only")
    assert (report.type, report.value) == ("identify", ["mug"]), report.text
    assert any(e.startswith("object:") for e in report.evidence)
    unknown = answerer.answer("What is next to the piano?", 11 * HOUR, planner="memory-only")
    assert unknown.refused and "piano" in unknown.reason


def test_where_one_can_do_something_is_read_from_the_affordance_memory(answerer):
    report = answerer.answer("Where can I get something cold to drink?", 11 * HOUR, planner="memory-only")
    assert report.type == "affordance" and report.value and report.value[0] == "fridge", report.text
    assert report.room == "kitchen"
    assert any(e.startswith("affordance:") for e in report.evidence)
    nothing = answerer.answer("Where can I take a shower?", 11 * HOUR, planner="memory-only")
    assert nothing.refused and "shower" in nothing.reason


def test_affordance_table_bad_file_names_it(tmp_path):
    from memory_stack.foundation.errors import BadInputError
    from scene_graph.affordances import Affordances

    bad = tmp_path / "affordances.yaml"
    bad.write_text("fridge: keep food cold\n")
    with pytest.raises(BadInputError, match="fridge"):
        Affordances.load(bad)


def test_what_the_robot_did_in_order_is_read_from_its_action_episodes(tmp_path):
    from planners.question_answering import QuestionAnswerer

    store, _ = two_room_memory(tmp_path / "memory.db")
    mug = next(o for o in store.objects() if o.category == "mug")
    # named as planners.acting.task_planning records them
    for name, t in [("open fridge", 12 * HOUR), ("pick mug", 12 * HOUR + 60),
                    (f"place {mug.id} on table", 12 * HOUR + 120), ("close fridge", 12 * HOUR + 300)]:
        store.end_episode(store.begin_episode("action", name, t), t + 10)
    store.end_episode(store.begin_episode("patrol", "kitchen", 12 * HOUR + 30), 12 * HOUR + 50)  # not an action
    answerer = QuestionAnswerer(store)

    def ask(question, at=13 * HOUR):
        return answerer.answer(question, at, planner="memory-only")

    after = ask("What did you do after you opened the fridge?")
    assert (after.type, after.value) == ("robot_actions", ["pick mug"]), after.text
    assert ask("What did you do right before you closed the fridge?").value == ["place mug on table"]
    assert ask("What did you do after you picked up the mug?").value == ["place mug on table"]
    assert ask("What did you do?").value == ["open fridge", "pick mug", "place mug on table", "close fridge"]
    assert ask("What did you do after you opened the fridge?", at=12 * HOUR + 30).refused  # nothing yet after
    early = ask("What did you do?", at=12 * HOUR + 90)
    assert early.value == ["open fridge", "pick mug"], early.text
    nothing = ask("What did you do before you opened the fridge?")
    assert nothing.refused and "nothing I did before" in nothing.reason
    never = ask("What did you do after you closed the door?")
    assert never.refused and "no record of having closed the door" in never.reason
    store.close()


def test_one_action_relative_to_another_is_answered_by_what_it_was_on_or_with(tmp_path):
    """"The receptacle you placed X on right before you ...": the nearest such action, in the asked direction."""
    from planners.question_answering import QuestionAnswerer

    store, _ = two_room_memory(tmp_path / "memory.db")
    mug = next(o for o in store.objects() if o.category == "mug")
    keys = next(o for o in store.objects() if o.category == "keys")
    for name, t in [(f"place {mug.id} on counter", 12 * HOUR), (f"pick {keys.id}", 12 * HOUR + 60),
                    (f"place {keys.id} on shelf", 12 * HOUR + 120), ("open fridge", 12 * HOUR + 200),
                    (f"pick {mug.id}", 12 * HOUR + 260), (f"place {mug.id} on table", 12 * HOUR + 320)]:
        store.end_episode(store.begin_episode("action", name, t), t + 10)
    answerer = QuestionAnswerer(store)

    def ask(question):
        return answerer.answer(question, 13 * HOUR, planner="memory-only")

    before = ask("What did you put the mug on right before you opened the fridge?")
    assert (before.type, before.value) == ("robot_actions", ["counter"]), before.text  # not the keys' shelf
    assert before.typed_query.action == "place" and before.typed_query.anchor == "fridge"
    assert ask("Where did you place the mug right after you picked it up?").value == ["table"]
    assert ask("What did you pick up after you opened the fridge?").value == ["mug"]
    assert ask("What did you pick up before you opened the fridge?").value == ["keys"]
    none = ask("What did you put the book on before you opened the fridge?")
    assert none.refused and "no put book before I opened the fridge" in none.reason, none.reason
    store.close()


def test_material_is_refused_with_the_reason_unless_a_detector_reported_it(tmp_path):
    from planners.question_answering import QuestionAnswerer

    store, _ = two_room_memory(tmp_path / "memory.db")
    answerer = QuestionAnswerer(store)
    refused = answerer.answer("What material is the mug?", 11 * HOUR, planner="memory-only")
    assert refused.refused and refused.typed_query.attribute == "material", refused.text
    assert "no detector of this robot reports material" in refused.reason, refused.reason
    mug = next(o for o in store.objects() if o.category == "mug")
    store.add_fact(mug.id, "material", "ceramic", recorded_at=10 * HOUR, provenance="detector")  # as one would
    reported = answerer.answer("What material is the mug?", 11 * HOUR, planner="memory-only")
    assert (reported.refused, reported.value) == (False, "ceramic"), reported.text
    store.close()
