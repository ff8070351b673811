"""Times given on the command line: `"dN HH:MM"` or seconds since `d1 00:00` -> float seconds.

The format (specs/scenario.md) is parsed in one place, `sim.scenario_time` (pure Python, no
simulator import); this module only names the argument in the error.
"""

from __future__ import annotations

import math

from memory_stack.errors import BadInputError
from sim.scenario_time import format_time, parse_time


class TimeArgumentError(BadInputError):
    """A command-line time is malformed; the message names the argument and quotes the value."""


def parse_time_argument(value: str | float | int | None, argument: str = "time") -> float | None:
    """`"d2 08:30"` -> 117000.0, `"3600"` -> 3600.0, None -> None; errors name `argument` (e.g. `--at`)."""
    if value is None:
        return None
    try:
        return float(parse_time(value))
    except ValueError as exc:
        raise TimeArgumentError(f"{argument}: {exc}") from None


def format_time_value(t: float | None) -> str | None:
    """117000.0 -> `"d2 08:30"` (None and non-finite values -> None)."""
    if t is None or not math.isfinite(float(t)) or float(t) < 0:
        return None
    return format_time(float(t))
