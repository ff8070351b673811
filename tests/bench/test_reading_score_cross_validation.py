"""Leave-one-split-out estimate of the reading score's refusals (bench.reading_score_cross_validation).

The questions are built by hand (features and labels) so that what each fold may and may not learn is known.
"""

from __future__ import annotations

import pytest

from bench.reading_score_cross_validation import (
    Question,
    Tally,
    cross_validate,
    cross_validate_reading,
    fit_fold,
    stored_tally,
)


def _question(split: str, expressible: bool, uncovered_share: float, index: int, kind: str = "identify") -> Question:
    from planners.language.reading_score import FEATURES, SPEC_KINDS

    features = {name: 0.0 for name in FEATURES}
    features["uncovered_share"] = uncovered_share
    features["spec_kind"] = 1.0 if kind in SPEC_KINDS else 0.0
    vector = [1.0, 0.0, 0.0] if index % 2 else [0.0, 1.0, 0.0]
    return Question(split, expressible, vector, dict(features), expressible, kind, 0.9,
                    dict(features), expressible, kind, 0.9)


def _split(name: str, leftover_of_inexpressible: float, kind_of_inexpressible: str = "identify") -> list[Question]:
    out = [_question(name, True, 0.0, i) for i in range(12)]
    return out + [_question(name, False, leftover_of_inexpressible, i, kind_of_inexpressible) for i in range(8)]


def test_each_split_is_scored_by_a_fit_on_the_others_only():
    # In splits a, b, c an inexpressible question leaves its words unaccounted for; in x it does not, and
    # only x's are read as a kind of the scenario spec: a fit that saw x would learn to refuse that kind.
    questions = _split("a", 1.0) + _split("b", 1.0) + _split("c", 1.0) + _split("x", 0.0, "contents")
    tallies = cross_validate(questions, [None, 0.5], l2=1.0, probe_l2=1.0, keep_right=0.95, min_confidence=0.3,
                             splits=("a", "b", "c", "x"))
    for tally in tallies.values():
        assert set(tally.by_split) == {"a", "b", "c", "x"}
        assert (tally.inexpressible, tally.expressible) == (32, 48)
        # x's inexpressible questions look expressible to a fit that never saw x: all answered.
        assert tally.by_split["x"][:2] == (8, 8)
        # a, b and c are each caught by what the other splits taught.
        assert all(tally.by_split[s][0] == 0 for s in "abc")
        assert tally.right_on_expressible == 48 and tally.refused_expressible == 0


@pytest.mark.parametrize("held_out", ["heldout7", "heldout9"])
def test_cross_validation_never_fits_on_a_held_out_split(held_out):
    # every split given but the left-out one is trained on, so a held-out split among them is refused outright
    questions = _split("a", 1.0) + _split("b", 1.0) + _split(held_out, 1.0)
    with pytest.raises(ValueError, match=held_out):
        cross_validate(questions, [None], l2=1.0, probe_l2=1.0, keep_right=0.95, min_confidence=0.3,
                       splits=("a", "b"))
    with pytest.raises(ValueError, match=held_out):
        cross_validate(_split("a", 1.0) + _split("b", 1.0), [None], l2=1.0, probe_l2=1.0, keep_right=0.95,
                       min_confidence=0.3, splits=("a", "b", held_out))


def test_a_stored_score_is_read_on_every_split_at_its_own_threshold():
    # A score fitted on a, b, c only is what the fold leaving x out fits: read as "stored" it tallies x as
    # that fold does, and it catches a, b and c's inexpressible questions (it was fitted on them).
    questions = _split("a", 1.0) + _split("b", 1.0) + _split("c", 1.0) + _split("x", 0.0, "contents")
    score = fit_fold([q for q in questions if q.split != "x"], l2=1.0, probe_l2=1.0, keep_right=0.95)
    fold = cross_validate(questions, [None], l2=1.0, probe_l2=1.0, keep_right=0.95, min_confidence=0.3,
                          splits=("a", "b", "c", "x"))[None]
    stored = stored_tally(questions, score, min_confidence=0.3, rules_off=False, splits=("a", "b", "c", "x"))
    assert stored.by_split["x"] == fold.by_split["x"] == (8, 8, 12, 12)
    assert all(stored.by_split[s][0] == 0 for s in "abc")
    assert stored.refused_by_split == {"a": 0, "b": 0, "c": 0, "x": 0}


def test_the_tally_adds_up_per_split():
    tally = Tally()
    tally.add("s", answered=[True, False, True], right=[True, False, False], expressible=[True, True, False])
    assert (tally.confident_on_inexpressible, tally.inexpressible) == (1, 1)
    assert (tally.refused_expressible, tally.right_on_expressible, tally.expressible) == (1, 1, 2)
    assert tally.by_split["s"] == (1, 1, 1, 2) and tally.refused_by_split["s"] == 1


@pytest.mark.parametrize("argv, message", [
    (["--cross-validate", "--splits", "dev"], "at least two splits"),
    (["--cross-validate", "--thresholds", "0.5,high"], "--thresholds"),
])
def test_cross_validation_refuses_bad_arguments_naming_them(argv, message):
    from bench.reading_score_fit import main
    from memory_stack.foundation.errors import BadInputError

    with pytest.raises(BadInputError, match=message):
        main(argv)


def _refused_by_the_rules(split: str, label_kind: str, vector: list[float]) -> Question:
    """A question the rules refuse whose rules-off reading is an attribute reading (right if it asks one)."""
    from planners.language.reading_score import FEATURES

    features = {name: 0.0 for name in FEATURES}
    return Question(split, label_kind != "unknown", vector, features, label_kind == "attribute", "attribute", 0.85,
                    None, False, "unknown", 0.15, label_kind=label_kind)


def test_the_learned_kind_confirms_a_refused_reading_only_from_what_the_other_splits_teach():
    from planners.language.learned_kind import LearnedKindConfig

    worded_a, worded_b = [0.0, 0.0, 1.0], [0.0, 0.0, -1.0]
    # a and b: questions worded like worded_a ask for an attribute, those worded like worded_b are inexpressible;
    # x: the other way round. A fold that never saw x confirms x's worded_b question and refuses its worded_a one.
    questions = []
    for split in ("a", "b"):
        questions += [_refused_by_the_rules(split, "attribute", worded_a) for _ in range(6)]
        questions += [_refused_by_the_rules(split, "unknown", worded_b) for _ in range(6)]
    questions += [_refused_by_the_rules("x", "unknown", worded_a), _refused_by_the_rules("x", "attribute", worded_b)]
    alone, (learned,) = cross_validate_reading(questions, 1.0, 1.0, 0.95, 0.3, 0.1, [LearnedKindConfig()],
                                               splits=("a", "b", "x"))
    assert alone.by_split["x"] == (0, 1, 0, 1)  # the rules refuse both
    assert learned.by_split["x"] == (1, 1, 0, 1)  # worded_a answered although inexpressible; worded_b refused
    assert learned.by_split["a"][2] == 6 and learned.by_split["a"][0] == 0  # a's: taught by b
