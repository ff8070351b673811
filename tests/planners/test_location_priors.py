"""planners.belief.priors: the one model of where a thing is, as the query paths would print it."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from household_memory import DAY, HOUR  # noqa: E402

from planners.belief.builder import BeliefBuilder  # noqa: E402
from planners.belief.config import BeliefConfig  # noqa: E402
from planners.belief.priors import LocationModel, located_distribution  # noqa: E402
from planners.language.typed_query import TypedQuery  # noqa: E402


def test_the_remembered_place_decays_and_the_rest_goes_to_the_prior_and_out_of_the_house(quiet_memory):
    config = BeliefConfig()
    mug = next(loc for loc in quiet_memory.locate("mug") if loc.source == "memory")
    now = mug.last_seen + 10 * HOUR
    rows = located_distribution(quiet_memory, "mug", now, config=config)
    assert sum(r.probability for r in rows) == pytest.approx(1.0)
    assert [r.probability for r in rows] == sorted((r.probability for r in rows), reverse=True)
    stay = LocationModel(quiet_memory, config, now).stay(mug.object_id, 10.0)
    (remembered,) = [r for r in rows if r.source == "memory"]
    assert remembered.object_id == mug.object_id and remembered.rests_on == "counter_0" and remembered.present
    assert remembered.probability == pytest.approx(stay, rel=1e-9)
    (gone,) = [r for r in rows if r.source == "not_in_house"]
    assert gone.probability == pytest.approx((1.0 - stay) * config.not_in_house_share, rel=1e-9)
    assert all(math.isnan(v) for v in gone.position) and not gone.present
    prior = [r for r in rows if r.source == "prior"]
    assert prior and "counter_0" not in {r.rests_on for r in prior}, "the remembered place is not an alternative"
    assert sum(r.probability for r in prior) == pytest.approx((1.0 - stay) * (1.0 - config.not_in_house_share))


def test_it_is_the_belief_the_planners_answer_from(quiet_memory):
    """One model: the rows carry the present-location belief's own probabilities (question no evidence)."""
    now = 2 * DAY
    rows = located_distribution(quiet_memory, "mug", now)
    belief = BeliefBuilder(quiet_memory).build(TypedQuery("present_location", target="mug", confidence=1.0), now)
    by_place = {(c.object_id, c.rests_on, c.room): c.probability for c in belief.candidates}
    assert {(r.object_id, r.rests_on, r.room): r.probability for r in rows} == pytest.approx(by_place)


def test_asking_is_evidence_of_a_move_only_when_configured(quiet_memory):
    now = next(loc for loc in quiet_memory.locate("mug") if loc.source == "memory").last_seen + HOUR
    plain = located_distribution(quiet_memory, "mug", now)[0]
    asked = located_distribution(quiet_memory, "mug", now, config=BeliefConfig(asked_moved_likelihood_ratio=4.0))
    asked_row = next(r for r in asked if r.source == "memory")
    assert plain.source == "memory" and asked_row.probability < plain.probability


def test_a_past_time_splits_the_placement_at_the_move_memory_saw_later(moved_memory):
    t = 8.5 * HOUR
    rows = located_distribution(moved_memory, "mug", 2 * DAY, at=t)
    belief = BeliefBuilder(moved_memory).build(TypedQuery("past_location", target="mug", time=t, confidence=1.0),
                                               2 * DAY)
    assert {r.rests_on: r.probability for r in rows} == pytest.approx({c.rests_on: c.probability
                                                                       for c in belief.candidates})
    assert {r.rests_on for r in rows} == {"counter_0", "table_3"} and all(r.source == "memory" for r in rows)


def test_a_thing_never_seen_has_no_distribution(quiet_memory):
    assert located_distribution(quiet_memory, "unicorn", 2 * DAY) == []
