"""The query thread's real-time scheduling: granted, refused without the privilege, and where it applies."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading

import pytest

from memory_node.thread_scheduling import request_fifo_priority, thread_scheduling
from memory_stack.foundation.package_paths import SOURCE_ROOT


def _in_new_thread(function):
    """Run `function` on a fresh thread (scheduling changes die with it) and return its result."""
    result = []
    thread = threading.Thread(target=lambda: result.append(function()))
    thread.start()
    thread.join()
    return result[0]


def _fifo_allowed() -> bool:
    def probe():
        try:
            os.sched_setscheduler(threading.get_native_id(), os.SCHED_FIFO, os.sched_param(1))
        except PermissionError:
            return False
        return True

    return _in_new_thread(probe)


needs_fifo = pytest.mark.skipif(not _fifo_allowed(), reason="this user may not use SCHED_FIFO")


def test_priority_zero_keeps_normal_scheduling_and_out_of_range_is_refused():
    assert _in_new_thread(lambda: (request_fifo_priority(0), thread_scheduling())) == ("normal", "normal")
    with pytest.raises(ValueError, match="0..98"):
        request_fifo_priority(99)


@needs_fifo
def test_granted_priority_applies_to_this_thread_only_and_not_to_threads_it_starts():
    def body():
        granted = request_fifo_priority(7)
        child = _in_new_thread(thread_scheduling)  # started by the real-time thread
        return granted, thread_scheduling(), child

    assert _in_new_thread(body) == ("SCHED_FIFO 7", "SCHED_FIFO 7", "normal")
    assert thread_scheduling() == "normal"  # the test's own thread was not touched


def test_without_the_privilege_the_request_is_refused_with_the_reason():
    script = ("import resource; resource.setrlimit(resource.RLIMIT_RTPRIO, (0, 0)); "
              "from memory_node.thread_scheduling import request_fifo_priority, thread_scheduling; "
              "print(request_fifo_priority(10)); print(thread_scheduling())")
    command = [sys.executable, "-c", script]
    if _fifo_allowed():  # this user holds CAP_SYS_NICE (root): drop it for the child
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv (util-linux) is needed to drop CAP_SYS_NICE")
        command = ["setpriv", "--inh-caps=-sys_nice", "--bounding-set=-sys_nice"] + command
    done = subprocess.run(command, cwd=SOURCE_ROOT, capture_output=True, text=True, timeout=60)
    if done.returncode != 0 and done.stderr.startswith("setpriv"):
        pytest.skip(f"cannot drop CAP_SYS_NICE here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    granted, actual = done.stdout.strip().splitlines()
    assert granted.startswith("normal (SCHED_FIFO 10 refused: Operation not permitted")
    assert "CAP_SYS_NICE" in granted
    assert actual == "normal"


def _spinner_policy(name_part: str) -> str:
    threads = [t for t in threading.enumerate() if t.name.startswith("executor-") and name_part in t.name]
    assert len(threads) == 1, [t.name for t in threading.enumerate()]
    return thread_scheduling(threads[0].native_id)


@pytest.mark.parametrize(("executor_kind", "priority"), [("events", 12), ("events", 0), ("multi-threaded", 12)])
def test_the_stack_gives_the_query_thread_its_priority_in_the_events_layout(ros_domain, tmp_path, executor_kind,
                                                                           priority):
    import rclpy

    from memory_node.node_process import StackProcess

    from .node_harness import stack_arguments, wait_until

    if priority and not _fifo_allowed():
        pytest.skip("this user may not use SCHED_FIFO")
    rclpy.init(args=stack_arguments(tmp_path / "memory.db", query_thread_priority=priority))
    process = StackProcess.create(with_ingest=True, with_server=True, executor_kind=executor_kind)
    try:
        process.activate()
        server = process.node("MemoryServerNode")
        server.executor_thread_scheduling = "not yet"
        process.spin_in_background()
        assert wait_until(lambda: server.executor_thread_scheduling != "not yet", 10.0)
        if executor_kind == "events":
            expected = f"SCHED_FIFO {priority}" if priority else "normal"
            assert _spinner_policy("memory_server") == expected
            assert _spinner_policy("ingest_node") == "normal"
        else:  # one pool for every node: ingestion must not run real-time
            assert server.executor_thread_scheduling.startswith("normal (")
            assert _spinner_policy("memory_server") == "normal"
        if priority:
            assert server.memory_values()["query_thread_scheduling"] == server.executor_thread_scheduling
    finally:
        process.shutdown()
        rclpy.shutdown()
