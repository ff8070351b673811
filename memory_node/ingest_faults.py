"""What live ingestion does when the store or the stamps go wrong.

- `StoreWriteRetry` wraps the memory write: a transient store fault (locked by another connection,
  disk full, read-only, an I/O error) is retried with bounded exponential backoff (at most
  `max_delay_s` between attempts, so ingestion resumes within that long after the fault clears);
  the frame being written is kept meanwhile (it is acknowledged only once committed), frames that
  arrive meanwhile wait in the node's bounded backlog (its overflow counted). A fault that is not
  transient (a damaged store), one that lasts longer than `give_up_s`, or any unexpected error
  raises `UnsurvivableFault`: the node goes to its error state and the process exits non-zero.
- `ClockSkewGuard`: a stamp too far ahead of ROS time (when there is a clock) or, without a clock, of
  the stream (the last accepted stamp), beyond `tolerance_s`, is rejected and never becomes the
  memory's "now"; the stream may jump ahead for real (a pause, a new session): a clock that agrees
  with the stamp confirms the jump at once, without one it is taken once `confirm_frames`
  consecutive stamps agree with it. A replay's clock is the bag's recording (log) time.
- `SparseLog`: every drop is counted by the caller; the log says it at most once a second per topic.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scene_graph.persistence import StoreFault

LOG = logging.getLogger(__name__)


class UnsurvivableFault(RuntimeError):
    """Ingestion cannot go on: the node goes to its error state (and `memstack up` exits non-zero)."""


class SparseLog:
    """`say(key, message)` logs at most once per `period_s` per key (a flood is counted in full, logged sparsely)."""

    def __init__(self, log: Callable[[str], None], period_s: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._log, self._period, self._clock = log, period_s, clock
        self._last: dict[str, float] = {}

    def say(self, key: str, message: str) -> bool:
        now = self._clock()
        if now - self._last.get(key, -math.inf) < self._period:
            return False
        self._last[key] = now
        self._log(message)
        return True


@dataclass
class RetryPolicy:
    first_delay_s: float = 0.05
    max_delay_s: float = 0.25  # the longest ingestion can lag a fault's clearing, plus one attempt
    give_up_s: float = 0.0  # a fault lasting longer is unsurvivable; 0 = retry as long as the node runs


@dataclass
class StoreFaultStatus:
    """What /diagnostics reports about store faults."""

    fault: str = ""  # the fault now being retried ("" = none)
    fault_since: float | None = None  # monotonic time it began
    faults: int = 0  # outages so far
    retries: int = 0
    last_outage_s: float = 0.0
    longest_outage_s: float = 0.0
    resume_delay_s: float = 0.0  # from the last failed attempt to the write that succeeded


class StoreWriteRetry:
    """`write(frame)` through `sink`, retrying transient store faults (see the module docstring)."""

    def __init__(self, sink: Callable[[Any], Any], policy: RetryPolicy | None = None,
                 warn: Callable[[str], None] | None = None, info: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.sink = sink
        self.policy = policy or RetryPolicy()
        self._log = SparseLog(warn or LOG.warning, 1.0, clock)
        self._info = info or LOG.info
        self._clock = clock
        self.status = StoreFaultStatus()
        self.stopping = threading.Event()  # set to give up the frame in hand (the node is deactivating)

    def __call__(self, frame: Any) -> Any:
        delay = self.policy.first_delay_s
        last_failure = None
        while True:
            try:
                result = self.sink(frame)
            except StoreFault as exc:
                if not exc.transient:
                    raise UnsurvivableFault(str(exc)) from exc
                last_failure = self._failed(exc)
                if self.stopping.wait(delay):
                    raise
                delay = min(2.0 * delay, self.policy.max_delay_s)
                continue
            if self.status.fault_since is not None:
                self._resumed(last_failure)
            return result

    def _failed(self, exc: StoreFault) -> float:
        s, now = self.status, self._clock()
        if s.fault_since is None:
            s.fault_since, s.faults = now, s.faults + 1
        s.fault, s.retries = str(exc), s.retries + 1
        outage = now - s.fault_since
        self._log.say("store", f"store fault ({exc.kind}), retrying for {outage:.1f} s so far: {exc}")
        if self.policy.give_up_s and outage > self.policy.give_up_s:
            raise UnsurvivableFault(f"{exc}; still failing after {outage:.1f} s (give_up_s "
                                    f"{self.policy.give_up_s:g})") from exc
        return now

    def _resumed(self, last_failure: float | None) -> None:
        s, now = self.status, self._clock()
        s.last_outage_s = now - (s.fault_since or now)
        s.longest_outage_s = max(s.longest_outage_s, s.last_outage_s)
        s.resume_delay_s = now - last_failure if last_failure is not None else 0.0
        self._info(f"store fault cleared: ingesting again after {s.last_outage_s:.2f} s ({s.fault})")
        s.fault, s.fault_since = "", None


class ClockSkewGuard:
    """Rejects stamps too far ahead of ROS time or of the stream (see the module docstring).

    `check` is asked for every message before the synchroniser sees it (a far-future stamp there
    would make every later message look out of order); the messages of one frame share its stamp,
    so a jump counts frames by distinct stamps. `accepted` is told each stamp ingested.
    """

    def __init__(self, tolerance_s: float = 300.0, ros_now: Callable[[], float | None] | None = None,
                 confirm_frames: int = 3, same_frame_s: float = 1e-3) -> None:
        self.tolerance_s = float(tolerance_s)
        self.ros_now = ros_now
        self.confirm_frames = max(1, int(confirm_frames))
        self.same_frame_s = same_frame_s
        self.last_accepted: float | None = None
        self._jump: list[float] = []
        self._last_rejected: float | None = None
        self.rejected = 0  # frames (distinct stamps) rejected

    def _reject(self, stamp: float, why: str) -> str:
        if self._last_rejected is None or abs(stamp - self._last_rejected) > self.same_frame_s:
            self.rejected += 1
        self._last_rejected = stamp
        return why

    def check(self, stamp: float) -> str | None:
        """None when `stamp` may be ingested, else why not (one line)."""
        tol = self.tolerance_s
        now = self.ros_now() if self.ros_now is not None else None
        if now and stamp > now + tol:  # a clock at 0 (sim time before /clock) is no clock
            return self._reject(stamp, f"stamp {stamp:.3f} is {stamp - now:.1f} s ahead of ROS time {now:.3f} "
                                       f"(clock-skew tolerance {tol:g} s); not ingested")
        if self.last_accepted is None or stamp <= self.last_accepted + tol:
            return None
        if now:  # ROS time agrees with the stamp: the stream really moved on (a pause, a simulated clock's jump)
            self._jump = []
            return None
        if not self._jump or abs(stamp - self._jump[-1]) > tol:
            self._jump = [stamp]  # a new jump (or a lone outlier) begins
        elif abs(stamp - self._jump[-1]) > self.same_frame_s:
            self._jump.append(stamp)  # another frame agreeing with the jump
        if len(self._jump) >= self.confirm_frames:
            self.last_accepted, self._jump = self._jump[0], []  # the stream really moved on
            return None
        return self._reject(stamp, f"stamp {stamp:.3f} is {stamp - self.last_accepted:.1f} s ahead of the stream's "
                                   f"last stamp {self.last_accepted:.3f} (clock-skew tolerance {tol:g} s); not "
                                   f"ingested unless {self.confirm_frames} frames in a row agree")

    def accepted(self, stamp: float) -> None:
        self.last_accepted = stamp if self.last_accepted is None else max(self.last_accepted, stamp)
