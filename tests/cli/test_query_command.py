"""`memstack query` on a stored memory: results, --json documents, text tables, exit codes and errors."""

from __future__ import annotations

import json

import pytest


def query_json(memstack, db, *args):
    result = memstack("query", "--db", db, *args, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)  # exactly one JSON document
    assert document["query"] == args[0]
    return document["result"]


def test_locate_now_and_in_the_past(memstack, memory_db, keys_positions):
    keys_before, keys_after = keys_positions
    beliefs = query_json(memstack, memory_db, "locate", "mug")
    mug = beliefs[0]  # the planners' model: the remembered place first, then where else it might be
    assert mug["category"] == "mug" and mug["room"] == "kitchen" and mug["rests_on_category"] == "counter"
    assert mug["source"] == "memory" and mug["probability"] > 0.5
    assert sum(b["probability"] for b in beliefs) == pytest.approx(1.0)
    assert beliefs[-1]["source"] in ("not_in_house", "prior") and beliefs[-1]["probability"] < mug["probability"]
    keys_now = query_json(memstack, memory_db, "locate", "keys")[0]
    assert keys_now["position"] == pytest.approx(list(keys_after))
    keys_then = query_json(memstack, memory_db, "locate", "keys", "--at", "d1 00:30")[0]
    assert keys_then["position"] == pytest.approx(list(keys_before))


def query_in_process(capsys, db, *args):
    """The same entry point as the console script, called in this process (one spawn fewer per query)."""
    from memory_stack.cli import main

    status = main(["query", "--db", str(db), *args, "--json"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return json.loads(captured.out)["result"]


def test_history_changes_contents_and_count(memory_db, keys_positions, capsys):
    keys_before, keys_after = keys_positions
    keys_id = query_in_process(capsys, memory_db, "locate", "keys")[0]["object_id"]
    history = query_in_process(capsys, memory_db, "history", keys_id)
    assert [round(r["position"][0], 2) for r in history["locations"]] == [keys_before[0], keys_after[0]]
    changes = query_in_process(capsys, memory_db, "changes", "living_room",
                               "--since", "d1 00:30", "--until", "d1 02:00")
    assert [(e["kind"], e["object_id"]) for e in changes] == [("moved", keys_id)]
    contents = query_in_process(capsys, memory_db, "contents", "table")
    assert [o["category"] for o in contents] == ["keys"]
    assert query_in_process(capsys, memory_db, "count", "opened", "fridge") == 1
    assert query_in_process(capsys, memory_db, "count", "opened", "fridge", "--until", "d1 00:30") == 0
    first = query_in_process(capsys, memory_db, "first_seen", "keys")
    assert first == {"time": 100.0, "time_text": "d1 00:01:40"}
    last = query_in_process(capsys, memory_db, "last_seen", "keys")
    assert last["time"] == 3601.0


def test_path_over_places(memstack, memory_db):
    path = query_json(memstack, memory_db, "path", "kitchen", "living_room")
    assert path[0] == "place:room:kitchen" and path[-1] == "place:room:living_room"
    assert any("door" in p for p in path)


def test_search_by_meaning_with_minilm(memstack, memory_db):
    results = query_json(memstack, memory_db, "search", "something to drink from", "--k", "3")
    assert len(results) == 3
    assert results[0]["category"] == "mug"
    assert results[0]["score"] >= results[1]["score"] >= results[2]["score"]


def test_text_output_is_a_table_not_json(memstack, memory_db):
    result = memstack("query", "--db", memory_db, "contents", "table")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["id", "category"]
    assert "keys" in lines[2] and "living_room" in lines[2]
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.stdout)


def test_missing_db_is_exit_2_naming_the_file_and_is_not_created(memstack, tmp_path):
    missing = tmp_path / "nowhere.db"
    result = memstack("query", "--db", missing, "locate", "mug", "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert str(missing) in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not missing.exists()


def test_corrupt_db_is_exit_2_and_left_untouched(memstack, tmp_path):
    corrupt = tmp_path / "corrupt.db"
    data = b"SQLite format 3\x00" + bytes(range(256)) * 8
    corrupt.write_bytes(data)
    result = memstack("query", "--db", corrupt, "locate", "mug")
    assert result.returncode == 2
    assert str(corrupt) in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert corrupt.read_bytes() == data
    other = tmp_path / "notes.db"
    other.write_text("these are my notes")
    result = memstack("query", "--db", other, "locate", "mug")
    assert result.returncode == 2 and str(other) in result.stderr
    assert other.read_text() == "these are my notes"


@pytest.mark.parametrize("args, named", [
    (["teleport", "mug"], "kind"),
    (["path", "kitchen"], "arguments"),
    (["history"], "arguments"),
    (["count", "exploded", "fridge"], "exploded"),
    (["locate", "mug", "--at", "d0 25:00"], "--at"),
    (["changes", "kitchen", "--since", "d1 10:00", "--until", "d1 09:00"], "--until"),
    (["history", "no_such_object_7"], "no_such_object_7"),
    (["changes", "attic"], "attic"),
])
def test_bad_queries_exit_2_with_one_line_naming_the_argument(memory_db, args, named, capsys):
    from memory_stack.cli import main  # in-process: the same entry point as the console script, without a spawn each

    status = main(["query", "--db", str(memory_db), *args, "--json"])
    captured = capsys.readouterr()
    assert status == 2, captured.out
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], captured.err


def test_bad_query_through_the_console_script(memstack, memory_db):
    result = memstack("query", "--db", memory_db, "count", "exploded", "fridge", "--json")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == ("memstack query: arguments: count: unknown event kind 'exploded' "
                                     "(expected one of: appeared, moved, disappeared, state_changed, opened, closed)")
