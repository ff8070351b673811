import math

import pytest

from bench.statistics import wilson_interval


def test_the_wilson_interval_matches_the_textbook_values():
    # 8 of 10: Wilson 95% is [0.490, 0.943] (Agresti & Coull's table)
    p = wilson_interval(8, 10)
    assert p.rate == 0.8
    assert p.low == pytest.approx(0.4902, abs=1e-3)
    assert p.high == pytest.approx(0.9433, abs=1e-3)


def test_the_interval_stays_inside_zero_and_one_and_is_not_degenerate_at_the_ends():
    all_right = wilson_interval(12, 12)
    assert all_right.high == 1.0 and 0.7 < all_right.low < 0.8
    none_right = wilson_interval(0, 12)
    assert none_right.low == 0.0 and 0.2 < none_right.high < 0.3


def test_more_questions_give_a_narrower_interval():
    small, large = wilson_interval(9, 12), wilson_interval(75, 100)
    assert (large.high - large.low) < (small.high - small.low)


def test_no_questions_and_impossible_counts():
    empty = wilson_interval(0, 0)
    assert empty.n == 0 and math.isnan(empty.low) and str(empty) == "n/a (n=0)"
    with pytest.raises(ValueError, match="3/2"):
        wilson_interval(3, 2)
