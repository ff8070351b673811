"""Progress bars for long work: a count, a rate and an ETA on stderr, only when a person is watching.

A bar is drawn when stderr is a terminal, and not when the command's `--json` document goes to a
pipe or a file (a script is reading; it gets the same stderr log lines as before and no bar).
`MEMSTACK_PROGRESS=0` turns bars off, `MEMSTACK_PROGRESS=1` draws them even off a terminal.

Commands make one bar per piece of long work and hand it down; library code takes an optional
`ProgressBar` and calls `advance` (one unit done) and `write` (a log line that does not tear the bar):

    with progress_bar("eqa", total=len(jobs), unit="run", json_output=args.json) as bar:
        for job in jobs:
            ...
            bar.advance(status=job.name)
"""

from __future__ import annotations

import os
import sys
from typing import IO, Any

ENVIRONMENT_SWITCH = "MEMSTACK_PROGRESS"


def bars_wanted(json_output: bool = False, stream: IO[str] | None = None, stdout: IO[str] | None = None) -> bool:
    """Whether a bar should be drawn on `stream` (default stderr) for a command with/without `--json`."""
    switch = os.environ.get(ENVIRONMENT_SWITCH, "").strip().lower()
    if switch in ("0", "no", "off", "false"):
        return False
    if switch in ("1", "yes", "on", "true"):
        return True
    stream = stream if stream is not None else sys.stderr
    stdout = stdout if stdout is not None else sys.stdout
    if not _is_terminal(stream):
        return False
    return not (json_output and not _is_terminal(stdout))


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or not a real file
        return False


def _terminal_columns(stream: IO[str]) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0


class ProgressBar:
    """One bar (or, when bars are not wanted, only the log lines written through it)."""

    def __init__(self, description: str, total: int | None = None, unit: str = "step", enabled: bool = True,
                 stream: IO[str] | None = None) -> None:
        self.description = description
        self.unit = unit
        self.count = 0
        self.total = total
        self._stream = stream
        self._bar: Any = None
        self._log_redirect: Any = None
        if enabled:
            from tqdm import tqdm
            from tqdm.contrib.logging import logging_redirect_tqdm

            # a terminal that reports no size (a bare pty) gets 100 columns instead of an empty bar
            sized = _terminal_columns(self.stream) > 0
            self._bar = tqdm(total=total, desc=description, unit=unit, file=self.stream, dynamic_ncols=sized,
                             ncols=None if sized else 100, nrows=None if sized else 24, mininterval=0.2,
                             leave=True)
            # log records (stderr handlers) go above the bar instead of through it
            self._log_redirect = logging_redirect_tqdm()
            self._log_redirect.__enter__()

    @property
    def stream(self) -> IO[str]:
        return self._stream if self._stream is not None else sys.stderr

    @property
    def drawn(self) -> bool:
        """True while a bar is on the terminal."""
        return self._bar is not None

    def set_total(self, total: int) -> None:
        """The number of units of the whole work, once known."""
        self.total = int(total)
        if self._bar is not None:
            self._bar.total = self.total
            self._bar.refresh()

    def advance(self, n: int = 1, status: str | None = None) -> None:
        """`n` more units are done; `status` (short) is shown after the counts."""
        self.count += n
        if self._bar is not None:
            if status is not None:
                self._bar.set_postfix_str(status, refresh=False)
            self._bar.update(n)

    def write(self, message: str) -> None:
        """A log line on stderr, above the bar when one is drawn."""
        if self._bar is not None:
            self._bar.write(message, file=self.stream)
        else:
            print(message, file=self.stream, flush=True)

    def close(self) -> None:
        if self._log_redirect is not None:
            self._log_redirect.__exit__(None, None, None)
            self._log_redirect = None
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def progress_bar(description: str, total: int | None = None, unit: str = "step", json_output: bool = False,
                 stream: IO[str] | None = None) -> ProgressBar:
    """A bar for a command's long work, drawn only if `bars_wanted(json_output, stream)`."""
    return ProgressBar(description, total=total, unit=unit, enabled=bars_wanted(json_output, stream), stream=stream)
