"""Unit tests of the memory's parts: config, ontology, association, support, rooms, visibility, time index."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.typed_config import ConfigError
from scene_graph.config import DEFAULT_ONTOLOGY, MemoryConfig
from scene_graph.ontology import Ontology
from scene_graph.spatial_index import RoomIndex, build_places, find_support
from scene_graph.store import MemoryStore
from scene_graph.synthetic_frames import Box, render
from scene_graph.tracking.association import INFEASIBLE, assign, association_costs, box_iou
from scene_graph.types import CameraIntrinsics, FloorPlan, Pose, Room
from scene_graph.visibility import miss_weights

from .conftest import FLOOR_PLAN


def test_config_loads_from_the_stack_config_and_rejects_unknown_keys(tmp_path):
    """The memory section of a StackConfig file is how every entry point configures the memory."""
    from memory_stack.composition.stack_config import load_stack_config

    good = tmp_path / "stack.yaml"
    good.write_text("memory:\n  confirm_sightings: 3\n  match_gate_m: 0.5\n")
    cfg = load_stack_config(good).memory
    assert cfg.confirm_sightings == 3 and cfg.match_gate_m == 0.5 and cfg.ontology_file == DEFAULT_ONTOLOGY
    bad = tmp_path / "bad.yaml"
    bad.write_text("memory:\n  confirm_sightings: 3\n  match_gate: 0.5\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: memory\.match_gate: unknown key"):
        load_stack_config(bad)
    with pytest.raises(ConfigError, match="confirm_sightings"):
        MemoryConfig.from_dict({"confirm_sightings": 0})


def test_ontology_synonyms_is_a_and_receptacles():
    onto = Ontology.load(DEFAULT_ONTOLOGY)
    assert onto.canonical("coffee mug") == "mug" and onto.canonical("key") == "keys" and onto.canonical("mugs") == "mug"
    assert onto.canonical("spaceship") == "spaceship" and onto.canonical("bookcase") == "bookshelf"
    assert onto.is_a("mug", "drinkware") and onto.is_a("cup", "kitchenware") and not onto.is_a("keys", "food")
    assert "mug" in onto.descendants("drinkware") and {"coffee_table", "desk"} <= onto.descendants("table")
    # look-alikes are separate categories: a cup and a mug side by side are two things, associated only very close
    assert onto.canonical("Cup") == "cup" and onto.canonical("coffee table") == "coffee_table"
    assert onto.compatibility("cup", "mug") == 0.5 and onto.compatibility("mug", "glass") == 0.5


def test_nearest_related_category_memory_holds():
    onto = Ontology.load(DEFAULT_ONTOLOGY)
    assert onto.related_distance("coffee_table", "table") == 1 and onto.related_distance("cup", "mug") == 2
    assert onto.related_distance("cup", "keys") is None  # related only through "object"
    assert onto.nearest_related("coffee_table", ["dining_table", "table", "sofa"]) == "table"
    assert onto.nearest_related("cup", ["bottle", "mug", "keys"], lambda a, b: float(b == "mug")) == "mug"
    assert onto.nearest_related("cup", ["bottle", "mug"]) == "bottle"  # a tie without a similarity: by name
    assert onto.nearest_related("cup", ["cup", "keys", "table"]) is None
    assert onto.nearest_related("nightstand", ["cabinet", "bed"]) == "cabinet"
    assert onto.is_receptacle("nightstand") and onto.is_openable("nightstand") and onto.is_receptacle("coffee table")


def test_ontology_compatibility_and_receptacles():
    onto = Ontology.load(DEFAULT_ONTOLOGY)
    assert onto.compatibility("mug", "keys") == 0.0 and onto.compatibility("table", "sofa") == 0.0
    assert onto.is_receptacle("fridge") and onto.is_openable("refrigerator") and not onto.is_receptacle("mug")
    assert onto.typical_receptacles("cup")[0] == "counter" and onto.typical_receptacles("spaceship") == []


def test_the_ontology_knows_nouns_that_name_no_object_memory_stores():
    onto = Ontology.load(DEFAULT_ONTOLOGY)
    assert onto.not_an_object("walls") == "structure" and onto.not_an_object("Ceiling") == "structure"
    assert onto.not_an_object("legs") == "part" and onto.not_an_object("cushions") == "part"
    assert onto.not_an_object("water") == "substance"
    # things memory holds, and the parts that are things of their own (doors, knobs, window shades)
    assert [onto.not_an_object(w) for w in ("sofa", "bench", "glass", "door", "knob", "shade", "bottle")] == [None] * 7


def test_a_broken_ontology_names_the_file(tmp_path):
    path = tmp_path / "onto.yaml"
    path.write_text("synonyms: {}\nis_a: {a: b, b: a}\n")
    with pytest.raises(BadInputError, match=r"onto\.yaml: is_a\.a: cycle"):
        Ontology.load(path)
    path.write_text("not_objects: {liquid: [water]}\n")
    with pytest.raises(BadInputError, match=r"onto\.yaml: not_objects\.liquid: unknown class"):
        Ontology.load(path)
    path.write_text("synonym: {}\n")
    with pytest.raises(BadInputError, match=r"onto\.yaml: synonym: unknown key"):
        Ontology.load(path)


def test_association_costs_keep_identical_neighbours_apart():
    onto = Ontology.load(DEFAULT_ONTOLOGY)
    obs = np.array([[1.0, 0.0, 0.8], [1.3, 0.0, 0.8], [5.0, 0.0, 0.8]])
    cand = np.array([[1.28, 0.0, 0.8], [1.02, 0.0, 0.8]])
    half = 0.05
    cost = association_costs(obs, obs - half, obs + half, ["mug", "cup", "mug"], np.zeros(3, bool), [None] * 3,
                             cand, cand - half, cand + half, ["mug", "mug"], np.zeros(2, bool), [None, None],
                             onto.compatibility, np.full(2, 0.75), 0.0)
    assert (cost[2] >= INFEASIBLE).all()
    assert sorted(assign(cost)) == [(0, 1), (1, 0)]
    keys = association_costs(obs[:1], obs[:1] - half, obs[:1] + half, ["keys"], np.zeros(1, bool), [None],
                             cand, cand - half, cand + half, ["mug", "mug"], np.zeros(2, bool), [None, None],
                             onto.compatibility, np.full(2, 0.75), 0.0)
    assert assign(keys) == []
    iou = box_iou(np.zeros((1, 3)), np.ones((1, 3)), np.array([[0.5, 0.0, 0.0]]), np.array([[1.5, 1.0, 1.0]]))
    assert iou[0, 0] == pytest.approx(1 / 3)


def test_support_prefers_inside_then_the_nearest_top_below():
    rec_min = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [3.0, 0.0, 0.0]])
    rec_max = np.array([[1.0, 1.0, 0.75], [1.0, 1.0, 1.8], [4.0, 1.0, 0.4]])
    mug_on_table = np.array([0.5, 0.5, 0.8]), np.array([0.45, 0.45, 0.76])
    assert find_support(*mug_on_table, rec_min[:1], rec_max[:1], 0.15, 0.25) == 0
    milk_in_fridge = np.array([0.5, 0.5, 1.2]), np.array([0.45, 0.45, 1.1])
    assert find_support(*milk_in_fridge, rec_min, rec_max, 0.15, 0.25) == 1
    floating = np.array([3.5, 0.5, 1.5]), np.array([3.45, 0.45, 1.4])
    assert find_support(*floating, rec_min, rec_max, 0.15, 0.25) == -1
    beside = np.array([2.0, 0.5, 0.45]), np.array([1.95, 0.45, 0.41])
    assert find_support(*beside, rec_min, rec_max, 0.15, 0.25) == -1


def test_rooms_and_places_from_the_floor_plan():
    rooms = RoomIndex(FLOOR_PLAN)
    assert rooms.room_of(1.0, 1.0) == "kitchen" and rooms.room_of(7.0, 1.0) == "living_room"
    assert rooms.room_of(5.1, 4.8) == "living_room" and rooms.room_of(20.0, 20.0) is None
    assert rooms.room_of(-0.1, 1.0) == "kitchen"  # on the wall: within tolerance
    places, graph = build_places(rooms, [("table_1", np.array([8.0, 2.5, 0.4]), np.array([7.4, 2.1, 0.0]),
                                          np.array([8.6, 2.9, 0.75]), "living_room")])
    view = places["place:table_1"]
    assert view.kind == "receptacle" and view.receptacle == "table_1" and view.room == "living_room"
    assert 0.6 < np.hypot(view.position[0] - 8.0, view.position[1] - 2.5) < 1.5
    assert graph.has_edge("place:room:kitchen", "place:door:0:kitchen-living_room")
    with pytest.raises(BadInputError, match="polygon"):
        RoomIndex(FloorPlan((Room("flat", ((0, 0), (1, 1))),)))


def test_visibility_weights_frustum_range_and_occlusion():
    k = CameraIntrinsics.from_hfov(64, 48, 70)
    boxes = [Box("wall", (0.0, 3.0, 1.0), (2.0, 0.1, 1.0))]
    frame = render(1, 0.0, (0.0, 0.0, 1.0), (0.0, 1.0, 1.0), boxes, k, max_range_m=6.0)
    pts = np.array([[0.0, 2.0, 1.0],    # in front of the wall: visible
                    [0.0, 4.0, 1.0],    # behind the wall: occluded
                    [0.0, -2.0, 1.0],   # behind the camera
                    [5.0, 2.0, 1.0],    # outside the field of view
                    [0.0, 2.5, 1.0]])   # just in front of the wall
    w = miss_weights(pts, frame, 0.2, 0.05, 0.3, 0.5)
    assert w.tolist() == [1.0, 0.0, 0.0, 0.0, 1.0]
    frame.depth = None
    assert miss_weights(pts, frame, 0.2, 0.05, 0.3, 0.5).tolist() == [0.5, 0.5, 0.0, 0.0, 0.5]
    frame.depth = np.full((48, 64), np.nan)
    frame.camera_pose = Pose.looking_at((0.0, 0.0, 1.0), (0.0, 1.0, 1.0))
    assert miss_weights(pts[:1], frame, 0.2, 0.05, 0.3, 0.5).tolist() == [0.5]  # no return: half


def test_pose_from_matrix_round_trips_180_degree_rotations():
    for target in [(0.0, -1.0, 1.0), (-1.0, 0.0, 1.0), (0.0, 1.0, 1.0), (1.0, 0.0, 0.0)]:
        pose = Pose.looking_at((0.0, 0.0, 1.0), target)
        assert abs(np.linalg.det(pose.rotation_matrix()) - 1.0) < 1e-9
        forward = pose.rotation_matrix()[:, 2]
        expected = np.subtract(target, (0.0, 0.0, 1.0))
        assert np.allclose(forward, expected / np.linalg.norm(expected))
    m = np.diag([-1.0, -1.0, 1.0, 1.0])
    assert np.allclose(Pose.from_matrix(m).rotation_matrix(), m[:3, :3])


def test_queries_and_ingest_from_several_threads(world):
    store = MemoryStore.open(None, FLOOR_PLAN)
    world.look(store, "counter", "table")
    errors = []

    def reader():
        try:
            for _ in range(200):
                store.locate("mug")
                store.snapshot(world.time / 2)
                store.contents("kitchen")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    world.look(store, "counter", "table", "fridge", times=5)
    for t in threads:
        t.join()
    assert errors == []
    store.close()
    with pytest.raises(BadInputError, match="closed"):
        store.ingest(world.frame("counter"))


def test_every_write_empties_the_view_cache(world, store):
    world.look(store, "counter", "table", times=3)
    past = world.time - 10.0

    def warm() -> None:
        store.snapshot(past)
        store.changes("kitchen")
        store.locate("mug", at=past)
        store.nearest((1.0, 0.5, 0.9), k=2)
        assert len(store.cache) > 0

    warm()
    world.look(store, "counter", times=1)
    assert len(store.cache) == 0
    for write in (lambda: store.add_fact("mug_1", "belongs_to", "alice"),
                  lambda: store.begin_episode("task", "fetch", world.time),
                  lambda: store.set_floor_plan(store.floor_plan)):
        warm()
        write()
        assert len(store.cache) == 0


def test_a_small_thing_behind_its_neighbour_on_a_top_is_hidden_not_missed():
    """A pen 20 cm behind taller headphones on a desk is hidden by them, not missed.

    From 1.5 m the headphones are nearer than the pen by less than the 0.3 m occlusion margin; the
    margin shrinks to the pen's size, so not seeing the pen is no miss.
    """
    k = CameraIntrinsics.from_hfov(320, 240, 70.0)
    desk = Box("desk", (0.0, 2.3, 0.375), (0.6, 0.3, 0.375))
    headphones = Box("headphones", (0.0, 2.12, 0.81), (0.08, 0.06, 0.06))
    pen = ((-0.07, 2.31, 0.75), (0.07, 2.33, 0.762))
    frame = render(0, 0.0, (0.0, 0.8, 1.45), (0.0, 2.3, 0.76), [desk, headphones], k)
    lo, hi = np.array([pen[0]]), np.array([pen[1]])
    centre = (lo + hi) / 2
    args = (frame, 0.2, 0.05, 0.3, 0.5, lo, hi, 16.0)
    assert miss_weights(centre, *args).tolist() == [1.0]            # the full margin: counted as missed
    assert miss_weights(centre, *args, None, 0.1).tolist() == [0.0]  # its own size: hidden
    # with the headphones gone the pen is in plain view, and not seeing it is a miss
    bare = render(1, 0.0, (0.0, 0.8, 1.45), (0.0, 2.3, 0.76), [desk], k)
    assert miss_weights(centre, bare, *args[1:], None, 0.1).tolist() == [1.0]
