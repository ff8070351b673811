"""Two-state things (open/closed, on/off): how likely a state read at one time still holds later.

Shared by the answers about states (`state_beliefs`) and by what a look can see inside furniture
(`interior_visibility`).
"""

from __future__ import annotations

import math

from planners.belief.priors import SECONDS_PER_HOUR, LocationModel

ACTIVE_STATES = ("open", "on")
OPPOSITE_STATE = {"open": "closed", "closed": "open", "on": "off", "off": "on"}


def state_keep_probability(state: str | None, rate_per_hour: float, hours: float, active_fraction: float) -> float:
    """P(a two-state thing still shows `state` after `hours`), a two-state Markov chain.

    Changes happen at `rate_per_hour`; in the long run the thing is in an active state (open, on)
    `active_fraction` of the time, so a closed fridge stays likely closed and an open one closes.
    """
    mixing = math.exp(-2.0 * max(0.0, rate_per_hour) * max(0.0, hours))
    if state in ACTIVE_STATES:
        stationary = active_fraction
    elif state in OPPOSITE_STATE:
        stationary = 1.0 - active_fraction
    else:
        stationary = 0.5
    return stationary + (1.0 - stationary) * mixing


def state_change_rate(model: LocationModel, target: str, object_id: str | None, first_seen: float | None,
                      now: float) -> float:
    cfg = model.config
    changes = model.memory.count("state_changed", object_id or target)
    hours = max(0.0, (now - first_seen) / SECONDS_PER_HOUR) if first_seen is not None else 0.0
    return (changes + cfg.state_change_prior_per_hour * cfg.state_prior_hours) / (hours + cfg.state_prior_hours)
