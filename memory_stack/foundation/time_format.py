"""Time as people write it: `"dN HH:MM"` strings <-> float seconds since `d1 00:00` (specs/scenario.md).

The one implementation of the format, for scenario files, command-line arguments and displays.
"""

from __future__ import annotations

import math
import re

from memory_stack.foundation.errors import BadInputError

SECONDS_PER_DAY = 86400.0

_TIME_PATTERN = re.compile(r"^\s*d(\d+)\s+(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?\s*$")


class TimeFormatError(BadInputError):
    """A time value is neither `"dN HH:MM"` nor a number of seconds; the message quotes the value."""


def parse_time(value: str | float | int) -> float:
    """`"d2 08:30"` -> 117000.0; numbers (seconds since d1 00:00) pass through as float."""
    if isinstance(value, bool):
        raise TimeFormatError(f"time {value!r}: expected \"dN HH:MM\" or seconds, got a boolean")
    if isinstance(value, (int, float)):
        seconds = float(value)
        if not math.isfinite(seconds):
            raise TimeFormatError(f"time {value!r}: not a finite number of seconds")
        if seconds < 0:
            raise TimeFormatError(f"time {value!r}: seconds since d1 00:00 cannot be negative")
        return seconds
    if not isinstance(value, str):
        raise TimeFormatError(f"time {value!r}: expected \"dN HH:MM\" or seconds, got {type(value).__name__}")
    match = _TIME_PATTERN.match(value)
    if match is None:
        try:
            return parse_time(float(value))
        except ValueError:
            raise TimeFormatError(f"time {value!r}: expected \"dN HH:MM\" (e.g. \"d2 08:30\") or seconds") from None
    day, hour, minute = int(match.group(1)), int(match.group(2)), int(match.group(3))
    second = float(match.group(4)) if match.group(4) else 0.0
    if day < 1:
        raise TimeFormatError(f"time {value!r}: days count from d1")
    if hour > 23 or minute > 59 or second >= 60:
        raise TimeFormatError(f"time {value!r}: clock out of range (00:00 to 23:59)")
    return (day - 1) * SECONDS_PER_DAY + hour * 3600.0 + minute * 60.0 + second


def format_time(t: float) -> str:
    """117000.0 -> `"d2 08:30"`; seconds are appended (`"d2 08:30:15"`) only when not whole minutes."""
    if not math.isfinite(t) or t < 0:
        raise TimeFormatError(f"time {t!r}: cannot format a negative or non-finite time")
    total = round(float(t), 3)
    day = int(total // SECONDS_PER_DAY)
    rest = total - day * SECONDS_PER_DAY
    hour = int(rest // 3600)
    minute = int((rest - hour * 3600) // 60)
    second = rest - hour * 3600 - minute * 60
    text = f"d{day + 1} {hour:02d}:{minute:02d}"
    if second >= 0.0005:
        whole = abs(second - round(second)) < 0.0005
        text += f":{int(round(second)):02d}" if whole else f":{second:06.3f}"
    return text


def day_of(t: float) -> int:
    """The day number (from 1) that time `t` falls in."""
    return int(float(t) // SECONDS_PER_DAY) + 1


def start_of_day(day: int) -> float:
    """Seconds at `dN 00:00`."""
    return (int(day) - 1) * SECONDS_PER_DAY


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
