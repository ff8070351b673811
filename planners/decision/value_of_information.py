"""When to stop looking: the value-of-information rule and the baselines it is compared with.

`ValueOfInformationStopper` scores each candidate look (go to a viewpoint of a receptacle, place
or room and look) by

    net value = expected gain in P(correct answer)  -  cost_weight * cost_m
    cost_m    = travel metres + look_time_s * speed_mps      (time spent looking, in metres)

A look planned from several stand points (a cluttered top, planners.acting.exploration.plan_surface_look)
costs its whole path (to the first stand point and on through the others) and one look time per
stand point; the next look's travel starts from its last stand point.

The expected gain is Bayesian lookahead on the belief's hypotheses with a sensor model
(detection probability d, false-positive rate f): a look at place T either shows one of the
hypotheses located at T (P = d if that hypothesis is true, f spread over them if the truth is
elsewhere) or shows nothing (P = 1 - d / 1 - f). For each outcome the posterior is computed, the
hypotheses are pooled by the answer they imply, and the best answer's mass is the utility. The
gain is E[max posterior answer mass] - current max, which is never negative. With `lookahead=2`
(the default) the value of each outcome also considers the best single follow-up look (net of
its own cost), because a one-step rule sees no value in checking the most likely place: a miss
there changes nothing by itself, only together with the look that follows.

A look is also credited with the search it starts (`search_gain`, up to `search_looks` looks): if
it finds nothing, go on to the place with the most probability per metre, stop at the first
sighting. Two looks ahead see no value in checking for an object whose stale mass is spread thinly
over many receptacles; a round of the house does, when the places are close together. The gain of
a look is the larger of the two (each is the value of a plan the robot could really follow, so
neither overstates what looking is worth).

Utility counts only answers that could be reported: a speculative hypothesis (a place the prior or
a past case suggests) is worth something only once a look in the lookahead confirms it.

The rule acts greedily: take the best look while its net value is positive and its travel fits in
what is left of `budget_m`; otherwise answer. `stopped_by` says why: `certain` (confidence reached
`certain_threshold`), `voi` (no look is worth its cost, or there is nothing to look at), `budget`
(a worthwhile look no longer fits the metre budget, or `max_steps` looks were made).

How `cost_weight` trades accuracy against travel: it is the probability of being right that one
metre of driving must buy. With cost_weight = 0.01 (the default) a 10 m trip to a receptacle is
taken only if it raises P(correct) by more than 0.1 (plus 0.02 for the look time); 0 turns VOI
into "explore until certain or out of budget" (explore-all accuracy, most travel); large values
(>= 1/typical trip length, e.g. 0.2) make it answer from memory almost always (memory-only
accuracy, no travel). Stale memories (low P(still there)) have the largest gains, so they are the
ones worth driving for; fresh memories and past questions (nothing to look at) are answered at once.

Baselines share the same loop and return the same decision type:
`memory-only` (never explore), `explore-all` (visit every candidate, nearest first, then answer),
`fixed-budget` (the top-k most probable places, within a metre budget).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from planners.belief.candidates import Belief

STOPPED_BY_VOI = "voi"
STOPPED_BY_CERTAIN = "certain"
STOPPED_BY_BUDGET = "budget"
STOPPED_BY_MEMORY_ONLY = "memory-only"
STOPPED_BY_EXPLORE_ALL = "explore-all"



@dataclass(frozen=True)
class SensorModel:
    """How reliable one look at a place is."""

    detection_probability: float = 0.9
    false_positive_rate: float = 0.02

    def __post_init__(self) -> None:
        if not 0.0 <= self.detection_probability <= 1.0:
            raise ValueError(f"detection_probability must be in [0, 1], got {self.detection_probability}")
        if not 0.0 <= self.false_positive_rate <= 1.0:
            raise ValueError(f"false_positive_rate must be in [0, 1], got {self.false_positive_rate}")


@dataclass
class ScoredAction:
    """A candidate look with its expected gain, cost and net value."""

    action: Any
    target: str
    expected_gain: float
    travel_m: float
    cost_m: float
    net_value: float
    affordable: bool


@dataclass
class StoppingDecision:
    """Either the next look to make (`action` set) or the reason to answer now (`stopped_by`)."""

    action: Any | None
    stopped_by: str | None
    scored: list[ScoredAction] = field(default_factory=list)
    chosen: ScoredAction | None = None

    @property
    def stop(self) -> bool:
        return self.action is None


class ExplorationPolicy(Protocol):
    """Decides, given the current belief and candidate looks, whether to look again and where."""

    name: str

    def decide(self, belief: Belief, actions: Sequence[Any], travel_m: Sequence[float],
               spent_m: float, steps: int) -> StoppingDecision: ...


def action_target(action: Any) -> str:
    return action if isinstance(action, str) else action.target


def _stands(action: Any) -> int:
    """How many stand points a look has (planners.acting.exploration.ObservationAction.stands; 1 when unknown)."""
    return len(getattr(action, "stands", None) or (None,))


def reportable_max(belief: Belief, probabilities: Sequence[float]) -> float:
    """The mass of the best answer that could be reported (speculative hypotheses are not answers)."""
    masses: dict[Any, float] = {}
    for c, p in zip(belief.candidates, probabilities):
        if not c.speculative:
            masses[c.answer_key] = masses.get(c.answer_key, 0.0) + p
    return max(masses.values(), default=0.0)


def look_outcomes(belief: Belief, target: str, sensor: SensorModel,
                  prior: Sequence[float] | None = None) -> list[tuple[float, list[float], int | None]]:
    """(probability, posterior, j) for each outcome of a look at `target`: see hypothesis j, or nothing (None)."""
    prior = belief.probabilities if prior is None else list(prior)
    covered = [i for i, c in enumerate(belief.candidates) if c.reveal_target == target]
    if not covered:
        return [(1.0, list(prior), None)]
    f = sensor.false_positive_rate
    # a hypothesis behind a shut door is seen only if the door is open (AnswerCandidate.visibility)
    detect = {i: sensor.detection_probability * belief.candidates[i].visibility for i in covered}
    outcomes: list[tuple[float, list[float]]] = []
    for j in covered:
        joint = [(detect[i] * p if i == j else 0.0) if i in detect else (f / len(covered)) * p
                 for i, p in enumerate(prior)]
        total = sum(joint)
        if total > 0.0:
            outcomes.append((total, [x / total for x in joint], j))
    joint_nothing = [(1.0 - detect[i]) * p if i in detect else (1.0 - f) * p for i, p in enumerate(prior)]
    total = sum(joint_nothing)
    if total > 0.0:
        outcomes.append((total, [x / total for x in joint_nothing], None))
    return outcomes


def answer_max(belief: Belief, probabilities: Sequence[float], confirmed: frozenset[int] = frozenset()) -> float:
    """The mass of the most probable answer that could be reported, hypotheses pooled by answer.

    An answer can be reported when one of its hypotheses is evidence-backed: not speculative, or
    `confirmed` (seen by a look in the lookahead). Speculative mass alone is worth nothing: a place
    a moved object may have gone to (by the prior or a past case) becomes an answer only once a look
    shows the object there, so confirming the most likely such place has real value; counting it
    as already known made the search stop in front of the one place worth looking (a fetch whose
    case memory pointed at the desk gave up without looking at the desk).
    """
    keys, speculative = _answer_index(belief)
    masses: dict[Any, float] = {}
    reportable: set[Any] = set()
    for i, (key, p) in enumerate(zip(keys, probabilities)):
        masses[key] = masses.get(key, 0.0) + p
        if not speculative[i] or i in confirmed:
            reportable.add(key)
    return max((masses[k] for k in reportable), default=0.0)


_ANSWER_INDEX: dict[int, tuple[Belief, list[Any], list[bool]]] = {}


def _answer_index(belief: Belief) -> tuple[list[Any], list[bool]]:
    """Answer keys and speculative flags of the belief's hypotheses, computed once per belief.

    The lookahead pools hypotheses by answer thousands of times per decision; building a key
    (rounding a position) each time was most of a decision's 40-60 ms on a 14-place house.
    """
    cached = _ANSWER_INDEX.get(id(belief))
    if cached is None or cached[0] is not belief or len(cached[1]) != len(belief.candidates):
        if len(_ANSWER_INDEX) > 64:
            _ANSWER_INDEX.clear()
        cached = (belief, [c.answer_key for c in belief.candidates], [c.speculative for c in belief.candidates])
        _ANSWER_INDEX[id(belief)] = cached
    return cached[1], cached[2]


def expected_gain(belief: Belief, target: str, sensor: SensorModel, prior: Sequence[float] | None = None) -> float:
    """One-step lookahead: E[best reportable answer mass after looking at `target`] - now (>= 0)."""
    if not belief.candidates:
        return 0.0
    prior = belief.probabilities if prior is None else prior
    now = answer_max(belief, prior)
    after = sum(p * answer_max(belief, posterior, _seen(j))
                for p, posterior, j in look_outcomes(belief, target, sensor, prior))
    return max(0.0, after - now)


def _seen(*indices: int | None) -> frozenset[int]:
    return frozenset(i for i in indices if i is not None)


def two_step_gain(belief: Belief, first: int, targets: Sequence[str], step_cost_m: Sequence[Sequence[float]],
                  sensor: SensorModel, cost_weight: float) -> float:
    """Gain of looking at `targets[first]` when one more look may follow, chosen after seeing the outcome.

    Myopic (one-step) gain is zero for confirming the most likely place even when a miss there
    would make the next look worthwhile; looking one step further removes that blind spot.
    `step_cost_m[a][b]`: cost (metres) of the look at b right after a (inf: over the budget).
    """
    if not belief.candidates:
        return 0.0
    prior = belief.probabilities
    now = answer_max(belief, prior)
    total = 0.0
    for p, posterior, j in look_outcomes(belief, targets[first], sensor, prior):
        stop_value = answer_max(belief, posterior, _seen(j))
        best = stop_value
        for b, target in enumerate(targets):
            cost = step_cost_m[first][b]
            if b == first or not math.isfinite(cost):
                continue
            follow = sum(q * answer_max(belief, post2, _seen(j, k)) for q, post2, k in
                         look_outcomes(belief, target, sensor, posterior)) - cost_weight * cost
            best = max(best, follow)
        total += p * best
    return max(0.0, total - now)


def search_gain(belief: Belief, first: int, targets: Sequence[str], hop_m: Sequence[Sequence[float]],
                look_cost_m: float | Sequence[float], sensor: SensorModel, cost_weight: float, max_looks: int,
                room_m: float = math.inf) -> float:
    """Gain of a search that starts with a look at `targets[first]` and goes on while it finds nothing.

    After each miss the search goes to the unvisited place with the most probability per metre
    (the classic order for finding one hidden thing); it stops at the first sighting. Its value is
    taken at the best length (the robot may stop after any look), net of the expected cost of the
    looks after the first (a look is made only when the earlier ones found nothing). `hop_m[a][b]`:
    metres from place a to place b; `look_cost_m`: the time of a look in metres, one for all places or
    one per place (a look from several stand points takes longer); `room_m`: metres the budget leaves
    after reaching the first.
    Two looks ahead cannot see that a stale object scattered thinly over many places is worth a
    round of the house; this can, and, being the value of a search the robot could really make,
    it never overstates what looking is worth.
    """
    if not belief.candidates or max_looks < 1:
        return 0.0
    look_m = [float(look_cost_m)] * len(targets) if isinstance(look_cost_m, (int, float)) else list(look_cost_m)
    now = answer_max(belief, belief.probabilities)
    miss = list(belief.probabilities)      # belief after every look so far found nothing
    reach = 1.0                            # P(every look so far found nothing)
    found_value = 0.0                      # sum over looks of P(first sighting there) * utility then
    cost = 0.0                             # expected metres of the looks after the first
    best = 0.0
    current, visited, left = first, {first}, room_m
    for _ in range(max_looks):
        nothing_p, nothing_post = 0.0, miss
        for p, posterior, j in look_outcomes(belief, targets[current], sensor, miss):
            if j is None:
                nothing_p, nothing_post = p, posterior
            else:
                found_value += reach * p * answer_max(belief, posterior, _seen(j))
        reach *= nothing_p
        miss = nothing_post
        best = max(best, found_value + reach * answer_max(belief, miss) - cost_weight * cost - now)
        if reach <= 1e-9:
            break
        options = []
        for b, target in enumerate(targets):
            hop = hop_m[current][b]
            if b in visited or not math.isfinite(hop) or hop > left + 1e-9:
                continue
            mass = sum(p for c, p in zip(belief.candidates, miss) if c.reveal_target == target)
            if mass > 0.0:
                options.append((mass / (hop + look_m[b]), b))
        if not options:
            break
        _, following = max(options)
        cost += reach * (hop_m[current][following] + look_m[following])
        left -= hop_m[current][following]
        visited.add(following)
        current = following
    return max(0.0, best)


def target_mass(belief: Belief, target: str) -> float:
    return sum(c.probability for c in belief.candidates if c.reveal_target == target)


@dataclass
class ValueOfInformationStopper:
    """Greedy value-of-information stopping (see the module docstring for the rule and the trade-off).

    cost_weight: P(correct) one metre of travel must buy. budget_m: metres of travel allowed per
    question. look_time_s * speed_mps converts the time a look takes into metres.
    """

    cost_weight: float = 0.01
    budget_m: float = 30.0
    sensor: SensorModel = field(default_factory=SensorModel)
    look_time_s: float = 4.0
    speed_mps: float = 0.5
    certain_threshold: float = 0.97
    max_steps: int = 8
    lookahead: int = 2
    search_looks: int = 6
    name: str = "voi"

    def __post_init__(self) -> None:
        if self.lookahead not in (1, 2):
            raise ValueError(f"lookahead must be 1 or 2 looks, got {self.lookahead}")
        if self.search_looks < 1:
            raise ValueError(f"search_looks must be at least 1 look, got {self.search_looks}")
        if self.cost_weight < 0 or not math.isfinite(self.cost_weight):
            raise ValueError(f"cost_weight must be a finite number >= 0, got {self.cost_weight}")
        if self.budget_m < 0:
            raise ValueError(f"budget_m must be >= 0, got {self.budget_m}")
        if not 0.0 < self.certain_threshold <= 1.0:
            raise ValueError(f"certain_threshold must be in (0, 1], got {self.certain_threshold}")

    def cost_m(self, travel_m: float, stands: int = 1) -> float:
        """Travel plus the time of the look (one look per stand point of a look from several) in metres."""
        return travel_m + max(1, stands) * self.look_time_s * self.speed_mps

    @staticmethod
    def _hops(actions: Sequence[Any], travel_m: Sequence[float]) -> list[list[float]]:
        """Metres from where look a ends to through look b's stand points.

        Straight line from a's last stand point to b's first, plus b's own path between its stand points
        (`stands_path_m`); the robot's own travel to b when the viewpoints are unknown.
        """
        hops = []
        for first in actions:
            row = []
            for second, travel_b in zip(actions, travel_m):
                va = getattr(first, "end_viewpoint", getattr(first, "viewpoint", None))
                vb = getattr(second, "viewpoint", None)
                row.append(math.dist(va[:2], vb[:2]) + float(getattr(second, "stands_path_m", 0.0))
                           if va is not None and vb is not None else travel_b)
            hops.append(row)
        return hops

    def _step_costs(self, actions: Sequence[Any], travel_m: Sequence[float], spent_m: float,
                    hops: list[list[float]]) -> list[list[float]]:
        """Cost of look b right after look a: `hops` (`_hops`) plus the look time (inf: over budget)."""
        costs = []
        for a, (row, travel_a) in enumerate(zip(hops, travel_m)):
            costs.append([self.cost_m(hop, _stands(actions[b]))
                          if spent_m + travel_a + hop <= self.budget_m + 1e-9 and a != b else math.inf
                          for b, hop in enumerate(row)])
        return costs

    def score(self, belief: Belief, actions: Sequence[Any], travel_m: Sequence[float],
              spent_m: float = 0.0, steps: int = 0) -> list[ScoredAction]:
        """Each look's gain, cost and net value, best first; `steps`: looks already made for this question.

        A look is credited with at most the search that `max_steps` still allows after it: crediting
        six more looks when two are left kept long searches going to the cap.
        """
        scored = []
        looks_left = max(1, self.max_steps - steps)
        targets = [action_target(a) for a in actions]
        hops = self._hops(actions, travel_m) if self.lookahead == 2 or self.search_looks > 1 else []
        step_costs = self._step_costs(actions, travel_m, spent_m, hops) if self.lookahead == 2 else None
        look_m = [self.cost_m(0.0, _stands(a)) for a in actions]
        for i, (action, travel) in enumerate(zip(actions, travel_m)):
            target = targets[i]
            if step_costs is not None and looks_left > 1:
                gain = two_step_gain(belief, i, targets, step_costs, self.sensor, self.cost_weight)
            else:
                gain = expected_gain(belief, target, self.sensor)
            if self.search_looks > 1:
                room = self.budget_m - spent_m - travel
                gain = max(gain, search_gain(belief, i, targets, hops, look_m, self.sensor, self.cost_weight,
                                             min(self.search_looks, looks_left), room))
            cost = self.cost_m(travel, _stands(action))
            scored.append(ScoredAction(action, target, gain, travel, cost, gain - self.cost_weight * cost,
                                       spent_m + travel <= self.budget_m + 1e-9))
        scored.sort(key=lambda s: -s.net_value)
        return scored

    def decide(self, belief: Belief, actions: Sequence[Any], travel_m: Sequence[float],
               spent_m: float = 0.0, steps: int = 0) -> StoppingDecision:
        if belief.candidates and belief.confidence >= self.certain_threshold:
            return StoppingDecision(None, STOPPED_BY_CERTAIN)
        scored = self.score(belief, actions, travel_m, spent_m, steps)
        worthwhile = [s for s in scored if s.net_value > 0.0]
        if not worthwhile:
            return StoppingDecision(None, STOPPED_BY_VOI, scored)
        if steps >= self.max_steps:
            return StoppingDecision(None, STOPPED_BY_BUDGET, scored)
        affordable = [s for s in worthwhile if s.affordable]
        if not affordable:
            return StoppingDecision(None, STOPPED_BY_BUDGET, scored)
        return StoppingDecision(affordable[0].action, None, scored, affordable[0])
