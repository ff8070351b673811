"""Belief models over a real MemoryStore built from constructed frames."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from household_memory import (  # noqa: E402
    BOOK_ON_SHELF,
    DAY,
    FRIDGE_CLOSED,
    HOUR,
    KEYS_ON_TABLE,
    KITCHEN_EYE,
    KITCHEN_FURNITURE,
    LIVING_EYE,
    LIVING_FURNITURE,
    MUG_ON_TABLE,
    TABLE,
    FrameWriter,
    fridge_watch,
    two_room_memory,
)

from planners.belief.builder import BeliefBuilder  # noqa: E402
from planners.belief.candidates import NOT_IN_HOUSE, LookRecord  # noqa: E402
from planners.belief.config import BeliefConfig  # noqa: E402
from planners.belief.contents_beliefs import arrival_rate  # noqa: E402
from planners.belief.event_beliefs import covered_seconds, poisson_pmf
from planners.language.typed_query import TypedQuery  # noqa: E402

LEGACY = BeliefConfig(use_mobility_prior=False, use_household_move_rate=True)


@pytest.fixture
def memory():
    store, writer = two_room_memory()
    fridge_watch(writer)
    yield store
    store.close()


@pytest.mark.parametrize("legacy", [False, True], ids=["mobility_prior", "learned_rate"])
def test_present_location_stays_with_exp_of_rate_times_hours(memory, legacy):
    # the table's ranking held as written: one rate (several strengths average the stay probabilities)
    config = BeliefConfig(use_mobility_prior=not legacy, use_household_move_rate=False,
                          mobility_ranking_strengths=(1.0,))
    builder = BeliefBuilder(memory, config)
    mug = memory.locate("mug")[0]
    rate = memory.move_rate(mug.object_id) if legacy else builder.location_model(0.0).mobility_rate(mug.object_id)
    for hours_later in (1.0, 10.0, 40.0):
        now = mug.last_seen + hours_later * HOUR
        belief = builder.build(TypedQuery("present_location", target="mug", confidence=1.0), now)
        remembered = next(c for c in belief.candidates if c.object_id == mug.object_id)
        assert remembered.probability == pytest.approx(math.exp(-rate * hours_later), rel=1e-6)
        assert remembered.rests_on == "counter_0" and not remembered.speculative
        assert sum(belief.probabilities) == pytest.approx(1.0)
    assert belief.map_candidate.object_id == mug.object_id


def test_moved_mass_goes_to_other_receptacles_by_the_location_prior_plus_not_in_house(memory):
    config = BeliefConfig(not_in_house_share=0.1, location_prior_floor=0.0, home_prior_weight=0.0)
    builder = BeliefBuilder(memory, config)
    now = 2 * DAY
    belief = builder.build(TypedQuery("present_location", target="mug", confidence=1.0), now)
    prior = memory.location_prior("mug")
    alternatives = {c.rests_on: c for c in belief.candidates if c.speculative and c.rests_on}
    assert set(alternatives) == {"fridge_1", "table_3", "shelf_4"}
    table, shelf = alternatives["table_3"], alternatives["shelf_4"]
    assert table.probability / shelf.probability == pytest.approx(prior["table"] / prior["shelf"])
    remembered = next(c for c in belief.candidates if c.object_id)
    moved = 1.0 - remembered.probability
    gone = next(c for c in belief.candidates if c.label == NOT_IN_HOUSE)
    assert gone.probability == pytest.approx(0.1 * moved)
    assert gone.speculative, "an object nobody saw leave is not reported as gone"


def test_confidence_falls_as_memory_gets_stale(memory):
    builder = BeliefBuilder(memory)
    query = TypedQuery("present_location", target="mug", confidence=1.0)
    last_seen = memory.locate("mug")[0].last_seen
    confidences = [builder.build(query, last_seen + h * HOUR).confidence for h in (0, 5, 20, 60)]
    assert confidences == sorted(confidences, reverse=True)
    assert confidences[0] > 0.95 and confidences[-1] < 0.5


def test_a_look_that_misses_the_object_lowers_that_place(memory):
    builder = BeliefBuilder(memory)
    query = TypedQuery("present_location", target="mug", confidence=1.0)
    now = 2 * DAY
    before = builder.build(query, now)
    after = builder.build(query, now, [LookRecord("counter_0", now)])
    p_before = next(c.probability for c in before.candidates if c.reveal_target == "counter_0")
    p_after = next(c.probability for c in after.candidates if c.reveal_target == "counter_0")
    assert p_after < p_before
    assert sum(after.probabilities) == pytest.approx(1.0)


def test_never_seen_object_has_no_reportable_answer(memory):
    belief = BeliefBuilder(memory).build(TypedQuery("present_location", target="unicorn", confidence=1.0), 2 * DAY)
    assert belief.map_candidate is None
    assert "never seen" in belief.notes[0]
    assert any(c.reveal_target for c in belief.candidates), "unseen objects can still be searched for"


def test_past_location_uses_uniform_move_time_between_last_sighting_and_detection(moved_memory):
    builder = BeliefBuilder(moved_memory)
    mug = moved_memory.history("mug_2")
    detected = min(e.time for e in mug.events if e.kind in ("moved", "disappeared"))
    last_seen_before = 7 * HOUR + 2.0
    t = 8.5 * HOUR
    belief = builder.build(TypedQuery("past_location", target="mug", time=t, confidence=1.0), 2 * DAY)
    best = belief.map_candidate
    assert best.rests_on == "counter_0"
    assert best.probability == pytest.approx((detected - t) / (detected - last_seen_before), rel=1e-3)
    other = [c for c in belief.candidates if c.rests_on == "table_3"]
    assert other and other[0].probability == pytest.approx(1.0 - best.probability, rel=1e-3)
    assert not belief.revealable, "the past cannot be looked at"


def test_count_reports_what_was_seen_and_is_less_sure_the_less_was_watched(memory):
    builder = BeliefBuilder(memory)
    query_day = TypedQuery("count", target="fridge", count_kind="opened", t0=0.0, t1=DAY, confidence=1.0)
    query_week = TypedQuery("count", target="fridge", count_kind="opened", t0=0.0, t1=7 * DAY, confidence=1.0)
    day = builder.build(query_day, 7 * DAY)
    week = builder.build(query_week, 7 * DAY)
    assert day.map_candidate.value == 1 and week.map_candidate.value == 1
    assert week.confidence < day.confidence
    cfg = BeliefConfig()
    seen = covered_seconds([(a, b) for a, b, r in memory.observed_intervals(0.0, DAY) if r == "kitchen"], 0.0, DAY)
    rate = (1 + cfg.event_rate_prior_per_hour * cfg.event_prior_hours) / (seen / HOUR + cfg.event_prior_hours)
    assert day.confidence == pytest.approx(poisson_pmf(0, rate * (DAY - seen) / HOUR), rel=1e-6)
    assert all(c.speculative for c in day.candidates if c.value != 1)


def test_object_state_decays_from_the_last_seen_state(memory):
    builder = BeliefBuilder(memory)
    query = TypedQuery("object_state", target="fridge", state="open", confidence=1.0)
    soon = builder.build(query, 12.2 * HOUR)
    late = builder.build(query, 3 * DAY)
    assert soon.map_candidate.value is False and soon.confidence > 0.9
    assert late.confidence < soon.confidence
    assert soon.map_candidate.reveal_target == "fridge_1"
    opened = builder.build(TypedQuery("object_state", target="fridge", state="open", time=12 * HOUR + 60,
                                      confidence=1.0), 2 * DAY)
    assert opened.map_candidate.value is True


def test_contents_and_changes(moved_memory):
    builder = BeliefBuilder(moved_memory)
    contents = builder.build(TypedQuery("contents", receptacle="table", confidence=1.0), 10.1 * HOUR)
    assert sorted(contents.map_candidate.value) == ["keys", "mug"]
    assert contents.confidence > 0.9
    stale = builder.build(TypedQuery("contents", receptacle="table", confidence=1.0), 3 * DAY)
    assert stale.map_candidate.value == contents.map_candidate.value and stale.confidence < 0.5
    changes = builder.build(TypedQuery("changes", room="kitchen", t0=6 * HOUR, t1=12 * HOUR, confidence=1.0),
                            2 * DAY)
    assert changes.map_candidate.value == ["mug"], "first sightings at the first look are not changes"


def test_contents_seen_again_from_afar_stay_as_stale_as_the_things_on_it(moved_memory):
    """The table seen again (no one frame showing the keys and the mug well enough to close them) is no news of them."""
    writer = FrameWriter(moved_memory)
    writer.next_id = 1000
    now = 2 * DAY
    writer.look_living_room(now - 60, LIVING_FURNITURE, repeats=1)
    table = next(r for r in moved_memory.receptacles() if r.category == "table")
    on_table = [o for o in moved_memory.contents("table") if not o.is_receptacle]
    assert table.last_seen >= now - 60 and sorted(o.category for o in on_table) == ["keys", "mug"]
    assert all(o.last_seen <= 11 * HOUR for o in on_table)
    builder = BeliefBuilder(moved_memory)
    model = builder.location_model(now)
    expected = math.exp(-arrival_rate(model, {table.id}) * (now - table.last_seen) / HOUR)
    for o in on_table:
        expected *= math.exp(-model.move_rate(o.id) * (now - o.last_seen) / HOUR)
    belief = builder.build(TypedQuery("contents", receptacle="table", confidence=1.0), now)
    assert sorted(belief.map_candidate.value) == ["keys", "mug"]
    assert belief.confidence == pytest.approx(expected, rel=1e-6) and belief.confidence < 0.9


def test_unknown_kind_gives_an_empty_belief(memory):
    belief = BeliefBuilder(memory).build(TypedQuery("unknown", confidence=0.1), 2 * DAY)
    assert belief.map_candidate is None and belief.confidence == 0.0


def test_household_move_rate_counts_moves_per_object_hour(moved_memory):
    builder = BeliefBuilder(moved_memory, LEGACY)
    now = 2 * DAY
    movable = [o for o in moved_memory.objects(include_absent=True) if not o.is_receptacle]
    hours = sum(now - o.first_seen for o in movable) / HOUR
    moves = len([e for e in moved_memory.events(kinds=["moved", "disappeared"])])
    cfg = builder.config
    prior = cfg.household_prior_hours
    expected = (moves + cfg.default_move_rate_per_hour * prior) / (hours + prior)
    assert moves == 2 and builder.location_model(0.0).household_move_rate(now) == pytest.approx(expected)
    quiet = BeliefBuilder(moved_memory, BeliefConfig(use_mobility_prior=False, use_household_move_rate=False,
                                                     default_move_rate_per_hour=0.0))
    loud = BeliefBuilder(moved_memory, BeliefConfig(use_mobility_prior=False, use_household_move_rate=True,
                                                    household_prior_hours=0.0))
    query = TypedQuery("present_location", target="keys", confidence=1.0)
    soon = 12 * HOUR  # few object-hours, two moves: the house is busy, the keys are less surely still there
    assert loud.location_model(0.0).household_move_rate(soon) > 5 * moved_memory.move_rate("keys")
    assert loud.build(query, soon).confidence < quiet.build(query, soon).confidence


def test_an_object_seen_leaving_is_out_of_the_house_by_the_share_memory_learned(moved_memory):
    writer_store = moved_memory
    writer = FrameWriter(writer_store)
    writer.next_id = 1000
    writer.look_living_room(12 * HOUR, LIVING_FURNITURE + [BOOK_ON_SHELF, MUG_ON_TABLE], repeats=6)
    departures = writer_store.events(kinds=["disappeared"])
    assert sorted(e.object_id.split("_")[0] for e in departures) == ["keys", "mug"]   # the mug was seen again
    config = BeliefConfig(absent_stays_absent=0.2, departures_prior_weight=2.0)
    builder = BeliefBuilder(writer_store, config)
    # The keys were seen gone, and no room was looked at since: no evidence they left the house.
    assert builder.location_model(0.0).departure_gone_share() == pytest.approx((0.2 * 2.0 + 0) / (2.0 + 1))
    belief = builder.build(TypedQuery("still_present", target="keys", confidence=1.0), 13 * HOUR)
    gone = next(c for c in belief.candidates if c.label == NOT_IN_HOUSE)
    model = builder.location_model(0.0)
    share = model.departure_gone_share()
    keys_left = next(e.from_place for e in departures if e.object_id.startswith("keys"))
    # Closed two hours after their last sighting: a move, unless memory's misses were false.
    kept = next(c for c in belief.candidates if c.label == keys_left)
    keys = next(loc for loc in model.located("keys", None) if not loc.present)
    assert kept.probability == pytest.approx(model.false_close_probability(keys)) and kept.probability < 0.1
    assert gone.probability == pytest.approx((1.0 - kept.probability) * share) and not gone.speculative
    assert belief.map_candidate.value is False, "only a look that finds the keys may say they are still here"
    fixed = BeliefBuilder(writer_store, BeliefConfig(absent_stays_absent=0.9, learn_departures=False))
    assert fixed.location_model(0.0).departure_gone_share() == 0.9


def test_a_thing_closed_as_gone_seconds_after_it_was_seen_is_still_there(quiet_memory):
    """Memory's misses seconds after a sighting are far likelier false than a move in those seconds."""
    writer = FrameWriter(quiet_memory)
    writer.next_id = 1000
    seen = max(iv.last_seen for iv in quiet_memory.history(
        next(o.id for o in quiet_memory.objects() if o.category == "keys")).intervals)
    writer.look_living_room(seen + 10.0, LIVING_FURNITURE + [BOOK_ON_SHELF], repeats=6)
    assert [e.object_id.split("_")[0] for e in quiet_memory.events(kinds=["disappeared"])] == ["keys"]
    builder = BeliefBuilder(quiet_memory, BeliefConfig())
    query = TypedQuery("present_location", target="keys", confidence=1.0)
    belief = builder.build(query, seen + 60.0)
    best = max(belief.candidates, key=lambda c: c.probability)
    # the place to look first, not yet an answer: a look must find the keys there again
    assert best.rests_on.startswith("table") and best.probability > 0.9 and best.speculative
    assert best.reveal_target == best.rests_on and belief.map_candidate.label == NOT_IN_HOUSE
    # The same misses five hours after the sighting: a move, the table only the false-close share.
    later = FrameWriter(two_room_memory()[0])
    later.next_id = 1000
    later.look_living_room(seen + 5 * HOUR, LIVING_FURNITURE + [BOOK_ON_SHELF], repeats=6)
    moved = BeliefBuilder(later.store, BeliefConfig()).build(query, seen + 5 * HOUR + 60.0)
    table = next(c for c in moved.candidates if c.rests_on and c.rests_on.startswith("table"))
    assert table.probability < 0.2 and moved.map_candidate.label == NOT_IN_HOUSE
    later.store.close()


def test_gone_grows_with_the_rooms_searched_since_the_departure_not_with_one_empty_look(moved_memory):
    writer = FrameWriter(moved_memory)
    writer.next_id = 1000
    writer.look_living_room(12 * HOUR, LIVING_FURNITURE + [BOOK_ON_SHELF, MUG_ON_TABLE], repeats=6)
    # false_close_probability 0: the departure alone (a false close: test_a_thing_closed_as_gone_seconds_after...)
    config = BeliefConfig(absent_stays_absent=0.1, departures_prior_weight=2.0, room_search_detection=0.5,
                          location_prior_floor=0.05, false_close_probability=0.0)
    query = TypedQuery("present_location", target="keys", confidence=1.0)

    def places(belief):
        return {c.rests_on: c.probability for c in belief.candidates if c.speculative and c.rests_on}

    first = BeliefBuilder(moved_memory, config).build(query, 13 * HOUR)
    gone_first = next(c for c in first.candidates if c.label == NOT_IN_HOUSE).probability
    assert gone_first == pytest.approx(0.1 * 2.0 / 3.0), "one empty look: the prior share, nothing more"
    assert sum(places(first).values()) == pytest.approx(1.0 - gone_first)
    assert first.map_candidate.label == NOT_IN_HOUSE   # the only answer a look has backed, at low confidence
    assert first.confidence < 0.2

    writer.look_kitchen(14 * HOUR, KITCHEN_FURNITURE, repeats=2)
    kitchen = BeliefBuilder(moved_memory, config).build(query, 15 * HOUR)
    before, after = places(first), places(kitchen)
    for place in ("counter_0", "fridge_1"):   # the kitchen was looked at since: its places count half
        assert after[place] / after["shelf_4"] == pytest.approx(0.5 * before[place] / before["shelf_4"])
    gone_kitchen = next(c for c in kitchen.candidates if c.label == NOT_IN_HOUSE).probability
    assert gone_kitchen > gone_first

    writer.look_living_room(16 * HOUR, LIVING_FURNITURE + [BOOK_ON_SHELF, MUG_ON_TABLE], repeats=2)
    everywhere = BeliefBuilder(moved_memory, config)
    # Every room looked at since and the keys not seen again: now a departure for good.
    share = everywhere.location_model(0.0).departure_gone_share()
    assert share == pytest.approx((0.1 * 2.0 + 1) / (2.0 + 2))   # the mug came back, the keys did not
    gone_all = next(c for c in everywhere.build(query, 17 * HOUR).candidates if c.label == NOT_IN_HOUSE)
    assert gone_all.probability == pytest.approx(share / (share + (1.0 - share) * 0.5))
    assert gone_all.probability > gone_kitchen

    # The question's own looks count per place (BeliefBuilder._apply_looks), not again as room searches.
    own = BeliefBuilder(moved_memory, config).location_model(17 * HOUR, looks_from=14 * HOUR - 1)
    assert own.searched_since(12 * HOUR + 1) == set()
    looked = BeliefBuilder(moved_memory, config).build(query, 17 * HOUR, [LookRecord("counter_0", 14 * HOUR - 1)])
    assert places(looked)["fridge_1"] / places(looked)["shelf_4"] == pytest.approx(
        before["fridge_1"] / before["shelf_4"]), "the kitchen look was the question's own: counted per place only"


def test_a_look_at_a_shut_fridge_is_no_evidence_about_what_is_inside():
    """Memory read the fridge closed: a thing that may be inside is hidden from a look; the table's things are not."""
    store, writer = two_room_memory()
    fridge_watch(writer)
    builder = BeliefBuilder(store, BeliefConfig(location_prior_floor=0.2))
    query = TypedQuery("present_location", target="mug", confidence=1.0)
    now = 2 * DAY
    places = {c.reveal_target: c for c in builder.build(query, now).candidates if c.reveal_target}
    assert places["fridge_1"].visibility < 0.2, "seen closed at 12:05, probably closed still"
    assert places["table_3"].visibility == 1.0 and places["counter_0"].visibility == 1.0
    writer.look(now - 30, KITCHEN_EYE, (4.3, 0.6, 0.9), [FRIDGE_CLOSED])   # the look: the fridge shut
    writer.look(now - 20, LIVING_EYE, (8.0, 2.5, 0.3), [TABLE, KEYS_ON_TABLE])

    def probability_at(place: str, looks: list[LookRecord]) -> float:
        belief = builder.build(query, now, looks)
        return next(c.probability for c in belief.candidates if c.reveal_target == place)

    try:
        fridge_before = probability_at("fridge_1", [])
        assert probability_at("fridge_1", [LookRecord("fridge_1", now - 30)]) == pytest.approx(fridge_before)
        table_before = probability_at("table_3", [])
        assert probability_at("table_3", [LookRecord("table_3", now - 20)]) < 0.5 * table_before
    finally:
        store.close()


def test_what_is_in_a_shut_fridge_was_seen_when_it_was_last_open():
    """Seen shut since it was last open, the fridge's inside is as old as that opening; never open: never seen."""
    store, writer = two_room_memory()
    query = TypedQuery("contents", target="fridge", receptacle="fridge", confidence=1.0)
    try:
        never = BeliefBuilder(store).build(query, 2 * DAY)
        assert never.candidates == [] and never.notes == ["I have never seen inside the fridge"]
        fridge_watch(writer)                              # opened at 12:00, seen shut again at 12:05
        writer.look_kitchen(30 * HOUR, KITCHEN_FURNITURE)  # seen shut at d2 06:00
        belief = BeliefBuilder(store).build(query, 2 * DAY)
        remembered = next(c for c in belief.candidates if c.label == "as_remembered")
        assert 12 * HOUR <= remembered.last_seen <= 12 * HOUR + 400
        assert remembered.visibility < 0.2, "a look at the shut fridge would not show its inside"
    finally:
        store.close()
