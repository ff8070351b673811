"""`memstack ask --questions -`: one warm process answering questions as they arrive on stdin."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from household_memory import two_room_memory  # noqa: E402


class LineByLine(io.StringIO):
    """Stdin that records how many lines were read before each answer was written."""

    def __init__(self, text: str, log: list) -> None:
        super().__init__(text)
        self.log = log

    def __iter__(self):
        for line in iter(self.readline, ""):
            self.log.append(("read", line.strip()))
            yield line


class Out(io.StringIO):
    def __init__(self, log: list) -> None:
        super().__init__()
        self.log = log

    def write(self, text: str) -> int:
        if text.endswith("\n"):  # a record is complete
            self.log.append(("answer", None))
        return super().write(text)


@pytest.fixture(scope="module")
def memory_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("ask") / "memory.db"
    store, _ = two_room_memory(db, mug_moves_seen=True)
    store.close()
    return db


def test_questions_on_stdin_are_answered_as_they_arrive(memory_db, monkeypatch):
    from memory_stack.cli import main

    log: list = []
    monkeypatch.setattr(sys, "stdin", LineByLine("Where is the mug?\n\nWhich room are the keys in?\n", log))
    monkeypatch.setattr(sys, "stdout", Out(log))
    assert main(["ask", "--db", str(memory_db), "--questions", "-", "--at", "d1 10:05"]) == 0
    records = [json.loads(line) for line in sys.stdout.getvalue().splitlines()]
    assert [r["question"] for r in records] == ["Where is the mug?", "Which room are the keys in?"]
    assert records[0]["answer"]["rests_on_category"] == "table"
    assert records[1]["answer"]["room"] == "living_room"
    # each answer is written before the next line is read: a session, not a batch read at the end
    assert [kind for kind, _ in log] == ["read", "answer", "read", "read", "answer"]
