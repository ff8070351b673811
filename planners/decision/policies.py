"""Exploration policies by planner name: voi, memory-only, explore-all, fixed-budget.

`POLICIES` maps each name the CLI, the benchmarks and the ROS planner server accept to a factory
that builds the policy from one `ExplorationConfig`; `make_policy(name, config)` is the one way
to get a policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.registry import Registry
from planners.decision.baselines import ExploreAllPolicy, FixedBudgetPolicy, MemoryOnlyPolicy
from planners.decision.value_of_information import ExplorationPolicy, SensorModel, ValueOfInformationStopper


class UnknownPlannerError(BadInputError):
    """A planner name no policy is registered under; the message lists the known ones."""


@dataclass
class ExplorationConfig:
    """Typed settings of all exploration policies (load with memory_stack.foundation.typed_config)."""

    cost_weight: float = 0.01
    budget_m: float = 30.0
    detection_probability: float = 0.9
    false_positive_rate: float = 0.02
    look_time_s: float = 4.0
    speed_mps: float = 0.5
    certain_threshold: float = 0.97
    # a safety cap in looks; budget_m and cost_weight are the stopping rule. With 12 (session 10), 8 of 120
    # questions on 12 development households took more than 8 looks: 41% of voi's path, 3 right
    # (0 of 3 on 7 of them with the place prior, which finds things sooner; docs/BENCHMARKS.md, issue 17 session 11)
    max_steps: int = 8
    lookahead: int = 2
    search_looks: int = 6        # longest search (in looks) whose value a first look is credited with; 1: off
    fixed_top_k: int = 2
    fixed_budget_m: float = 15.0
    explore_all_max_steps: int = 50



def _sensor(config: ExplorationConfig) -> SensorModel:
    return SensorModel(config.detection_probability, config.false_positive_rate)


def value_of_information_policy(config: ExplorationConfig) -> ExplorationPolicy:
    return ValueOfInformationStopper(config.cost_weight, config.budget_m, _sensor(config), config.look_time_s,
                                     config.speed_mps, config.certain_threshold, config.max_steps,
                                     config.lookahead, config.search_looks)


def memory_only_policy(config: ExplorationConfig) -> ExplorationPolicy:
    return MemoryOnlyPolicy()


def explore_all_policy(config: ExplorationConfig) -> ExplorationPolicy:
    return ExploreAllPolicy(config.explore_all_max_steps, _sensor(config))


def fixed_budget_policy(config: ExplorationConfig) -> ExplorationPolicy:
    return FixedBudgetPolicy(config.fixed_top_k, config.fixed_budget_m, config.certain_threshold, _sensor(config))


PolicyFactory = Callable[[ExplorationConfig], ExplorationPolicy]

POLICIES: Registry[PolicyFactory] = Registry("planner", {
    "voi": "planners.decision.policies:value_of_information_policy",
    "memory-only": "planners.decision.policies:memory_only_policy",
    "explore-all": "planners.decision.policies:explore_all_policy",
    "fixed-budget": "planners.decision.policies:fixed_budget_policy",
}, unknown_error=UnknownPlannerError)


def make_policy(planner: str | None, config: ExplorationConfig | None = None) -> ExplorationPolicy:
    """The policy a planner name stands for (case and surrounding blanks ignored; empty: voi)."""
    name = (planner or "voi").strip().lower()
    return POLICIES.get(name)(config or ExplorationConfig())
