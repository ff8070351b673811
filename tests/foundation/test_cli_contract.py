"""`memstack` exposes every subcommand of specs/cli.md with --help, and exits 2 on bad usage."""

from __future__ import annotations

import subprocess
import sys

import pytest

SUBCOMMANDS = ["demo", "run", "batch", "bench", "query", "ask", "export", "import", "replay", "up"]


def memstack(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "memory_stack.cli", *args], capture_output=True, text=True)


def test_top_level_help_lists_every_subcommand():
    result = memstack("--help")
    assert result.returncode == 0
    for name in SUBCOMMANDS:
        assert f"    {name} " in result.stdout, name


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_each_subcommand_has_help(name):
    result = memstack(name, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: memstack" in result.stdout


@pytest.mark.parametrize("which", ["ingest", "query", "eqa"])
def test_bench_benchmarks_have_help_with_json_flag(which):
    result = memstack("bench", which, "--help")
    assert result.returncode == 0
    assert "--json" in result.stdout


def test_unknown_subcommand_is_bad_usage():
    result = memstack("teleport")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
