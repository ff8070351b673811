"""Stopping a child process the way a ROS 2 node expects: a signal first, SIGKILL only if it hangs."""

from __future__ import annotations

import signal
import subprocess


def stop_child_process(process: subprocess.Popen, sig: int = signal.SIGINT, timeout_s: float = 20.0) -> int:
    """Send `sig` (nodes shut down cleanly on SIGINT or SIGTERM), wait up to `timeout_s`, then kill.

    Returns the exit code; a process that had already exited is left as it is.
    """
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode
