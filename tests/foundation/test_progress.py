"""Progress bars: drawn on a terminal (a real pty), absent on a pipe and for `--json` to a pipe."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import select
import struct
import termios

import pytest

from memory_stack.foundation.progress import ProgressBar, bars_wanted, progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def open_terminal(columns: int = 100) -> tuple[int, int]:
    """A pty (leader, follower) with a window size, as a terminal emulator gives one."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    return leader, follower


def read_all(fd: int) -> str:
    chunks = []
    while select.select([fd], [], [], 0.5)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the follower end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


@pytest.fixture(autouse=True)
def no_switch(monkeypatch):
    monkeypatch.delenv("MEMSTACK_PROGRESS", raising=False)


def test_bars_only_on_a_terminal_and_not_for_json_to_a_pipe():
    assert bars_wanted(stream=Terminal(), stdout=Terminal())
    assert not bars_wanted(stream=io.StringIO(), stdout=Terminal())
    assert bars_wanted(json_output=True, stream=Terminal(), stdout=Terminal()), "--json read by a person"
    assert not bars_wanted(json_output=True, stream=Terminal(), stdout=io.StringIO()), "--json to a pipe"


def test_environment_switch_overrides(monkeypatch):
    monkeypatch.setenv("MEMSTACK_PROGRESS", "0")
    assert not bars_wanted(stream=Terminal(), stdout=Terminal())
    monkeypatch.setenv("MEMSTACK_PROGRESS", "1")
    assert bars_wanted(json_output=True, stream=io.StringIO(), stdout=io.StringIO())


def test_a_bar_on_a_real_pty_shows_count_total_and_eta():
    leader, follower = open_terminal()
    with os.fdopen(follower, "w") as stream:
        assert bars_wanted(stream=stream, stdout=stream)
        with progress_bar("jobs", total=4, unit="job", stream=stream) as bar:
            assert bar.drawn
            bar.advance(status="first")
            bar.write("a log line")
            bar.advance(2)
        stream.flush()
        text = read_all(leader)
    os.close(leader)
    assert "jobs" in text and "3/4" in text and "a log line" in text
    assert "<" in text, "elapsed<remaining (the ETA) is shown"
    assert "job/s" in text or "s/job" in text


def test_without_a_terminal_only_the_log_lines_appear():
    stream = io.StringIO()
    with progress_bar("jobs", total=2, stream=stream) as bar:
        assert not bar.drawn
        bar.advance()
        bar.write("done one")
        bar.advance()
    assert stream.getvalue() == "done one\n"
    assert bar.count == 2


def test_total_can_be_set_once_known():
    bar = ProgressBar("run", enabled=True, stream=Terminal())
    bar.set_total(7)
    bar.advance(3)
    assert bar.total == 7 and bar.count == 3
    bar.close()
    assert not bar.drawn
