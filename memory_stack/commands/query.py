"""Structured queries on a stored memory: locate, history, changes, contents, count, search, path.

  memstack query --db memory.db locate mug [--at "d2 08:30"]
  memstack query --db memory.db history mug_1 [--since T --until T]
  memstack query --db memory.db changes kitchen --since "d1 09:00" --until "d1 18:00"
  memstack query --db memory.db contents coffee_table [--at T]
  memstack query --db memory.db count opened fridge [--since T --until T]
  memstack query --db memory.db first_seen keys | last_seen keys
  memstack query --db memory.db search "something to drink from" [--k 5]
  memstack query --db memory.db path kitchen living_room

Times are "dN HH:MM" or seconds since d1 00:00. With --json exactly one JSON document goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.time_format import format_time_value, parse_time_argument
from scene_graph.exchange_json import plain
from scene_graph.requests import MemoryRequest, ask

EVENT_KINDS = ("appeared", "moved", "disappeared", "state_changed", "opened", "closed")


@dataclass(frozen=True)
class QueryKind:
    """One query kind: how many words it takes and what they mean (for usage errors and --help)."""

    name: str
    usage: str
    min_args: int
    max_args: int | None  # None: the remaining words are joined into one phrase


QUERY_KINDS: dict[str, QueryKind] = {q.name: q for q in (
    QueryKind("locate", "locate TARGET (object id or category)", 1, None),
    QueryKind("history", "history OBJECT_ID", 1, 1),
    QueryKind("changes", "changes ROOM --since T --until T", 1, None),
    QueryKind("contents", "contents RECEPTACLE_OR_ROOM", 1, None),
    QueryKind("count", f"count EVENT_KIND TARGET (EVENT_KIND: {', '.join(EVENT_KINDS)})", 2, None),
    QueryKind("first_seen", "first_seen TARGET", 1, None),
    QueryKind("last_seen", "last_seen TARGET", 1, None),
    QueryKind("search", "search TEXT", 1, None),
    QueryKind("path", "path FROM TO", 2, 2),
)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--db", required=True, help="SQLite memory file (must exist; never created by a query)")
    parser.add_argument("kind", help=" | ".join(QUERY_KINDS))
    parser.add_argument("arguments", nargs="*", help="the query's words (see above)")
    parser.add_argument("--at", help="time: \"dN HH:MM\" or seconds since d1 00:00 (default: latest)")
    parser.add_argument("--since", help="interval start (history, changes, count)")
    parser.add_argument("--until", help="interval end (history, changes, count)")
    parser.add_argument("--k", type=int, default=5, help="search: number of results (default 5)")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def open_stored_memory(db: str | Path, config: Any = None):
    """Open an existing memory file (with `config`'s memory section, a StackConfig); a missing path is never created."""
    path = Path(db)
    if not path.exists():
        raise BadInputError(f"--db {path}: no such file")
    if path.is_dir():
        raise BadInputError(f"--db {path}: is a directory, expected a memory store file")
    if path.stat().st_size == 0:
        raise BadInputError(f"--db {path}: empty file, not a memory store")
    from memory_stack.composition.assembly import open_memory
    from memory_stack.composition.stack_config import StackConfig

    try:
        return open_memory(path, config or StackConfig(), read_only=True)
    except BadInputError as exc:
        message = str(exc)
        raise BadInputError(message if str(path) in message else f"--db {path}: {message}") from exc
    except sqlite3.DatabaseError as exc:
        raise BadInputError(f"--db {path}: damaged or foreign database ({exc})") from exc


def _words(kind: QueryKind, arguments: Sequence[str]) -> list[str]:
    n = len(arguments)
    if n < kind.min_args or (kind.max_args is not None and n > kind.max_args):
        raise BadInputError(f"arguments: {kind.name} takes {kind.usage}; got {n} word(s) {list(arguments)!r}")
    return list(arguments)


def _phrase(words: Sequence[str]) -> str:
    text = " ".join(w.strip() for w in words).strip()
    if not text:
        raise BadInputError("arguments: empty target")
    return text


def _lookup_error(kind: str, target: str, exc: Exception) -> BadInputError:
    detail = exc.args[0] if exc.args else exc
    return BadInputError(f"arguments: {kind} {target!r}: {detail}")


def run_query(memory: Any, kind_name: str, arguments: Sequence[str], at: float | None = None,
              since: float | None = None, until: float | None = None, k: int = 5, config: Any = None) -> Any:
    """Run one query on an open memory (through scene_graph.requests.ask); the result is plain JSON-ready data.

    locate answers with the planners' model of where things are (`config`'s belief settings, a StackConfig).
    """
    kind = QUERY_KINDS.get(kind_name)
    if kind is None:
        raise BadInputError(f"kind: unknown query {kind_name!r} (expected one of: {', '.join(QUERY_KINDS)})")
    words = _words(kind, arguments)
    t1 = until if until is not None else at
    try:
        if kind.name == "locate":
            from memory_stack.composition.assembly import where_is
            from memory_stack.composition.stack_config import StackConfig

            locate = where_is(config or StackConfig())
            return plain(ask(memory, MemoryRequest("locate", (_phrase(words),), at=at), locate))
        if kind.name == "history":
            return plain(ask(memory, MemoryRequest("history", (words[0],), t0=since, t1=t1)))
        if kind.name == "changes":
            return plain(ask(memory, MemoryRequest("changes", (_phrase(words),), t0=since if since is not None else 0.0,
                                                   t1=t1)))
        if kind.name == "contents":
            return plain(ask(memory, MemoryRequest("contents", (_phrase(words),), at=at)))
        if kind.name == "count":
            event_kind = words[0]
            if event_kind not in EVENT_KINDS:
                raise BadInputError(f"arguments: count: unknown event kind {event_kind!r} "
                                    f"(expected one of: {', '.join(EVENT_KINDS)})")
            return int(ask(memory, MemoryRequest("count", (event_kind, _phrase(words[1:])), t0=since, t1=t1)))
        if kind.name in ("first_seen", "last_seen"):
            seen = ask(memory, MemoryRequest(kind.name, (_phrase(words),)))
            return {"time": seen, "time_text": format_time_value(seen)}
        if kind.name == "search":
            if k < 1:
                raise BadInputError(f"--k: must be at least 1, got {k}")
            hits = ask(memory, MemoryRequest("search", (_phrase(words),), k=k))
            return [dict(plain(obj), score=float(score)) for obj, score in hits]
        if kind.name == "path":
            return [str(p) for p in ask(memory, MemoryRequest("path", (words[0], words[1])))]
    except KeyError as exc:
        raise _lookup_error(kind.name, " ".join(words), exc) from exc
    raise AssertionError(kind.name)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.1f}"
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, (int, float)) for v in value) and value:
            return "(" + ", ".join(f"{float(v):.2f}" for v in value) + ")"
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def _time_text(value: Any) -> str:
    text = format_time_value(value) if isinstance(value, (int, float)) else None
    return text or _fmt(value)


def format_table(rows: list[dict], columns: Sequence[str], times: Sequence[str] = ()) -> str:
    """A plain text table of `rows` (dicts) with the given columns; time columns shown as dN HH:MM."""
    cells = [[(_time_text(r.get(c)) if c in times else _fmt(r.get(c))) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    if not rows:
        lines.append("(none)")
    return "\n".join(lines)


OBJECT_COLUMNS = ("id", "category", "position", "room", "rests_on", "state", "present", "last_seen")
EVENT_COLUMNS = ("time", "kind", "object_id", "category", "room", "from_place", "to_place", "old_state", "new_state")


def render_text(kind: str, result: Any) -> str:
    """The human-readable form of a query result."""
    if kind == "locate":
        return format_table(result, ("object_id", "category", "probability", "position", "room", "rests_on",
                                     "present", "last_seen"), times=("last_seen",))
    if kind == "history":
        parts = [f"{result['object_id']} ({result['category']})", "presence:",
                 format_table(result["intervals"], ("start", "end", "last_seen", "sightings"),
                              times=("start", "end", "last_seen")),
                 "locations:",
                 format_table(result["locations"], ("time", "position", "room", "rests_on"), times=("time",)),
                 "states:", format_table(result["states"], ("time", "state"), times=("time",)),
                 "events:", format_table(result["events"], EVENT_COLUMNS, times=("time",))]
        return "\n".join(parts)
    if kind == "changes":
        return format_table(result, EVENT_COLUMNS, times=("time",))
    if kind == "contents":
        return format_table(result, OBJECT_COLUMNS, times=("last_seen",))
    if kind == "search":
        return format_table(result, ("score",) + OBJECT_COLUMNS, times=("last_seen",))
    if kind in ("first_seen", "last_seen"):
        return result["time_text"] or "never seen"
    if kind == "path":
        return " -> ".join(result) if result else "(no path)"
    return str(result)


def run(args: argparse.Namespace) -> int:
    if args.kind not in QUERY_KINDS:
        raise BadInputError(f"kind: unknown query {args.kind!r} (expected one of: {', '.join(QUERY_KINDS)})")
    _words(QUERY_KINDS[args.kind], args.arguments)
    at = parse_time_argument(args.at, "--at")
    since = parse_time_argument(args.since, "--since")
    until = parse_time_argument(args.until, "--until")
    if since is not None and until is not None and until < since:
        raise BadInputError(f"--until: {args.until!r} is before --since {args.since!r}")
    from memory_stack.commands.stack_option import stack_config

    config = stack_config(args)
    memory = open_stored_memory(args.db, config)
    try:
        result = run_query(memory, args.kind, args.arguments, at=at, since=since, until=until, k=args.k,
                           config=config)
    finally:
        memory.close()
    if args.json:
        document = {"query": args.kind, "arguments": list(args.arguments), "db": str(args.db), "at": at,
                    "since": since, "until": until, "result": result}
        json.dump(document, sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(render_text(args.kind, result))
    return 0

