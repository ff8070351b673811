"""Property: after random moves, removals, returns, ghosts and label flips, the memory holds the true objects.

Association + consolidation over rendered frames (shuffled per-frame order, position noise): the
number of remembered objects per category equals the truth and every true object has a remembered
one of its category within tolerance; receptacles are never duplicated.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from scene_graph.store import MemoryStore
from scene_graph.synthetic_frames import Box, render
from scene_graph.types import CameraIntrinsics, Observation

from .conftest import FLOOR_PLAN

TABLES = [(1.5, 1.0), (3.5, 1.0), (7.0, 1.5), (9.5, 3.5)]
SLOTS = [-0.35, 0.0, 0.35]
CATEGORIES = ["mug", "keys", "book"]
TOLERANCE_M = 0.15
K = CameraIntrinsics.from_hfov(48, 36, 70)


def _slot_position(slot: int) -> tuple[float, float, float]:
    table, s = divmod(slot, len(SLOTS))
    x, y = TABLES[table]
    return (x + SLOTS[s], y, 0.8)


action = st.one_of(
    st.tuples(st.just("move"), st.integers(0, 5), st.integers(0, len(TABLES) * len(SLOTS) - 1)),
    st.tuples(st.just("remove"), st.integers(0, 5)),
    st.tuples(st.just("return"), st.integers(0, 5), st.integers(0, len(TABLES) * len(SLOTS) - 1)),
    st.tuples(st.just("ghost"), st.integers(0, len(TABLES) - 1)),
    st.tuples(st.just("flip"), st.integers(0, len(TABLES) - 1)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(categories=st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=6),
       slots=st.permutations(range(len(TABLES) * len(SLOTS))),
       actions=st.lists(action, max_size=6), seed=st.integers(0, 1000))
def test_memory_recovers_true_objects(categories, slots, actions, seed):
    rng = np.random.default_rng(seed)
    tables = [Box("table", (x, y, 0.375), (0.6, 0.4, 0.375)) for x, y in TABLES]
    objects = {i: [c, slots[i], True] for i, c in enumerate(categories)}  # category, slot, present
    clock = itertools.count(1)
    frame_ids = itertools.count(1)
    store = MemoryStore.open(None, FLOOR_PLAN)

    def patrol(rounds: int, ghost_table: int | None = None, flip_table: int | None = None) -> None:
        for _ in range(rounds):
            for t, (x, y) in enumerate(TABLES):
                boxes = tables + [Box(c, _slot_position(s), (0.05, 0.05, 0.05)) for c, s, p in objects.values() if p]
                f = render(next(frame_ids), 10.0 * next(clock), (x, y + 1.8, 1.3), (x, y, 0.75), boxes, K,
                           max_range_m=4.0, rng=rng, position_noise_m=0.01)
                f.observations = [f.observations[i] for i in rng.permutation(len(f.observations))]
                if flip_table == t:  # one wrong label on one detection (label noise)
                    movable = [o for o in f.observations if o.category != "table"]
                    if movable:
                        movable[0].category = next(c for c in CATEGORIES if c != movable[0].category)
                    flip_table = None
                if ghost_table == t:
                    g = (x + rng.uniform(-0.5, 0.5), y + rng.uniform(-0.3, 0.3), 0.8)
                    f.observations.append(Observation(str(rng.choice(CATEGORIES)), g, tuple(np.subtract(g, 0.05)),
                                                      tuple(np.add(g, 0.05)), confidence=0.5))
                    ghost_table = None
                store.ingest(f)

    patrol(2)
    for act in actions:
        occupied = {s for c, s, p in objects.values() if p}
        if act[0] == "move" and act[1] in objects and objects[act[1]][2] and act[2] not in occupied:
            objects[act[1]][1] = act[2]
        elif act[0] == "remove" and act[1] in objects:
            objects[act[1]][2] = False
        elif act[0] == "return" and act[1] in objects and not objects[act[1]][2] and act[2] not in occupied:
            objects[act[1]][1], objects[act[1]][2] = act[2], True
        patrol(2, ghost_table=act[1] if act[0] == "ghost" else None,
               flip_table=act[1] if act[0] == "flip" else None)
    patrol(3)

    remembered = [o for o in store.objects() if not o.is_receptacle]
    truth = [(c, _slot_position(s)) for c, s, p in objects.values() if p]
    assert sorted(o.category for o in remembered) == sorted(c for c, _ in truth)
    assert len(store.receptacles()) == len(TABLES)
    if truth:
        cost = np.array([[np.linalg.norm(np.subtract(o.position, pos)) + (0 if o.category == c else 100)
                          for o in remembered] for c, pos in truth])
        rows, cols = linear_sum_assignment(cost)
        assert cost[rows, cols].max() < TOLERANCE_M, (truth, [(o.category, o.position) for o in remembered])
    for o in remembered:
        assert o.rests_on is not None and o.rests_on_category == "table"
    store.close()
