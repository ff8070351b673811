"""Planner names for every entry point come from the policy registry; a goal budget goes where its planner reads it."""

from __future__ import annotations

import pytest

from memory_stack.composition.planner_registry import (
    benchmark_planners,
    check_planner,
    planner_names,
    with_travel_budget,
)
from memory_stack.foundation.errors import BadInputError
from planners.decision.policies import POLICIES, ExplorationConfig, make_policy


def test_the_names_are_the_policy_registrys():
    assert planner_names() == ["explore-all", "fixed-budget", "memory-only", "voi"]
    assert planner_names() == POLICIES.names()
    for name in planner_names():
        assert check_planner(name) == name
        assert make_policy(name).name == name


def test_benchmarks_run_all_but_fixed_budget_in_table_order():
    assert benchmark_planners() == ["voi", "explore-all", "memory-only"]


def test_an_unknown_planner_is_one_line_naming_the_known_ones():
    with pytest.raises(BadInputError) as raised:
        check_planner("greedy")
    assert str(raised.value) == "unknown planner 'greedy' (known: explore-all, fixed-budget, memory-only, voi)"


@pytest.mark.parametrize("name, field", [("voi", "budget_m"), ("fixed-budget", "fixed_budget_m")])
def test_a_travel_budget_goes_to_the_field_that_planner_reads(name, field):
    base = ExplorationConfig()
    budgeted = with_travel_budget(name, base, 7.5)
    assert getattr(budgeted, field) == 7.5
    other = ({"budget_m", "fixed_budget_m"} - {field}).pop()
    assert getattr(budgeted, other) == getattr(base, other)
    assert make_policy(name, budgeted).budget_m == 7.5


@pytest.mark.parametrize("name", ["explore-all", "memory-only"])
def test_planners_without_a_travel_budget_keep_the_config(name):
    base = ExplorationConfig()
    assert with_travel_budget(name, base, 7.5) == base


def test_a_budget_for_an_unknown_planner_is_refused():
    with pytest.raises(BadInputError, match="unknown planner 'teleport'"):
        with_travel_budget("teleport", ExplorationConfig(), 5.0)
