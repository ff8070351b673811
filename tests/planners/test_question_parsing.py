"""Question parsing with the real MiniLM model: every question form, paraphrased, parses to one typed query."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memory_stack.foundation.errors import BadInputError
from planners.language.question_parsing import QuestionParser
from planners.language.time_expressions import DAY_S, HOUR_S
from planners.language.typed_query import QUERY_KINDS, TypedQuery

NOW = DAY_S + 20 * HOUR_S  # d2 20:00, when the scenario's questions are asked
D1 = 0.0

CATEGORIES = ["mug", "keys", "remote", "book", "bottle"]
RECEPTACLES = {"counter": "counter", "fridge": "fridge", "coffee_table": "table", "sofa": "sofa"}
ROOMS = ["kitchen", "living_room", "bedroom"]


@pytest.fixture(scope="module")
def embedder():
    from scene_graph.text_embedding import TextEmbedder

    return TextEmbedder.shared()


@pytest.fixture(scope="module")
def parser(embedder) -> QuestionParser:
    p = QuestionParser(embedder=embedder, known_categories=CATEGORIES, known_receptacles=RECEPTACLES,
                       known_rooms=ROOMS)
    p.warm_up()
    return p


# (expected fields, paraphrases); the spec's own examples come first in each group.
PARAPHRASES: dict[str, tuple[dict, list[str]]] = {
    "present_location_mug": ({"kind": "present_location", "target": "mug", "time": None}, [
        "Where is the mug?",
        "Where's the mug?",
        "Where can I find the mug?",
        "Do you know where my cup is?",
        "Where did I leave my coffee mug?",
        "Can you tell me where the mug is right now?",
    ]),
    "present_location_keys": ({"kind": "present_location", "target": "keys", "time": None}, [
        "Where can I find my keys?",
        "Where are my keys?",
        "where are the keys",
        "Do you know where I put my key?",
        "I can't find my keys, where are they?",
        "Where should I look for my keys?",  # a definite thing sought, not an activity (affordance)
    ]),
    "past_location_absolute": ({"kind": "past_location", "target": "mug", "time": D1 + 8.5 * HOUR_S}, [
        "Where was the mug at d1 08:30?",
        "Where was the cup on d1 at 8:30?",
        "Where did the mug sit at d1 08:30?",
        "At d1 08:30, where was my mug?",
        "What was the location of the mug at d1 8:30?",
        "where was my coffee mug on day 1 at 08:30",
    ]),
    "past_location_yesterday_morning": ({"kind": "past_location", "target": "mug", "time": D1 + 9 * HOUR_S,
                                         "t0": D1 + 6 * HOUR_S, "t1": D1 + 12 * HOUR_S}, [
        "where did the cup sit yesterday morning?",
        "Where was the mug yesterday morning?",
        "Yesterday morning, where was my mug?",
        "Where did I have my cup yesterday in the morning?",
        "Where was the mug placed yesterday morning?",
    ]),
    "room_of": ({"kind": "room_of", "target": "keys"}, [
        "Which room are the keys in?",
        "What room are my keys in?",
        "In which room can I find the keys?",
        "Which room did I leave my keys in?",
        "My keys are in which room?",
        "In what room are the keys right now?",
        "Which room should I go to for the keys?",
    ]),
    "contents": ({"kind": "contents", "receptacle": "coffee_table"}, [
        "What is on the coffee table?",
        "What's on the coffee table?",
        "What objects are lying on the coffee table?",
        "Which things are on the coffee table?",
        "List everything on the coffee table.",
        "What can you see on top of the coffee table?",
    ]),
    "contents_room": ({"kind": "contents", "room": "kitchen", "receptacle": None}, [
        "What is in the kitchen?",
        "What objects are in the kitchen?",
        "What's in the kitchen right now?",
        "List everything in the kitchen.",
        "Which things are in the kitchen?",
    ]),
    "object_state_open": ({"kind": "object_state", "target": "fridge", "state": "open", "time": None}, [
        "Is the fridge open?",
        "Is the refrigerator open?",
        "Has the fridge been left open?",
        "Is the fridge door open right now?",
        "Did someone leave the fridge open?",
        "Is the fridge standing open?",
    ]),
    "object_state_closed": ({"kind": "object_state", "target": "fridge", "state": "closed"}, [
        "Is the fridge closed?",
        "Is the refrigerator shut?",
        "Is the fridge door closed?",
        "Was the fridge closed properly?",
        "Has someone closed the fridge?",
    ]),
    "count_opened": ({"kind": "count", "target": "fridge", "count_kind": "opened", "t0": None, "t1": None}, [
        "How many times was the fridge opened?",
        "How often was the fridge opened?",
        "How many times did someone open the fridge?",
        "How many times has the refrigerator been opened?",
        "Count how many times the fridge was opened.",
        "What is the number of times the fridge got opened?",
    ]),
    "count_moved_today": ({"kind": "count", "target": "mug", "count_kind": "moved", "t0": DAY_S, "t1": NOW}, [
        "How many times was the mug moved today?",
        "How often did the mug move today?",
        "Today, how many times did someone move the cup?",
        "How many times has the mug been moved today?",
        "Count how often the mug was moved today.",
    ]),
    "first_seen": ({"kind": "first_seen", "target": "book"}, [
        "When did you first see the book?",
        "When was the first time you saw the book?",
        "When did the book first appear?",
        "At what time did you first notice the book?",
        "When was the book first spotted?",
        "When did the book show up?",
    ]),
    "last_seen": ({"kind": "last_seen", "target": "keys"}, [
        "When did you last see the keys?",
        "When did you last see my keys?",
        "When was the last time you saw the keys?",
        "When were the keys last seen?",
        "What time did you last spot my keys?",
        "When did you see the keys most recently?",
    ]),
    "changes": ({"kind": "changes", "room": "kitchen", "t0": D1 + 8 * HOUR_S, "t1": D1 + 20 * HOUR_S}, [
        "What changed in the kitchen between d1 08:00 and d1 20:00?",
        "What is different in the kitchen between d1 08:00 and d1 20:00?",
        "Between d1 08:00 and d1 20:00, what changed in the kitchen?",
        "Did anything change in the kitchen between d1 08:00 and d1 20:00?",
        "What happened in the kitchen from d1 08:00 to d1 20:00?",
        "List the changes in the kitchen between d1 8:00 and d1 20:00.",
    ]),
    "still_present": ({"kind": "still_present", "target": "remote"}, [
        "Is the remote still in the house?",
        "Is the remote still here?",
        "Is the tv remote still somewhere in the apartment?",
        "Has the remote left the house?",
        "Do we still have the remote at home?",
        "Is the remote control still around?",
    ]),
    "attribute_colour": ({"kind": "attribute", "target": "mug", "attribute": "colour"}, [
        "What colour is the mug?",
        "What color is my mug?",
        "Which colour is the coffee mug?",
        "What is the color of the mug?",
        "What colors are the mugs?",
    ]),
    "object_count": ({"kind": "object_count", "target": "book", "room": "living_room"}, [
        "How many books are in the living room?",
        "How many books are there in the living room?",
        "How many books do we have in the living room?",
        "How many books can you see in the living room?",
        "How many books were in the living room?",
    ]),
    "identify": ({"kind": "identify", "relation": "on", "anchor": "coffee_table", "attributes": {"colour": "red"}}, [
        "What is the red object on the coffee table?",
        "What's the red thing on the coffee table?",
        "Whats the red item on the coffee table?",
        "Which red object is on the coffee table?",
        "What is that red thing lying on the coffee table?",
    ]),
    "exists": ({"kind": "exists", "target": "bottle"}, [
        "Did you see a bottle?",
        "Did you see the bottle?",
        "Is there a bottle?",
        "Is there any bottle?",
        "Did you ever notice a bottle?",
    ]),
    "affordance": ({"kind": "affordance"}, [
        "Where can I make coffee?",
        "What can I use to make coffee?",
        "Where could I make some coffee?",
        "Is there something to make coffee with?",
        "I want to make coffee, where should I go?",
    ]),
    "robot_location": ({"kind": "robot_location", "time": D1 + 10 * HOUR_S}, [
        "Where were you at d1 10:00?",
        "Where were you on d1 at 10:00?",
        "Where were you at d1 10am?",
        "where were you at day 1 at 10:00",
        "Where was the robot at d1 10:00?",
    ]),
    "robot_visit": ({"kind": "robot_visit", "visit": "left", "room": "kitchen"}, [
        "When did you leave the kitchen?",
        "When did you last leave the kitchen?",
        "When did you exit the kitchen?",
        "when did you leave the kitchen",
        "When did you left the kitchen?",
    ]),
    "robot_actions": ({"kind": "robot_actions", "relation": "after", "activity": "open", "target": "fridge"}, [
        "What did you do after you opened the fridge?",
        "What did you do right after you opened the fridge?",
        "what did you do after opening the fridge",
        "What did you do just after you had opened the fridge?",
        "Hey, what did you do after you opened the fridge?",
    ]),
    "room_for": ({"kind": "room_for", "receptacle": "table", "target": "mug"}, [
        "Is there room on the table for a mug?",
        "Is there space on the table for the mug?",
        "Is there enough room on the table to put a mug?",
        "Can a mug fit on the table?",
        "Is there room for a mug on the table?",
    ]),
}


@pytest.mark.parametrize("group", sorted(PARAPHRASES))
def test_paraphrases_parse_to_the_same_typed_query(parser, group):
    expected, questions = PARAPHRASES[group]
    assert len(questions) >= 5
    for question in questions:
        query = parser.parse(question, NOW)
        got = {key: getattr(query, key) for key in expected}
        assert got == expected, (question, query)
        assert query.confidence >= 0.5, (question, query)
        assert query.question == question


def test_every_question_form_is_covered_by_paraphrase_tests():
    covered = {expected["kind"] for expected, _ in PARAPHRASES.values()}
    assert covered == set(QUERY_KINDS) - {"unknown"}


@pytest.mark.parametrize("question", [
    "", "   ", "???", "asdf qwerty", "What is the meaning of life?", "Tell me a joke.",
    "What's the weather going to be like tomorrow?", "Who is the president of France?", "12 34 56",
    "Please recite a poem about autumn.",
])
def test_malformed_or_unanswerable_questions_are_unknown_with_low_confidence(parser, question):
    query = parser.parse(question, NOW)
    assert query.kind == "unknown", query
    assert query.confidence <= 0.3


@pytest.mark.parametrize("question, kind, target, state", [
    ("Is the lamp on?", "object_state", "lamp", "on"),
    ("Is the tv switched off?", "object_state", "tv", "off"),
    ("Is the fan on or off?", "object_state", "fan", "on"),
    ("Is the bedroom door open?", "object_state", "door", "open"),
    ("Is the fridge door closed?", "object_state", "fridge", "closed"),
])
def test_states_beyond_open_closed_and_door_is_a_thing(parser, question, kind, target, state):
    q = parser.parse(question, NOW)
    assert (q.kind, q.target, q.state) == (kind, target, state), q
    assert q.confidence >= 0.3


def test_is_the_mug_on_the_table_is_not_a_state_question(parser):
    q = parser.parse("Is the mug on the coffee table?", NOW)
    assert q.state != "on"


@pytest.mark.parametrize("question, target", [
    ("Can you help me find the remote?", "remote"),
    ("Do you remember where the book is?", "book"),
    ("Where is the orange juice?", "juice"),
    ("Where is my notebook?", "notebook"),
    ("Is the bedroom door open?", "door"),
])
def test_filler_words_and_modifiers_are_never_the_target(parser, question, target):
    q = parser.parse(question, NOW)
    assert q.target == target, q


@pytest.mark.parametrize("question, target", [
    ("What colour is the book close to the sofa?", "book"),
    ("What is on the counter besides the mug?", "counter"),
    ("Where are the keys downstairs?", "keys"),
    ("What colour is the mug surrounded by books?", "mug"),
    ("What material is the mug made from?", "mug"),
    ("Is the fridge door propped open?", "fridge_door"),
])
def test_what_follows_the_head_noun_is_not_part_of_its_name(parser, question, target):
    q = parser.parse(question, NOW)
    assert q.target == target, q


def test_a_place_adverb_ends_a_noun_phrase_unless_a_room_word_follows():
    from planners.language.question_forms import noun_phrase

    assert noun_phrase("the bedroom doors upstairs").head == "bedroom doors"
    assert noun_phrase("the upstairs bedroom").head == "upstairs bedroom"


@pytest.mark.parametrize("question", [
    "What is the largest object on the sofa?", "What colour is the thickest book?",
    "Where is the warmest place to stand?",
])
def test_a_thing_picked_by_comparison_is_refused_with_the_reason(parser, question):
    q = parser.parse(question, NOW)
    assert q.kind == "unknown" and q.confidence < 0.3, q
    assert "comparing it with others" in q.source, q.source


def test_closest_and_nearest_are_relations_not_comparisons():
    from planners.language.comparisons import compared_by

    assert compared_by("What is closest to the sofa?") is None
    assert compared_by("Which book is nearest to the mug?") is None
    assert compared_by("Which is the biggest box?") == "biggest"


def test_an_unknown_word_stays_itself_unless_memory_holds_a_real_synonym(parser):
    assert parser.parse("Where is my notebook?", NOW).target == "notebook"  # not "book"
    assert parser.parse("Where is the refrigerator?", NOW).target == "fridge"  # a real synonym (0.96)
    assert parser.parse("Where is the couch?", NOW).target == "sofa"  # ontology synonym


# issue 17's look-alike decision: kitchen_table is a kind of table, and memory's table stands in for it
def test_the_kitchen_table_links_to_the_table_memory_holds(embedder):
    p = QuestionParser(embedder=embedder, known_categories=["mug"], known_receptacles={"dining_table": "table"},
                       known_rooms=["kitchen"])
    q = p.parse("What is on the kitchen table?", NOW)
    assert (q.kind, q.target_category, q.mention) == ("contents", "table", "kitchen table"), q
    assert p.stand_in(q) == ("kitchen_table", "table")
    q = p.parse("What is on the dining table?", NOW)  # memory's receptacle of that id: nothing stood in
    assert q.target_category == "table" and p.stand_in(q) is None


@pytest.mark.parametrize("question, kind, target", [
    ("Did you see the mug?", "exists", "mug"),
    ("When did you see the keys?", "last_seen", "keys"),
    ("Take me to the remote.", "present_location", "remote"),
    ("Please take me to the book", "present_location", "book"),
])
def test_did_you_see_when_did_you_see_and_take_me_to(parser, question, kind, target):
    q = parser.parse(question, NOW)
    assert (q.kind, q.target) == (kind, target), q
    assert q.confidence >= 0.5


@pytest.mark.parametrize("question, kind", [
    ("Is my can still in the house?", "still_present"),
    ("Which room is the can in?", "room_of"),
    ("Where can I find the can?", "present_location"),
    ("When did you last see the can?", "last_seen"),
])
def test_a_thing_named_like_a_template_word_is_a_noun_after_a_determiner(parser, question, kind):
    q = parser.parse(question, NOW)
    assert (q.kind, q.target) == (kind, "can"), q
    assert q.confidence >= 0.5


@pytest.mark.parametrize("question, target", [
    ("Where should I look for the remote?", "remote"),
    ("Where should we search for my keys?", "keys"),
    ("Where can I look for keys?", "keys"),
])
def test_where_to_look_for_a_thing_is_its_location_not_an_activity(parser, question, target):
    q = parser.parse(question, NOW)
    assert (q.kind, q.target) == ("present_location", target), q
    assert parser.parse("Where should I make coffee?", NOW).kind == "affordance"


def test_a_multi_word_receptacle_name_is_not_split_by_a_template_verb(embedder):
    # "stand" is a template verb ("where does the lamp stand"), but "tv stand" names furniture memory holds.
    p = QuestionParser(embedder=embedder, known_categories=["remote", "lamp"],
                       known_receptacles={"tv_stand_1": "tv_stand", "sofa": "sofa"}, known_rooms=["living_room"])
    q = p.parse("What is on the tv stand?", NOW)
    assert (q.kind, q.target_category, q.target_is_receptacle) == ("contents", "tv_stand", True), q
    assert p.parse("Where does the lamp stand?", NOW).target == "lamp"


@pytest.mark.parametrize("question, relation, verb, target", [
    ("what did you do right before you put the mug on the counter", "before", "place", "mug"),
    ("What did you do after you picked up the keys?", "after", "pick", "keys"),
    ("What did you do before closing the fridge?", "before", "close", "fridge"),
    ("What did you do?", None, None, None),
])
def test_the_robots_own_actions_in_order(parser, question, relation, verb, target):
    q = parser.parse(question, NOW)
    assert (q.kind, q.relation, q.activity, q.target) == ("robot_actions", relation, verb, target), q


@pytest.mark.parametrize("question, loose", [
    ("Which shelf is meant for the stuffed toys?", "meant stuffed toys"),
    ("Something is sticking out of the counter, what is it?", "sticking"),
    # fridge, mug and keys occur in the intent exemplars; naming one is still content the reading must use
    ("Was the fridge opened by the keys?", "fridge"),
    ("Is the fridge open like the mug?", "fridge"),
    ("How many times was the fridge opened for the keys?", "fridge"),
])
def test_a_reading_that_ignores_content_words_is_refused_naming_them(parser, question, loose):
    q = parser.parse(question, NOW)
    assert q.kind == "unknown" and q.confidence < 0.3, q
    assert f"the words '{loose}' are not part of a question I can represent" in q.source, q.source


@pytest.mark.parametrize("question, kind, target", [
    ("Is the fridge in the kitchen open?", "object_state", "fridge"),       # a room word
    ("Was the fridge closed properly?", "object_state", "fridge"),          # an adverb
    ("Where is the bottle of water?", "present_location", "bottle"),        # the complement of a name
])
def test_rooms_adverbs_and_complements_are_accounted_for(parser, question, kind, target):
    q = parser.parse(question, NOW)
    assert (q.kind, q.target) == (kind, target) and q.confidence >= 0.5, q


def test_weekday_without_a_calendar_is_refused_with_the_reason(parser, embedder):
    q = parser.parse("Where was the mug on Tuesday?", NOW)
    assert q.kind == "unknown" and "calendar" in q.source
    from planners.language.question_parsing import QuestionParserConfig

    dated = QuestionParser(embedder=embedder, known_categories=CATEGORIES, known_receptacles=RECEPTACLES,
                           known_rooms=ROOMS, config=QuestionParserConfig(day1_weekday="monday"))
    q = dated.parse("Where was the mug on Monday?", NOW)  # asked on d2 (Tuesday): Monday is d1
    assert (q.kind, q.target, q.t0, q.t1) == ("past_location", "mug", D1, D1 + DAY_S)


@pytest.mark.parametrize("question", [
    "Is the kitchen counter clean?", "Why is the mug on the table?", "How do I turn on the oven?",
    "What is depicted on the painting above the sofa?", "Is the mug closer to the sofa or the counter?",
    "Where is the mug relative to the sofa?", "Is the bin full?",
])
def test_questions_the_typed_query_cannot_represent_are_refused_with_a_reason(parser, question):
    q = parser.parse(question, NOW)
    assert q.kind == "unknown" and q.confidence < 0.3, q
    assert q.source.startswith("rule: refused: "), q.source


def test_object_memory_never_saw_is_not_a_confident_answer(parser):
    query = parser.parse("Where is the giraffe?", NOW)
    assert query.kind in ("present_location", "unknown")
    assert query.target_category is None
    assert query.confidence < 0.5


def test_relative_times_resolve_against_the_question_time(parser):
    q = parser.parse("Where was the mug 3 hours ago?", NOW)
    assert (q.kind, q.target, q.time) == ("past_location", "mug", NOW - 3 * HOUR_S)
    q = parser.parse("Where were my keys this morning?", NOW)
    assert (q.kind, q.target, q.time, q.t0, q.t1) == ("past_location", "keys", DAY_S + 9 * HOUR_S,
                                                       DAY_S + 6 * HOUR_S, DAY_S + 12 * HOUR_S)
    q = parser.parse("What changed in the living room since d1 08:00?", NOW)
    assert (q.kind, q.room, q.t0, q.t1) == ("changes", "living_room", 8 * HOUR_S, NOW)
    q = parser.parse("Was the fridge open at d1 12:02?", NOW)
    assert (q.kind, q.target, q.state, q.time) == ("object_state", "fridge", "open", 12 * HOUR_S + 120)


def test_open_or_closed_asks_about_the_first_state_named(parser):
    assert parser.parse("Is the fridge open or closed?", NOW).state == "open"
    assert parser.parse("Is the fridge closed or open?", NOW).state == "closed"


def test_present_tense_with_a_period_under_way_is_still_the_present(parser):
    query = parser.parse("Where is the mug today?", NOW)
    assert (query.kind, query.time, query.t0, query.t1) == ("present_location", None, None, None)
    assert parser.parse("Where was the mug today?", NOW).kind == "past_location"
    assert parser.parse("Where is the mug?", NOW).kind == "present_location"


def test_room_named_in_a_location_question_is_kept(parser):
    q = parser.parse("Where is the mug in the kitchen?", NOW)
    assert (q.kind, q.target, q.room) == ("present_location", "mug", "kitchen")


def test_a_typed_query_round_trips_through_a_dict(parser):
    q = parser.parse("How many times was the fridge opened yesterday?", NOW)
    assert (q.t0, q.t1) == (0.0, DAY_S)
    again = TypedQuery.from_dict(q.to_dict())
    assert again == q


def test_without_any_vocabulary_the_raw_mention_is_the_target(embedder):
    bare = QuestionParser(embedder=embedder, use_ontology=False)
    q = bare.parse("Where is the teapot?", NOW)
    assert (q.kind, q.target, q.mention, q.target_category) == ("present_location", "teapot", "teapot", None)
    assert q.confidence < 0.5


def test_parser_reads_vocabulary_from_the_ontology(embedder):
    with_ontology = QuestionParser(embedder=embedder)
    q = with_ontology.parse("Where is my cell phone?", NOW)
    assert (q.kind, q.target) == ("present_location", "phone")


def test_one_embedding_call_per_question(parser):
    calls = []

    class CountingEmbedder:
        def embed(self, texts):
            calls.append(list(texts))
            return parser.embedder.embed(texts)

    counting = QuestionParser(embedder=CountingEmbedder(), known_categories=CATEGORIES,
                              known_receptacles=RECEPTACLES, known_rooms=ROOMS)
    counting.warm_up()
    calls.clear()
    counting.parse("where did the beverage container sit an hour ago?", NOW)
    assert len(calls) == 1


# Phrasings that appear in no exemplar, with the kind and the thing they must parse to.
HELD_OUT: list[tuple[str, str, str | None]] = [
    ("Have you seen my keys?", "present_location", "keys"),
    ("Any idea where the remote went?", "present_location", "remote"),
    ("I'm looking for the book.", "present_location", "book"),
    ("Where'd the bottle end up?", "present_location", "bottle"),
    ("Where was the remote two hours ago?", "past_location", "remote"),
    ("Where were the keys last night?", "past_location", "keys"),
    ("Where did the mug sit at noon yesterday?", "past_location", "mug"),
    ("What room did the remote end up in?", "room_of", "remote"),
    ("What's sitting on the counter?", "contents", "counter"),
    ("Anything on the sofa?", "contents", "sofa"),
    ("What do we have in the fridge?", "contents", "fridge"),
    ("What was on the coffee table yesterday morning?", "contents", "coffee_table"),
    ("Did anyone leave the fridge door open?", "object_state", "fridge"),
    ("How often has the remote moved since yesterday?", "count", "remote"),
    ("When did you last lay eyes on my keys?", "last_seen", "keys"),
    ("When did you first spot the bottle?", "first_seen", "bottle"),
    ("What moved in the living room today?", "changes", "living_room"),
    ("Did anything happen in the kitchen in the last 3 hours?", "changes", "kitchen"),
    ("Has the book been taken out of the house?", "still_present", "book"),
    ("Are the keys missing?", "still_present", "keys"),
    ("What did the counter hold yesterday?", "contents", "counter"),
    ("What's new in the living room?", "changes", "living_room"),
    ("Keys?", "present_location", "keys"),
    ("my mug", "present_location", "mug"),
    ("Open the fridge.", "unknown", None),  # a command, not a question
    ("Bring me the mug.", "unknown", None),
    ("Good morning!", "unknown", None),
]


@pytest.mark.parametrize("question, kind, target", HELD_OUT)
def test_held_out_phrasings(parser, question, kind, target):
    query = parser.parse(question, NOW)
    assert (query.kind, query.target) == (kind, target), query


def test_not_text_or_no_time_is_bad_input_naming_the_field(parser):
    with pytest.raises(BadInputError, match="question: expected text"):
        parser.parse(None, NOW)
    with pytest.raises(BadInputError, match="now:"):
        parser.parse("Where is the mug?", float("nan"))
    assert parser.parse("where is the mug " * 200, NOW).kind == "unknown"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=80), st.floats(min_value=0.0, max_value=30 * DAY_S))
def test_any_text_gives_a_valid_typed_query(parser, text, now):
    query = parser.parse(text, now)
    assert query.kind in QUERY_KINDS and 0.0 <= query.confidence <= 1.0
    for value in (query.time, query.t0, query.t1):
        assert value is None or (math.isfinite(value) and value >= 0.0)
    if query.kind == "unknown":
        assert query.confidence <= 0.3


@pytest.mark.parametrize("lead", ["", "hey, ", "robot, ", "quick question: ", "please, ", "I wonder "])
def test_openings_before_the_question_do_not_hide_its_form(parser, lead):
    q = parser.parse(f"{lead}what colour is the mug?", NOW)
    assert (q.kind, q.target, q.attribute) == ("attribute", "mug", "colour"), q


@pytest.mark.parametrize("question, fields", [
    # a state after "turned" at the end is the state, not a dangling preposition
    ("Is the lamp in the living room turned on?", {"kind": "object_state", "target": "lamp", "state": "on"}),
    # window coverings: down is closed
    ("Are the blinds in the bedroom down?", {"kind": "object_state", "target": "blind", "state": "closed"}),
    # a relation phrase after the head selects which one, and the typed query keeps it
    ("Is the fridge below the shelf closed?", {"kind": "object_state", "target": "fridge", "state": "closed",
                                               "relation": "below", "anchor": "shelf"}),
    ("Where can I get some water?", {"kind": "affordance"}),                # a source of something
    ("Where can I get my keys?", {"kind": "present_location", "target": "keys"}),  # a definite thing
    ("Where do I store my shoes?", {"kind": "affordance"}),
    ("How can I change the TV channel?", {"kind": "affordance"}),           # the semantic memory knows a thing
    ("Where precisely are the keys?", {"kind": "present_location", "target": "keys"}),
    ("There are two mugs, which colour are them?", {"kind": "attribute", "target": "mug", "attribute": "colour"}),
    ("What is on top of the calculator?", {"kind": "contents", "target": "calculator"}),
    ("I need to clean my hands, can you find something useful?", {"kind": "affordance"}),
    ("My hands are wet, what should I do to dry them?", {"kind": "affordance"}),
    ("What material are most of the mugs of the kitchen made of?", {"kind": "attribute", "target": "mug"}),
    ("What is immediately to the left of the sofa?", {"kind": "identify", "relation": "left_of", "anchor": "sofa"}),
    ("What are the things on the counter around the sofa?", {"kind": "contents", "target": "counter"}),
])
def test_general_rules_of_session_9(parser, question, fields):
    q = parser.parse(question, NOW)
    from planners.language.entity_linking import lemma_name

    got = {k: lemma_name(v) if k == "target" and v else v for k, v in ((k, getattr(q, k)) for k in fields)}
    assert got == {k: lemma_name(v) if k == "target" else v for k, v in fields.items()}, q
    assert q.confidence >= 0.45, q


@pytest.mark.parametrize("question, why", [
    ("How do I turn on the sink?", "no thing is known for"),                # advice: no thing is for it
    ("Is there water in the sink?", "liquids"),
    ("How many cups does the coffee machine make?", "capacity"),
    ("What's on the sofa but not the counter?", "set difference"),
    ("Where can I access the attic?", "the way to a room"),
    ("Is the fridge more than halfway open?", "how far"),
    ("Where should I sit if I don't want to move anything?", "condition on the asker"),
    ("What is in the corner of the room?", "corner"),
    ("Is the counter clean or dirty?", "clean"),
    ("What colour are the legs of the table?", "not their parts ('legs')"),
    ("What colour are the appliances in the kitchen?", "class of things"),
    ("Is there a clear path to the sofa?", "routes"),
])
def test_questions_memory_cannot_answer_are_refused_with_the_reason(parser, question, why):
    q = parser.parse(question, NOW)
    assert q.kind == "unknown" and q.confidence < 0.3, q
    assert why in q.source, q.source


@pytest.mark.parametrize("question, why", [
    # what a building is made of, whatever the words before it ("the kitchen walls", not only "colour of the walls")
    ("Which colour are the kitchen walls?", "parts of the building are not objects I remember ('walls')"),
    ("What material is the bathroom flooring?", "parts of the building are not objects I remember ('flooring')"),
    ("What color are the walls in the bedroom?", "parts of the building are not objects I remember ('walls')"),
    ("How many rooms have striped wallpaper?", "counts rooms"),
    # a part of a thing named before it ("the oven handles"), not only "the handles of the oven"
    ("What colour are the oven handles?", "not their parts ('handles')"),
    ("What color is the rim around the sink?", "not their parts ('rim')"),
    # a storey is the only place a described thing is looked for
    ("What is the red thing on the upper floor?", "storeys"),
    # a condition on how things are, a liquid held by a thing, what a picture-like thing shows
    ("Where should I put the mugs if the cabinet is full?", "condition on how things are"),
    ("Does the kettle have water in it?", "liquids"),
    ("What is in the mural?", "what pictures show"),
    ("What does the poster in the hallway show?", "what pictures show"),
])
def test_selections_memory_does_not_hold_are_refused_with_the_reason(parser, question, why):
    q = parser.parse(question, NOW)
    assert q.kind == "unknown" and q.confidence < 0.3, q
    assert why in q.source, q.source


@pytest.mark.parametrize("question, why", [
    # the ontology's not_objects, whatever the wording: a part as the target, a part said of the thing selected
    ("What color is the sofa cushion?", "not their parts ('cushion')"),
    ("How many legs does the table have?", "not their parts ('legs')"),
    ("What material is the armrest of the chair?", "not their parts ('armrest')"),
    ("What colour is the lampshade?", "not their parts"),
])
def test_selections_the_ontology_says_are_no_objects_are_refused_with_the_reason(parser, question, why):
    q = parser.parse(question, NOW)
    assert q.kind == "unknown" and q.confidence < 0.3, q
    assert why in q.source, q.source


def test_a_part_noun_memory_holds_an_object_of_is_a_thing(embedder):
    cushions = QuestionParser(embedder=embedder, known_categories=["cushion", "mug"], known_receptacles=RECEPTACLES,
                              known_rooms=ROOMS)
    _assert_reads(cushions, "What color is the cushion?", {"kind": "attribute", "target": "cushion"})


@pytest.mark.parametrize("question, fields", [
    ("What shape are the door knobs?", {"kind": "attribute", "target": "door_knob"}),  # a knob is a thing
    ("What colour are the flowers on the table upstairs?", {"kind": "attribute"}),  # a storey beside a place
    ("What can I use if my hands get cold?", {"kind": "affordance"}),  # a condition on the asker is the activity
    ("Where can I get some water?", {"kind": "affordance"}),
    ("Have you seen my remote?", {"kind": "present_location", "target": "remote"}),
    ("Have you seen the blue umbrella anywhere?", {"kind": "present_location", "target": "umbrella"}),
    ("Have you ever seen a bottle?", {"kind": "exists", "target": "bottle"}),
    ("Which room were you in at d2 08:00?", {"kind": "robot_location", "time": D1 + DAY_S + 8 * HOUR_S}),
    ("In what room was the robot yesterday at 18:00?", {"kind": "robot_location", "time": D1 + 18 * HOUR_S}),
])
def test_general_rules_of_session_11(parser, question, fields):
    _assert_reads(parser, question, fields)


@pytest.mark.parametrize("question, fields", [
    ("What colour is the glass?", {"kind": "attribute", "target": "glass"}),  # a material word as the head
    ("Did you see a glass?", {"kind": "exists", "target": "glass"}),
    ("Which room should I go to for the glass?", {"kind": "room_of", "target": "glass"}),
    ("Did you see a can?", {"kind": "exists", "target": "can"}),  # a template word after "a"
    ("Where is my key ring?", {"kind": "present_location", "target": "keys"}),  # the ontology's synonym
])
def test_things_named_by_a_material_word_or_a_template_word(embedder, question, fields):
    things = QuestionParser(embedder=embedder, known_categories=["glass", "glasses", "can", "keys", "mug"],
                            known_receptacles=RECEPTACLES, known_rooms=ROOMS)
    _assert_reads(things, question, fields)


def _assert_reads(parser: QuestionParser, question: str, fields: dict) -> None:
    from planners.language.entity_linking import lemma_name

    q = parser.parse(question, NOW)
    got = {k: lemma_name(v) if k == "target" and v else v for k, v in ((k, getattr(q, k)) for k in fields)}
    assert got == {k: lemma_name(v) if k == "target" else v for k, v in fields.items()}, q
    assert q.confidence >= 0.45, q


def test_where_can_i_have_an_activity_is_an_affordance_not_where_i_have_left_a_thing(parser):
    dinner = parser.parse("Where can I have dinner?", NOW)
    assert (dinner.kind, dinner.activity) == ("affordance", "have dinner")
    keys = parser.parse("Where could I have left my keys?", NOW)
    assert (keys.kind, keys.target) == ("present_location", "keys")


@pytest.mark.parametrize("question, kind, anchor, anchor2, target", [
    # a compound's modifier that is a category ("fruit") is not the thing: the head is ("basket")
    ("What is between the fruit basket and the counter?", "identify", "fruit_basket", "counter", None),
    # "the brown and green sofa": one head for both parts of "between"
    ("What is between the brown and green sofa?", "identify", "sofa", "sofa", None),
    ("What is right above the counter?", "identify", "counter", None, None),
    # a placement verb is no spec form: the rule reads it, not the nearest template
    ("What is located on the counter?", "contents", None, None, "counter"),
    ("Which room should I go to see the remote?", "room_of", None, None, "remote"),
])
def test_relations_heads_and_placement_verbs_are_read_generally(parser, question, kind, anchor, anchor2, target):
    query = parser.parse(question, NOW)
    assert (query.kind, query.anchor, query.anchor2) == (kind, anchor, anchor2), query
    if target is not None:
        assert query.target == target
    if "brown" in question:
        assert query.relation == "between"
