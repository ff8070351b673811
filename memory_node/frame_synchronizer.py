"""Approximate-time synchronisation of several stamped streams (the message_filters policy, pure Python).

Each stream has a bounded queue. When a message arrives, the synchroniser looks for one message per
stream whose stamps all lie within `slop` seconds of each other, preferring the set closest to the
newest arrival; a matched set is emitted once and removed, and every older message still queued can
no longer be part of a later set, so it is dropped as `unmatched`.

Everything that is not emitted is counted per stream:
- `duplicate`: a stamp equal to one already received on that stream (kept: the first one),
- `out_of_order`: a stamp older than the newest one already received on that stream,
- `late`: a stamp not newer than the last emitted set (it can never be matched any more),
- `unmatched`: queued but superseded by a newer matched set, or pushed out of a full queue
  (`overflow` counts the latter separately as well),
- `invalid`: rejected before it reached the queue (conversion errors; counted by the caller),
- `wrong_frame`: its `header.frame_id` is not the frame it must be in (a pose not in `map` with no
  transform to bring it there, a depth image in another frame than the colour image; counted by the caller).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class StreamCounters:
    """What happened to the messages of one stream."""

    received: int = 0
    matched: int = 0
    unmatched: int = 0
    overflow: int = 0
    late: int = 0
    duplicate: int = 0
    out_of_order: int = 0
    invalid: int = 0
    wrong_frame: int = 0

    @property
    def dropped(self) -> int:
        return self.unmatched + self.late + self.duplicate + self.out_of_order + self.invalid + self.wrong_frame

    def as_dict(self) -> dict[str, int]:
        values = asdict(self)
        values["dropped"] = self.dropped
        return values


@dataclass(frozen=True)
class SynchronizedSet:
    """One message per stream, matched by stamp. `stamp` is the newest stamp of the set."""

    stamp: float
    messages: dict[str, Any]
    stamps: dict[str, float]


class ApproximateTimeSynchronizer:
    """Match messages of `streams` whose stamps lie within `slop` seconds; thread-safe."""

    def __init__(self, streams: Iterable[str], slop: float = 0.05, queue_size: int = 10) -> None:
        self.streams = tuple(streams)
        if not self.streams:
            raise ValueError("an approximate-time synchroniser needs at least one stream")
        if len(set(self.streams)) != len(self.streams):
            raise ValueError(f"stream names must be unique: {self.streams}")
        if slop < 0:
            raise ValueError(f"slop must be >= 0, got {slop}")
        if queue_size < 1:
            raise ValueError(f"queue_size must be >= 1, got {queue_size}")
        self.slop = float(slop)
        self.queue_size = int(queue_size)
        self._queues: dict[str, deque[tuple[float, Any]]] = {s: deque() for s in self.streams}
        self._newest: dict[str, float | None] = {s: None for s in self.streams}
        self._counters = {s: StreamCounters() for s in self.streams}
        self._last_emitted: float | None = None
        self._emitted = 0
        self._lock = threading.Lock()

    # ------------------------------------------------------------ input

    def add(self, stream: str, stamp: float, message: Any) -> SynchronizedSet | None:
        """Offer one message; returns a matched set when this arrival completes one."""
        if stream not in self._queues:
            raise KeyError(f"unknown stream {stream!r} (streams: {list(self.streams)})")
        with self._lock:
            counters = self._counters[stream]
            counters.received += 1
            queue = self._queues[stream]
            newest = self._newest[stream]
            if newest is not None and stamp == newest or any(s == stamp for s, _ in queue):
                counters.duplicate += 1
                return None
            if newest is not None and stamp < newest:
                counters.out_of_order += 1
                return None
            self._newest[stream] = stamp
            if self._last_emitted is not None and stamp <= self._last_emitted:
                counters.late += 1
                return None
            queue.append((stamp, message))
            if len(queue) > self.queue_size:
                queue.popleft()
                counters.unmatched += 1
                counters.overflow += 1
            return self._try_match(stream, stamp)

    def count_invalid(self, stream: str) -> None:
        """Count a message of `stream` rejected before it reached the synchroniser."""
        with self._lock:
            counters = self._counters[stream]
            counters.received += 1
            counters.invalid += 1

    def count_wrong_frame(self, stream: str, received: bool = True) -> None:
        """Count a message of `stream` in the wrong coordinate frame (`received`: not counted on arrival yet)."""
        with self._lock:
            counters = self._counters[stream]
            counters.received += int(received)
            counters.wrong_frame += 1

    # ------------------------------------------------------------ matching

    def _try_match(self, pivot_stream: str, pivot_stamp: float) -> SynchronizedSet | None:
        chosen: dict[str, tuple[float, Any]] = {}
        for stream in self.streams:
            queue = self._queues[stream]
            if stream == pivot_stream:
                chosen[stream] = queue[-1]
                continue
            best = None
            for item in queue:
                delta = abs(item[0] - pivot_stamp)
                if delta <= self.slop and (best is None or delta < abs(best[0] - pivot_stamp)):
                    best = item
            if best is None:
                return None
            chosen[stream] = best
        stamps = {s: item[0] for s, item in chosen.items()}
        if max(stamps.values()) - min(stamps.values()) > self.slop:
            return None
        for stream, (stamp, _) in chosen.items():
            queue = self._queues[stream]
            while queue and queue[0][0] < stamp:
                queue.popleft()
                self._counters[stream].unmatched += 1
            queue.popleft()
            self._counters[stream].matched += 1
        newest = max(stamps.values())
        self._last_emitted = newest
        self._emitted += 1
        return SynchronizedSet(stamp=newest, messages={s: item[1] for s, item in chosen.items()}, stamps=stamps)

    # ------------------------------------------------------------ reporting

    @property
    def emitted(self) -> int:
        return self._emitted

    def counters(self) -> dict[str, StreamCounters]:
        """A copy of the per-stream counters."""
        with self._lock:
            return {s: StreamCounters(**asdict(c)) for s, c in self._counters.items()}

    def queued(self) -> dict[str, int]:
        with self._lock:
            return {s: len(q) for s, q in self._queues.items()}
