"""The kind learned from labelled questions (planners.language.learned_kind) and how the parser uses it.

A kind model is fitted here on a few hand-written questions with the real MiniLM embedder, so what it learned
is known: a wording the rules refuse reads as the kind its nearest labelled questions have, with the rule
parser's own target; a wording like the questions labelled inexpressible is refused.
"""

from __future__ import annotations

import pytest

from planners.language.learned_kind import KIND_MODEL_PATH, KindModel, LearnedKindConfig, learned_decision
from planners.language.question_parsing import QuestionParser, QuestionParserConfig

NOW = 2 * 86400.0 + 12 * 3600.0

LOCATION = ["Where is the mug with the blue stripe?", "I'm looking for the book with a red cover, where is it?",
            "Where is the bottle that has a white cap?", "Where did I put the cup with the broken handle?",
            "Where can I find the towel with the yellow border?", "Where is the box with the green label?"]
ATTRIBUTE = ["What colour is the sofa?", "What color is the lamp?", "What is the colour of the rug?",
             "Which colour does the chair have?", "What material is the table made of?"]
UNKNOWN = ["Why is the house so cold?", "Who painted the picture in the hall?", "What brand is the television?",
           "Is it going to rain tomorrow?", "Why would someone put a plant there?", "What is the weather outside?",
           "Who lives in this house?", "How old is the building?", "What kind of plates are there?",
           "What type of lamps are in the house?", "What sort of chairs do we have?", "What kinds of shoes are there?"]


@pytest.fixture(scope="module")
def embedder():
    from planners.language.question_parsing import default_embedder

    return default_embedder()


@pytest.fixture(scope="module")
def model_path(embedder, tmp_path_factory):
    texts = LOCATION + ATTRIBUTE + UNKNOWN
    kinds = ["present_location"] * len(LOCATION) + ["attribute"] * len(ATTRIBUTE) + ["unknown"] * len(UNKNOWN)
    model = KindModel.fit(embedder.embed(texts), kinds, l2=0.1)
    path = tmp_path_factory.mktemp("learned") / "learned_kind.json"
    model.save(path)
    return path


def _parser(embedder, path, enabled=True):
    config = QuestionParserConfig(learned=LearnedKindConfig(enabled=enabled, path=str(path)))
    return QuestionParser(embedder=embedder, known_categories=["mug", "bottle", "cup", "book"],
                          known_receptacles={"table_1": "table", "sofa_1": "sofa"},
                          known_rooms=["kitchen", "living room"], config=config)


def test_a_wording_the_rules_refuse_reads_as_its_learned_kind_with_the_rules_target(embedder, model_path):
    question = "I am searching for the mug with a green lid. Where is it?"
    without = _parser(embedder, model_path, enabled=False).parse(question, NOW)
    assert without.kind == "unknown"  # the rules leave 'lid' out and refuse it
    query = _parser(embedder, model_path).parse(question, NOW)
    assert query.kind in ("present_location", "past_location"), query
    assert query.target == "mug" and query.confidence >= 0.5, query
    assert "confirmed by the learned kind" in query.source


def test_a_wording_like_the_inexpressible_ones_is_refused_when_refusing_is_on(embedder, model_path):
    question = "What kind of cups are there?"
    assert _parser(embedder, model_path, enabled=False).parse(question, NOW).kind == "contents"  # the rules read it
    assert _parser(embedder, model_path).parse(question, NOW).kind == "contents"  # refusing is off by default
    config = QuestionParserConfig(learned=LearnedKindConfig(enabled=True, path=str(model_path), refuse_min_unknown=0.6))
    parser = QuestionParser(embedder=embedder, known_categories=["mug", "cup"], config=config)
    query = parser.parse(question, NOW)
    assert query.kind == "unknown" and "refused by the learned kind" in query.source, query


def test_the_decision():
    config = LearnedKindConfig(confirm_min=0.5, confirm_max_unknown=0.2, refuse_min_unknown=0.6)
    assert learned_decision("attribute", "attribute", {"attribute": 0.3, "unknown": 0.7}, config) == "refuse"
    assert learned_decision("attribute", "attribute", {"attribute": 0.5, "unknown": 0.5}, config) == "keep"
    never = LearnedKindConfig(refuse_min_unknown=None)
    assert learned_decision("attribute", "attribute", {"attribute": 0.0, "unknown": 1.0}, never) == "keep"
    assert learned_decision("unknown", "past_location", {"location": 0.6, "unknown": 0.1}, config) == "confirm"
    assert learned_decision("unknown", "attribute", {"attribute": 0.6, "unknown": 0.3}, config) == "keep"
    assert learned_decision("unknown", "attribute", {"identify": 0.9, "unknown": 0.0}, config) == "keep"
    assert learned_decision("unknown", "unknown", {"unknown": 0.0}, config) == "keep"


def test_the_shipped_model_has_every_class_and_its_provenance():
    model = KindModel.load(KIND_MODEL_PATH)
    assert {"unknown", "location", "attribute", "affordance", "identify"} <= set(model.classes)
    assert all(len(row) == 384 for row in model.weights)
    assert "bench.learned_kind_fit" in model.provenance["command"] and "heldout6" in model.provenance["fitted_on"]


def test_a_model_file_without_weights_is_named(tmp_path):
    path = tmp_path / "learned_kind.json"
    path.write_text('{"classes": ["unknown"], "bias": [0.0]}', encoding="utf-8")
    with pytest.raises(ValueError, match="weights"):
        KindModel.load(path)
