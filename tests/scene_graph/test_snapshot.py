"""snapshot(t) equals a straightforward reconstruction from each object's intervals, locations and states."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest

from bench.query_benchmark import SyntheticBuilding, build_memory
from scene_graph.records import SceneObject, SnapshotObjects
from scene_graph.store import MemoryStore
from scene_graph.tracking.object_tracks import TENTATIVE


def _reference(store: MemoryStore, t: float) -> dict[str, SceneObject]:
    out = {}
    for o in store.tracks.values():
        if o.status == TENTATIVE:
            continue
        ivs = [iv for iv in o.intervals if iv.start <= t]
        locs = [loc for loc in o.locations if loc.time <= t]
        if not ivs or not locs:
            continue
        iv = max(ivs, key=lambda v: v.start)
        if iv.end is not None and iv.end <= t:
            continue
        loc = max(locs, key=lambda v: v.time)
        states = [s for s in o.states if s.time <= t]
        off_min, off_max = o.bbox_min - o.position, o.bbox_max - o.position
        xyz = np.asarray(loc.position, dtype=float)
        out[o.id] = SceneObject(o.id, o.category, tuple(loc.position), tuple((xyz + off_min).tolist()),
                                tuple((xyz + off_max).tolist()), loc.room, loc.rests_on, loc.rests_on_category,
                                max(states, key=lambda s: s.time).state if states else None, o.confidence,
                                o.first_seen, min(iv.last_seen, t), True, o.is_receptacle)
    return out


@pytest.fixture(scope="module")
def changing_memory(tmp_path_factory):
    world = SyntheticBuilding(80, seed=3)
    store = MemoryStore.open(tmp_path_factory.mktemp("snap") / "m.db", world.floor_plan)
    build_memory(store, world, days=3, patrols_per_day=3, moves_per_day=9, removals_per_day=3,
                 toggles_per_patrol=2)
    yield store
    store.close()


def _times(store: MemoryStore, n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    edges = sorted({x for o in store.tracks.values() for x in
                    [*(iv.start for iv in o.intervals), *(iv.end for iv in o.intervals if iv.end is not None),
                     *(loc.time for loc in o.locations), *(s.time for s in o.states)]})
    picks = [rng.uniform(0.0, store.now) for _ in range(n)] + rng.sample(edges, min(n, len(edges)))
    return picks + [e + d for e in rng.sample(edges, min(n, len(edges))) for d in (-1e-6, 1e-6)]


def test_snapshot_matches_reference_reconstruction(changing_memory):
    store = changing_memory
    assert store.events(kinds=["moved"]) and store.events(kinds=["disappeared"])  # the memory really changed
    sizes = set()
    for t in _times(store, 40, seed=1):
        if t >= store.now:
            continue
        snap = store.snapshot(t)
        expected = _reference(store, t)
        got = {o.id: o for o in snap.objects}
        assert len(got) == len(snap.objects), f"duplicate ids at t={t}"
        assert got.keys() == expected.keys(), f"t={t}"
        for oid, obj in got.items():
            ref = expected[oid]
            for name in SceneObject.__slots__:
                a, b = getattr(obj, name), getattr(ref, name)
                if name in ("position", "bbox_min", "bbox_max"):
                    assert np.allclose(a, b, atol=1e-9), (t, oid, name, a, b)
                else:
                    assert a == b, (t, oid, name, a, b)
                    assert type(a) is type(b) or a is None or b is None, (t, oid, name, type(a), type(b))
        sizes.add(len(got))
    assert len(sizes) > 1  # different times saw different worlds


def test_snapshot_objects_behave_like_a_list(changing_memory):
    store = changing_memory
    t = store.now * 0.6
    snap = store.snapshot(t)
    objs = snap.objects
    assert isinstance(objs, SnapshotObjects) and len(objs) > 10
    singles = [objs[i] for i in range(len(objs))]  # built one at a time, before the whole list exists
    assert objs[-1] == singles[-1]
    with pytest.raises(IndexError):
        objs[len(objs)]
    full = list(objs)
    assert full == singles and objs == full and full == objs
    assert objs[1:3] == full[1:3] and objs[0] is full[0]  # once built, the same objects are handed out
    assert type(full[0].position[0]) is float and type(full[0].last_seen) is float
    assert snap.by_id() == {o.id: o for o in full}
    assert store.snapshot(t).objects == objs
    assert pickle.loads(pickle.dumps(store.snapshot(t))).objects == full  # crosses process boundaries intact
    assert store.snapshot(1e-9).objects == [] and len(store.snapshot(1e-9).objects) == 0


def test_a_lazy_snapshot_keeps_its_time_after_the_memory_changes(tmp_path):
    world = SyntheticBuilding(20, seed=5)
    store = MemoryStore.open(tmp_path / "m.db", world.floor_plan)
    try:
        build_memory(store, world, days=2, patrols_per_day=2, moves_per_day=4, removals_per_day=2,
                     toggles_per_patrol=1)
        t = store.now * 0.7
        lazy = store.snapshot(t).objects  # not built yet
        expected = _reference(store, t)
        build_memory(store, world, days=1, patrols_per_day=2, moves_per_day=6, removals_per_day=2,
                     toggles_per_patrol=1, first_day=2)  # new records, index rebuilt
        assert {o.id: o for o in lazy}.keys() == expected.keys()
        assert [o.position for o in lazy] == [expected[o.id].position for o in lazy]
        assert {o.id: o for o in store.snapshot(t).objects}.keys() == expected.keys()
    finally:
        store.close()
