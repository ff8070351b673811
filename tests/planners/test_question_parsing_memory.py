"""The parser against a real MemoryStore: what it links to is what the store's queries accept."""

from __future__ import annotations

import pytest

from planners.language.question_parsing import QuestionParser
from planners.language.time_expressions import DAY_S, HOUR_S
from scene_graph.store import MemoryStore
from scene_graph.types import CameraIntrinsics, FloorPlan, Frame, Observation, Pose, Room

PLAN = FloorPlan(rooms=(Room("kitchen", ((0.0, 0.0), (5.0, 0.0), (5.0, 4.0), (0.0, 4.0))),
                        Room("living_room", ((5.0, 0.0), (11.0, 0.0), (11.0, 5.0), (5.0, 5.0)))))
INTRINSICS = CameraIntrinsics.from_hfov(320, 240, 70.0)
NOW = DAY_S + 20 * HOUR_S


def _thing(category, center, size, state=None) -> Observation:
    lo = tuple(c - s / 2 for c, s in zip(center, size))
    hi = tuple(c + s / 2 for c, s in zip(center, size))
    return Observation(category, center, lo, hi, confidence=0.95, num_points=400, state=state,
                       state_confidence=0.9 if state else 0.0)


KITCHEN = [_thing("counter", (1.0, 0.6, 0.45), (1.6, 0.6, 0.9)),
           _thing("fridge", (4.3, 0.6, 0.9), (0.8, 0.7, 1.8), state="closed"),
           _thing("mug", (1.0, 0.6, 0.95), (0.1, 0.1, 0.1))]
LIVING = [_thing("table", (8.0, 2.5, 0.225), (1.2, 0.8, 0.45)),
          _thing("keys", (8.3, 2.4, 0.47), (0.1, 0.06, 0.03)),
          _thing("remote", (7.8, 2.6, 0.47), (0.15, 0.05, 0.03))]


@pytest.fixture(scope="module")
def memory():
    store = MemoryStore.open(None, floor_plan=PLAN)
    frame_id = 0
    for t, eye, target, things in ((7 * HOUR_S, (2.6, 3.6, 1.3), (2.6, 0.6, 0.8), KITCHEN),
                                   (7 * HOUR_S + 60, (6.2, 1.2, 1.3), (9.0, 3.4, 0.6), LIVING)):
        for k in range(3):
            store.ingest(Frame(frame_id, t + 2 * k, Pose.from_xyz_yaw(eye[0], eye[1], 0.0, 0.0),
                               Pose.looking_at(eye, target), INTRINSICS, list(things)))
            frame_id += 1
    yield store
    store.close()


@pytest.fixture(scope="module")
def parser(memory):
    from scene_graph.text_embedding import TextEmbedder

    return QuestionParser(memory, embedder=TextEmbedder.shared())


def test_vocabulary_comes_from_what_the_store_saw(parser):
    vocab = parser.vocabulary()
    assert {"mug", "keys", "remote"} <= vocab.object_categories
    assert {"counter", "fridge", "table"} <= vocab.receptacle_categories
    assert {"kitchen", "living_room"} <= vocab.rooms
    assert set(vocab.receptacle_ids.values()) >= {"counter", "fridge", "table"}


def test_cup_finds_the_mug_the_store_can_locate(parser, memory):
    query = parser.parse("Where is my cup?", NOW)
    assert (query.kind, query.target, query.mention) == ("present_location", "mug", "cup")
    (belief, *_) = memory.locate(query.target)
    assert belief.category == "mug" and belief.room == "kitchen"


def test_coffee_table_finds_the_table_and_its_contents(parser, memory):
    query = parser.parse("What is on the coffee table?", NOW)
    assert query.kind == "contents" and query.target_category == "table"
    assert sorted(o.category for o in memory.contents(query.receptacle)) == ["keys", "remote"]


def test_room_and_state_questions_link_to_store_names(parser, memory):
    query = parser.parse("Which room are my keys in?", NOW)
    assert (query.kind, query.target) == ("room_of", "keys")
    assert memory.locate(query.target)[0].room == "living_room"
    query = parser.parse("Is the refrigerator open?", NOW)
    assert (query.kind, query.target_category, query.state, query.target_is_receptacle) == (
        "object_state", "fridge", "open", True)
    assert memory.locate(query.target)[0].category == "fridge"
    query = parser.parse("What changed in the kitchen since d1 06:00?", NOW)
    assert (query.kind, query.room, query.t0, query.t1) == ("changes", "kitchen", 6 * HOUR_S, NOW)
    memory.changes(query.room, query.t0, query.t1)


def test_new_sightings_reach_the_vocabulary(memory, parser):
    parser.config.vocabulary_max_age_s = 3600.0  # a new name in a question triggers the re-read by itself
    parser.parse("Where is the mug?", NOW)
    eye, target = (6.2, 1.2, 1.3), (9.0, 3.4, 0.6)
    for k in range(3):
        memory.ingest(Frame(100 + k, 9 * HOUR_S + 2 * k, Pose.from_xyz_yaw(eye[0], eye[1], 0.0, 0.0),
                            Pose.looking_at(eye, target), INTRINSICS,
                            LIVING + [_thing("teapot", (8.2, 2.8, 0.55), (0.2, 0.2, 0.2))]))
    query = parser.parse("Where is the teapot?", NOW)
    assert (query.kind, query.target, query.target_category) == ("present_location", "teapot", "teapot")
    assert query.confidence >= 0.5


def test_the_answer_says_when_a_look_alike_stood_in(parser, memory):
    from planners.question_answering import QuestionAnswerer

    answerer = QuestionAnswerer(memory, parser=parser)
    report = answerer.answer("Where is my cup?", NOW, planner="memory-only")
    assert report.text.startswith("I have not seen any cup; the nearest I know is the mug: the mug is"), report.text
    assert report.room == "kitchen"
    report = answerer.answer("Where is the mug?", NOW, planner="memory-only")
    assert report.text.startswith("the mug is"), report.text
