"""The baselines the value-of-information rule is compared with; same loop, same decision type.

`memory-only` never explores, `explore-all` visits every candidate (nearest first) and then
answers, `fixed-budget` looks at the top-k most probable places within a metre budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from planners.belief.candidates import Belief
from planners.decision.value_of_information import (
    STOPPED_BY_BUDGET,
    STOPPED_BY_CERTAIN,
    STOPPED_BY_EXPLORE_ALL,
    STOPPED_BY_MEMORY_ONLY,
    ScoredAction,
    SensorModel,
    StoppingDecision,
    action_target,
    expected_gain,
    target_mass,
)


@dataclass
class MemoryOnlyPolicy:
    """Never explore: answer from memory as it is."""

    name: str = "memory-only"

    def decide(self, belief: Belief, actions: Sequence[Any], travel_m: Sequence[float],
               spent_m: float = 0.0, steps: int = 0) -> StoppingDecision:
        return StoppingDecision(None, STOPPED_BY_MEMORY_ONLY)


@dataclass
class ExploreAllPolicy:
    """Visit every candidate place (nearest first) before answering; `max_steps` is a safety cap."""

    max_steps: int = 50
    sensor: SensorModel = field(default_factory=SensorModel)
    name: str = "explore-all"

    def decide(self, belief: Belief, actions: Sequence[Any], travel_m: Sequence[float],
               spent_m: float = 0.0, steps: int = 0) -> StoppingDecision:
        if not actions or steps >= self.max_steps:
            return StoppingDecision(None, STOPPED_BY_EXPLORE_ALL)
        i = min(range(len(actions)), key=lambda k: travel_m[k])
        target = action_target(actions[i])
        chosen = ScoredAction(actions[i], target, expected_gain(belief, target, self.sensor),
                              travel_m[i], travel_m[i], 0.0, True)
        return StoppingDecision(actions[i], None, [chosen], chosen)


@dataclass
class FixedBudgetPolicy:
    """Look at the `top_k` most probable places (by belief mass), while travel fits in `budget_m`."""

    top_k: int = 2
    budget_m: float = 15.0
    certain_threshold: float = 0.95
    sensor: SensorModel = field(default_factory=SensorModel)
    name: str = "fixed-budget"

    def decide(self, belief: Belief, actions: Sequence[Any], travel_m: Sequence[float],
               spent_m: float = 0.0, steps: int = 0) -> StoppingDecision:
        if belief.candidates and belief.confidence >= self.certain_threshold:
            return StoppingDecision(None, STOPPED_BY_CERTAIN)
        if steps >= self.top_k:
            return StoppingDecision(None, STOPPED_BY_BUDGET)
        order = sorted(range(len(actions)), key=lambda k: -target_mass(belief, action_target(actions[k])))
        for i in order:
            if spent_m + travel_m[i] <= self.budget_m + 1e-9:
                chosen = ScoredAction(actions[i], action_target(actions[i]),
                                      expected_gain(belief, action_target(actions[i]), self.sensor),
                                      travel_m[i], travel_m[i], 0.0, True)
                return StoppingDecision(actions[i], None, [chosen], chosen)
        return StoppingDecision(None, STOPPED_BY_BUDGET)
