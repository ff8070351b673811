"""Real-time scheduling for the thread that answers memory queries.

On a 2-core robot computer the query thread competes with image transport, perception and memory
writes. Under Linux's default (SCHED_OTHER) policy a thread woken by a request can wait a slice or
two (1-3 ms) for a busy core, which is most of QueryMemory's round-trip tail while frames stream
(docs/BENCHMARKS.md). Like ros2_control's controller manager, the server asks for SCHED_FIFO at a
modest priority and keeps normal scheduling, with a warning, where the system does not allow it.

Allowing it on a robot: run the process with CAP_SYS_NICE, or give its user an rtprio limit
(`/etc/security/limits.conf`: `@realtime - rtprio 98`, the ROS 2 real-time setup). The thread is
marked SCHED_RESET_ON_FORK, so threads and processes it starts (a torch pool for `search`, say) run
under normal scheduling.
"""

from __future__ import annotations

import errno
import os
import threading

MAX_PRIORITY = 98  # 99 is left to the kernel's watchdog and migration threads


def request_fifo_priority(priority: int, thread_id: int | None = None) -> str:
    """Put `thread_id` (default: the calling thread) under SCHED_FIFO at `priority`.

    Returns the scheduling in effect, for logs and diagnostics: "SCHED_FIFO 10", "normal" (priority 0),
    or "normal (SCHED_FIFO 10 refused: ...)" naming the reason.
    """
    if not 0 <= priority <= MAX_PRIORITY:
        raise ValueError(f"real-time priority must be within 0..{MAX_PRIORITY}, got {priority}")
    if priority == 0:
        return "normal"
    target = threading.get_native_id() if thread_id is None else thread_id
    try:
        os.sched_setscheduler(target, os.SCHED_FIFO | os.SCHED_RESET_ON_FORK, os.sched_param(priority))
    except OSError as exc:
        hint = " (needs CAP_SYS_NICE or an rtprio limit)" if exc.errno == errno.EPERM else ""
        return f"normal (SCHED_FIFO {priority} refused: {exc.strerror}{hint})"
    return f"SCHED_FIFO {priority}"


def thread_scheduling(thread_id: int | None = None) -> str:
    """The policy and priority of `thread_id` (default: the calling thread), as request_fifo_priority names it."""
    target = threading.get_native_id() if thread_id is None else thread_id
    policy = os.sched_getscheduler(target) & ~os.SCHED_RESET_ON_FORK
    if policy == os.SCHED_FIFO:
        return f"SCHED_FIFO {os.sched_getparam(target).sched_priority}"
    return "normal"
