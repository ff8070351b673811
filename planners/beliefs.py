"""Beliefs: for one typed question, a probability distribution over answers, built from memory alone.

A `Belief` holds hypotheses about the world (`AnswerCandidate`: "the mug is on the counter",
"the fridge is closed", "nothing was missed"), each with the answer it implies (`value`, compared by
`answer_key`) and, when a look could confirm or refute it now, the place to look (`reveal_target`).
The answer is the most probable answer key (summed over hypotheses); its mass is the confidence.

Models, per question kind:
- present location / room of / still present: the staleness model. The object stays where it was
  last seen with P = exp(-rate * hours since last seen). The rate is the posterior mean of a Gamma
  prior whose mean is the category's mobility prior (`BeliefConfig.moves_per_day`, looked up along
  the ontology's is_a chain: keys and phones move several times a day, furniture almost never),
  updated with the moves memory saw for things of that category over the hours it tracked them
  (first to last sighting): rate = (prior_moves + moves) / (prior_hours + tracked hours).
  This mobility model is opt-in (`use_mobility_prior`); the default is still the memory's learned
  rate, at least the household's rate (moves seen per object-hour).
  The rest moves to other receptacles by
  `memory.location_prior(category)`, with a share for "not in the house".
- past location: the temporal memory's answer at t; when a move was detected after t, the move
  happened uniformly somewhere in the gap between the last sighting and its detection, so
  P(still at the old place at t) = (t_detected - t) / (t_detected - t_last_seen).
- counts and changes: what was observed, plus the periods that were not observed
  (`memory.observed_intervals`): P(nothing missed) = exp(-event_rate * unobserved hours).
  Unseen events are never reported as fact; they lower the confidence.
- object state: the last seen state decays at the object's state-change rate towards the long-run
  share of time things are open/on (a two-state Markov chain), so "closed" stays likely.
- contents: the remembered list holds while nothing there moved since the receptacle was last seen.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from memory_stack.foundation.errors import BadInputError
from planners.floor_plan_routes import polygon_centroid, room_named

NOT_IN_HOUSE = "not_in_house"
SECONDS_PER_HOUR = 3600.0

PRESENT_KINDS = {"present_location", "room_of", "still_present"}
_OPPOSITE_STATE = {"open": "closed", "closed": "open", "on": "off", "off": "on"}
PAST_KINDS = {"past_location"}


@dataclass
class AnswerCandidate:
    """One hypothesis about the world and the answer it implies.

    `label` identifies the hypothesis (a receptacle id, a room, `not_in_house`, a state...);
    `value` is the answer in the shape of specs/scenario.md; `reveal_target` / `reveal_position`
    say where a look now would confirm or refute it (None: nothing to look at, e.g. the past).
    `speculative` hypotheses (events that may have been missed, places a moved object may have
    gone to by the prior) lower the confidence of the observed answer and are worth looking at, but
    are never reported as the answer until a look confirms them.
    """

    label: str
    value: Any
    probability: float
    position: tuple[float, float, float] | None = None
    room: str | None = None
    rests_on: str | None = None
    rests_on_category: str | None = None
    object_id: str | None = None
    last_seen: float | None = None
    reveal_target: str | None = None
    reveal_position: tuple[float, float, float] | None = None
    evidence: list[str] = field(default_factory=list)
    speculative: bool = False

    @property
    def answer_key(self) -> Any:
        return answer_key(self.value)


def answer_key(value: Any) -> Any:
    """A hashable key under which answers that say the same thing are pooled."""
    if isinstance(value, list):
        return tuple(sorted(str(v) for v in value))
    if isinstance(value, dict):
        return tuple(sorted((k, answer_key(v)) for k, v in value.items()))
    if isinstance(value, tuple) and value and all(isinstance(v, float) for v in value):
        return tuple(round(v, 1) for v in value)
    return value


@dataclass
class Belief:
    """A distribution over hypotheses for one question; probabilities sum to 1 (or it is empty)."""

    kind: str
    candidates: list[AnswerCandidate]
    query: Any = None
    time: float | None = None
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.normalize()

    def normalize(self) -> None:
        total = sum(max(0.0, c.probability) for c in self.candidates)
        if total <= 0.0:
            for c in self.candidates:
                c.probability = 1.0 / len(self.candidates)
            return
        for c in self.candidates:
            c.probability = max(0.0, c.probability) / total

    @property
    def probabilities(self) -> list[float]:
        return [c.probability for c in self.candidates]

    def answer_masses(self, probabilities: Sequence[float] | None = None) -> dict[Any, float]:
        """Probability per answer key (hypotheses that imply the same answer are pooled)."""
        probabilities = self.probabilities if probabilities is None else probabilities
        masses: dict[Any, float] = {}
        for c, p in zip(self.candidates, probabilities):
            masses[c.answer_key] = masses.get(c.answer_key, 0.0) + p
        return masses

    @property
    def map_candidate(self) -> AnswerCandidate | None:
        """The best non-speculative hypothesis of the most probable answer."""
        reportable = [c for c in self.candidates if not c.speculative]
        if not reportable:
            return None
        masses = self.answer_masses()
        best_key = max((c.answer_key for c in reportable), key=lambda k: masses[k])
        return max((c for c in reportable if c.answer_key == best_key), key=lambda c: c.probability)

    @property
    def confidence(self) -> float:
        best = self.map_candidate
        if best is None:
            return 0.0
        return self.answer_masses()[best.answer_key]

    @property
    def revealable(self) -> bool:
        return any(c.reveal_target for c in self.candidates)


@dataclass(frozen=True)
class LookRecord:
    """A look the robot made while answering: at `target`, at time `time`.

    `coverage`: the share of the place's top the look saw (planners.exploration.top_coverage); a
    look that saw half of a shelf's top is half as strong evidence that nothing is on it.
    """

    target: str
    time: float
    coverage: float = 1.0


# A question "where is X" makes a move since the last sighting this many times more likely (see
# asked_stay_probability). An assumption about askers, not fitted: in the shipped scenarios 12 of
# the 23 present-tense questions are about objects that moved unseen while 7.5% of remembered
# objects had moved at a look, which would put it near 13.
QUESTION_MOVE_LIKELIHOOD_RATIO = 4.0

# Prior moves per day by category or ontology parent (the ontology's is_a chain): how
# mobile categories are relative to each other; each home's level is learned on top of it
# (BeliefBuilder.household_mobility_scale). Handheld things about once a day, furniture almost
# never. An earlier table four to eight times higher (keys 4, phones 6 a day) put P(still there)
# at 0.24 where 0.86 of the objects had stayed (`memstack bench eqa` reliability table).
DEFAULT_MOVES_PER_DAY: dict[str, float] = {
    "keys": 1.0, "phone": 1.2, "remote": 0.8, "glasses": 0.8, "wallet": 0.6, "book": 0.4,
    "personal_item": 0.6, "electronics": 0.4, "laptop": 0.5, "reading_material": 0.4,
    "kitchenware": 0.6, "drinkware": 0.8, "food": 0.3, "toy": 0.5, "textile": 0.1,
    "plant": 0.01, "box": 0.05, "appliance": 0.0005, "furniture": 0.002, "object": 0.1,
}


@dataclass
class BeliefConfig:
    """Parameters of the belief models (probabilities in [0, 1], rates per hour)."""

    not_in_house_share: float = 0.1        # of the mass that left the last-seen place
    absent_stays_absent: float = 0.5        # prior P(out of the house) for an object the memory saw leave
    departures_prior_weight: float = 2.0    # ... worth this many departures; memory's own departures update it
    learn_departures: bool = True           # False: absent_stays_absent as it is
    default_move_rate_per_hour: float = 0.02
    state_change_prior_per_hour: float = 0.02
    state_prior_hours: float = 24.0
    active_state_fraction: float = 0.15     # long-run share of time things are open / on
    event_rate_prior_per_hour: float = 0.02  # unseen-event rate for counts and changes
    event_prior_hours: float = 24.0
    arrival_rate_per_hour: float = 0.01      # new things appearing on a receptacle
    detection_probability: float = 0.9       # a look at a place finds what is there
    resighted_same_place: float = 0.97       # seen again at the same place after t: stayed all along
    location_prior_floor: float = 0.02       # receptacle categories the prior never saw
    max_alternatives: int = 12
    max_missed_events: int = 3
    min_state_dwell_s: float = 5.0           # shorter open/closed readings are detector blips
    floor_clearance_m: float = 0.1           # a track whose box starts this low stands on the floor
    furniture_min_height_m: float = 0.45     # ... and is furniture when at least this tall
    use_household_move_rate: bool = False    # legacy rate only: an object moves at least as often as things here do
    household_prior_hours: float = 48.0      # object-hours of prior at default_move_rate_per_hour
    # Mobility prior (moves per day) per category or is_a ancestor; observed moves update it.
    # Handheld things are picked up and put down several times a day; furniture stays put.
    moves_per_day: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MOVES_PER_DAY))
    mobility_prior_hours: float = 24.0       # weight of the prior, in tracked object-hours
    learn_household_scale: bool = True      # scale the prior by how much things move in this home
    household_scale_prior_moves: float = 2.0  # weight of "as the prior says" (scale 1), in moves
    # False: the legacy staleness rate (memory.move_rate, at least the household's rate when
    # use_household_move_rate), which learns ~0.03 moves/h and keeps ~0.9 on stale places.
    use_mobility_prior: bool = True
    # P(asked where it is | it moved) / P(asked | it stayed), for present-tense questions (where is,
    # which room, still in the house). 1: the question is no evidence (tasks, calibration); QAConfig
    # sets QUESTION_MOVE_LIKELIHOOD_RATIO.
    asked_moved_likelihood_ratio: float = 1.0

    def __post_init__(self) -> None:
        for name in ("not_in_house_share", "absent_stays_absent", "detection_probability", "active_state_fraction",
                     "resighted_same_place", "location_prior_floor"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")
        for category, per_day in self.moves_per_day.items():
            if not (math.isfinite(per_day) and per_day >= 0.0):
                raise ValueError(f"moves_per_day.{category} must be a non-negative number, got {per_day}")
        if not (math.isfinite(self.asked_moved_likelihood_ratio) and self.asked_moved_likelihood_ratio > 0.0):
            raise ValueError(f"asked_moved_likelihood_ratio must be positive, got {self.asked_moved_likelihood_ratio}")
        if self.household_scale_prior_moves <= 0.0:
            raise ValueError("household_scale_prior_moves must be positive")
        if self.departures_prior_weight <= 0.0:
            raise ValueError("departures_prior_weight must be positive")
        if self.mobility_prior_hours <= 0.0:
            raise ValueError("mobility_prior_hours must be positive")
        for name in ("default_move_rate_per_hour", "state_change_prior_per_hour", "event_rate_prior_per_hour",
                     "arrival_rate_per_hour", "state_prior_hours", "event_prior_hours"):
            if getattr(self, name) < 0.0:
                raise ValueError(f"{name} must not be negative")


def stay_probability(rate_per_hour: float, hours: float) -> float:
    """P(an object that moves `rate_per_hour` times an hour is still where it was `hours` ago)."""
    return math.exp(-max(0.0, rate_per_hour) * max(0.0, hours))


def asked_stay_probability(stay: float, likelihood_ratio: float) -> float:
    """P(still there | someone asks where it is): Bayes with P(asked | moved) / P(asked | stayed) = ratio.

    People ask where a thing is when they cannot find it where they expect it, and the people
    asking are the ones who move things about: the question itself is evidence of a move.
    """
    if likelihood_ratio == 1.0 or stay >= 1.0:
        return stay
    return stay / (stay + likelihood_ratio * (1.0 - stay))


ACTIVE_STATES = ("open", "on")


def state_keep_probability(state: str | None, rate_per_hour: float, hours: float, active_fraction: float) -> float:
    """P(a two-state thing still shows `state` after `hours`), a two-state Markov chain.

    Changes happen at `rate_per_hour`; in the long run the thing is in an active state (open, on)
    `active_fraction` of the time, so a closed fridge stays likely closed and an open one closes.
    """
    mixing = math.exp(-2.0 * max(0.0, rate_per_hour) * max(0.0, hours))
    if state in ACTIVE_STATES:
        stationary = active_fraction
    elif state in _OPPOSITE_STATE:
        stationary = 1.0 - active_fraction
    else:
        stationary = 0.5
    return stationary + (1.0 - stationary) * mixing


def poisson_pmf(k: int, mean: float) -> float:
    if mean <= 0.0:
        return 1.0 if k == 0 else 0.0
    return math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1))


def merge_intervals(intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for a, b in sorted((float(a), float(b)) for a, b in intervals if b >= a):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def covered_seconds(intervals: Iterable[tuple[float, float]], t0: float, t1: float) -> float:
    total = 0.0
    for a, b in merge_intervals(intervals):
        total += max(0.0, min(b, t1) - max(a, t0))
    return total


def _attr(obj: Any, name: str, default: Any = None) -> Any:
    return getattr(obj, name, default) if obj is not None else default


def _xyz(value: Any) -> tuple[float, float, float] | None:
    if value is None:
        return None
    seq = list(value)
    if len(seq) == 2:
        seq.append(0.0)
    return (float(seq[0]), float(seq[1]), float(seq[2]))


def _bool_state(state: str | None, asked: str | None) -> Any:
    if state is None:
        return None
    if not asked:
        return state
    return state == asked


class BeliefBuilder:
    """Builds a `Belief` for a typed query from the memory's public query API."""

    def __init__(self, memory: Any, config: BeliefConfig | None = None) -> None:
        self.memory = memory
        self.config = config or BeliefConfig()
        self._house_rate: float | None = None
        self._mobility_rates: dict[str, float] = {}
        self._gone_share: float | None = None
        self._scale: float | None = None

    # ----------------------------------------------------------------- entry point
    def build(self, query: Any, now: float, looks: Sequence[LookRecord] = ()) -> Belief:
        kind = _attr(query, "kind", "unknown") or "unknown"
        target = _attr(query, "target")
        if kind in PRESENT_KINDS and not target:
            return Belief(kind, [], query, now, ["no target object in the question"])
        self._house_rate = self.household_move_rate(now) if self.config.use_household_move_rate else None
        self._mobility_rates = {}
        self._gone_share = None
        self._scale = None
        builder = {
            "present_location": self._present_location,
            "room_of": self._room_of,
            "still_present": self._still_present,
            "past_location": self._past_location,
            "object_state": self._object_state,
            "contents": self._contents,
            "count": self._count,
            "changes": self._changes,
            "first_seen": self._first_last_seen,
            "last_seen": self._first_last_seen,
        }.get(kind)
        if builder is None:
            return Belief(kind, [], query, now, [f"question kind {kind!r} has no belief model"])
        belief = builder(query, now)
        if looks:
            self._apply_looks(belief, looks)
        return belief

    # ----------------------------------------------------------------- present
    def household_move_rate(self, now: float) -> float:
        """Moves per object-hour over every movable thing memory has seen (a Gamma-smoothed estimate).

        One object's own history is short; how often things move in this house is known better.
        """
        cfg = self.config
        movable = [o for o in self.memory.objects(include_absent=True) or [] if not _attr(o, "is_receptacle", False)]
        hours = sum(max(0.0, now - float(_attr(o, "first_seen", now))) for o in movable) / SECONDS_PER_HOUR
        ids = {_attr(o, "id") for o in movable}
        moves = sum(1 for e in self.memory.events(kinds=["moved", "disappeared"]) or [] if _attr(e, "object_id") in ids)
        prior_hours = cfg.household_prior_hours
        return (moves + cfg.default_move_rate_per_hour * prior_hours) / (hours + prior_hours)

    def departure_gone_share(self) -> float:
        """P(an object memory saw leave its place is out of the house), learned from memory's departures.

        A Beta prior (mean `absent_stays_absent`, weight `departures_prior_weight`) updated with the
        disappearances memory recorded of movable things: the ones it later saw again somewhere
        (moved, appeared) stayed in the house, the rest count as gone (an upper bound: some of
        them only went where the robot has not looked since). In lived-in homes most departures
        are moves, so a thing seen leaving is worth searching for.
        """
        cfg = self.config
        if not cfg.learn_departures:
            return cfg.absent_stays_absent
        if self._gone_share is None:
            furniture = {_attr(o, "id") for o in self.memory.receptacles() or []}
            events = sorted((e for e in self.memory.events(kinds=["disappeared", "moved", "appeared"]) or []
                             if _attr(e, "object_id") not in furniture), key=lambda e: _attr(e, "time", 0.0))
            returned_after: dict[str, float] = {}
            for e in events:
                if _attr(e, "kind") != "disappeared":
                    returned_after[_attr(e, "object_id")] = float(_attr(e, "time", 0.0))
            departures = [e for e in events if _attr(e, "kind") == "disappeared"]
            gone = sum(1 for e in departures
                       if returned_after.get(_attr(e, "object_id"), -math.inf) <= float(_attr(e, "time", 0.0)))
            weight = cfg.departures_prior_weight
            self._gone_share = (cfg.absent_stays_absent * weight + gone) / (weight + len(departures))
        return self._gone_share

    def _category_chain(self, category: str) -> list[str]:
        ontology = getattr(self.memory, "ontology", None)
        if ontology is None:
            return [category]
        try:
            canonical = ontology.canonical(category)
            return [canonical] + [c for c in ontology.ancestors(canonical) if c != canonical]
        except (AttributeError, KeyError, LookupError, ValueError, TypeError):
            return [category]

    def prior_moves_per_hour(self, category: str | None) -> float:
        """The category's mobility prior (moves per hour), from the nearest is_a ancestor that has one."""
        table = self.config.moves_per_day
        for name in self._category_chain(category) if category else []:
            if name in table:
                return table[name] / 24.0
        return self.config.default_move_rate_per_hour

    def mobility_rate(self, target: str) -> float:
        """Posterior mean moves per hour: Gamma(mobility prior) updated with the category's observed moves.

        Exposure is the hours memory tracked each object (first to last sighting): a move that
        happened after the last sighting is not yet visible, so that time is not evidence of staying.
        """
        cfg = self.config
        objects = [o for o in self.memory.objects(include_absent=True) or []
                   if target in (_attr(o, "id"), _attr(o, "category"))]
        category = next((_attr(o, "category") for o in objects if _attr(o, "category")), None) or target
        same = [o for o in self.memory.objects(include_absent=True) or [] if _attr(o, "category") == category]
        tracked_hours = 0.0
        ids = set()
        for o in same:
            first, last = _attr(o, "first_seen"), _attr(o, "last_seen")
            if first is not None and last is not None:
                tracked_hours += max(0.0, float(last) - float(first)) / SECONDS_PER_HOUR
            ids.add(_attr(o, "id"))
        moves = sum(1 for e in self.memory.events(kinds=["moved"]) or [] if _attr(e, "object_id") in ids)
        if len(same) > 1:
            moves, tracked_hours = moves / len(same), tracked_hours / len(same)
        prior_rate = self.prior_moves_per_hour(category) * self.household_mobility_scale()
        return (prior_rate * cfg.mobility_prior_hours + moves) / (cfg.mobility_prior_hours + tracked_hours)

    def household_mobility_scale(self) -> float:
        """How much more (> 1) or less (< 1) things move in this home than the mobility prior says.

        The prior fixes how mobile categories are relative to each other (keys more than books,
        books more than plants); the level is the household's: a Gamma posterior mean (prior mean
        1, worth `household_scale_prior_moves` moves) of the moves memory saw of all movable things
        over the moves the prior expects in the hours it tracked them. Measured on the shipped
        scenarios, the unscaled prior (keys 4 moves a day) put P(still there) at 0.26 where 0.89 of
        the objects had stayed (docs: `memstack bench eqa`'s reliability table).
        """
        cfg = self.config
        if not cfg.learn_household_scale:
            return 1.0
        if self._scale is None:
            movable = [o for o in self.memory.objects(include_absent=True) or []
                       if not _attr(o, "is_receptacle", False)]
            expected = 0.0
            for o in movable:
                first, last = _attr(o, "first_seen"), _attr(o, "last_seen")
                if first is not None and last is not None:
                    hours = max(0.0, float(last) - float(first)) / SECONDS_PER_HOUR
                    expected += self.prior_moves_per_hour(_attr(o, "category")) * hours
            ids = {_attr(o, "id") for o in movable}
            moves = sum(1 for e in self.memory.events(kinds=["moved"]) or [] if _attr(e, "object_id") in ids)
            weight = cfg.household_scale_prior_moves
            self._scale = (weight + moves) / (weight + expected)
        return self._scale

    def _rate(self, target: str) -> float:
        if self.config.use_mobility_prior:
            if target not in self._mobility_rates:
                self._mobility_rates[target] = self.mobility_rate(target)
            return self._mobility_rates[target]
        try:
            rate = float(self.memory.move_rate(target))
        except (KeyError, LookupError, ValueError):
            rate = self.config.default_move_rate_per_hour
        if not (math.isfinite(rate) and rate >= 0):
            rate = self.config.default_move_rate_per_hour
        if self._house_rate is not None:
            rate = max(rate, self._house_rate)
        return rate

    def _located(self, target: str, at: float | None) -> list[Any]:
        """The memory's remembered placements (its own prior-based alternatives are rebuilt here)."""
        return [loc for loc in self.memory.locate(target, at=at) or [] if _attr(loc, "source", "memory") == "memory"]

    def _location_hypotheses(self, target: str, now: float) -> tuple[list[AnswerCandidate], str | None]:
        """Hypotheses for where `target` is now: remembered places (decayed), elsewhere, not in house."""
        cfg = self.config
        located = self._located(target, None)
        category = next((_attr(loc, "category") for loc in located if _attr(loc, "category")), None)
        present = [loc for loc in located if _attr(loc, "present", True)]
        absent = [loc for loc in located if not _attr(loc, "present", True)]
        weights = [1.0 for _ in present]
        absent_weight = 0.0
        if absent and not present:
            absent_weight = 1.0
        total = sum(weights) + absent_weight
        candidates: list[AnswerCandidate] = []
        moved_mass = 0.0
        remembered: set[str] = set()
        for loc, weight in zip(present, weights):
            share = weight / total
            last_seen = _attr(loc, "last_seen")
            hours = (now - last_seen) / SECONDS_PER_HOUR if last_seen is not None else 0.0
            rate = self._rate(_attr(loc, "object_id") or target)
            stay = asked_stay_probability(stay_probability(rate, hours), cfg.asked_moved_likelihood_ratio)
            moved_mass += share * (1.0 - stay)
            place = _attr(loc, "rests_on") or _attr(loc, "room") or _attr(loc, "object_id") or target
            remembered.add(place)
            position = _xyz(_attr(loc, "position"))
            candidates.append(AnswerCandidate(
                label=place, value=position, probability=share * stay, position=position,
                room=_attr(loc, "room"), rests_on=_attr(loc, "rests_on"),
                rests_on_category=_attr(loc, "rests_on_category"), object_id=_attr(loc, "object_id"),
                last_seen=last_seen, reveal_target=place, reveal_position=position,
                evidence=[f"object:{_attr(loc, 'object_id')}"] if _attr(loc, "object_id") else [],
            ))
        gone_mass = 0.0
        if absent_weight:
            gone_mass = self.departure_gone_share()
            moved_mass += 1.0 - gone_mass
        if not located:
            moved_mass = 1.0
        not_in_house = gone_mass + moved_mass * cfg.not_in_house_share
        elsewhere = moved_mass * (1.0 - cfg.not_in_house_share)
        # A place memory saw the object gone from is not where to look for it again.
        left = {_attr(loc, "rests_on") for loc in absent if _attr(loc, "rests_on")}
        alternatives = self._alternative_places(category or target, exclude=remembered | left)
        if alternatives and elsewhere > 0.0:
            for candidate, weight in alternatives:
                candidate.probability = elsewhere * weight
                candidates.append(candidate)
        else:
            not_in_house += elsewhere
        evidence = [f"object:{_attr(loc, 'object_id')}" for loc in absent if _attr(loc, "object_id")]
        candidates.append(AnswerCandidate(label=NOT_IN_HOUSE, value=None, probability=not_in_house,
                                          room="none", evidence=evidence, speculative=not absent_weight))
        return candidates, category

    def _alternative_places(self, category: str, exclude: set[str]) -> list[tuple[AnswerCandidate, float]]:
        """Receptacles (or rooms, when none is known) where a moved object may be, by the location prior."""
        cfg = self.config
        try:
            prior = dict(self.memory.location_prior(category) or {})
        except (KeyError, LookupError, ValueError):
            prior = {}
        receptacles = [r for r in (self.memory.receptacles() or []) if _attr(r, "id") not in exclude]
        scored: list[tuple[AnswerCandidate, float]] = []
        for rec in receptacles:
            weight = max(float(prior.get(_attr(rec, "category"), 0.0)), cfg.location_prior_floor)
            position = _xyz(_attr(rec, "position"))
            top = _xyz(_attr(rec, "bbox_max"))
            value = (position[0], position[1], top[2]) if position and top else position
            scored.append((AnswerCandidate(
                label=_attr(rec, "id"), value=value, probability=0.0, position=value, room=_attr(rec, "room"),
                rests_on=_attr(rec, "id"), rests_on_category=_attr(rec, "category"),
                reveal_target=_attr(rec, "id"), reveal_position=position,
                evidence=[f"prior:{category}->{_attr(rec, 'category')}"], speculative=True,
            ), weight))
        if not scored:
            floor_plan = getattr(self.memory, "floor_plan", None)
            for room in (floor_plan.rooms if floor_plan is not None else ()):
                if room.name in exclude:
                    continue
                cx, cy = polygon_centroid(room.polygon)
                scored.append((AnswerCandidate(
                    label=f"room:{room.name}", value=(cx, cy, 0.0), probability=0.0, position=(cx, cy, 0.0),
                    room=room.name, reveal_target=room.name, reveal_position=(cx, cy, 0.0),
                    evidence=["prior:uniform over rooms"], speculative=True,
                ), 1.0))
        scored.sort(key=lambda item: -item[1])
        scored = scored[: cfg.max_alternatives]
        total = sum(w for _, w in scored)
        return [(c, w / total) for c, w in scored] if total > 0 else []

    def _never_seen(self, candidates: list[AnswerCandidate], target: str) -> list[str]:
        if any(c.object_id for c in candidates):
            return []
        return [f"I have never seen the {str(target).replace('_', ' ')}"]

    def _present_location(self, query: Any, now: float) -> Belief:
        candidates, _ = self._location_hypotheses(query.target, now)
        return Belief("present_location", candidates, query, now, self._never_seen(candidates, query.target))

    def _room_of(self, query: Any, now: float) -> Belief:
        candidates, _ = self._location_hypotheses(query.target, now)
        for c in candidates:
            c.value = "none" if c.label == NOT_IN_HOUSE else (c.room or "none")
        return Belief("room_of", candidates, query, now, self._never_seen(candidates, query.target))

    def _still_present(self, query: Any, now: float) -> Belief:
        candidates, _ = self._location_hypotheses(query.target, now)
        for c in candidates:
            c.value = c.label != NOT_IN_HOUSE
        return Belief("still_present", candidates, query, now, self._never_seen(candidates, query.target))

    # ----------------------------------------------------------------- past
    def _query_time(self, query: Any, now: float) -> float:
        t = _attr(query, "time")
        if t is None:
            t = _attr(query, "t1")
        return float(t) if t is not None else now

    def _past_location(self, query: Any, now: float) -> Belief:
        t = self._query_time(query, now)
        if t >= now:
            belief = self._present_location(query, now)
            belief.kind = "past_location"
            return belief
        cfg = self.config
        located = [loc for loc in self._located(query.target, t) if _attr(loc, "present", True)]
        if not located:
            return Belief("past_location", [], query, t, [f"nothing known about {query.target} at that time"])
        best = located[0]
        object_id = _attr(best, "object_id")
        last_seen = _attr(best, "last_seen")
        position = _xyz(_attr(best, "position"))
        place = _attr(best, "rests_on") or _attr(best, "room") or object_id
        later = self.memory.events(t0=t, t1=now, kinds=["moved", "disappeared"], target=object_id or query.target)
        later = sorted(later or [], key=lambda e: _attr(e, "time", 0.0))
        stay = 1.0
        other: AnswerCandidate | None = None
        if later:
            first = later[0]
            detected = float(_attr(first, "time"))
            seen_before = float(last_seen) if last_seen is not None and last_seen <= t else None
            if seen_before is not None and detected > seen_before:
                stay = min(1.0, max(0.0, (detected - t) / (detected - seen_before)))
            else:
                stay = 0.5
            move = next((e for e in later if _attr(e, "kind") == "moved" and _attr(e, "position") is not None), None)
            if move is not None:
                to_position = _xyz(_attr(move, "position"))
                to_place = _attr(move, "to_place")
                to_category = next((_attr(r, "category") for r in self.memory.receptacles() or []
                                    if _attr(r, "id") == to_place), None)
                other = AnswerCandidate(
                    label=str(to_place or "moved"), value=to_position, position=to_position,
                    probability=1.0 - stay, room=_attr(move, "room"), rests_on=to_place, rests_on_category=to_category,
                    object_id=object_id, evidence=[f"event:moved@{float(_attr(move, 'time')):.0f}"])
        else:
            current = [loc for loc in self._located(object_id or query.target, None)
                       if _attr(loc, "object_id") == object_id and _attr(loc, "present", True)]
            resighted = current and _attr(current[0], "last_seen") is not None and _attr(current[0], "last_seen") > t
            if resighted:
                stay = cfg.resighted_same_place
            elif last_seen is not None:
                stay = stay_probability(self._rate(object_id or query.target), (t - last_seen) / SECONDS_PER_HOUR)
        candidates = [AnswerCandidate(
            label=place, value=position, probability=stay, position=position, room=_attr(best, "room"),
            rests_on=_attr(best, "rests_on"), rests_on_category=_attr(best, "rests_on_category"),
            object_id=object_id, last_seen=last_seen,
            evidence=[f"object:{object_id}"] + ([f"seen@{last_seen:.0f}"] if last_seen is not None else []),
        )]
        if other is not None:
            candidates.append(other)
        elif stay < 1.0:
            candidates.append(AnswerCandidate(label="elsewhere", value=None, probability=1.0 - stay, speculative=True))
        return Belief("past_location", candidates, query, t)

    # ----------------------------------------------------------------- state
    def _state_rate(self, target: str, object_id: str | None, first_seen: float | None, now: float) -> float:
        cfg = self.config
        changes = self.memory.count("state_changed", object_id or target)
        hours = max(0.0, (now - first_seen) / SECONDS_PER_HOUR) if first_seen is not None else 0.0
        return (changes + cfg.state_change_prior_per_hour * cfg.state_prior_hours) / (hours + cfg.state_prior_hours)

    def _object_state(self, query: Any, now: float) -> Belief:
        t = self._query_time(query, now)
        asked = _attr(query, "state")
        objects = [o for o in self.memory.objects(at=t, include_absent=False) or []
                   if query.target in (_attr(o, "id"), _attr(o, "category")) and _attr(o, "state")]
        if not objects:
            return Belief("object_state", [], query, t, [f"no remembered state for {query.target}"])
        obj = max(objects, key=lambda o: _attr(o, "last_seen") or 0.0)
        state = _attr(obj, "state")
        last_seen = _attr(obj, "last_seen")
        rate = self._state_rate(query.target, _attr(obj, "id"), _attr(obj, "first_seen"), now)
        hours = (t - last_seen) / SECONDS_PER_HOUR if last_seen is not None else 0.0
        keep = state_keep_probability(state, rate, hours, self.config.active_state_fraction)
        position = _xyz(_attr(obj, "position"))
        reveal = _attr(obj, "id") if t >= now else None
        other = _OPPOSITE_STATE.get(state, f"not {state}")
        candidates = [
            AnswerCandidate(label=state, value=_bool_state(state, asked), probability=keep, position=position,
                            room=_attr(obj, "room"), object_id=_attr(obj, "id"), last_seen=last_seen,
                            reveal_target=reveal, reveal_position=position,
                            evidence=[f"object:{_attr(obj, 'id')}", f"state:{state}"]),
            AnswerCandidate(label=other, value=_bool_state(other, asked), probability=1.0 - keep,
                            position=position, room=_attr(obj, "room"), object_id=_attr(obj, "id"),
                            reveal_target=reveal, reveal_position=position),
        ]
        return Belief("object_state", candidates, query, t)

    # ----------------------------------------------------------------- contents
    def _receptacle_target(self, query: Any) -> str | None:
        place = _attr(query, "receptacle") or _attr(query, "room") or _attr(query, "target")
        return self._one_receptacle(place, _attr(query, "mention")) if place else place

    def _one_receptacle(self, place: str, mention: str | None) -> str:
        """The one receptacle id a category's mention means ("coffee table" among two tables), else `place`."""
        if not mention:
            return place
        same = [r for r in self.memory.receptacles() or [] if _attr(r, "category") == place]
        if len(same) < 2:
            return place
        from planners.destination_choice import narrow_by_words, sibling_names
        from planners.question_parsing import default_embedder

        narrowed = narrow_by_words(same, mention, place, default_embedder, siblings=sibling_names(place))
        return _attr(narrowed[0], "id") if len(narrowed) == 1 else place

    def _last_looked(self, place: str, receptacle: Any, t: float) -> float | None:
        if receptacle is not None and _attr(receptacle, "last_seen") is not None:
            return float(_attr(receptacle, "last_seen"))
        intervals = self.memory.observed_intervals(0.0, t) or []
        ends = [b for a, b, room in intervals if room == place]
        return max(ends) if ends else None

    def _contents(self, query: Any, now: float) -> Belief:
        cfg = self.config
        t = self._query_time(query, now)
        place = self._receptacle_target(query)
        if not place:
            return Belief("contents", [], query, t, ["no receptacle or room in the question"])
        try:
            items = list(self.memory.contents(place, at=t) or [])
        except BadInputError as exc:
            return Belief("contents", [], query, t, [str(exc)])
        # What is in a room or on a shelf means the things there, not the furniture standing in it.
        by_id = {_attr(o, "id"): o for o in items}
        items = [o for o in items if self._portable(_attr(o, "id"), _attr(o, "category"), by_id)]
        receptacle = next((r for r in self.memory.receptacles() or []
                           if place in (_attr(r, "id"), _attr(r, "category"))), None)
        floor_plan = getattr(self.memory, "floor_plan", None)
        if receptacle is None and room_named(floor_plan, place) is None and not items:
            return Belief("contents", [], query, t, [f"{place!r} is no receptacle or room I have seen"])
        looked = self._last_looked(place, receptacle, t)
        hours = (t - looked) / SECONDS_PER_HOUR if looked is not None else 0.0
        rate = cfg.arrival_rate_per_hour + sum(self._rate(_attr(o, "id") or _attr(o, "category")) for o in items)
        keep = stay_probability(rate, hours)
        categories = sorted(str(_attr(o, "category")) for o in items)
        position = _xyz(_attr(receptacle, "position")) if receptacle is not None else None
        if position is None:
            room = room_named(floor_plan, place)
            if room is not None:
                cx, cy = polygon_centroid(room.polygon)
                position = (cx, cy, 0.0)
        reveal = (_attr(receptacle, "id") or place) if t >= now and position is not None else None
        candidates = [
            AnswerCandidate(label="as_remembered", value=categories, probability=keep, position=position,
                            room=_attr(receptacle, "room"), reveal_target=reveal, reveal_position=position,
                            last_seen=looked, evidence=[f"object:{_attr(o, 'id')}" for o in items]),
            AnswerCandidate(label="changed", value=None, probability=1.0 - keep, position=position,
                            reveal_target=reveal, reveal_position=position, speculative=True),
        ]
        return Belief("contents", candidates, query, t)

    # ----------------------------------------------------------------- counts and changes
    def _observed_coverage(self, room: str | None, t0: float, t1: float) -> tuple[float, float]:
        """(observed seconds, unobserved seconds) of [t0, t1], for `room` when known."""
        intervals = self.memory.observed_intervals(t0, t1) or []
        spans = [(a, b) for a, b, r in intervals if room is None or r == room]
        seen = covered_seconds(spans, t0, t1)
        return seen, max(0.0, (t1 - t0) - seen)

    def _target_room(self, target: str | None) -> str | None:
        if not target:
            return None
        located = self._located(target, None)
        return _attr(located[0], "room") if located else None

    def _interval(self, query: Any, now: float) -> tuple[float, float]:
        t0 = _attr(query, "t0")
        t1 = _attr(query, "t1")
        t0 = float(t0) if t0 is not None else 0.0
        t1 = float(t1) if t1 is not None else now
        return t0, max(t0, t1)

    def _missed_event_candidates(self, observed_value: Any, observed_count: int, seen_s: float, unseen_s: float,
                                 label: str, value_for_missed, evidence: list[str]) -> list[AnswerCandidate]:
        cfg = self.config
        seen_h, unseen_h = seen_s / SECONDS_PER_HOUR, unseen_s / SECONDS_PER_HOUR
        rate = (observed_count + cfg.event_rate_prior_per_hour * cfg.event_prior_hours) / (
            seen_h + cfg.event_prior_hours)
        mean_missed = rate * unseen_h
        candidates = [AnswerCandidate(label=label, value=observed_value, probability=poisson_pmf(0, mean_missed),
                                      evidence=evidence)]
        for k in range(1, cfg.max_missed_events + 1):
            candidates.append(AnswerCandidate(label=f"{label}+{k}_missed", value=value_for_missed(k),
                                              probability=poisson_pmf(k, mean_missed), speculative=True))
        tail = max(0.0, 1.0 - sum(c.probability for c in candidates))
        candidates[-1].probability += tail
        return candidates

    def _state_transitions(self, kind: str, target: str, t0: float, t1: float) -> list[tuple[str, float]]:
        """(object id, time) of debounced state changes of `target` in [t0, t1] matching `kind`.

        A state seen for less than `min_state_dwell_s` between two readings of the other state is a
        detector blip (one frame of "open" while turning past a closed door), not a change.
        """
        ids = sorted({_attr(e, "object_id") for e in self.memory.events(kinds=["state_changed"], target=target) or []})
        found = []
        for object_id in ids:
            states = sorted(self.memory.history(object_id).states, key=lambda r: r.time)
            kept = [r for i, r in enumerate(states)
                    if i + 1 == len(states) or states[i + 1].time - r.time >= self.config.min_state_dwell_s]
            previous = None
            for record in kept:
                if previous is not None and record.state != previous:
                    wanted = (kind == "state_changed" or (kind == "opened" and record.state == "open")
                              or (kind == "closed" and record.state == "closed"))
                    if wanted and t0 <= record.time <= t1:
                        found.append((object_id, float(record.time)))
                previous = record.state
        return found

    def _count(self, query: Any, now: float) -> Belief:
        t0, t1 = self._interval(query, now)
        kind = _attr(query, "count_kind") or "state_changed"
        target = query.target
        if not target:
            return Belief("count", [], query, t1, ["no object to count events of"])
        if kind in ("opened", "closed", "state_changed"):
            transitions = self._state_transitions(kind, target, t0, t1)
            observed = len(transitions)
            evidence = [f"state_change:{oid}@{t:.0f}" for oid, t in transitions]
            seen, unseen = self._observed_coverage(self._target_room(target), t0, t1)
            candidates = self._missed_event_candidates(observed, observed, seen, unseen, f"{observed}",
                                                       lambda k: observed + k, evidence)
            return Belief("count", candidates, query, t1)
        events = list(self.memory.events(t0=t0, t1=t1, kinds=[kind], target=target) or [])
        observed = int(self.memory.count(kind, target, t0, t1))
        seen, unseen = self._observed_coverage(self._target_room(target), t0, t1)
        evidence = [f"event:{_attr(e, 'kind')}@{_attr(e, 'time', 0.0):.0f}" for e in events]
        candidates = self._missed_event_candidates(observed, observed, seen, unseen, f"{observed}",
                                                   lambda k: observed + k, evidence)
        return Belief("count", candidates, query, t1)

    def _portable(self, object_id: str | None, category: str | None, objects: dict[str, Any]) -> bool:
        """Is this a thing people carry around (not furniture, which a changes answer leaves out)?

        Furniture is what memory holds as a receptacle, what the ontology files under furniture, or
        a track standing on the floor at least `furniture_min_height_m` tall (an armchair or side
        table the detector named with a category the ontology does not know).
        """
        obj = objects.get(object_id)
        if obj is not None and _attr(obj, "is_receptacle", False):
            return False
        ontology = getattr(self.memory, "ontology", None)
        if category and ontology is not None:
            try:
                if ontology.is_receptacle(category) or ontology.is_a(category, "furniture"):
                    return False
            except (AttributeError, KeyError, LookupError, ValueError, TypeError):
                pass
        low, high = _xyz(_attr(obj, "bbox_min")), _xyz(_attr(obj, "bbox_max"))
        if low is not None and high is not None:
            on_floor = low[2] <= self.config.floor_clearance_m
            if on_floor and high[2] - low[2] >= self.config.furniture_min_height_m:
                return False
        return True

    def _share_in_window(self, detected: float, looks: list[tuple[float, float]], t0: float, t1: float) -> float | None:
        """P(a change first seen at `detected` happened in [t0, t1]); None when there was no earlier look.

        The change happened at an unknown moment after the previous look at the room ended and
        before it was seen, uniformly in between (the same model as past locations).
        """
        started = next((a for a, b in looks if a <= detected <= b), detected)
        before = [b for a, b in looks if b <= started]
        if not before:
            return None
        since = max(before)
        if detected <= since:
            return 1.0 if t0 <= detected <= t1 else 0.0
        overlap = max(0.0, min(t1, detected) - max(t0, since))
        return overlap / (detected - since)

    def _changes(self, query: Any, now: float) -> Belief:
        """What changed in a room: moves, appearances and disappearances of portable things.

        Left out: furniture (seen for the first time is not a change), open/closed states (asked
        with "how many times was X opened"), discoveries (first sightings where memory has no
        evidence the place was empty) and what the first look at the room found. A change seen at
        a look may have happened any time since the previous look: it is reported when it more
        likely than not fell inside the asked period, so changes seen at the first look after the
        period count and ones that predate it do not. One entry per object that changed.
        """
        t0, t1 = self._interval(query, now)
        room = _attr(query, "room") or _attr(query, "receptacle") or _attr(query, "target")
        if not room:
            return Belief("changes", [], query, t1, ["no room in the question"])
        room_looks = sorted((float(a), float(b)) for a, b, r in self.memory.observed_intervals(None, None) or []
                            if r == room)
        later = [b for a, b in room_looks if b > t1]
        horizon = min(later) if later else max(t1, now)
        objects = {_attr(o, "id"): o for o in self.memory.objects(include_absent=True) or []}
        changed: dict[str, Any] = {}
        for event in sorted(self.memory.changes(room, t0, horizon) or [], key=lambda e: _attr(e, "time", 0.0)):
            if _attr(event, "kind") not in ("appeared", "moved", "disappeared") or _attr(event, "discovery", False):
                continue
            if not self._portable(_attr(event, "object_id"), _attr(event, "category"), objects):
                continue
            share = self._share_in_window(float(_attr(event, "time")), room_looks, t0, t1)
            if share is None or share < 0.5:
                continue
            changed.setdefault(_attr(event, "object_id"), event)
        events = list(changed.values())
        categories = sorted(str(_attr(e, "category")) for e in events if _attr(e, "category"))
        seen, unseen = self._observed_coverage(room, t0, t1)
        evidence = [f"event:{_attr(e, 'kind')}:{_attr(e, 'object_id')}@{_attr(e, 'time', 0.0):.0f}" for e in events]
        candidates = self._missed_event_candidates(categories, len(events), seen, unseen, "observed",
                                                   lambda k: None, evidence)
        return Belief("changes", candidates, query, t1)

    # ----------------------------------------------------------------- first / last seen
    def _first_last_seen(self, query: Any, now: float) -> Belief:
        kind = query.kind
        target = query.target
        if not target:
            return Belief(kind, [], query, now, ["no object in the question"])
        value = self.memory.first_seen(target) if kind == "first_seen" else self.memory.last_seen(target)
        if value is None:
            return Belief(kind, [], query, now, [f"I have never seen the {str(target).replace('_', ' ')}"])
        return Belief(kind, [AnswerCandidate(label="seen", value=float(value), probability=1.0,
                                             evidence=[f"{kind}:{target}@{float(value):.0f}"])], query, now)

    # ----------------------------------------------------------------- looks already made
    def _apply_looks(self, belief: Belief, looks: Sequence[LookRecord]) -> None:
        """A look at a place that did not re-sight a hypothesis there is negative evidence for it.

        The memory applies its own negative evidence when it ingests the frames; this covers
        hypotheses the memory has no record to update for (prior-only places, "elsewhere").
        """
        for look in looks:
            miss = 1.0 - self.config.detection_probability * max(0.0, min(1.0, float(look.coverage)))
            for c in belief.candidates:
                if c.reveal_target != look.target:
                    continue
                if c.last_seen is not None and c.last_seen >= look.time:
                    continue
                if belief.kind in ("object_state", "contents"):
                    continue
                c.probability *= miss
        belief.normalize()
