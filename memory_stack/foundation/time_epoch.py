"""Where a memory's day count starts: ROS time (seconds) <-> memory time (seconds since its `d1 00:00`).

On the wire every stamp is ROS time (`builtin_interfaces/Time`: wall time, or the simulator's
`/clock` under `use_sim_time`). The store keeps memory time, seconds since its own `d1 00:00`, and
records in its meta the ROS time that instant was (`time_epoch`), so every stored time is an absolute
instant and "dN HH:MM", "today" and "yesterday at 10" keep their meaning in displays and questions.

The epoch of a memory is fixed by its first frame and kept for good:
- configured (`MemoryConfig.time_epoch`): Unix seconds, or an ISO date / date-time (UTC unless it
  names an offset), e.g. "2026-12-07" or "2026-12-07T06:00:00+01:00";
- "auto" (default): a stamp before 2001-09-09 (`SIMULATED_CLOCK_LIMIT_S`) comes from a clock that
  counts from a simulation's start (the simulator, Gazebo's /clock), so the epoch is 0 and simulated
  seconds are memory seconds unchanged; any later stamp is Unix time and the epoch is the UTC
  midnight that starts the day of the memory's first frame.
A memory written without an epoch (by the simulator directly, before epochs existed) holds simulated
seconds: its epoch is 0.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

from memory_stack.foundation.errors import BadInputError

SECONDS_PER_DAY = 86400.0
SIMULATED_CLOCK_LIMIT_S = 1.0e9  # 2001-09-09T01:46:40Z: no robot records before it; simulators count from 0
AUTO = "auto"


class TimeEpochError(BadInputError):
    """An epoch value is malformed, or disagrees with the one a memory already keeps."""


def parse_epoch(value: str | float | int | None, field: str = "time_epoch") -> float | None:
    """`"auto"`/None -> None (decided by the first frame); Unix seconds or an ISO date/date-time -> Unix seconds."""
    if value is None or (isinstance(value, str) and value.strip().lower() == AUTO):
        return None
    if isinstance(value, bool):
        raise TimeEpochError(f"{field}: {value!r} is not \"auto\", Unix seconds or an ISO date")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip()
        try:
            seconds = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise TimeEpochError(f"{field}: {value!r} is not \"auto\", Unix seconds or an ISO date "
                                     "(e.g. \"2026-12-07\" or \"2026-12-07T06:00:00+01:00\")") from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            seconds = moment.timestamp()
    if not math.isfinite(seconds) or seconds < 0:
        raise TimeEpochError(f"{field}: {value!r} must be a finite, non-negative Unix time")
    return seconds


def epoch_for_first_stamp(stamp_s: float) -> float:
    """The "auto" epoch of a memory whose first frame is stamped `stamp_s` (ROS seconds)."""
    if not math.isfinite(stamp_s) or stamp_s < 0:
        raise TimeEpochError(f"stamp {stamp_s!r}: not a finite, non-negative ROS time")
    if stamp_s < SIMULATED_CLOCK_LIMIT_S:
        return 0.0
    return math.floor(stamp_s / SECONDS_PER_DAY) * SECONDS_PER_DAY


def describe_epoch(epoch_s: float) -> str:
    """0.0 -> "simulation clock 0"; Unix seconds -> "2026-12-07T00:00:00Z"."""
    if epoch_s < SIMULATED_CLOCK_LIMIT_S:
        return f"simulation clock {epoch_s:g} s"
    return datetime.fromtimestamp(epoch_s, tz=timezone.utc).isoformat().replace("+00:00", "Z")


class MemoryClock:
    """Maps ROS stamps onto one memory's time. Unresolved until the stored or first-frame epoch is known."""

    def __init__(self, configured: str | float | int | None = AUTO, stored: float | None = None) -> None:
        self.configured = parse_epoch(configured)
        if stored is not None and self.configured is not None and abs(stored - self.configured) > 1e-6:
            raise TimeEpochError(f"time_epoch: configured {describe_epoch(self.configured)} but the memory "
                                 f"keeps its times from {describe_epoch(stored)}")
        self.epoch: float | None = stored if stored is not None else None
        self.resolved_now = False  # the last memory_time() call fixed the epoch (the caller persists it)

    def memory_time(self, stamp_s: float) -> float:
        """Seconds since the memory's d1 00:00 of ROS time `stamp_s`; fixes the epoch on the first call."""
        self.resolved_now = False
        if self.epoch is None:
            self.epoch = self.configured if self.configured is not None else epoch_for_first_stamp(stamp_s)
            self.resolved_now = True
        t = float(stamp_s) - self.epoch
        if t < 0:
            raise TimeEpochError(f"stamp {stamp_s:.3f} s is before the memory's d1 00:00 "
                                 f"({describe_epoch(self.epoch)})")
        return t

    def ros_time(self, memory_t: float) -> float:
        """ROS time (seconds) of memory time `memory_t`; a memory with no epoch yet counts from 0."""
        return float(memory_t) + (self.epoch or 0.0)
