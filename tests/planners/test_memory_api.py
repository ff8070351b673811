"""The planners' memory protocols match scene_graph.MemoryStore: a rename on either side fails here."""

from __future__ import annotations

import inspect

import pytest

from planners.memory_api import MemoryReader, MemoryWriter
from scene_graph.store import MemoryStore


def members(protocol: type) -> dict[str, object]:
    """What a protocol asks for: its own methods and properties (inherited ones included)."""
    found: dict[str, object] = {}
    for klass in reversed(protocol.__mro__):
        if klass is object or klass.__name__ in ("Protocol", "Generic"):
            continue
        for name, value in vars(klass).items():
            if not name.startswith("_") and (callable(value) or isinstance(value, property)):
                found[name] = value
    return found


def accepts(store_method: object, protocol_method: object) -> list[str]:
    """Why a MemoryStore method cannot stand in for the protocol's (empty: it can)."""
    wanted = inspect.signature(protocol_method)
    given = inspect.signature(store_method)
    problems = []
    for name, param in wanted.parameters.items():
        if name == "self":
            continue
        other = given.parameters.get(name)
        if other is None:
            problems.append(f"no parameter {name!r}")
        elif other.kind != param.kind:
            problems.append(f"{name!r} is {other.kind.description}, protocol says {param.kind.description}")
        elif (param.default is inspect.Parameter.empty) != (other.default is inspect.Parameter.empty):
            problems.append(f"{name!r}: default differs in presence")
        elif param.default is not inspect.Parameter.empty and param.default != other.default:
            problems.append(f"{name!r}: default {other.default!r}, protocol says {param.default!r}")
    for name, other in given.parameters.items():
        if name != "self" and name not in wanted.parameters and other.default is inspect.Parameter.empty \
                and other.kind not in (other.VAR_POSITIONAL, other.VAR_KEYWORD):
            problems.append(f"extra required parameter {name!r}")
    return problems


def test_the_protocols_list_what_the_planners_use():
    reader = set(members(MemoryReader))
    assert {"objects", "receptacles", "events", "locate", "location_prior", "move_rate", "floor_plan",
            "ontology"} <= reader
    assert set(members(MemoryWriter)) - reader == {"ingest", "record_manipulation", "begin_episode", "end_episode"}


@pytest.mark.parametrize("protocol", [MemoryReader, MemoryWriter], ids=lambda p: p.__name__)
def test_every_protocol_method_exists_on_the_store_with_a_compatible_signature(protocol):
    for name, wanted in members(protocol).items():
        if isinstance(wanted, property):
            continue
        store_method = getattr(MemoryStore, name, None)
        assert store_method is not None, f"MemoryStore has no {name}()"
        assert not accepts(store_method, wanted), f"MemoryStore.{name}: {accepts(store_method, wanted)}"


def test_an_open_store_is_a_memory_writer_with_the_attributes_the_planners_read():
    store = MemoryStore.open(None)
    try:
        assert isinstance(store, MemoryReader) and isinstance(store, MemoryWriter)
        for name, wanted in members(MemoryReader).items():
            if isinstance(wanted, property):
                assert hasattr(store, name), f"MemoryStore has no attribute {name}"
    finally:
        store.close()


def test_the_signature_check_catches_a_renamed_parameter():
    class Renamed:
        def objects(self, when: float | None = None, include_absent: bool = False,
                    include_tentative: bool = False) -> list:
            return []

    assert accepts(Renamed.objects, MemoryReader.objects) == ["no parameter 'at'"]


def test_something_missing_a_method_is_not_a_memory_reader():
    class Partial:
        floor_plan = None
        ontology = None

        def objects(self, at=None, include_absent=False, include_tentative=False):
            return []

    assert not isinstance(Partial(), MemoryReader)
