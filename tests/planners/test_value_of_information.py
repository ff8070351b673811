"""The value-of-information rule and the baselines, on constructed beliefs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planners.belief.candidates import AnswerCandidate, Belief
from planners.belief.priors import stay_probability
from planners.decision.baselines import ExploreAllPolicy, FixedBudgetPolicy, MemoryOnlyPolicy
from planners.decision.policies import POLICIES, ExplorationConfig, make_policy
from planners.decision.value_of_information import (
    STOPPED_BY_BUDGET,
    STOPPED_BY_CERTAIN,
    STOPPED_BY_VOI,
    SensorModel,
    ValueOfInformationStopper,
    expected_gain,
    look_outcomes,
    search_gain,
)


def location_belief(p_stay: float, alternatives: dict[str, float] | None = None) -> Belief:
    """The mug was last seen on the counter; P(still there) = p_stay; the rest over `alternatives`."""
    alternatives = alternatives if alternatives is not None else {"coffee_table": 0.7, "sink": 0.3}
    candidates = [AnswerCandidate("counter", (1.0, 0.6, 0.9), p_stay, reveal_target="counter",
                                  reveal_position=(1.0, 0.6, 0.9))]
    for i, (name, share) in enumerate(alternatives.items()):
        position = (5.0 + i, 2.0, 0.5)
        candidates.append(AnswerCandidate(name, position, (1.0 - p_stay) * share * 0.9, reveal_target=name,
                                          reveal_position=position))
    candidates.append(AnswerCandidate("not_in_house", None, (1.0 - p_stay) * 0.1))
    return Belief("present_location", candidates)


def test_stay_probability_is_exponential_in_hours_times_rate():
    assert stay_probability(0.1, 0.0) == 1.0
    assert stay_probability(0.1, 10.0) == pytest.approx(math.exp(-1.0))
    assert stay_probability(0.5, 2.0) == pytest.approx(stay_probability(0.1, 10.0))
    assert stay_probability(0.0, 1000.0) == 1.0
    assert stay_probability(0.1, -5.0) == 1.0


def test_look_outcome_posteriors_are_bayes_rule():
    belief = location_belief(0.5)
    sensor = SensorModel(detection_probability=0.8, false_positive_rate=0.0)
    outcomes = look_outcomes(belief, "counter", sensor)
    assert sum(p for p, _, _ in outcomes) == pytest.approx(1.0)
    seen, nothing = outcomes
    assert seen[2] == 0 and nothing[2] is None
    assert seen[0] == pytest.approx(0.8 * 0.5)
    assert seen[1][0] == pytest.approx(1.0)
    assert nothing[0] == pytest.approx(0.2 * 0.5 + 0.5)
    assert nothing[1][0] == pytest.approx(0.1 / 0.6)


def test_explores_when_the_object_is_likely_stale_and_the_look_is_cheap():
    belief = location_belief(p_stay=0.3)
    stopper = ValueOfInformationStopper(cost_weight=0.02, budget_m=30.0)
    decision = stopper.decide(belief, ["counter", "coffee_table", "sink"], [3.0, 4.0, 6.0])
    assert not decision.stop
    assert decision.chosen.net_value > 0
    assert decision.chosen.expected_gain > 0.1


def test_answers_at_once_when_memory_is_fresh():
    belief = location_belief(p_stay=0.995)
    stopper = ValueOfInformationStopper(cost_weight=0.02, budget_m=30.0)
    decision = stopper.decide(belief, ["counter", "coffee_table", "sink"], [3.0, 4.0, 6.0])
    assert decision.stop and decision.stopped_by == STOPPED_BY_CERTAIN


def test_answers_at_once_when_fairly_fresh_and_looks_are_not_free():
    belief = location_belief(p_stay=0.85)
    stopper = ValueOfInformationStopper(cost_weight=0.02, budget_m=30.0, certain_threshold=0.99)
    decision = stopper.decide(belief, ["counter", "coffee_table", "sink"], [8.0, 9.0, 10.0])
    assert decision.stop and decision.stopped_by == STOPPED_BY_VOI
    assert all(s.net_value <= 0 for s in decision.scored)


def test_answers_at_once_when_the_look_is_expensive():
    belief = location_belief(p_stay=0.3)
    stopper = ValueOfInformationStopper(cost_weight=0.02, budget_m=1000.0)
    decision = stopper.decide(belief, ["counter", "coffee_table", "sink"], [60.0, 70.0, 80.0])
    assert decision.stop and decision.stopped_by == STOPPED_BY_VOI


def test_higher_cost_weight_explores_less():
    belief = location_belief(p_stay=0.4)
    actions, travel = ["counter", "coffee_table", "sink"], [5.0, 7.0, 9.0]
    explored = [not ValueOfInformationStopper(cost_weight=w).decide(belief, actions, travel).stop
                for w in (0.0, 0.01, 0.05, 0.2, 1.0)]
    assert explored[0] and not explored[-1]
    assert explored == sorted(explored, reverse=True)


def test_worthwhile_look_beyond_the_budget_stops_with_budget():
    belief = location_belief(p_stay=0.3)
    stopper = ValueOfInformationStopper(cost_weight=0.001, budget_m=10.0)
    decision = stopper.decide(belief, ["counter", "coffee_table"], [6.0, 7.0], spent_m=5.0)
    assert decision.stop and decision.stopped_by == STOPPED_BY_BUDGET


def test_nothing_to_look_at_answers_by_voi():
    belief = Belief("past_location", [AnswerCandidate("counter", (1.0, 0.6, 0.9), 0.7),
                                      AnswerCandidate("table", (8.0, 2.5, 0.8), 0.3)])
    decision = ValueOfInformationStopper().decide(belief, [], [])
    assert decision.stop and decision.stopped_by == STOPPED_BY_VOI


def test_state_question_look_resolves_both_states():
    belief = Belief("object_state", [
        AnswerCandidate("closed", False, 0.6, reveal_target="fridge", reveal_position=(4.3, 0.6, 1.0)),
        AnswerCandidate("open", True, 0.4, reveal_target="fridge", reveal_position=(4.3, 0.6, 1.0)),
    ])
    sensor = SensorModel(0.9, 0.0)
    assert expected_gain(belief, "fridge", sensor) == pytest.approx(0.9 * 1.0 + 0.1 * 0.6 - 0.6)


@settings(max_examples=150, deadline=None)
@given(
    p_stay=st.floats(0.0, 1.0),
    travel=st.lists(st.floats(0.0, 40.0), min_size=3, max_size=3),
    budget=st.floats(0.0, 50.0),
    cost_weight=st.floats(0.0, 0.2),
)
def test_never_exceeds_the_budget(p_stay, travel, budget, cost_weight):
    """Simulated greedy loop: the chosen looks' travel never adds up beyond the budget."""
    belief = location_belief(p_stay)
    stopper = ValueOfInformationStopper(cost_weight=cost_weight, budget_m=budget, max_steps=10)
    actions = ["counter", "coffee_table", "sink"]
    spent, steps = 0.0, 0
    while True:
        decision = stopper.decide(belief, actions, travel, spent, steps)
        if decision.stop:
            assert decision.stopped_by in (STOPPED_BY_VOI, STOPPED_BY_CERTAIN, STOPPED_BY_BUDGET)
            break
        i = actions.index(decision.action)
        spent += travel[i]
        steps += 1
        assert spent <= budget + 1e-9
        actions, travel = actions[:i] + actions[i + 1:], travel[:i] + travel[i + 1:]


@settings(max_examples=100, deadline=None)
@given(p_stay=st.floats(0.0, 1.0), target=st.sampled_from(["counter", "coffee_table", "sink", "nowhere"]),
       d=st.floats(0.5, 1.0), f=st.floats(0.0, 0.2))
def test_expected_gain_is_never_negative_and_outcomes_sum_to_one(p_stay, target, d, f):
    belief = location_belief(p_stay)
    sensor = SensorModel(d, f)
    assert expected_gain(belief, target, sensor) >= 0.0
    outcomes = look_outcomes(belief, target, sensor)
    assert sum(p for p, _, _ in outcomes) == pytest.approx(1.0)
    for _, posterior, _ in outcomes:
        assert sum(posterior) == pytest.approx(1.0)


def test_explore_all_visits_every_candidate_nearest_first():
    belief = location_belief(p_stay=0.999)
    policy = ExploreAllPolicy()
    actions, travel = ["counter", "coffee_table", "sink"], [5.0, 2.0, 9.0]
    visited = []
    while True:
        decision = policy.decide(belief, actions, travel, 0.0, len(visited))
        if decision.stop:
            break
        i = actions.index(decision.action)
        visited.append(actions.pop(i))
        travel.pop(i)
    assert visited == ["coffee_table", "counter", "sink"]
    assert decision.stopped_by == "explore-all"


def test_memory_only_never_moves():
    belief = location_belief(p_stay=0.01)
    decision = MemoryOnlyPolicy().decide(belief, ["counter", "coffee_table"], [0.5, 0.5])
    assert decision.stop and decision.stopped_by == "memory-only"


def test_fixed_budget_takes_the_most_probable_places_within_its_budget():
    belief = location_belief(p_stay=0.2, alternatives={"coffee_table": 0.8, "sink": 0.2})
    policy = FixedBudgetPolicy(top_k=2, budget_m=10.0)
    actions, travel = ["counter", "coffee_table", "sink"], [4.0, 5.0, 1.0]
    first = policy.decide(belief, actions, travel, 0.0, 0)
    assert first.action == "coffee_table"
    second = policy.decide(belief, ["counter", "sink"], [4.0, 1.0], 5.0, 1)
    assert second.action == "counter"
    third = policy.decide(belief, ["sink"], [1.0], 9.0, 2)
    assert third.stop and third.stopped_by == STOPPED_BY_BUDGET


def test_make_policy_names_and_bad_name():
    from memory_stack.foundation.errors import BadInputError

    assert make_policy("voi").name == "voi"
    assert make_policy("memory-only").name == "memory-only"
    assert make_policy("explore-all").name == "explore-all"
    assert make_policy("fixed-budget").name == "fixed-budget"
    with pytest.raises(BadInputError, match="planner 'greedy'"):
        make_policy("greedy")
    assert make_policy(" VOI ").name == "voi" and make_policy(None).name == "voi" and make_policy("").name == "voi"


def test_each_registered_planner_reads_its_own_exploration_settings():
    assert POLICIES.names() == ["explore-all", "fixed-budget", "memory-only", "voi"]
    config = ExplorationConfig(cost_weight=0.05, budget_m=12.0, detection_probability=0.8, false_positive_rate=0.1,
                               look_time_s=2.0, speed_mps=0.4, certain_threshold=0.9, max_steps=3, lookahead=1,
                               search_looks=2, fixed_top_k=4, fixed_budget_m=7.0, explore_all_max_steps=5)
    voi = make_policy("voi", config)
    assert isinstance(voi, ValueOfInformationStopper)
    assert (voi.cost_weight, voi.budget_m, voi.look_time_s, voi.speed_mps, voi.certain_threshold, voi.max_steps,
            voi.lookahead, voi.search_looks) == (0.05, 12.0, 2.0, 0.4, 0.9, 3, 1, 2)
    assert (voi.sensor.detection_probability, voi.sensor.false_positive_rate) == (0.8, 0.1)
    explore_all = make_policy("explore-all", config)
    assert isinstance(explore_all, ExploreAllPolicy) and explore_all.max_steps == 5
    assert explore_all.sensor.detection_probability == 0.8
    fixed = make_policy("fixed-budget", config)
    assert isinstance(fixed, FixedBudgetPolicy)
    assert (fixed.top_k, fixed.budget_m, fixed.certain_threshold) == (4, 7.0, 0.9)
    assert fixed.sensor.false_positive_rate == 0.1
    assert isinstance(make_policy("memory-only", config), MemoryOnlyPolicy)


def test_planner_config_is_typed_and_rejects_unknown_keys():
    from memory_stack.foundation.typed_config import ConfigError, build_dataclass
    from planners.acting.task_planning import TaskConfig
    from planners.question_answering import QAConfig

    config = build_dataclass(QAConfig, {"exploration": {"cost_weight": 0.05, "budget_m": 12}}, source="qa.yaml")
    assert config.exploration.cost_weight == 0.05 and config.exploration.budget_m == 12.0
    assert make_policy("voi", config.exploration).budget_m == 12.0
    with pytest.raises(ConfigError, match="qa.yaml: exploration.cost_wieght: unknown key"):
        build_dataclass(QAConfig, {"exploration": {"cost_wieght": 0.05}}, source="qa.yaml")
    with pytest.raises(ConfigError, match="max_replans"):
        build_dataclass(TaskConfig, {"max_replans": "many"}, source="task.yaml")
    with pytest.raises(ValueError, match="cost_weight"):
        ValueOfInformationStopper(cost_weight=-1.0)


@dataclass(frozen=True)
class Look:
    target: str
    viewpoint: tuple[float, float, float]


def scattered_belief(p_stay: float, places: int) -> tuple[Belief, list[Look]]:
    """Last seen on the counter; the rest spread evenly over `places` receptacles 2 m apart in a row."""
    spread = {f"place_{k}": 1.0 / places for k in range(places)}
    belief = location_belief(p_stay, spread)
    looks = [Look("counter", (0.0, 0.0, 0.0))] + [Look(f"place_{k}", (2.0 * (k + 1), 0.0, 0.0)) for k in range(places)]
    return belief, looks


def test_a_search_round_is_worth_it_where_two_looks_ahead_see_no_value():
    belief, looks = scattered_belief(p_stay=0.5, places=6)
    travel = [6.0 + 2.0 * k for k in range(len(looks))]
    two_ahead = ValueOfInformationStopper(cost_weight=0.01, search_looks=1)
    searching = ValueOfInformationStopper(cost_weight=0.01, search_looks=8, max_steps=8)
    assert two_ahead.decide(belief, looks, travel).stop
    decision = searching.decide(belief, looks, travel)
    assert not decision.stop and decision.chosen.net_value > 0
    gain = search_gain(belief, 0, [a.target for a in looks], searching._hops(looks, travel), 2.0,
                       searching.sensor, 0.0, 8)
    assert decision.chosen.expected_gain <= gain <= 1.0 - belief.confidence + 1e-9


def test_a_search_is_not_worth_it_when_the_places_are_far_apart():
    belief, looks = scattered_belief(p_stay=0.3, places=6)
    far = [Look(a.target, (40.0 * k, 0.0, 0.0)) for k, a in enumerate(looks)]
    travel = [40.0 * (k + 1) for k in range(len(far))]
    decision = ValueOfInformationStopper(cost_weight=0.01, search_looks=8, budget_m=1000.0).decide(belief, far, travel)
    assert decision.stop and decision.stopped_by == STOPPED_BY_VOI


def test_a_search_never_plans_beyond_the_budget():
    belief, looks = scattered_belief(p_stay=0.3, places=6)
    hops = ValueOfInformationStopper._hops(looks, [0.0] * len(looks))
    targets = [a.target for a in looks]
    sensor = SensorModel()
    roomy = search_gain(belief, 0, targets, hops, 2.0, sensor, 0.0, 8, room_m=100.0)
    tight = search_gain(belief, 0, targets, hops, 2.0, sensor, 0.0, 8, room_m=2.0)
    one_look = search_gain(belief, 0, targets, hops, 2.0, sensor, 0.0, 1)
    assert one_look == pytest.approx(expected_gain(belief, "counter", sensor))
    assert one_look < tight < roomy


def test_a_search_prices_each_look_by_its_own_look_time():
    belief, looks = scattered_belief(p_stay=0.5, places=6)
    hops = ValueOfInformationStopper._hops(looks, [0.0] * len(looks))
    targets = [a.target for a in looks]
    sensor = SensorModel()
    uniform = search_gain(belief, 0, targets, hops, 2.0, sensor, 0.01, 8)
    assert search_gain(belief, 0, targets, hops, [2.0] * len(targets), sensor, 0.01, 8) == pytest.approx(uniform)
    # every later place looked at from three stand points: three look times each
    slow_later = [2.0] + [6.0] * (len(targets) - 1)
    assert search_gain(belief, 0, targets, hops, slow_later, sensor, 0.01, 8) < uniform


def test_a_look_cannot_find_what_a_shut_door_hides():
    """A hypothesis with visibility 0 (inside a shut fridge): a look there shows nothing and is worth nothing."""
    belief = location_belief(0.2, {"fridge": 0.6, "table": 0.4})
    fridge = next(c for c in belief.candidates if c.reveal_target == "fridge")
    sensor = SensorModel(detection_probability=0.9, false_positive_rate=0.0)
    open_gain = expected_gain(belief, "fridge", sensor)
    assert open_gain > 0.0
    fridge.visibility = 0.0
    (p_nothing, posterior, j), = look_outcomes(belief, "fridge", sensor)
    assert j is None and p_nothing == pytest.approx(1.0)
    assert posterior == pytest.approx(belief.probabilities)
    assert expected_gain(belief, "fridge", sensor) == 0.0
    fridge.visibility = 0.5
    assert 0.0 < expected_gain(belief, "fridge", sensor) < open_gain
    stopper = ValueOfInformationStopper(cost_weight=0.001, lookahead=1, search_looks=1)
    fridge.visibility = 0.0
    assert stopper.decide(belief, ["fridge", "table"], [1.0, 1.0]).action == "table"


def test_a_search_is_credited_only_with_the_looks_the_cap_still_allows():
    """The round of the house that justified the first look is not there to credit with one look left."""
    belief, looks = scattered_belief(p_stay=0.5, places=6)
    travel = [6.0 + 2.0 * k for k in range(len(looks))]
    searching = ValueOfInformationStopper(cost_weight=0.01, search_looks=8, max_steps=8)
    assert not searching.decide(belief, looks, travel, steps=0).stop
    late = searching.decide(belief, looks, travel, steps=7)
    assert late.stop and late.stopped_by == STOPPED_BY_VOI
    gains = [max(s.expected_gain for s in searching.score(belief, looks, travel, steps=k)) for k in (0, 4, 7)]
    assert gains[0] >= gains[1] > gains[2]
