"""Memory quality found end to end: manipulation, negative evidence at range, state hysteresis, furniture."""

from __future__ import annotations

import numpy as np
import pytest

from memory_stack.foundation.errors import BadInputError
from scene_graph.config import MemoryConfig
from scene_graph.spatial_index import find_support
from scene_graph.store import MemoryStore
from scene_graph.synthetic_frames import Box, render
from scene_graph.types import CameraIntrinsics, Observation
from scene_graph.visibility import miss_weights

from .conftest import FLOOR_PLAN, BoxWorld


def _ids(store, category):
    return [o.id for o in store.objects() if o.category == category]


# ---------------------------------------------------------------- 5. the robot's own pick and place
def test_record_manipulation_moves_the_object_without_a_duplicate(world, store, tmp_path):
    world.look(store, "counter", "table")
    mug_id = _ids(store, "mug")[0]
    table_id = _ids(store, "table")[0]
    world.boxes["mug"].centre = (8.2, 2.45, 0.80)  # the arm put it on the table
    ev = store.record_manipulation(mug_id, (8.2, 2.45, 0.80), world.time + 60.0, frame_ids=(99,))
    assert ev.kind == "moved" and ev.provenance == "manipulation" and ev.frame_ids == (99,)
    assert ev.to_place == table_id
    best = store.locate("mug")[0]
    assert best.object_id == mug_id and best.rests_on == table_id and best.room == "living_room"
    hist = store.history(mug_id)
    assert len(hist.intervals) == 1 and hist.intervals[0].end is None, "it never left the house"
    assert [loc.rests_on for loc in hist.locations][-1] == table_id
    assert [o.id for o in store.contents(table_id) if o.category == "mug"] == [mug_id]
    world.time += 120.0
    results = world.look(store, "table", "counter", times=2)
    assert _ids(store, "mug") == [mug_id], "a later sighting at the new place is the same mug"
    assert any(mug_id in r.matched for r in results)
    assert store.count("moved", "mug") == 1 and store.count("disappeared", "mug") == 0


def test_record_manipulation_folds_a_sighting_made_before_it_was_recorded(world, store):
    world.look(store, "counter", "table")
    mug_id = _ids(store, "mug")[0]
    world.time += 60.0
    world.boxes["mug"].centre = (8.2, 2.45, 0.80)
    world.look(store, "table", times=2)  # the executor's frames saw the placed mug first
    store.record_manipulation(mug_id, (8.2, 2.45, 0.80), world.time)
    mugs = store.objects(include_absent=True)
    assert [o.id for o in mugs if o.category == "mug"] == [mug_id]
    assert store.count("appeared", "mug") == 1 and store.count("moved", "mug") == 1
    world.look(store, "counter", "table", times=2)
    assert [o.id for o in store.objects(include_absent=True) if o.category == "mug"] == [mug_id]
    assert store.locate("mug")[0].present


def test_record_manipulation_persists_and_rejects_bad_input(world, tmp_path):
    path = tmp_path / "m.db"
    with MemoryStore.open(path, FLOOR_PLAN) as s:
        world.look(s, "counter", "table")
        mug_id = _ids(s, "mug")[0]
        counter_id = _ids(s, "counter")[0]
        before = s.history(mug_id)
        with pytest.raises(BadInputError, match="no_such"):
            s.record_manipulation("no_such_object", (1, 1, 1), world.time)
        with pytest.raises(BadInputError, match="position"):
            s.record_manipulation(mug_id, (1.0, float("nan"), 1.0), world.time)
        with pytest.raises(BadInputError, match="furniture"):
            s.record_manipulation(counter_id, (1, 1, 1), world.time)
        assert s.history(mug_id) == before, "a rejected call changes nothing"
        s.record_manipulation(mug_id, (8.2, 2.45, 0.80), world.time + 5.0)
    with MemoryStore.open(path, FLOOR_PLAN) as s:
        moved = s.events(kinds=["moved"])
        assert len(moved) == 1 and moved[0].provenance == "manipulation"
        assert s.locate("mug")[0].rests_on == _ids(s, "table")[0]


# ---------------------------------------------------------------- 6. ontology synonyms
def test_parcel_and_package_name_a_box(store):
    onto = store.ontology
    assert onto.canonical("parcel") == "box" and onto.canonical("package") == "box"
    assert onto.canonical("parcels") == "box"


# ---------------------------------------------------------------- 2. state hysteresis
def test_a_single_frame_of_open_is_not_a_state_change(world, store):
    world.look(store, "fridge")
    fridge = _ids(store, "fridge")[0]
    for _ in range(3):  # a door seen edge-on reads "open" in one frame, then "closed" again
        world.set_open("fridge", True)
        world.look(store, "fridge", times=1)
        world.set_open("fridge", False)
        world.look(store, "fridge", times=2)
    assert store.count("state_changed", fridge) == 0 and store.count("opened", "fridge") == 0
    assert store.get_object(fridge).state == "closed"
    assert [s.state for s in store.history(fridge).states] == ["closed"]


def test_a_real_opening_seen_twice_is_one_event_at_its_first_sighting(world, store):
    world.look(store, "fridge")
    fridge = _ids(store, "fridge")[0]
    world.set_open("fridge", True)
    first = world.look(store, "fridge", times=1)[0]
    assert store.count("opened", "fridge") == 0, "one frame is not enough yet"
    t_first = world.time
    second = world.look(store, "fridge", times=1)[0]
    opened = store.events(kinds=["state_changed"], target=fridge)
    assert [(e.old_state, e.new_state) for e in opened] == [("closed", "open")]
    assert opened[0].time == t_first and len(second.events) == 1
    assert set(opened[0].frame_ids) == {first.frame_id, second.frame_id}
    assert store.get_object(fridge, at=t_first).state == "open"
    assert store.get_object(fridge, at=t_first - 1.0).state == "closed"
    world.look(store, "fridge", times=3)
    assert store.count("opened", "fridge") == 1


# ---------------------------------------------------------------- 1. negative evidence at range / tiny projections
def _realistic_world():
    """The box world seen by the simulator's camera (320x240, 70 degrees) and default memory config."""
    world = BoxWorld(CameraIntrinsics.from_hfov(320, 240, 70), detector_min_pixels=8)
    world.boxes["keys"].half = (0.04, 0.02, 0.01)  # keys: 8 x 4 x 2 cm, as in the simulated house
    return world


def test_tiny_far_object_is_not_missed_through_a_doorway():
    world = _realistic_world()
    with MemoryStore.open(None, FLOOR_PLAN) as store:
        world.look(store, "table", "counter")
        keys = _ids(store, "keys")[0]
        # from the kitchen, looking through the doorway at the coffee table 5 m away: the keys cover
        # about 2 x 1 pixels, which no detector reports; the table itself is seen
        for _ in range(4):
            world.time += 5.0
            f = render(next(world.frame_ids), world.time, (3.0, 2.4, 1.3), (8.0, 2.5, 0.75),
                       list(world.boxes.values()), world.intrinsics, max_range_m=6.0)
            f.observations = [o for o in f.observations if o.category != "keys"]  # too small to detect
            f.detector_min_pixels = None  # the memory's default: perception's minimum mask size
            assert any(o.category == "table" for o in f.observations)
            store.ingest(f)
        assert store.count("disappeared", "keys") == 0
        assert store.locate("keys")[0].object_id == keys and store.locate("keys")[0].present
        # up close, not seeing them is evidence: they were taken away
        del world.boxes["keys"]
        world.look(store, "table", times=3)
        assert store.count("disappeared", "keys") == 1 and not store.get_object(keys).present


def test_small_object_on_the_edge_of_reliable_range_counts_by_its_projected_size():
    world = _realistic_world()
    cfg = MemoryConfig()
    assert cfg.min_miss_pixels == 8 * cfg.miss_pixel_safety_factor
    f = render(1, 0.0, (8.0, 4.6, 1.3), (8.0, 2.5, 0.7), [], world.intrinsics)
    centre = np.array([[8.0, 2.5, 0.77], [8.0, 2.5, 0.77]])
    half = np.array([[0.04, 0.02, 0.01], [0.4, 0.3, 0.2]])
    w = miss_weights(centre, f, 0.2, 0.05, 0.3, 0.5, centre - half, centre + half, cfg.min_miss_pixels, 5.0)
    assert w.tolist() == [1.0, 1.0], "2.2 m away both are large enough"
    f = render(2, 0.0, (8.0, 8.5, 1.3), (8.0, 2.5, 0.7), [], world.intrinsics, max_range_m=8.0)
    w = miss_weights(centre, f, 0.2, 0.05, 0.3, 0.5, centre - half, centre + half, cfg.min_miss_pixels, 8.0)
    assert w.tolist() == [0.0, 1.0], "6 m away the keys are a few pixels, the box is not"
    w = miss_weights(centre, f, 0.2, 0.05, 0.3, 0.5, centre - half, centre + half, cfg.min_miss_pixels, 5.0)
    assert w.tolist() == [0.0, 0.0], "beyond the reliable range nothing counts"


def test_depth_check_samples_the_projected_box_not_its_centre_pixel():
    k = CameraIntrinsics.from_hfov(320, 240, 70)
    # a thin post right in front of the box's centre hides one pixel column, not the box
    post = Box("post", (0.0, 2.0, 1.0), (0.01, 0.01, 1.0))
    f = render(1, 0.0, (0.0, 0.0, 1.0), (0.0, 1.0, 1.0), [post], k, max_range_m=6.0)
    centre = np.array([[0.0, 3.0, 1.0]])
    half = np.array([[0.4, 0.2, 0.3]])
    assert miss_weights(centre, f, 0.2, 0.05, 0.3, 0.5).tolist() == [0.0], "centre pixel alone: occluded"
    assert miss_weights(centre, f, 0.2, 0.05, 0.3, 0.5, centre - half, centre + half, 32.0).tolist() == [1.0]
    wall = Box("wall", (0.0, 2.0, 1.0), (1.0, 0.05, 1.0))
    f = render(2, 0.0, (0.0, 0.0, 1.0), (0.0, 1.0, 1.0), [wall], k, max_range_m=6.0)
    assert miss_weights(centre, f, 0.2, 0.05, 0.3, 0.5, centre - half, centre + half, 32.0).tolist() == [0.0]


# ---------------------------------------------------------------- 4. support of small things on large surfaces
def test_support_tolerates_a_perceived_box_leaking_below_the_surface():
    table_min, table_max = np.array([[7.4, 2.1, 0.0]]), np.array([[8.6, 2.9, 0.75]])
    # a mug near the table's edge whose perceived box took in table-edge depth: bottom 0.3 m under the top
    mug = np.array([8.56, 2.6, 0.86]), np.array([8.52, 2.55, 0.45]), np.array([8.66, 2.65, 0.93])
    assert find_support(mug[0], mug[1], table_min, table_max, 0.15, 0.25, mug[2]) == 0
    # a small object whose centre is just past the (perceived) edge but whose footprint overlaps it
    keys = np.array([8.78, 2.5, 0.77]), np.array([8.72, 2.48, 0.76]), np.array([8.84, 2.52, 0.78])
    assert find_support(keys[0], keys[1], table_min, table_max, 0.15, 0.25, keys[2]) == 0
    under = np.array([8.0, 2.5, 0.3]), np.array([7.95, 2.45, 0.25]), np.array([8.05, 2.55, 0.35])
    assert find_support(under[0], under[1], table_min, table_max, 0.15, 0.25, under[2]) == 0, "inside its box"
    floor = np.array([9.2, 2.5, 0.05]), np.array([9.15, 2.45, 0.0]), np.array([9.25, 2.55, 0.1])
    assert find_support(floor[0], floor[1], table_min, table_max, 0.15, 0.25, floor[2]) == -1


def test_an_object_found_resting_on_nothing_is_attached_once_the_surface_box_settles(world, store):
    world.boxes["mug"].centre = (8.55, 2.5, 0.80)
    # the first views of the table are cut at its far end: its remembered box stops at x = 8.3
    cut = Observation("table", (7.85, 2.5, 0.375), (7.4, 2.1, 0.0), (8.3, 2.9, 0.75))
    for _ in range(2):
        f = world.frame("table")
        f.observations = [o for o in f.observations if o.category != "table"] + [cut]
        store.ingest(f)
    assert store.locate("mug")[0].rests_on is None, "0.2 m past the edge of what was seen of the table"
    world.look(store, "table", times=4)  # full views: the table's box grows to its true size
    mug = store.locate("mug")[0]
    table = _ids(store, "table")
    assert len(table) == 1 and mug.rests_on == table[0] and mug.rests_on_category == "table"
    assert sorted(o.category for o in store.contents(table[0])) == ["keys", "mug"]
    assert store.history(mug.object_id).locations[-1].rests_on == table[0]


# ---------------------------------------------------------------- 3. furniture seen in parts
def _counter_views(world, store, parts, times=2):
    """Frames of the counter where perception saw only `parts` (border-cut boxes) instead of the whole."""
    for _ in range(times):
        f = world.frame("counter")
        f.observations = [o for o in f.observations if o.category != "counter"] + list(parts)
        store.ingest(f)


def test_a_partial_view_at_the_end_of_long_furniture_extends_it(world, store):
    world.boxes["counter"] = Box("counter", (1.5, 0.5, 0.45), (1.0, 0.3, 0.45))  # 2 m long
    left = Observation("counter", (1.1, 0.5, 0.45), (0.5, 0.2, 0.0), (1.7, 0.8, 0.9), partial=True)
    _counter_views(world, store, [left])
    counters = [o for o in store.objects() if o.category == "counter"]
    assert len(counters) == 1
    keep = counters[0].id
    # the far end, seen cut by the image border: 1.5 m from the remembered centre, beyond the match gate
    right = Observation("counter", (2.3, 0.5, 0.45), (2.0, 0.2, 0.0), (2.5, 0.8, 0.9), partial=True)
    _counter_views(world, store, [right], times=3)
    counters = [o for o in store.objects(include_absent=True) if o.category == "counter"]
    assert [o.id for o in counters] == [keep], "one counter, the first id kept"
    assert counters[0].bbox_min[0] == pytest.approx(0.5, abs=0.02)
    assert counters[0].bbox_max[0] == pytest.approx(2.5, abs=0.02)
    assert store.count("appeared", "counter") == 1


def test_two_tracks_of_one_piece_of_furniture_merge_keeping_the_older_id_and_its_contents(world, store):
    world.boxes["counter"] = Box("counter", (1.5, 0.5, 0.45), (1.0, 0.3, 0.45))
    world.boxes["mug"].centre = (2.3, 0.5, 0.95)
    left = Observation("counter", (1.0, 0.5, 0.45), (0.5, 0.2, 0.0), (1.5, 0.8, 0.9))
    right = Observation("counter", (2.25, 0.5, 0.45), (2.0, 0.2, 0.0), (2.5, 0.8, 0.9))
    _counter_views(world, store, [left, right])  # not border-cut: two pieces, 0.5 m apart
    assert len([o for o in store.objects() if o.category == "counter"]) == 2
    ids = sorted((o.id for o in store.objects() if o.category == "counter"), key=lambda i: int(i.split("_")[-1]))
    mug = store.locate("mug")[0]
    middle = Observation("counter", (1.5, 0.5, 0.45), (1.2, 0.2, 0.0), (2.2, 0.8, 0.9), partial=True)
    _counter_views(world, store, [middle])
    counters = [o for o in store.objects(include_absent=True) if o.category == "counter"]
    assert len(counters) == 1 and counters[0].id == ids[0], "the older id is kept"
    assert counters[0].bbox_min[0] <= 0.52 and counters[0].bbox_max[0] >= 2.48
    mug = store.locate("mug")[0]
    assert mug.rests_on == counters[0].id
    assert store.count("appeared", "counter") == 1 and store.count("disappeared", "counter") == 0
    assert all(loc.rests_on in (None, counters[0].id) for loc in store.history(mug.object_id).locations)


def test_large_furniture_just_behind_a_wall_is_not_missed():
    k = CameraIntrinsics.from_hfov(320, 240, 70)
    wall = Box("wall", (5.0, 0.75, 1.25), (0.05, 0.75, 1.25))  # kitchen wall beside the doorway
    f = render(1, 0.0, (7.0, 1.0, 1.3), (4.3, 0.6, 0.9), [wall], k, max_range_m=6.0)
    fridge = np.array([[4.3, 0.6, 0.9]])
    half = np.array([[0.4, 0.35, 0.9]])  # its corner is 0.3 m from the wall: a nearest-corner test sees it
    assert miss_weights(fridge, f, 0.2, 0.05, 0.3, 0.5, fridge - half, fridge + half, 16.0).tolist() == [0.0]
    f = render(2, 0.0, (4.3, 3.5, 1.3), (4.3, 0.6, 0.9), [wall], k, max_range_m=6.0)  # from inside the kitchen
    assert miss_weights(fridge, f, 0.2, 0.05, 0.3, 0.5, fridge - half, fridge + half, 16.0).tolist() == [1.0]


def test_furniture_seen_close_up_and_mostly_out_of_the_image_is_not_missed():
    k = CameraIntrinsics.from_hfov(320, 240, 70)
    counter = np.array([[1.0, 0.3, 0.45]])
    half = np.array([[1.0, 0.3, 0.45]])  # 2 m long, seen from 0.6 m: most of it lies outside the image
    f = render(1, 0.0, (1.0, 1.2, 1.2), (1.0, 0.3, 0.6), [], k, max_range_m=6.0)
    assert miss_weights(counter, f, 0.2, 0.05, 0.3, 0.5, counter - half, counter + half, 16.0).tolist() == [0.0]
    f = render(2, 0.0, (1.0, 3.5, 1.3), (1.0, 0.3, 0.45), [], k, max_range_m=6.0)  # the whole counter in view
    assert miss_weights(counter, f, 0.2, 0.05, 0.3, 0.5, counter - half, counter + half, 16.0).tolist() == [1.0]


# ---------------------------------------------------------------- conservative misses, then a sighting elsewhere
def test_an_object_missed_once_and_then_seen_elsewhere_moved(world, store):
    world.look(store, "counter", "table")
    mug_id = _ids(store, "mug")[0]
    world.time += 600.0  # someone carried it over while the robot was elsewhere
    world.boxes["mug"].centre = (8.2, 2.45, 0.80)
    world.look(store, "counter", times=1)  # one miss: not yet enough to believe it left
    assert store.get_object(mug_id).present
    world.look(store, "table", times=2)
    assert _ids(store, "mug") == [mug_id], "the mug that appeared on the table is the one missed on the counter"
    assert store.count("moved", "mug") == 1 and store.locate("mug")[0].rests_on == _ids(store, "table")[0]


def test_a_track_absorbed_earlier_in_the_same_frame_leaves_its_observation_unmatched(world, store):
    world.boxes["counter"] = Box("counter", (1.5, 0.5, 0.45), (1.0, 0.3, 0.45))
    left = Observation("counter", (1.0, 0.5, 0.45), (0.5, 0.2, 0.0), (1.5, 0.8, 0.9))
    right = Observation("counter", (2.25, 0.5, 0.45), (2.0, 0.2, 0.0), (2.5, 0.8, 0.9))
    _counter_views(world, store, [left, right])
    ids = sorted((o.id for o in store.objects() if o.category == "counter"), key=lambda i: int(i.split("_")[-1]))
    assert len(ids) == 2
    # one frame: a border-cut view grows the left track until it touches the right one, which is absorbed;
    # the right piece, seen in the same frame and paired with the absorbed track, must not be lost or crash
    grown = Observation("counter", (1.1, 0.5, 0.45), (0.5, 0.2, 0.0), (1.98, 0.8, 0.9), partial=True)
    _counter_views(world, store, [grown, right], times=1)
    counters = [o for o in store.objects(include_absent=True) if o.category == "counter"]
    assert [o.id for o in counters] == [ids[0]], "the older id is kept, no third track"
    assert counters[0].bbox_max[0] >= 2.48, "the right piece's sighting extended the kept counter"
