"""Replay and resume never ingest a frame twice: what the memory holds is skipped, frame ids continue."""

from __future__ import annotations

import pytest

from memory_node.session_recording import SessionRecorder
from memory_node.session_replay import replay_bag
from perception.synthetic_stream import FLOOR_PLAN, synthetic_frames
from scene_graph.store import MemoryStore


def record(path, frames):
    with SessionRecorder(path, floor_plan=FLOOR_PLAN) as recorder:
        for sf in frames:
            recorder.write_frame(sf)
    return path


@pytest.fixture(scope="module")
def frames():
    return list(synthetic_frames(12, period_s=0.5))


def _sightings(store):
    return sorted((o.id, o.sightings) for o in store.tracks.values())


def test_a_bag_replayed_twice_is_stored_once(frames, tmp_path):
    bag = record(tmp_path / "s.mcap", frames)
    with MemoryStore.open(tmp_path / "m.db", FLOOR_PLAN) as store:
        first = replay_bag(bag, store)
        assert first.frames_ingested == len(frames) and first.frames_already_stored == 0
        before = (_sightings(store), store.last_frame_id, store.frames_stored, len(store.events()))
        again = replay_bag(bag, store)
        assert again.frames_ingested == 0 and again.frames_already_stored == len(frames)
        assert (_sightings(store), store.last_frame_id, store.frames_stored, len(store.events())) == before


def test_a_resumed_replay_skips_what_is_stored_and_continues_the_frame_ids(frames, tmp_path):
    bag = record(tmp_path / "all.mcap", frames)
    with MemoryStore.open(tmp_path / "m.db", FLOOR_PLAN) as store:
        replay_bag(record(tmp_path / "first_half.mcap", frames[:7]), store)
        assert store.last_frame_id == 7
    with MemoryStore.open(tmp_path / "m.db") as store:  # the memory is re-opened, as after a crash
        report = replay_bag(bag, store)
        assert report.frames_already_stored == 7 and report.frames_ingested == len(frames) - 7
        assert store.last_frame_id == len(frames) and store.frames_stored == len(frames)
    with MemoryStore.open(tmp_path / "whole.db", FLOOR_PLAN) as whole:
        replay_bag(bag, whole)
        expected = _sightings(whole)
    with MemoryStore.open(tmp_path / "m.db", read_only=True) as resumed:
        assert _sightings(resumed) == expected  # the same memory as one replay of the whole bag


def test_a_different_frame_at_the_last_stored_stamp_is_not_taken_for_it(frames, tmp_path):
    from perception.frame_processing import FrameProcessor

    processor = FrameProcessor()
    with MemoryStore.open(tmp_path / "m.db", FLOOR_PLAN) as store:
        last = processor.process(frames[3])
        store.ingest(last)
        assert store.is_last_stored(processor.process(frames[3]))
        other = processor.process(frames[3])
        other.observations = other.observations[:-1]  # the same stamp and view, another detection set
        assert other.observations != last.observations and not store.is_last_stored(other)
        later = processor.process(frames[4])
        assert not store.is_last_stored(later)


def test_an_empty_bag_is_an_error_and_the_memory_is_left_as_it_was(frames, tmp_path):
    from memory_stack.foundation.errors import BadInputError

    empty = record(tmp_path / "empty.mcap", [])
    with MemoryStore.open(tmp_path / "m.db", FLOOR_PLAN) as store:
        replay_bag(record(tmp_path / "some.mcap", frames[:3]), store)
        before = (_sightings(store), store.last_frame_id, store.frames_stored)
        with pytest.raises(BadInputError, match="empty.mcap: the bag holds no messages"):
            replay_bag(empty, store)
        assert (_sightings(store), store.last_frame_id, store.frames_stored) == before
