"""Scene-graph exchange: spark_dsg (checked in a separate process), JSON and GraphML, DSG import."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import networkx as nx
import numpy as np
import pytest
import spark_dsg

from memory_stack.foundation.errors import BadInputError
from scene_graph.exchange_dsg import (
    DsgFormatError,
    category_from_name,
    export_dsg,
    import_dsg,
    read_dsg,
)
from scene_graph.exchange_graphml import export_graphml
from scene_graph.exchange_json import export_json, load_document, memory_to_document
from scene_graph.store import MemoryStore
from scene_graph.types import CameraIntrinsics, Door, FloorPlan, Frame, Observation, Pose, Room

FLOOR_PLAN = FloorPlan(
    rooms=(Room("kitchen", ((0, 0), (5, 0), (5, 4), (0, 4))), Room("living_room", ((5, 0), (11, 0), (11, 5), (5, 5)))),
    doors=(Door(("kitchen", "living_room"), (5.0, 2.0), 1.0),),
)
INTRINSICS = CameraIntrinsics.from_hfov(320, 240, 70)


def _observation(category, centre, half, state=None):
    lo = tuple(c - h for c, h in zip(centre, half))
    hi = tuple(c + h for c, h in zip(centre, half))
    return Observation(category=category, centroid=centre, bbox_min=lo, bbox_max=hi, state=state,
                       state_confidence=1.0 if state else 0.0, num_points=200)


def _frames(first_id, times, observations):
    return [Frame(frame_id=first_id + i, time=t, robot_pose=Pose.from_xyz_yaw(5, 2, 0, 0), camera_pose=Pose(5, 2, 1.2),
                  intrinsics=INTRINSICS, observations=list(observations)) for i, t in enumerate(times)]


BEFORE = [
    _observation("counter", (1.0, 0.6, 0.45), (0.6, 0.3, 0.45)),
    _observation("mug", (1.0, 0.6, 0.95), (0.05, 0.05, 0.05)),
    _observation("table", (8.0, 2.5, 0.38), (0.6, 0.4, 0.38)),
    _observation("keys", (8.0, 2.5, 0.78), (0.05, 0.03, 0.02)),
    _observation("sofa", (9.5, 4.2, 0.4), (1.0, 0.4, 0.4)),
    _observation("fridge", (4.3, 0.6, 0.9), (0.4, 0.35, 0.9), "closed"),
]
KEYS_MOVED_TO = (8.5, 2.6, 0.78)


def build_memory(path=None) -> MemoryStore:
    """A kitchen and a living room seen at d1 00:01:40 and again at d1 01:00 (keys moved, fridge opened)."""
    memory = MemoryStore.open(path, floor_plan=FLOOR_PLAN)
    after = [o for o in BEFORE if o.category not in ("keys", "fridge")] + [
        _observation("keys", KEYS_MOVED_TO, (0.05, 0.03, 0.02)),
        _observation("fridge", (4.3, 0.6, 0.9), (0.4, 0.35, 0.9), "open"),
    ]
    for frame in _frames(0, (100.0, 101.0, 102.0), BEFORE) + _frames(3, (3600.0, 3601.0, 3602.0), after):
        memory.ingest(frame)
    return memory


@pytest.fixture
def memory():
    m = build_memory()
    yield m
    m.close()


def _by_category(objects):
    return {o.category: o for o in objects}


LOAD_IN_OTHER_PROCESS = textwrap.dedent("""
    import json, sys
    import spark_dsg
    g = spark_dsg.DynamicSceneGraph.load(sys.argv[1])
    labels = g.get_labelspace(spark_dsg.DsgLayers.OBJECTS).labels_to_names
    out = {"num_nodes": g.num_nodes(), "num_edges": g.num_edges(), "layers": {}, "objects": {}, "rooms": {}}
    for node in g.nodes:
        out["layers"][str(node.layer.layer)] = out["layers"].get(str(node.layer.layer), 0) + 1
    for node in g.get_layer(spark_dsg.DsgLayers.OBJECTS).nodes:
        a = node.attributes
        parent = g.get_node(node.get_parent()).id.str() if node.has_parent() else None
        out["objects"][a.name] = {"label": labels[a.semantic_label], "position": [float(v) for v in a.position],
                                  "box_min": [float(v) for v in a.bounding_box.min], "parent": parent}
    for node in g.get_layer(spark_dsg.DsgLayers.ROOMS).nodes:
        a = node.attributes
        out["rooms"][a.name] = {"position": [float(v) for v in a.position],
                                "parent": g.get_node(node.get_parent()).id.str() if node.has_parent() else None}
    print(json.dumps(out))
""")


@pytest.mark.parametrize("suffix", [".json", ".sparkdsg"])
def test_dsg_export_loads_in_a_separate_spark_dsg_process(memory, tmp_path, suffix):
    out = tmp_path / f"memory{suffix}"
    export_dsg(memory, out)
    loaded = subprocess.run([sys.executable, "-c", LOAD_IN_OTHER_PROCESS, str(out)], capture_output=True, text=True,
                            timeout=120)
    assert loaded.returncode == 0, loaded.stderr
    seen = json.loads(loaded.stdout)

    objects = memory.objects()
    places = memory.places()
    assert seen["layers"] == {"2": len(objects), "3": len(places), "4": 2, "5": 1}
    assert seen["num_nodes"] == len(objects) + len(places) + 2 + 1
    assert set(seen["objects"]) == {o.id for o in objects}
    for obj in objects:
        node = seen["objects"][obj.id]
        assert node["label"] == obj.category
        np.testing.assert_allclose(node["position"], obj.position, atol=1e-6)
        np.testing.assert_allclose(node["box_min"], obj.bbox_min, atol=1e-5)
        assert node["parent"] is not None and node["parent"].startswith("p")
    assert set(seen["rooms"]) == {"kitchen", "living_room"}
    np.testing.assert_allclose(seen["rooms"]["kitchen"]["position"][:2], (2.5, 2.0))
    assert seen["rooms"]["kitchen"]["parent"] == "B0"


def test_dsg_uses_hydra_layers_and_edges(memory, tmp_path):
    graph = export_dsg(memory, tmp_path / "memory.json")
    layers = spark_dsg.DsgLayers
    assert graph.get_layer(layers.OBJECTS).num_nodes() == len(memory.objects())
    keys = next(n for n in graph.get_layer(layers.OBJECTS).nodes if n.attributes.name.startswith("keys"))
    table = next(n for n in graph.get_layer(layers.OBJECTS).nodes if n.attributes.name.startswith("table"))
    assert graph.has_edge(keys.id, table.id)  # rests on
    place_layer = graph.get_layer(layers.PLACES)
    assert place_layer.num_edges() >= 2  # place <-> place connectivity
    door = next(n for n in place_layer.nodes if "door" in n.attributes.name)
    assert len(door.siblings()) == 2
    assert keys.attributes.metadata.get()["memory_stack"]["room"] == "living_room"


def test_dsg_export_at_a_past_time_shows_the_old_position(memory, tmp_path):
    graph = export_dsg(memory, tmp_path / "past.json", at=200.0)
    keys = next(n for n in graph.get_layer(spark_dsg.DsgLayers.OBJECTS).nodes if n.attributes.name.startswith("keys"))
    np.testing.assert_allclose(keys.attributes.position, (8.0, 2.5, 0.78), atol=1e-6)
    latest = export_dsg(memory, tmp_path / "now.json")
    keys_now = next(n for n in latest.get_layer(spark_dsg.DsgLayers.OBJECTS).nodes
                    if n.attributes.name.startswith("keys"))
    np.testing.assert_allclose(keys_now.attributes.position, KEYS_MOVED_TO, atol=1e-6)
    before_anything = export_dsg(memory, tmp_path / "empty.json", at=50.0)
    assert before_anything.get_layer(spark_dsg.DsgLayers.OBJECTS).num_nodes() == 0
    assert before_anything.get_layer(spark_dsg.DsgLayers.ROOMS).num_nodes() == 2  # the prior map is always known


def test_dsg_round_trip_into_a_new_memory(memory, tmp_path):
    out = tmp_path / "memory.sparkdsg"
    export_dsg(memory, out)
    with MemoryStore.open(tmp_path / "imported.db") as other:
        summary = import_dsg(out, other)
        assert summary.objects_in_file == len(memory.objects())
        assert {r.name for r in other.floor_plan.rooms} == {"kitchen", "living_room"}
        assert len(other.floor_plan.doors) == 1
        original, imported = _by_category(memory.objects()), _by_category(other.objects())
        assert set(imported) == set(original)
        for category, obj in original.items():
            np.testing.assert_allclose(imported[category].position, obj.position, atol=1e-4)
            assert imported[category].room == obj.room
        assert imported["keys"].rests_on == imported["table"].id
        assert imported["fridge"].state == "open"
        assert other.locate("mug")[0].room == "kitchen"
    with MemoryStore.open(tmp_path / "imported.db") as reopened:  # durable
        assert len(reopened.objects()) == len(memory.objects())


def test_importing_the_same_file_twice_associates_instead_of_duplicating(memory, tmp_path):
    out = tmp_path / "memory.json"
    export_dsg(memory, out)
    with MemoryStore.open(None) as other:
        import_dsg(out, other)
        count = len(other.objects())
        second = import_dsg(out, other)
        assert len(other.objects()) == count
        assert second.created == 0


def _hydra_like_graph(path, with_labelspace=True):
    """A DSG as Hydra writes it: no memory_stack metadata, unnamed rooms with boxes, labels in a labelspace."""
    layers = spark_dsg.DsgLayers
    g = spark_dsg.DynamicSceneGraph()
    for index, (centre, size) in enumerate([((2.0, 2.0, 0.0), (4.0, 4.0, 0.1)), ((8.0, 2.0, 0.0), (6.0, 4.0, 0.1))]):
        attrs = spark_dsg.RoomNodeAttributes()
        attrs.position = np.array(centre)
        attrs.bounding_box = spark_dsg.BoundingBox(np.array(size, dtype=np.float32), np.array(centre, dtype=np.float32))
        g.add_node(layers.ROOMS, spark_dsg.NodeSymbol("R", index), attrs)
    for index, centre in enumerate([(2.0, 2.0, 0.0), (8.0, 2.0, 0.0)]):
        attrs = spark_dsg.PlaceNodeAttributes()
        attrs.position = np.array(centre)
        attrs.distance = 0.8
        g.add_node(layers.PLACES, spark_dsg.NodeSymbol("p", index), attrs)
        g.insert_edge(spark_dsg.NodeSymbol("R", index), spark_dsg.NodeSymbol("p", index))
    g.insert_edge(spark_dsg.NodeSymbol("p", 0), spark_dsg.NodeSymbol("p", 1))
    objects = [("chair_12", 5, (1.0, 1.0, 0.45)), ("", 7, (7.5, 1.5, 0.9)), ("O(3)", 9, (9.0, 3.0, 0.5))]
    for index, (name, label, centre) in enumerate(objects):
        attrs = spark_dsg.ObjectNodeAttributes()
        attrs.position = np.array(centre)
        attrs.name = name
        attrs.semantic_label = label
        if index != 2:
            attrs.bounding_box = spark_dsg.BoundingBox(np.array([0.4, 0.4, 0.9], dtype=np.float32),
                                                       np.array(centre, dtype=np.float32))
        attrs.last_update_time_ns = int(5e9) * (index + 1)
        g.add_node(layers.OBJECTS, spark_dsg.NodeSymbol("O", index), attrs)
        g.insert_edge(spark_dsg.NodeSymbol("p", 0 if centre[0] < 4 else 1), spark_dsg.NodeSymbol("O", index))
    if with_labelspace:
        g.set_labelspace(spark_dsg.Labelspace({5: "chair", 7: "bookshelf", 9: "plant"}), layers.OBJECTS)
    g.save(str(path), include_mesh=False)


def test_import_of_a_hydra_graph_builds_objects_and_rooms(tmp_path):
    path = tmp_path / "hydra.json"
    _hydra_like_graph(path)
    read = read_dsg(path)
    assert sorted(o.category for o in read.objects) == ["bookshelf", "chair", "plant"]
    assert read.time == pytest.approx(15.0)
    with MemoryStore.open(None) as memory:
        summary = import_dsg(path, memory)
        assert summary.rooms == 2 and summary.objects_in_file == 3
        rooms = {r.name: r for r in memory.floor_plan.rooms}
        assert len(rooms) == 2
        kitchen_like = next(r for r in rooms.values() if min(x for x, _ in r.polygon) == pytest.approx(0.0))
        assert max(x for x, _ in kitchen_like.polygon) == pytest.approx(4.0)
        objects = _by_category(memory.objects())
        # bookshelf is a synonym of shelf in the ontology: the memory canonicalises labels
        assert {"chair", "plant"} <= set(objects)
        assert len(objects) == 3
        np.testing.assert_allclose(objects["chair"].position, (1.0, 1.0, 0.45), atol=1e-6)
        assert objects["chair"].room == kitchen_like.name
        np.testing.assert_allclose(np.subtract(objects["plant"].bbox_max, objects["plant"].bbox_min), 0.1, atol=1e-6)


def test_import_without_labelspace_takes_the_category_from_the_name(tmp_path):
    path = tmp_path / "names.json"
    _hydra_like_graph(path, with_labelspace=False)
    categories = sorted(o.category for o in read_dsg(path).objects)
    assert categories == ["chair", "label_7", "label_9"]  # "O(3)" is a node symbol, not a category


@pytest.mark.parametrize("name, category", [("mug_3", "mug"), ("coffee table 2", "coffee table"), ("sofa", "sofa"),
                                            ("O(12)", "O"), ("42", "")])
def test_category_from_name(name, category):
    assert category_from_name(name) == category


def test_bad_dsg_files_are_named_and_leave_the_memory_untouched(memory, tmp_path):
    garbage = tmp_path / "broken.json"
    garbage.write_text("{ not a scene graph")
    before = len(memory.objects())
    with pytest.raises(DsgFormatError, match="broken.json"):
        import_dsg(garbage, memory)
    with pytest.raises(DsgFormatError, match="no such file"):
        import_dsg(tmp_path / "missing.json", memory)
    with pytest.raises(DsgFormatError, match=r"\.dsg"):
        export_dsg(memory, tmp_path / "memory.dsg")
    assert not (tmp_path / "memory.dsg").exists()
    assert len(memory.objects()) == before
    assert isinstance(DsgFormatError("x"), BadInputError)
    odd = spark_dsg.DynamicSceneGraph()
    odd.metadata.add({"memory_stack": {"time": "yesterday"}})
    odd.save(str(tmp_path / "odd.json"), include_mesh=False)
    with pytest.raises(DsgFormatError, match=r"odd.json: metadata.memory_stack.time"):
        import_dsg(tmp_path / "odd.json", memory)
    assert len(memory.objects()) == before


def test_json_document_parses_back_with_every_section(memory, tmp_path):
    out = tmp_path / "memory.json"
    document = export_json(memory, out)
    loaded = load_document(out)
    assert loaded == json.loads(json.dumps(document))
    assert {r["name"] for r in loaded["rooms"]} == {"kitchen", "living_room"}
    assert len(loaded["objects"]) == len(memory.objects())
    keys = next(o for o in loaded["objects"] if o["category"] == "keys")
    assert keys["position"] == pytest.approx(list(KEYS_MOVED_TO))
    assert keys["rests_on_category"] == "table"
    assert keys["place"] == f"place:{keys['rests_on']}"
    kinds = [e["kind"] for e in loaded["events"]]
    assert "moved" in kinds and "state_changed" in kinds
    assert all(set(f) >= {"subject", "predicate", "object"} for f in loaded["facts"])
    place_ids = {p["id"] for p in loaded["places"]}
    assert all(n in place_ids for p in loaded["places"] for n in p["neighbors"])


def test_json_document_at_a_past_time_has_only_events_up_to_then(memory):
    document = memory_to_document(memory, at=200.0)
    assert document["time_text"] == "d1 00:03:20"
    assert {e["kind"] for e in document["events"]} == {"appeared"}


def test_json_loader_names_the_file_and_field(tmp_path):
    bad = tmp_path / "other.json"
    bad.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(BadInputError, match="other.json: format"):
        load_document(bad)


def test_graphml_parses_back_with_layers_and_relations(memory, tmp_path):
    out = tmp_path / "memory.graphml"
    export_graphml(memory, out)
    graph = nx.read_graphml(out)
    layers = nx.get_node_attributes(graph, "layer")
    assert sum(1 for v in layers.values() if v == "object") == len(memory.objects())
    assert sum(1 for v in layers.values() if v == "room") == 2
    keys = next(n for n, d in graph.nodes(data=True) if d.get("category") == "keys")
    assert graph.nodes[keys]["x"] == pytest.approx(KEYS_MOVED_TO[0])
    relations = nx.get_edge_attributes(graph, "relation")
    assert {"contains", "adjacent", "rests_on"} <= set(relations.values())
    rests_on = [v for (u, v), r in relations.items() if r == "rests_on" and u == keys]
    assert len(rests_on) == 1 and graph.nodes[rests_on[0]]["category"] == "table"
