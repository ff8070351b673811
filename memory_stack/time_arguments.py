"""Times given on the command line: `"dN HH:MM"` or seconds since `d1 00:00` -> float seconds.

`sim.scenario_time` is the stack's reference parser; it is used when present. The fallback below
implements the same format (specs/scenario.md) so that the CLI does not depend on sim/.
"""

from __future__ import annotations

import math
import re

from memory_stack.errors import BadInputError

SECONDS_PER_DAY = 86400.0

_TIME_PATTERN = re.compile(r"^\s*d(\d+)\s+(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?\s*$")


class TimeArgumentError(BadInputError):
    """A command-line time is malformed; the message names the argument and quotes the value."""


def parse_time_text(value: str) -> float:
    """`"d2 08:30"` or `"3600"` -> seconds without sim/ (the fallback); raises ValueError quoting the value."""
    match = _TIME_PATTERN.match(value)
    if match is None:
        try:
            seconds = float(value)
        except ValueError:
            raise ValueError(f"time {value!r}: expected \"dN HH:MM\" (e.g. \"d2 08:30\") or seconds") from None
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"time {value!r}: seconds since d1 00:00 must be finite and not negative")
        return seconds
    day, hour, minute = int(match.group(1)), int(match.group(2)), int(match.group(3))
    second = float(match.group(4)) if match.group(4) else 0.0
    if day < 1:
        raise ValueError(f"time {value!r}: days count from d1")
    if hour > 23 or minute > 59 or second >= 60:
        raise ValueError(f"time {value!r}: clock out of range (00:00 to 23:59)")
    return (day - 1) * SECONDS_PER_DAY + hour * 3600.0 + minute * 60.0 + second


def format_time_text(t: float) -> str:
    """Seconds -> text without sim/ (the fallback): 117000.0 -> "d2 08:30", seconds appended when not whole minutes."""
    total = round(float(t), 3)
    day = int(total // SECONDS_PER_DAY)
    rest = total - day * SECONDS_PER_DAY
    hour = int(rest // 3600)
    minute = int((rest - hour * 3600) // 60)
    second = rest - hour * 3600 - minute * 60
    text = f"d{day + 1} {hour:02d}:{minute:02d}"
    if second >= 0.0005:
        text += f":{second:06.3f}".rstrip("0").rstrip(".")
    return text


def parse_time_argument(value: str | float | int | None, argument: str = "time") -> float | None:
    """`"d2 08:30"` -> 117000.0, `"3600"` -> 3600.0, None -> None; errors name `argument` (e.g. `--at`)."""
    if value is None:
        return None
    try:
        from sim.scenario_time import parse_time
    except ImportError:
        parse_time = None
    try:
        if parse_time is not None:
            return float(parse_time(value))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = repr(float(value))
        if not isinstance(value, str):
            raise ValueError(f"time {value!r}: expected \"dN HH:MM\" or seconds")
        return parse_time_text(value)
    except ValueError as exc:
        raise TimeArgumentError(f"{argument}: {exc}") from None


def format_time_value(t: float | None) -> str | None:
    """117000.0 -> `"d2 08:30"` (None and non-finite values -> None)."""
    if t is None or not math.isfinite(float(t)) or float(t) < 0:
        return None
    try:
        from sim.scenario_time import format_time
    except ImportError:
        return format_time_text(t)
    return format_time(float(t))
