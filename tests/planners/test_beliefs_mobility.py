"""The staleness prior: Gamma(category mobility prior) updated with the moves memory saw."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from household_memory import HOUR, KITCHEN_FURNITURE, two_room_memory  # noqa: E402

from planners.belief.builder import BeliefBuilder  # noqa: E402
from planners.belief.config import BeliefConfig  # noqa: E402
from planners.belief.priors import (
    LocationModel,  # noqa: E402
    stay_probability,  # noqa: E402
)
from planners.language.typed_query import TypedQuery  # noqa: E402

# A busy home's table (the defaults are a quieter home's): the mechanism, not the numbers, is tested here.
BUSY = {"personal_item": 4.0, "drinkware": 4.0, "furniture": 0.01, "object": 0.5}
MOBILE = BeliefConfig(use_mobility_prior=True, use_household_move_rate=False, moves_per_day=BUSY,
                      learn_household_scale=False)


def test_prior_follows_the_ontology_is_a_chain(quiet_memory):
    builder = BeliefBuilder(quiet_memory, BeliefConfig(moves_per_day={"personal_item": 2.4, "furniture": 0.024},
                                                          use_mobility_prior=True))
    model = builder.location_model(0.0)
    assert model.prior_moves_per_hour("keys") == pytest.approx(0.1)      # keys -> personal_item
    assert model.prior_moves_per_hour("keychain") == pytest.approx(0.1)  # synonym of keys
    assert model.prior_moves_per_hour("fridge") == pytest.approx(0.001)  # fridge -> appliance -> furniture
    unknown = model.prior_moves_per_hour("zorblax")
    assert unknown == pytest.approx(builder.config.default_move_rate_per_hour)


def test_handheld_objects_decay_faster_than_furniture(quiet_memory):
    builder = BeliefBuilder(quiet_memory, MOBILE)
    model = builder.location_model(0.0)
    keys, counter = model.mobility_rate("keys"), model.mobility_rate("counter_0")
    assert keys > 100 * counter
    assert stay_probability(keys, 4.0) < 0.7 < 0.99 < stay_probability(counter, 4.0)
    last_seen = quiet_memory.locate("keys")[0].last_seen
    query = TypedQuery("present_location", target="keys", confidence=1.0)
    assert builder.build(query, last_seen + 4 * HOUR).confidence < 0.7


def test_a_recent_sighting_keeps_confidence_high(quiet_memory):
    builder = BeliefBuilder(quiet_memory, MOBILE)
    last_seen = quiet_memory.locate("keys")[0].last_seen
    query = TypedQuery("present_location", target="keys", confidence=1.0)
    fresh = builder.build(query, last_seen + 60.0).confidence
    stale = builder.build(query, last_seen + 6 * HOUR).confidence
    assert fresh > 0.98 and stale < fresh - 0.3


def test_observed_moves_raise_the_rate(quiet_memory, moved_memory):
    config = BeliefConfig(moves_per_day={"mug": 0.24}, mobility_prior_hours=24.0, learn_household_scale=False)
    quiet = LocationModel(quiet_memory, config, 0.0).mobility_rate("mug")
    moved = LocationModel(moved_memory, config, 0.0).mobility_rate("mug")
    assert [e.object_id for e in moved_memory.events(kinds=["moved"])] == ["mug_2"]
    mug = next(o for o in moved_memory.objects(include_absent=True) if o.id == "mug_2")
    tracked = (mug.last_seen - mug.first_seen) / HOUR
    assert moved == pytest.approx((0.01 * 24.0 + 1) / (24.0 + tracked))
    assert moved > 3 * quiet


def test_long_quiet_tracking_lowers_the_rate_towards_what_was_seen(quiet_memory):
    short = LocationModel(quiet_memory, BeliefConfig(mobility_prior_hours=24.0), 0.0).mobility_rate("keys")
    weak_prior = LocationModel(quiet_memory, BeliefConfig(mobility_prior_hours=1.0), 0.0).mobility_rate("keys")
    assert weak_prior < short  # three quiet tracked hours weigh more against a weaker prior


def test_the_household_scale_is_the_moves_seen_over_the_moves_the_prior_expects(moved_memory):
    config = BeliefConfig(moves_per_day={"object": 2.4}, household_scale_prior_moves=2.0)
    model = LocationModel(moved_memory, config, 0.0)
    movable = [o for o in moved_memory.objects(include_absent=True) if not o.is_receptacle]
    expected = sum(0.1 * (o.last_seen - o.first_seen) / HOUR for o in movable)
    moves = len([e for e in moved_memory.events(kinds=["moved"]) if e.object_id in {o.id for o in movable}])
    assert moves == 1
    assert model.household_mobility_scale() == pytest.approx((2.0 + moves) / (2.0 + expected))
    unscaled = LocationModel(moved_memory, BeliefConfig(moves_per_day={"object": 2.4}, learn_household_scale=False),
                             0.0)
    assert unscaled.household_mobility_scale() == 1.0
    ratio = model.mobility_rate("keys") / unscaled.mobility_rate("keys")
    assert ratio == pytest.approx(model.household_mobility_scale(), rel=0.05), "keys never moved: prior term only"


def test_a_departure_memory_never_linked_to_a_new_place_is_a_move(moved_memory):
    """Seen gone from the counter and never seen again: one move, and the hours until it was noticed are exposure."""
    store, writer = two_room_memory()
    try:
        writer.look_kitchen(10 * HOUR, KITCHEN_FURNITURE, repeats=6)
        gone = store.events(kinds=["disappeared"])
        assert [e.object_id for e in gone] == ["mug_2"] and not store.events(kinds=["moved"])
        config = BeliefConfig(moves_per_day={"object": 2.4}, household_scale_prior_moves=2.0)
        model = LocationModel(store, config, 0.0)
        assert model.relocations() == {"mug_2": (1, pytest.approx(float(gone[0].time)))}
        movable = [o for o in store.objects(include_absent=True) if not o.is_receptacle]
        mug = next(o for o in movable if o.id == "mug_2")
        assert model.tracked_hours(mug) == pytest.approx((gone[0].time - mug.first_seen) / HOUR)
        expected = sum(0.1 * model.tracked_hours(o) for o in movable)
        assert model.household_mobility_scale() == pytest.approx((2.0 + 1) / (2.0 + expected))
    finally:
        store.close()
    # gone from the counter, then seen on the table: the departure and the move are one move
    linked = LocationModel(moved_memory, BeliefConfig(), 0.0).relocations()
    assert [e.kind for e in moved_memory.events(kinds=["disappeared", "moved"])] == ["disappeared", "moved"]
    assert linked["mug_2"][0] == 1


def test_bad_mobility_config_is_rejected():
    with pytest.raises(ValueError, match="moves_per_day.keys"):
        BeliefConfig(moves_per_day={"keys": -1.0})
    with pytest.raises(ValueError, match="mobility_prior_hours"):
        BeliefConfig(mobility_prior_hours=0.0)
    with pytest.raises(ValueError, match="household_scale_prior_moves"):
        BeliefConfig(household_scale_prior_moves=0.0)


# Which things memory saw move says how far the table's ranking of categories holds in this home. On
# `moved_memory` the mug moved once and the keys and the book did not.
MUG_CALLED_FIXED = {"mug": 0.01, "book": 0.01, "keys": 2.0}   # the table contradicted: a "fixed" thing moved
MUG_CALLED_MOBILE = {"mug": 2.0, "book": 0.01, "keys": 0.01}  # the table borne out: a mobile thing moved


def test_a_fixed_thing_seen_moving_flattens_the_ranking_and_one_mobile_thing_keeps_it(moved_memory):
    contradicted = LocationModel(moved_memory, BeliefConfig(moves_per_day=MUG_CALLED_FIXED), 0.0).ranking_weights()
    borne_out = LocationModel(moved_memory, BeliefConfig(moves_per_day=MUG_CALLED_MOBILE), 0.0).ranking_weights()
    assert [s for s, _ in contradicted] == [0.0, 0.5, 1.0]
    assert contradicted[0][1] > 0.8 and contradicted[-1][1] < 0.05
    # one move of a thing the table calls mobile is weaker evidence: the table likeliest, flat least likely
    assert borne_out[-1][1] == max(w for _, w in borne_out) and borne_out[0][1] < 0.2
    assert sum(w for _, w in contradicted) == pytest.approx(1.0)
    quiet = LocationModel(two_room_memory()[0], BeliefConfig(), 0.0).ranking_weights()
    assert [w for _, w in quiet] == pytest.approx([1 / 3] * 3), "no move seen: no evidence either way"


def test_a_thing_the_table_calls_fixed_is_not_near_certain_where_such_things_were_seen_moving(moved_memory):
    """The book never moved, the table says books stay put, but so it said of the mug, which moved."""
    book = next(loc for loc in moved_memory.locate("book") if loc.source == "memory")
    hours = 13.0
    contradicted = LocationModel(moved_memory, BeliefConfig(moves_per_day=MUG_CALLED_FIXED), 0.0)
    table_only = LocationModel(moved_memory, BeliefConfig(moves_per_day=MUG_CALLED_FIXED,
                                                          mobility_ranking_strengths=(1.0,)), 0.0)
    borne_out = LocationModel(moved_memory, BeliefConfig(moves_per_day=MUG_CALLED_MOBILE), 0.0)
    assert table_only.stay(book.object_id, hours) > 0.99
    assert contradicted.stay(book.object_id, hours) < 0.75
    assert contradicted.stay(book.object_id, hours) < borne_out.stay(book.object_id, hours) < 0.99
    # furniture is not one of the things whose ranking is weighed: it stays as the table says
    assert contradicted.stay("counter_0", hours) == pytest.approx(table_only.stay("counter_0", hours))


def test_asked_for_a_fixed_thing_in_a_home_where_such_things_move_the_robot_looks_before_answering(moved_memory):
    from planners.belief.config import QUESTION_MOVE_LIKELIHOOD_RATIO
    from planners.decision.value_of_information import STOPPED_BY_VOI, ValueOfInformationStopper

    book = next(loc for loc in moved_memory.locate("book") if loc.source == "memory")
    query = TypedQuery("present_location", target="book", confidence=1.0)
    now = book.last_seen + 13 * HOUR
    places = [r.id for r in moved_memory.receptacles()]
    travel = [3.0] * len(places)

    def decide(strengths):
        config = BeliefConfig(moves_per_day=MUG_CALLED_FIXED, mobility_ranking_strengths=strengths,
                              asked_moved_likelihood_ratio=QUESTION_MOVE_LIKELIHOOD_RATIO)
        belief = BeliefBuilder(moved_memory, config).build(query, now)
        return belief, ValueOfInformationStopper().decide(belief, places, travel)

    belief, decision = decide((0.0, 0.5, 1.0))
    assert belief.confidence < 0.7
    assert decision.action in places and decision.stopped_by is None, "a look before answering"
    belief, decision = decide((1.0,))  # the table trusted blindly: the stale sighting answered, no look
    assert belief.confidence > 0.9 and decision.stopped_by == STOPPED_BY_VOI
