"""Label fusion: detections of one physical object under noisy labels vote on one track (Hydra/ConceptGraphs style)."""

from __future__ import annotations

import dataclasses

from scene_graph.store import MemoryStore
from scene_graph.synthetic_frames import Box

from .conftest import FLOOR_PLAN


def _seen_as(world, store, name: str, label: str, confidence: float, drop: tuple[str, ...] = ()):
    """One table-view frame in which the detector calls box `name` `label` (at `confidence`)."""
    frame = world.frame("table")
    true_category = world.boxes[name].category
    obs = []
    for o in frame.observations:
        if o.category in drop:
            continue
        if o.category == true_category:
            o = dataclasses.replace(o, category=label, confidence=confidence)
        obs.append(o)
    frame.observations = obs
    return store.ingest(frame)


def _small_things(store):
    return [o for o in store.objects(include_tentative=True) if not o.is_receptacle]


def test_noisy_labels_on_one_object_make_one_track_with_the_majority_category(world, store):
    # a flipped label comes with a low confidence; the first sighting is a flip (so the track starts as "orange")
    for label, conf in [("orange", 0.5), ("keys", 0.9), ("orange", 0.5), ("keys", 0.9), ("orange", 0.5),
                        ("keys", 0.9)]:
        _seen_as(world, store, "keys", label, conf)
    things = _small_things(store)
    assert len(things) == 1, things
    assert things[0].category == "keys" and not things[0].tentative
    assert [b.object_id for b in store.locate("keys")] == [things[0].id]
    assert store.locate("orange") == []
    votes = store.tracks[things[0].id].votes
    assert votes["keys"] > votes["orange"] > 0


def test_a_confirmed_object_changes_category_once_the_votes_clearly_favour_another(world, store):
    _seen_as(world, store, "keys", "orange", 0.95)  # decisive: confirmed at once, as an orange
    (first,) = _small_things(store)
    assert first.category == "orange" and not first.tentative
    _seen_as(world, store, "keys", "keys", 0.9)  # 0.9 against 0.95: not clear, tolerated as a conflict
    assert [o.category for o in _small_things(store)] == ["orange"]
    _seen_as(world, store, "keys", "keys", 0.9)  # 1.8 against 0.95: still short of twice as many
    _seen_as(world, store, "keys", "keys", 0.9)  # 2.7: clearly keys
    things = _small_things(store)
    assert [(o.id, o.category) for o in things] == [(first.id, "keys")]
    assert [f.object for f in store.facts(subject=first.id, predicate="is_a")] == ["keys"]


def test_a_different_object_next_to_it_keeps_its_own_track(world, store):
    world.boxes["orange"] = Box("orange", (8.3, 2.5, 0.79), (0.04, 0.04, 0.04))
    for label, conf in [("keys", 0.9), ("orange", 0.5), ("keys", 0.9), ("keys", 0.9), ("orange", 0.5)]:
        _seen_as(world, store, "keys", label, conf)
    cats = sorted(o.category for o in _small_things(store))
    assert cats == ["keys", "orange"]


def test_a_thing_lying_on_another_is_not_a_label_vote(world, store):
    # keys on a book: centres 4 cm apart, but the boxes do not overlap; the keys seen only after the book
    world.boxes["book"] = Box("book", (8.0, 2.5, 0.77), (0.1, 0.07, 0.02))
    world.boxes["keys"].centre = (8.0, 2.5, 0.81)
    _seen_as(world, store, "book", "book", 0.6, drop=("keys",))
    _seen_as(world, store, "book", "book", 0.6, drop=("keys",))
    _seen_as(world, store, "keys", "keys", 0.6, drop=("book",))
    cats = sorted(o.category for o in _small_things(store))
    assert cats == ["book", "keys"]


def test_label_votes_survive_reopening(tmp_path, world):
    path = tmp_path / "memory.db"
    with MemoryStore.open(path, FLOOR_PLAN) as store:
        for label, conf in [("orange", 0.5), ("keys", 0.9), ("orange", 0.5)]:
            _seen_as(world, store, "keys", label, conf)
        (thing,) = _small_things(store)
        votes = dict(store.tracks[thing.id].votes)
    assert set(votes) == {"keys", "orange"}
    with MemoryStore.open(path) as store:
        assert store.tracks[thing.id].votes == votes
        assert store.get_object(thing.id).category == "keys"
        _seen_as(world, store, "keys", "orange", 0.5)  # votes go on from the saved ones
        assert store.tracks[thing.id].votes["orange"] == votes["orange"] + 0.5
        assert [o.category for o in _small_things(store)] == ["keys"]


def test_a_flipped_label_on_another_thing_does_not_move_the_object_it_names(world, store):
    # a book half a metre from the keys, called "keys" in a frame that missed the real keys: a vote on the
    # book, not the keys moved onto the book
    world.boxes["book"] = Box("book", (8.45, 2.5, 0.77), (0.1, 0.07, 0.02))
    for _ in range(2):
        _seen_as(world, store, "keys", "keys", 0.9)
    (keys,) = [o for o in _small_things(store) if o.category == "keys"]
    result = _seen_as(world, store, "book", "keys", 0.5, drop=("keys",))
    assert keys.id not in result.matched
    assert [e.kind for e in store.history(keys.id).events] == ["appeared"]
    assert abs(store.get_object(keys.id).position[0] - 8.0) < 0.01
    assert sorted(o.category for o in _small_things(store)) == ["book", "keys"]


def test_a_track_begun_under_a_flipped_label_is_recognised_as_the_missing_object(world, store):
    for _ in range(2):
        _seen_as(world, store, "keys", "keys", 0.9)
    (keys,) = [o for o in _small_things(store) if o.category == "keys"]
    world.boxes["keys"].centre = (1.2, 0.5, 0.92)  # carried to the counter
    world.look(store, "table", times=3)
    assert store.get_object(keys.id, at=world.time) is None or not store.get_object(keys.id).present
    frame = world.frame("counter")
    frame.observations = [dataclasses.replace(o, category="book", confidence=0.5) if o.category == "keys" else o
                          for o in frame.observations]
    store.ingest(frame)  # first seen there as a "book": a tentative track
    world.look(store, "counter", times=1)
    things = [o for o in _small_things(store) if o.category == "keys"]
    assert [o.id for o in things] == [keys.id]  # the keys, moved; not a second keys track
    assert things[0].rests_on is not None and things[0].rests_on.startswith("counter")
