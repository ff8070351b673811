"""One dispatcher for memory requests: `memstack query` and the QueryMemory service both reach the memory through it."""

from __future__ import annotations

import pytest

from memory_stack.commands.query import run_query
from memory_stack.composition.assembly import where_is
from memory_stack.composition.stack_config import StackConfig
from memory_stack.foundation.errors import BadInputError
from perception.frame_processing import FrameProcessor
from perception.synthetic_stream import FLOOR_PLAN, synthetic_frames
from scene_graph import requests
from scene_graph.exchange_json import plain
from scene_graph.requests import MemoryRequest, QueryRequest, answer_query, ask
from scene_graph.store import MemoryStore


@pytest.fixture(scope="module")
def store():
    memory = MemoryStore.open(None, FLOOR_PLAN)
    processor = FrameProcessor()
    frames = list(synthetic_frames(24))
    for frame in frames:
        memory.ingest(processor.process(frame))
    yield memory, frames[0].time, frames[-1].time
    memory.close()


@pytest.fixture
def asked(monkeypatch):
    """The MemoryRequests that reach the dispatcher, in order."""
    seen: list[MemoryRequest] = []
    for kind, handler in dict(requests.REQUEST_KINDS).items():
        monkeypatch.setitem(requests.REQUEST_KINDS, kind,
                            lambda memory, request, handler=handler: seen.append(request) or handler(memory, request))
    return seen


def test_the_command_and_the_service_send_the_same_request_and_get_the_same_memory(store, asked):
    memory, first, last = store
    located: list[tuple] = []

    def model(memory, target, at):
        located.append((target, at))
        return where_is(StackConfig())(memory, target, at)

    cli = run_query(memory, "locate", ["mug"], at=last)
    service = answer_query(memory, QueryRequest("locate", ["mug"], time=last), model)
    assert located == [("mug", last)] and asked == []  # locate is the model's, not the bare memory's
    assert cli == plain(service.objects) and cli[0]["category"] == "mug"
    assert [b.source for b in service.objects] != ["memory"]  # memory alone has no alternative places
    bare = answer_query(memory, QueryRequest("locate", ["mug"], time=last))
    assert asked == [MemoryRequest("locate", ("mug",), at=last)]
    assert [b.source for b in bare.objects] == ["memory"] and bare.objects[0].probability == 1.0

    asked.clear()
    cli_count = run_query(memory, "count", ["appeared", "mug"], since=first, until=last)
    service_count = answer_query(memory, QueryRequest("count", ["appeared", "mug"], time=first, time_end=last))
    assert asked == [MemoryRequest("count", ("appeared", "mug"), t0=first, t1=last)] * 2
    assert cli_count == service_count.value == 1


def test_each_kind_is_the_memory_call_with_the_request_operands(store):
    memory, first, last = store
    mug_id = memory.locate("mug")[0].object_id
    assert ask(memory, MemoryRequest("history", (mug_id,), t0=first, t1=last)) == memory.history(mug_id, first, last)
    assert ask(memory, MemoryRequest("changes", ("kitchen",), t0=0.0, t1=last, include_discoveries=True)) \
        == memory.changes("kitchen", 0.0, last, include_discoveries=True)
    assert ask(memory, MemoryRequest("changes", ("kitchen",), t0=0.0, t1=last)) == []
    assert ask(memory, MemoryRequest("contents", ("counter",), at=last)) == memory.contents("counter", at=last)
    assert ask(memory, MemoryRequest("first_seen", ("mug",))) == memory.first_seen("mug")
    assert ask(memory, MemoryRequest("last_seen", ("mug",))) == memory.last_seen("mug")
    assert ask(memory, MemoryRequest("path", ("kitchen", "living_room"))) == memory.path("kitchen", "living_room")
    assert len(ask(memory, MemoryRequest("search", ("mug",), k=2))) == 2
    assert ask(memory, MemoryRequest("objects", at=first - 10.0)) == []
    assert len(ask(memory, MemoryRequest("objects", at=last))) == 6


def test_an_unknown_kind_is_refused_with_the_kinds_named(store):
    with pytest.raises(BadInputError, match="kind: 'teleport' is not one of .*locate"):
        ask(store[0], MemoryRequest("teleport", ("mug",)))
