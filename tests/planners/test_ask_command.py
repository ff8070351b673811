"""`memstack ask` as a console command on a stored memory (subprocess, real store, real parser)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from household_memory import two_room_memory  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def memory_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("ask") / "memory.db"
    store, _ = two_room_memory(db, mug_moves_seen=True)
    store.close()
    return db


@pytest.mark.slow
def test_ask_json_answers_from_memory(memory_db, memstack):
    # Minutes after the sighting: confident (planners.belief.builder.asked_stay_probability).
    done = memstack("ask", "--db", str(memory_db), "Where is the mug?", "--at", "d1 10:05", "--json", cwd=ROOT,
                    timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, "exactly one JSON document on stdout"
    document = json.loads(lines[0])
    assert document["answer"]["rests_on_category"] == "table"
    assert document["answer"]["room"] == "living_room"
    assert document["typed_query"]["kind"] == "present_location"
    assert document["confidence"] > 0.9 and document["latency_ms"] > 0
    assert document["at"] == 36300.0 and document["stopped_by"] == "memory-only"


def test_ask_without_at_uses_the_latest_memory_time_and_prints_text(memory_db, capsys):
    from memory_stack.cli import main

    assert main(["ask", "--db", str(memory_db), "Which room are the keys in?"]) == 0
    out = capsys.readouterr().out
    assert "living room" in out and "confidence" in out


def test_missing_db_exits_2_naming_it_and_creates_nothing(tmp_path, memstack):
    missing = tmp_path / "nope.db"
    done = memstack("ask", "--db", str(missing), "Where is the mug?", "--json", cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert str(missing) in done.stderr and done.stdout == ""
    assert not missing.exists()


def test_bad_time_exits_2_naming_the_argument(memory_db, memstack):
    done = memstack("ask", "--db", str(memory_db), "Where is the mug?", "--at", "tomorrowish", cwd=ROOT, timeout=120)
    assert done.returncode == 2 and "--at" in done.stderr


def test_corrupt_db_exits_2_and_is_left_untouched(tmp_path, memstack):
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not sqlite" * 100)
    before = corrupt.read_bytes()
    done = memstack("ask", "--db", str(corrupt), "Where is the mug?", cwd=ROOT, timeout=120)
    assert done.returncode == 2, done.stderr[-2000:]
    assert str(corrupt) in done.stderr
    assert corrupt.read_bytes() == before


def test_questions_file_prints_one_json_object_per_question(memory_db, tmp_path, capsys):
    from memory_stack.cli import main

    questions = tmp_path / "questions.txt"
    questions.write_text("Which room are the keys in?\n\nWhat is the weather like today?\n")
    assert main(["ask", "--db", str(memory_db), "--questions", str(questions), "--at", "d1 10:05"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2, "blank lines are skipped, every other line answered"
    first, second = (json.loads(line) for line in lines)
    assert first["question"] == "Which room are the keys in?"
    assert first["refused"] is False and first["reason"] is None
    assert first["answer"]["value"] == "living_room" and first["typed_query"]["kind"] == "room_of"
    assert second["refused"] is True and second["reason"] and second["answer"]["value"] is None
    assert second["confidence"] < 0.3 and second["at"] == 36300.0


def test_questions_file_missing_or_together_with_a_question_exits_2(memory_db, tmp_path, memstack):
    missing = tmp_path / "none.txt"
    done = memstack("ask", "--db", str(memory_db), "--questions", str(missing), cwd=ROOT, timeout=120)
    assert done.returncode == 2 and str(missing) in done.stderr and done.stdout == ""
    both = tmp_path / "q.txt"
    both.write_text("Where is the mug?\n")
    done = memstack("ask", "--db", str(memory_db), "Where is the mug?", "--questions", str(both), cwd=ROOT,
                    timeout=120)
    assert done.returncode == 2 and "--questions" in done.stderr
