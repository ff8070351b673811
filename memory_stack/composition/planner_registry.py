"""Planner names for the entry points, from the one registry of policies (planners.decision.policies).

`memstack run --planner`, `memstack batch`, `bench eqa`, the demo and the planner_server's
`default_planner` and goals all accept `planner_names()`. What assembly adds to a name: which
ExplorationConfig field is its travel budget (a goal's `max_path_m` sets it), and which planners
the benchmarks run when none is named.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from planners.decision.policies import POLICIES

# run by `memstack batch` and `bench eqa` when no --planner is given, in their tables' column order;
# fixed-budget is a baseline run on request only
BENCHMARK_PLANNERS = ("voi", "explore-all", "memory-only")

# the ExplorationConfig field that caps a planner's travel per question; planners not named have no budget
_TRAVEL_BUDGET_FIELD = {"voi": "budget_m", "fixed-budget": "fixed_budget_m"}

def planner_names() -> list[str]:
    """Every registered planner (the choices of --planner and of a goal's planner field)."""
    return POLICIES.names()


def check_planner(name: str) -> str:
    """`name` when a policy is registered under it; else UnknownPlannerError naming the known planners."""
    POLICIES.get(name)
    return name


def benchmark_planners() -> list[str]:
    """The planners batch and bench eqa run when none is named, in their table order."""
    return [check_planner(name) for name in BENCHMARK_PLANNERS]


def with_travel_budget(planner: str, exploration: Any, budget_m: float) -> Any:
    """`exploration` with `planner`'s travel budget set to `budget_m` (unchanged for a planner without one)."""
    field = _TRAVEL_BUDGET_FIELD.get(check_planner(planner))
    if field is None:
        return exploration
    return dataclasses.replace(exploration, **{field: float(budget_m)})
