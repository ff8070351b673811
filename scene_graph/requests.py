"""Requests to the memory: one dispatcher from a request kind to the MemoryStore call that answers it.

`ask(memory, MemoryRequest) -> result` is the single place where a request kind (locate, history,
changes, contents, count, first_seen, last_seen, search, path, objects) becomes a memory call; the
result is the memory's own records. Two front ends read their words into a MemoryRequest and present
the result their way: `memstack query` (plain JSON data and tables) and the QueryMemory service, whose
pure half is here: `answer_query(store, QueryRequest) -> QueryAnswer` with typed results and a text
answer. The memory server converts that answer to a `memory_interfaces/srv/QueryMemory` response; the
request's `time` is `at` (or t0 for interval kinds) and `time_end` is t1. Wrong input gives
`QueryAnswer(success=False, error=...)` naming the argument; nothing raises for bad requests.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from memory_stack.foundation.errors import BadInputError

DEFAULT_MAX_RESULTS = 10


@dataclass(frozen=True)
class MemoryRequest:
    """One request with its words already read: `arguments` are the kind's operands in order.

    locate/first_seen/last_seen (TARGET), history (OBJECT_ID), changes (ROOM), contents
    (RECEPTACLE_OR_ROOM), count (EVENT_KIND, TARGET), search (TEXT), path (FROM, TO), objects ().
    """

    kind: str
    arguments: tuple[str, ...] = ()
    at: float | None = None
    t0: float | None = None
    t1: float | None = None
    k: int = 5
    include_discoveries: bool = False


def _ask_locate(memory: Any, r: MemoryRequest) -> Any:
    return memory.locate(r.arguments[0], at=r.at)


def _ask_history(memory: Any, r: MemoryRequest) -> Any:
    return memory.history(r.arguments[0], t0=r.t0, t1=r.t1)


def _ask_changes(memory: Any, r: MemoryRequest) -> Any:
    return memory.changes(r.arguments[0], r.t0, r.t1, include_discoveries=r.include_discoveries)


def _ask_contents(memory: Any, r: MemoryRequest) -> Any:
    return memory.contents(r.arguments[0], at=r.at)


def _ask_count(memory: Any, r: MemoryRequest) -> Any:
    return memory.count(r.arguments[0], r.arguments[1], t0=r.t0, t1=r.t1)


def _ask_first_seen(memory: Any, r: MemoryRequest) -> Any:
    return memory.first_seen(r.arguments[0])


def _ask_last_seen(memory: Any, r: MemoryRequest) -> Any:
    return memory.last_seen(r.arguments[0])


def _ask_search(memory: Any, r: MemoryRequest) -> Any:
    return memory.search(r.arguments[0], k=r.k)


def _ask_path(memory: Any, r: MemoryRequest) -> Any:
    return memory.path(r.arguments[0], r.arguments[1])


def _ask_objects(memory: Any, r: MemoryRequest) -> Any:
    return store_objects(memory, at=r.at)


REQUEST_KINDS: dict[str, Callable[[Any, MemoryRequest], Any]] = {
    "locate": _ask_locate, "history": _ask_history, "changes": _ask_changes, "contents": _ask_contents,
    "count": _ask_count, "first_seen": _ask_first_seen, "last_seen": _ask_last_seen, "search": _ask_search,
    "path": _ask_path, "objects": _ask_objects,
}


# "Where is TARGET at AT" under a model of how likely remembered placements still hold (the planners'
# one model, handed in by the composition root: scene_graph remembers, it does not model).
Locator = Callable[[Any, str, "float | None"], list[Any]]


def ask(memory: Any, request: MemoryRequest, locate: Locator | None = None) -> Any:
    """The memory's answer to `request` (KeyError/BadInputError from the memory propagate to the caller).

    `locate` answers the locate kind when given; without it, locate is the memory's remembered placements.
    """
    if request.kind == "locate" and locate is not None:
        return locate(memory, request.arguments[0], request.at)
    handler = REQUEST_KINDS.get(request.kind)
    if handler is None:
        raise BadInputError(f"kind: {request.kind!r} is not one of {sorted(REQUEST_KINDS)}")
    return handler(memory, request)


@dataclass
class QueryRequest:
    kind: str
    arguments: list[str] = field(default_factory=list)
    time: float | None = None
    time_end: float | None = None
    max_results: int = 0


@dataclass
class QueryAnswer:
    success: bool = True
    error: str = ""
    text: str = ""
    objects: list[Any] = field(default_factory=list)  # SceneObject or LocationBelief
    scores: list[float] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    value: float = math.nan
    labels: list[str] = field(default_factory=list)


def store_objects(store: Any, at: float | None = None, include_absent: bool = False) -> list[Any]:
    """`MemoryStore.objects(at, include_absent)`; falls back to `snapshot(at)` where an attribute shadows it."""
    method = getattr(type(store), "objects", None)
    if callable(method):
        return list(method(store, at=at, include_absent=include_absent))
    return list(store.snapshot(at).objects)


def _fmt_time(t: float | None) -> str:
    if t is None:
        return "never"
    try:
        from memory_stack.foundation.time_format import format_time

        return format_time(t)
    except Exception:  # time formatting is cosmetic
        return f"{t:.1f} s"


def _fmt_xyz(p: Any) -> str:
    return "(" + ", ".join(f"{float(v):.2f}" for v in p) + ")"


def _where(obj: Any) -> str:
    parts = []
    rests = getattr(obj, "rests_on_category", None) or getattr(obj, "rests_on", None)
    if rests:
        parts.append(f"on the {rests}")
    if getattr(obj, "room", None):
        parts.append(f"in the {obj.room}")
    parts.append(f"at {_fmt_xyz(obj.position)}")
    return " ".join(parts)


def _need(request: QueryRequest, count: int, names: str) -> list[str]:
    args = [a for a in request.arguments]
    if len(args) != count:
        raise BadInputError(f"arguments: {request.kind} needs {count} argument(s) ({names}), got {len(args)}")
    for i, a in enumerate(args):
        if not a.strip():
            raise BadInputError(f"arguments[{i}]: empty {names.split()[i] if i < len(names.split()) else 'value'}")
    return args


def _locate(store: Any, req: QueryRequest, limit: int, locate: Locator | None = None) -> QueryAnswer:
    (target,) = _need(req, 1, "TARGET")
    beliefs = ask(store, MemoryRequest("locate", (target,), at=req.time), locate)[:limit]
    if not beliefs:
        return QueryAnswer(text=f"I have not seen {target}.", value=math.nan)
    best = beliefs[0]
    text = f"{best.object_id or best.category} ({best.category}) is {_where(best)} " \
           f"(p={best.probability:.2f}, last seen {_fmt_time(best.last_seen)})"
    return QueryAnswer(text=text, objects=beliefs, scores=[float(b.probability) for b in beliefs])


def _history(store: Any, req: QueryRequest, limit: int) -> QueryAnswer:
    (object_id,) = _need(req, 1, "OBJECT_ID")
    history = ask(store, MemoryRequest("history", (object_id,), t0=req.time, t1=req.time_end))
    lines = [f"{object_id} ({history.category}):"]
    lines += [f"  {_fmt_time(loc.time)}: {_where(loc)}" for loc in history.locations]
    lines += [f"  {_fmt_time(e.time)}: {e.kind}" for e in history.events]
    labels = [f"{iv.start}:{'' if iv.end is None else iv.end}" for iv in history.intervals]
    return QueryAnswer(text="\n".join(lines), events=list(history.events), labels=labels)


def _changes(store: Any, req: QueryRequest, limit: int) -> QueryAnswer:
    """`changes ROOM`: moves, disappearances, state changes; `changes ROOM discoveries` adds first sightings."""
    if len(req.arguments) == 2 and req.arguments[1] == "discoveries":
        room, discoveries = req.arguments[0], True
    else:
        (room,), discoveries = _need(req, 1, "ROOM [discoveries]"), False
    t0 = req.time if req.time is not None else 0.0
    t1 = req.time_end if req.time_end is not None else math.inf
    events = ask(store, MemoryRequest("changes", (room,), t0=t0, t1=t1, include_discoveries=discoveries))
    text = f"{len(events)} change(s) in {room}" + "".join(
        f"\n  {_fmt_time(e.time)}: {e.category} {e.object_id} {e.kind}" for e in events)
    return QueryAnswer(text=text, events=list(events), value=float(len(events)))


def _contents(store: Any, req: QueryRequest, limit: int) -> QueryAnswer:
    (where,) = _need(req, 1, "RECEPTACLE_OR_ROOM")
    objects = ask(store, MemoryRequest("contents", (where,), at=req.time))
    text = f"{where}: " + (", ".join(f"{o.category} ({o.id})" for o in objects) if objects else "nothing I know of")
    return QueryAnswer(text=text, objects=list(objects)[:limit], scores=[float(o.confidence) for o in objects][:limit])


def _count(store: Any, req: QueryRequest, limit: int) -> QueryAnswer:
    kind, target = _need(req, 2, "EVENT_KIND TARGET")
    n = ask(store, MemoryRequest("count", (kind, target), t0=req.time, t1=req.time_end))
    return QueryAnswer(text=f"{target}: {kind} {n} time(s)", value=float(n))


def _first_seen(store: Any, req: QueryRequest, limit: int) -> QueryAnswer:
    (target,) = _need(req, 1, "TARGET")
    t = ask(store, MemoryRequest("first_seen", (target,)))
    return QueryAnswer(text=f"{target} first seen {_fmt_time(t)}", value=math.nan if t is None else float(t))


def _last_seen(store: Any, req: QueryRequest, limit: int) -> QueryAnswer:
    (target,) = _need(req, 1, "TARGET")
    t = ask(store, MemoryRequest("last_seen", (target,)))
    return QueryAnswer(text=f"{target} last seen {_fmt_time(t)}", value=math.nan if t is None else float(t))


def _search(store: Any, req: QueryRequest, limit: int) -> QueryAnswer:
    if not req.arguments:
        raise BadInputError("arguments: search needs the text to search for")
    text = " ".join(req.arguments)
    hits = ask(store, MemoryRequest("search", (text,), k=limit))
    answer = "; ".join(f"{o.category} ({o.id}) {score:.2f}" for o, score in hits) or "nothing matches"
    return QueryAnswer(text=answer, objects=[o for o, _ in hits], scores=[float(s) for _, s in hits])


def _path(store: Any, req: QueryRequest, limit: int) -> QueryAnswer:
    a, b = _need(req, 2, "FROM TO")
    places = ask(store, MemoryRequest("path", (a, b)))
    return QueryAnswer(text=" -> ".join(places) if places else f"no path from {a} to {b}", labels=list(places),
                       value=float(len(places)))


def _objects(store: Any, req: QueryRequest, limit: int) -> QueryAnswer:
    if req.arguments:
        raise BadInputError(f"arguments: objects takes no arguments, got {len(req.arguments)}")
    objects = ask(store, MemoryRequest("objects", at=req.time))
    return QueryAnswer(text=f"{len(objects)} object(s)", objects=list(objects)[:limit],
                       scores=[float(o.confidence) for o in objects][:limit], value=float(len(objects)))


QUERY_KINDS: dict[str, Callable[[Any, QueryRequest, int], QueryAnswer]] = {
    "locate": _locate, "history": _history, "changes": _changes, "contents": _contents, "count": _count,
    "first_seen": _first_seen, "last_seen": _last_seen, "search": _search, "path": _path, "objects": _objects,
}


def answer_query(store: Any, request: QueryRequest, locate: Locator | None = None) -> QueryAnswer:
    """Run one query; bad kinds/arguments come back as success=False with the argument named.

    `locate` is the model that answers the locate kind (see `ask`).
    """
    handler = QUERY_KINDS.get(request.kind)
    if handler is None:
        return QueryAnswer(success=False, error=f"kind: {request.kind!r} is not one of {sorted(QUERY_KINDS)}")
    if request.max_results < 0:
        return QueryAnswer(success=False, error=f"max_results: {request.max_results} must be >= 0")
    for name in ("time", "time_end"):
        value = getattr(request, name)
        if value is not None and not math.isfinite(value):
            return QueryAnswer(success=False, error=f"{name}: {value} is not a finite time")
    limit = request.max_results or DEFAULT_MAX_RESULTS
    try:
        if request.kind == "locate":
            return _locate(store, request, limit, locate)
        return handler(store, request, limit)
    except (BadInputError, KeyError, ValueError) as exc:
        message = str(exc).strip("'\"")
        if not message.startswith(("arguments", "kind", "time")):
            message = f"arguments: {message}"
        return QueryAnswer(success=False, error=message)
