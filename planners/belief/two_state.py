"""Two-state things (open/closed, on/off): how likely a state read at one time still holds later.

Shared by the answers about states (`state_beliefs`) and by what a look can see inside furniture
(`interior_visibility`).

How often a category's state changes is learned from what the robot itself read in this home: each
pair of consecutive readings of one thing (a state memory recorded, or the state in force when the
robot watched the thing's room) is evidence through the two-state chain's transition probability,
pooled over the things of that category. The rate is not a point estimate but a posterior over a
grid of rates with a weak log-normal prior (`BeliefConfig.state_change_prior_per_hour`, spread
`state_rate_prior_decades`), and the answer averages over it: a door read closed once a day for two
days says little about what it does between the readings, so a reading half a day old is not
"certain" (the earlier per-object rate, changes seen / hours since first seen, fell the longer the
robot had known the thing whether or not it had watched it, and called a 13-hour-old "closed" 0.98).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from planners.belief.priors import SECONDS_PER_HOUR, LocationModel

ACTIVE_STATES = ("open", "on")
OPPOSITE_STATE = {"open": "closed", "closed": "open", "on": "off", "off": "on"}
TWO_STATES = frozenset(OPPOSITE_STATE)

RATE_GRID_DECADES = 3.0     # rates from prior / 10^3 to prior x 10^3 per hour
RATE_GRID_STEPS_PER_DECADE = 5


def _stationary(state: str | None, active_fraction: float) -> float:
    if state in ACTIVE_STATES:
        return active_fraction
    if state in OPPOSITE_STATE:
        return 1.0 - active_fraction
    return 0.5


def state_keep_probability(state: str | None, rate_per_hour: float, hours: float, active_fraction: float) -> float:
    """P(a two-state thing still shows `state` after `hours`), a two-state Markov chain.

    Changes happen at `rate_per_hour`; in the long run the thing is in an active state (open, on)
    `active_fraction` of the time, so a closed fridge stays likely closed and an open one closes.
    """
    mixing = math.exp(-2.0 * max(0.0, rate_per_hour) * max(0.0, hours))
    stationary = _stationary(state, active_fraction)
    return stationary + (1.0 - stationary) * mixing


def _transition(before: str, after: str, rate_per_hour: float, hours: float, active_fraction: float) -> float:
    keep = state_keep_probability(before, rate_per_hour, hours, active_fraction)
    return keep if after == before else 1.0 - keep


@dataclass(frozen=True)
class StateRatePosterior:
    """Posterior weights over a grid of change rates (per hour) for one category in this home."""

    rates: tuple[float, ...]
    weights: tuple[float, ...]
    pairs: int              # reading pairs it learned from

    def keep_probability(self, state: str | None, hours: float, active_fraction: float) -> float:
        """P(`state` still holds after `hours`), averaged over the rate posterior."""
        return sum(w * state_keep_probability(state, r, hours, active_fraction)
                   for r, w in zip(self.rates, self.weights))

    @property
    def mean_rate(self) -> float:
        return sum(r * w for r, w in zip(self.rates, self.weights))


def rate_grid(prior_per_hour: float) -> tuple[float, ...]:
    steps = int(RATE_GRID_DECADES * RATE_GRID_STEPS_PER_DECADE)
    return tuple(prior_per_hour * 10.0 ** (k / RATE_GRID_STEPS_PER_DECADE) for k in range(-steps, steps + 1))


def _readings(model: LocationModel, object_id: str, room: str | None, first_seen: float, until: float,
              observed: list[tuple[float, float, str]]) -> list[tuple[float, str]]:
    """(time, state) readings of one thing up to `until`: its recorded states and its room's watches."""
    records = sorted((float(s.time), str(s.state)) for s in model.memory.history(object_id, None, until).states
                     if s.time <= until and s.state in TWO_STATES)
    if not records:
        return []
    times = [t for t, _ in records]
    readings = list(records)
    if room:
        for _start, end, watched in observed:
            if watched == room and records[0][0] < end <= until and end >= first_seen:
                readings.append((float(end), records[bisect.bisect_right(times, end) - 1][1]))
    readings.sort()
    return readings


def state_rate_posterior(model: LocationModel, category: str, now: float) -> StateRatePosterior:
    """The change rate of `category`'s two-state things here, from every pair of consecutive readings."""
    key = (category, now)
    cached = model.state_rates.get(key)
    if isinstance(cached, StateRatePosterior):
        return cached
    cfg = model.config
    median = max(cfg.state_change_prior_per_hour, 1e-9)
    rates = rate_grid(median)
    sigma = max(cfg.state_rate_prior_decades, 1e-6) * math.log(10.0)
    log_w = [-0.5 * (math.log(r / median) / sigma) ** 2 for r in rates]
    observed = model.observed()
    pairs = 0
    things = [o for o in model.all_objects() if o.category == category and o.state in TWO_STATES]
    for thing in things:
        readings = _readings(model, thing.id, thing.room, float(thing.first_seen), now, observed)
        for (t0, s0), (t1, s1) in zip(readings, readings[1:]):
            hours = (t1 - t0) / SECONDS_PER_HOUR
            if hours <= 0.0:
                continue
            pairs += 1
            for k, r in enumerate(rates):
                log_w[k] += math.log(max(_transition(s0, s1, r, hours, cfg.active_state_fraction), 1e-12))
    top = max(log_w)
    w = [math.exp(x - top) for x in log_w]
    total = sum(w)
    posterior = StateRatePosterior(rates, tuple(x / total for x in w), pairs)
    model.state_rates[key] = posterior
    return posterior


def state_keep(model: LocationModel, category: str, state: str | None, hours: float, now: float) -> float:
    """P(a thing of `category` read in `state` `hours` ago shows it still), the rate learned in this home."""
    return state_rate_posterior(model, category, now).keep_probability(state, hours, model.config.active_state_fraction)
