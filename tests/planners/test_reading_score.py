"""The reading score: a calibrated probability that a reading is the question's, and refusal below its threshold.

Real parser and sentence-embedding model; the stored model is planners/data/reading_score.json.
"""

from __future__ import annotations

import pytest

ASKED_AT = 2 * 86400.0 + 12 * 3600.0


@pytest.fixture(scope="module")
def parser():
    from planners.language.question_parsing import QuestionParser

    return QuestionParser()


@pytest.mark.parametrize("question", [
    "Is there enough light in the nursery for the twins to read?",
    "What is the thing the kids always fight over near the garage, unless it is broken?",
])
def test_a_reading_that_leaves_much_of_the_question_out_is_refused_by_the_score(parser, question):
    unguarded, features = parser.read_without_refusals(question, ASKED_AT)
    assert not unguarded.is_unknown and features is not None, "there is a reading to refuse"
    query = parser.parse(question, ASKED_AT)
    assert query.is_unknown and "reading score" in query.source
    assert query.confidence < parser.reading_score().threshold


@pytest.mark.parametrize("question, kind", [
    ("Where is the mug?", "present_location"),
    ("How many times was the fridge opened?", "count"),
    ("What colour is the mug?", "attribute"),
    ("What is in the kitchen?", "contents"),
])
def test_a_reading_of_a_form_the_query_has_keeps_its_calibrated_probability(parser, question, kind):
    query = parser.parse(question, ASKED_AT)
    assert query.kind == kind
    score = parser.reading_score()
    unguarded, features = parser._read(question, ASKED_AT, refusals=True)
    probability = score.probability(features)
    assert probability >= score.threshold
    assert query.confidence == pytest.approx(min(probability, unguarded.confidence)), \
        "the score's probability, capped by the reading's own confidence"


def test_the_fit_keeps_the_signs_known_before_fitting():
    import random

    from planners.language.reading_score import FEATURES, ReadingScore

    rng = random.Random(3)
    rows, right = [], []
    for _ in range(300):
        row = {name: rng.random() for name in FEATURES}
        # Here words left out go with right readings (as collinear features can make them): the sign stays.
        is_right = rng.random() < 0.2 + 0.3 * row["uncovered_words"] + 0.4 * row["question_expressible"]
        rows.append(row)
        right.append(is_right)
    score = ReadingScore.fit(rows, right, l2=0.1)
    assert score.coefficients["uncovered_words"] == 0.0
    assert score.coefficients["question_expressible"] > 0.5
    assert score.probability({**rows[0], "question_expressible": 1.0}) > score.probability(
        {**rows[0], "question_expressible": 0.0})


def test_the_stored_score_says_what_it_was_fitted_on():
    from planners.language.reading_score import FEATURES, SCORE_PATH, ReadingScore

    score = ReadingScore.load()
    assert set(FEATURES) <= set(score.coefficients) and 0.0 < score.threshold < 1.0
    assert len(score.probe_weights) == 384, "the probe reads MiniLM's 384-dimensional embeddings"
    fitted_on = score.provenance["fitted_on"]
    assert "dev, dev2, dev3, dev4" in fitted_on and "heldout" not in fitted_on and "dev5" not in fitted_on
    assert "reading_score_fit" in score.provenance["command"], SCORE_PATH


def test_the_fit_refuses_the_splits_it_is_checked_on(monkeypatch, tmp_path):
    from bench.reading_score_fit import main
    from memory_stack.foundation.errors import BadInputError

    # no questions to read: should the refusal break, the fit stops at the missing file, never reading a held-out one
    monkeypatch.setattr("bench.reading_score_fit.QUESTIONS", tmp_path / "absent.jsonl")
    for checked_on in ("heldout7", "heldout8"):
        with pytest.raises(BadInputError, match=f"development splits only, not {checked_on} "):
            main(["--splits", f"dev,{checked_on}"])
        with pytest.raises(BadInputError, match=f"not {checked_on} "):
            main(["--cross-validate", "--splits", f"dev,dev2,{checked_on}"])
