"""bench.question_understanding's scoring: what counts as a right reading, and the reliability table."""

from __future__ import annotations

import pytest

from bench.question_understanding import Outcome, reading_right, reliability
from planners.language.typed_query import TypedQuery

LABEL = {"qid": "q", "split": "dev", "expressible": True, "kind": "object_state", "also_accepted_kinds": [],
         "targets": ["cabinet", "kitchen_cabinet"], "state": "open"}


def test_a_reading_is_right_when_kind_and_target_are_the_labelled_ones():
    right = TypedQuery(kind="object_state", target="kitchen_cabinet", state="open", confidence=0.9)
    assert reading_right(LABEL, right, {})
    assert not reading_right(LABEL, TypedQuery(kind="present_location", target="cabinet", confidence=0.9), {})
    assert not reading_right(LABEL, TypedQuery(kind="object_state", target="sink", confidence=0.9), {})
    assert not reading_right({**LABEL, "expressible": False}, right, {}), "never right on an inexpressible question"
    assert reading_right({**LABEL, "targets": ["couch"]}, TypedQuery(kind="object_state", target="sofa",
                                                                      confidence=0.9), {"couch": "sofa"})


def _outcome(score: float, right: bool, expressible: bool = True) -> Outcome:
    o = Outcome("q", "?", "dev", expressible, "object_state", [], "object_state", "x", 0.9, "rule")
    o.confident, o.target_right, o.reading_score = True, right, score
    return o


def test_the_reliability_table_counts_answered_readings_by_score():
    outcomes = [_outcome(0.6, True), _outcome(0.65, False, expressible=False), _outcome(0.97, True),
                _outcome(0.99, True)]
    unanswered = _outcome(0.99, False)
    unanswered.confident = False
    rows = reliability(outcomes + [unanswered])
    assert rows[2].startswith("| 0.50-0.70 | 2 | 1 | 1 (1) | 50.0%")
    assert rows[3].startswith("| 0.95-1.00 | 2 | 2 | 0 (0) | 100.0%")
    assert len(rows) == 4, "empty bins and unanswered readings are left out"


@pytest.fixture(scope="module")
def openeqa() -> tuple[list[dict], list[dict]]:
    """OpenEQA's questions (from ../shared/data) and the repository's labels of them."""
    import json

    from bench.question_understanding import QUESTIONS, load_labelled

    if not QUESTIONS.is_file():
        pytest.skip(f"OpenEQA's questions are not here ({QUESTIONS}): ../shared/data is absent")
    questions = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return questions, [label for label, _ in load_labelled()]


DRAWN_BEFORE_HELDOUT5 = ("dev", "dev2", "dev3", "dev4", "dev5", "heldout", "heldout2", "heldout3", "heldout4")


@pytest.mark.parametrize(("split", "seed", "size", "drawn_before"), [
    ("heldout5", 1616, 160, DRAWN_BEFORE_HELDOUT5),
    ("heldout6", 1617, 176, (*DRAWN_BEFORE_HELDOUT5, "heldout5")),
])
def test_a_held_out_split_is_the_draw_its_provenance_states(openeqa, split, seed, size, drawn_before):
    """bench/data/README.md: Random(seed).sample(rest, size), rest = the questions in file order not labelled before."""
    import random

    from bench.question_understanding import LABELS

    questions, labels = openeqa
    held_out = [label for label in labels if label["split"] == split]
    earlier = {label["qid"] for label in labels if label["split"] in drawn_before}
    rest = [q for q in questions if q["qid"] not in earlier]
    drawn = random.Random(seed).sample(rest, size)
    assert [(label["sample_index"], label["qid"]) for label in held_out] == \
        [(i, q["qid"]) for i, q in enumerate(drawn)], LABELS
    assert all(label["expressible"] == ("kind" in label) == ("why_not" not in label) for label in held_out)


def test_heldout6_exhausts_the_questions(openeqa):
    """After heldout6 every OpenEQA question is labelled exactly once."""
    from bench.question_understanding import LABELS

    questions, labels = openeqa
    assert sorted(label["qid"] for label in labels) == sorted(q["qid"] for q in questions), LABELS
