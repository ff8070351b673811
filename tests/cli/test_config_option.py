"""`--config FILE` on the command line: the StackConfig changes what a command does; a bad file is exit 2."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from memory_stack.cli import COMMANDS, build_parser

DATA = Path(__file__).resolve().parents[1] / "bench" / "data"
QUESTION = "Where are the keys?"


def _ask(memstack, memory_db, before=(), after=()):
    result = memstack(*before, "ask", "--db", memory_db, QUESTION, "--json", *after)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_config_before_or_after_the_command_changes_the_answer(memstack, memory_db, tmp_path):
    config = tmp_path / "stack.yaml"
    config.write_text("question_answering:\n  hedge_below: 1.01\n")  # every answer is worded as a guess
    plain = _ask(memstack, memory_db)
    assert "probably" not in plain["answer"]["text"], plain["answer"]
    before = _ask(memstack, memory_db, before=("--config", config))
    after = _ask(memstack, memory_db, after=("--config", config))
    for document in (before, after):
        assert document["answer"]["text"] == plain["answer"]["text"].replace(" are ", " are probably ", 1)
        assert document["confidence"] == plain["confidence"]


def test_a_bad_config_is_exit_2_with_one_line_naming_file_and_field(memstack, memory_db, tmp_path):
    config = tmp_path / "stack.yaml"
    config.write_text("memory:\n  match_gate: 0.5\n")
    result = memstack("ask", "--db", memory_db, QUESTION, "--config", config)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"memstack ask: {config}: memory.match_gate: unknown key (allowed: ")


def test_a_missing_config_file_is_exit_2_naming_it(memstack, memory_db, tmp_path):
    result = memstack("--config", tmp_path / "absent.yaml", "ask", "--db", memory_db, QUESTION)
    assert result.returncode == 2 and "absent.yaml: cannot read file" in result.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_accepts_config(command):
    parser = build_parser()
    help_text = {name: sub.format_help() for action in parser._subparsers._group_actions
                 for name, sub in action.choices.items()}[command]
    assert "--config FILE" in help_text


def test_bench_subcommands_accept_config_after_their_arguments():
    args = build_parser().parse_args(["bench", "eqa", "--scenarios", "x.yaml", "--config", "stack.yaml"])
    assert args.config == "stack.yaml"
    args = build_parser().parse_args(["--config", "top.yaml", "bench", "eqa"])
    assert args.config == "top.yaml"
    assert build_parser().parse_args(["bench", "eqa"]).config is None


@pytest.mark.slow
def test_run_keeps_past_task_executions_where_the_config_says(memstack, tmp_path):
    out = tmp_path / "out"
    cases = tmp_path / "elsewhere" / "cases.sqlite"
    cases.parent.mkdir()
    config = tmp_path / "stack.yaml"
    config.write_text(f"paths:\n  case_memory: {cases}\n")
    result = memstack("run", DATA / "tiny_fetch.yaml", "--planner", "memory-only", "--out", out, "--json",
                      "--config", config, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["tasks"], "the scenario has a task, so a case is written"
    assert not (out / "memory.cases.sqlite").exists(), "not beside the memory: the config named another file"
    with sqlite3.connect(cases) as db:
        assert db.execute("SELECT COUNT(*) FROM task_cases").fetchone()[0] >= 1


def test_up_checks_the_config_before_starting_any_node(memstack, tmp_path):
    config = tmp_path / "stack.yaml"
    config.write_text("tasks:\n  max_replans: many\n")
    result = memstack("up", "--config", config, "--db", tmp_path / "memory.db", timeout=120)
    assert result.returncode == 2, result.stderr[-2000:]
    expected = f"memstack up: {config}: tasks.max_replans: expected an integer, got 'many'"
    assert result.stderr.strip().splitlines() == [expected]
    assert not (tmp_path / "memory.db").exists()
