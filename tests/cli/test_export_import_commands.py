"""`memstack export` (dsg, json, graphml) and `memstack import --format dsg` through the console script."""

from __future__ import annotations

import json

import networkx as nx
import pytest
import spark_dsg


def test_export_all_formats_and_parse_them_back(memstack, memory_db, tmp_path):
    dsg_out, json_out, graphml_out = tmp_path / "scene.sparkdsg", tmp_path / "memory.json", tmp_path / "memory.graphml"
    result = memstack("export", "--db", memory_db, "--format", "dsg", dsg_out, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    graph = spark_dsg.DynamicSceneGraph.load(str(dsg_out))
    assert summary["nodes"] == graph.num_nodes() > 0
    labels = graph.get_labelspace(spark_dsg.DsgLayers.OBJECTS).labels_to_names
    categories = sorted(labels[n.attributes.semantic_label] for n in graph.get_layer(spark_dsg.DsgLayers.OBJECTS).nodes)
    assert categories == ["counter", "fridge", "keys", "mug", "sofa", "table"]

    assert memstack("export", "--db", memory_db, "--format", "json", json_out, "--at", "d1 00:30").returncode == 0
    document = json.loads(json_out.read_text())
    assert set(document) >= {"rooms", "places", "objects", "events", "facts"}
    assert document["time"] == 1800.0
    assert {e["kind"] for e in document["events"]} == {"appeared"}  # the move and the opening came later

    result = memstack("export", "--db", memory_db, "--format", "graphml", graphml_out)
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout
    assert sum(1 for _, d in nx.read_graphml(graphml_out).nodes(data=True) if d["layer"] == "object") == 6


@pytest.mark.parametrize("args, named", [
    (["--format", "dsg", "{tmp}/scene.dsg"], "scene.dsg"),
    (["--format", "json", "{tmp}/no_dir/memory.json"], "no_dir"),
])
def test_export_bad_output_is_exit_2_naming_the_file(memstack, memory_db, tmp_path, args, named):
    result = memstack("export", "--db", memory_db, *[a.format(tmp=tmp_path) for a in args])
    assert result.returncode == 2
    assert named in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_export_of_a_missing_db_is_exit_2_and_creates_nothing(memstack, tmp_path):
    result = memstack("export", "--db", tmp_path / "absent.db", "--format", "json", tmp_path / "out.json")
    assert result.returncode == 2 and "absent.db" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_import_dsg_then_query_the_new_memory(memstack, memory_db, tmp_path):
    scene = tmp_path / "scene.json"
    assert memstack("export", "--db", memory_db, "--format", "dsg", scene).returncode == 0
    imported_db = tmp_path / "imported.db"
    result = memstack("import", "--format", "dsg", scene, "--db", imported_db, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["objects_in_file"] == 6 and summary["rooms"] == 2 and summary["created"] == 6
    result = memstack("query", "--db", imported_db, "contents", "table", "--json")
    assert result.returncode == 0, result.stderr
    assert [o["category"] for o in json.loads(result.stdout)["result"]] == ["keys"]


def test_import_of_a_bad_file_is_exit_2_and_keeps_the_memory(memstack, new_memory_file, tmp_path):
    db = new_memory_file(tmp_path / "kept.db")
    before = db.read_bytes()
    garbage = tmp_path / "garbage.json"
    garbage.write_text('{"nodes": [1, 2, 3')
    result = memstack("import", "--format", "dsg", garbage, "--db", db)
    assert result.returncode == 2
    assert "garbage.json" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert db.read_bytes() == before
    fresh = tmp_path / "fresh.db"
    result = memstack("import", "--format", "dsg", tmp_path / "missing.json", "--db", fresh)
    assert result.returncode == 2 and "missing.json" in result.stderr
    assert not fresh.exists()


def test_import_earlier_than_the_memory_is_exit_2_naming_at(new_memory_file, tmp_path, capsys):
    from memory_stack.cli import main

    db = new_memory_file(tmp_path / "memory.db")
    scene = tmp_path / "scene.json"
    assert main(["export", "--db", str(db), "--format", "dsg", str(scene)]) == 0
    capsys.readouterr()
    assert main(["import", "--format", "dsg", str(scene), "--db", str(db), "--at", "d1 00:00"]) == 2
    assert capsys.readouterr().err.startswith("memstack import: --at: 'd1 00:00' is before the latest time")
    assert main(["import", "--format", "dsg", str(scene), "--db", str(db), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["created"] == 0 and summary["objects_in_file"] == 6  # associated with what it already holds
