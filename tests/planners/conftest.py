"""Memories shared by the belief tests (the two-room household, quiet or with the mug's move seen); the chat stub."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chat_stub import chat_server  # noqa: E402, F401 - the stub chat-completions server of the reasoner tests
from household_memory import two_room_memory  # noqa: E402


@pytest.fixture
def quiet_memory():
    store, _ = two_room_memory()
    yield store
    store.close()


@pytest.fixture
def moved_memory():
    store, _ = two_room_memory(mug_moves_seen=True)
    yield store
    store.close()
