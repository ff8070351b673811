"""How stale a remembered open/closed state is: the change rate learned from this home's readings."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from household_memory import (  # noqa: E402
    COUNTER,
    DAY,
    FRIDGE_CLOSED,
    FRIDGE_OPEN,
    HOUR,
    KITCHEN_FURNITURE,
    MUG_ON_COUNTER,
    two_room_memory,
)

from planners.belief.builder import BeliefBuilder  # noqa: E402
from planners.belief.config import STATE_QUESTION_CHANGE_LIKELIHOOD_RATIO, BeliefConfig  # noqa: E402
from planners.belief.priors import asked_stay_probability  # noqa: E402
from planners.belief.two_state import state_rate_posterior  # noqa: E402
from planners.decision.value_of_information import ValueOfInformationStopper  # noqa: E402
from planners.language.typed_query import TypedQuery  # noqa: E402

OPEN_NOW = TypedQuery("object_state", target="fridge", state="open", confidence=1.0)


def _patrols(days: int):
    """The fridge read closed at a 07:00 patrol each day, never watched in between."""
    store, writer = two_room_memory()
    for day in range(1, days):
        writer.look_kitchen(day * DAY + 7 * HOUR, KITCHEN_FURNITURE + [MUG_ON_COUNTER])
    return store


def test_a_state_read_half_a_day_ago_is_not_certain():
    """Read closed at two daily patrols, asked 13 h after the last: no watching in between, so no certainty.

    The earlier per-object rate (changes seen / hours since first seen) fell the longer the robot had
    known the fridge and put "closed" at 0.97, above the certain threshold, where the robot had not looked.
    """
    store = _patrols(2)
    try:
        belief = BeliefBuilder(store).build(OPEN_NOW, DAY + 20 * HOUR)
        assert belief.map_candidate.value is False, "closed is still the likelier state"
        assert 0.85 < belief.confidence < 0.95
        assert belief.confidence < ValueOfInformationStopper().certain_threshold
        fresh = BeliefBuilder(store).build(OPEN_NOW, DAY + 7 * HOUR + 60)
        assert fresh.confidence > 0.99, "a state read a minute ago holds"
    finally:
        store.close()


def test_the_change_rate_is_learned_from_what_the_robot_saw_change():
    """A fridge seen open and shut again several times changes often; one seen shut at every hourly look, seldom."""
    busy, _ = two_room_memory()
    quiet, _ = two_room_memory()
    try:
        busy_writer, quiet_writer = _writer(busy), _writer(quiet)
        for k in range(8):
            t = 8 * HOUR + k * HOUR
            busy_writer.look_kitchen(t, [COUNTER, FRIDGE_OPEN if k % 2 == 0 else FRIDGE_CLOSED])
            quiet_writer.look_kitchen(t, [COUNTER, FRIDGE_CLOSED])
        now = 16 * HOUR
        busy_rate = state_rate_posterior(BeliefBuilder(busy).location_model(now), "fridge", now)
        quiet_rate = state_rate_posterior(BeliefBuilder(quiet).location_model(now), "fridge", now)
        assert busy_rate.pairs >= 7 and quiet_rate.pairs >= 7
        assert busy_rate.mean_rate > 10 * quiet_rate.mean_rate
        later = now + 3 * HOUR
        keep_busy = BeliefBuilder(busy).build(OPEN_NOW, later)
        keep_quiet = BeliefBuilder(quiet).build(OPEN_NOW, later)
        assert keep_quiet.confidence > keep_busy.confidence
        assert keep_busy.confidence == pytest.approx(1.0 - BeliefConfig().active_state_fraction, abs=0.02), \
            "a fridge that changes every hour is, three hours on, as likely open as fridges ever are"
    finally:
        busy.close()
        quiet.close()


def test_asking_whether_it_is_open_now_is_evidence_of_a_change():
    """The asker's likelihood ratio (as for where-is questions) applies to the present state only."""
    store = _patrols(2)
    try:
        now = DAY + 20 * HOUR
        plain = BeliefBuilder(store, BeliefConfig()).build(OPEN_NOW, now)
        asked_config = BeliefConfig(asked_state_change_likelihood_ratio=STATE_QUESTION_CHANGE_LIKELIHOOD_RATIO)
        asked = BeliefBuilder(store, asked_config).build(OPEN_NOW, now)
        assert asked.map_candidate.probability == pytest.approx(
            asked_stay_probability(plain.map_candidate.probability, STATE_QUESTION_CHANGE_LIKELIHOOD_RATIO))
        assert asked.confidence < 0.8
        stationary = 1.0 - BeliefConfig().active_state_fraction   # a closed reading long ago: only the long-run share
        assert asked_stay_probability(stationary, STATE_QUESTION_CHANGE_LIKELIHOOD_RATIO) > 0.5, \
            "the question alone never makes the unseen state the answer"
        past = TypedQuery("object_state", target="fridge", state="open", time=DAY + 9 * HOUR, confidence=1.0)
        assert (BeliefBuilder(store, BeliefConfig(asked_state_change_likelihood_ratio=8.0)).build(past, now).confidence
                == pytest.approx(BeliefBuilder(store).build(past, now).confidence))
    finally:
        store.close()


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan")])
def test_the_rate_prior_must_have_a_spread(bad):
    with pytest.raises(ValueError, match="state_rate_prior_decades"):
        BeliefConfig(state_rate_prior_decades=bad)


def _writer(store):
    from household_memory import FrameWriter

    writer = FrameWriter(store)
    writer.next_id = 500
    return writer


def test_things_arrive_on_a_receptacle_at_the_rate_things_move_in_this_home():
    """The arrival rate is the home's moves per hour times the receptacle's share of placements, not a constant.

    Tripling how much the mobility prior says things move triples what arrives on the table, and a
    table last seen a day ago is then less likely to hold exactly what it held.
    """
    from planners.belief.config import DEFAULT_MOVES_PER_DAY
    from planners.belief.contents_beliefs import arrival_rate

    store = _patrols(2)
    try:
        now = DAY + 20 * HOUR
        calm = BeliefConfig(learn_household_scale=False)
        busy = BeliefConfig(learn_household_scale=False,
                            moves_per_day={k: 3.0 * v for k, v in DEFAULT_MOVES_PER_DAY.items()})
        table = next(r for r in store.receptacles() if r.category == "table")
        rates = [arrival_rate(BeliefBuilder(store, c).location_model(now), {table.id}) for c in (calm, busy)]
        assert rates[0] > 0.0
        assert rates[1] == pytest.approx(3.0 * rates[0])
        query = TypedQuery("contents", receptacle="table", confidence=1.0)
        beliefs = [BeliefBuilder(store, c).build(query, now) for c in (calm, busy)]
        assert beliefs[1].confidence < beliefs[0].confidence
        fixed = BeliefBuilder(store, BeliefConfig(learn_household_scale=False, learn_arrival_rate=False))
        assert arrival_rate(fixed.location_model(now), {table.id}) == BeliefConfig().arrival_rate_per_hour
    finally:
        store.close()
