"""`python -m bench.door_state_benchmark`: a small grid end to end (the full grid is a benchmark, not a test)."""

from __future__ import annotations

import json

from bench.door_state_benchmark import main, run


def test_small_grid_scores_every_angle_and_reads_nothing_wrong():
    result = run(angles=[0.0, 1.6], distances=[1.5], bearings_deg=[0.0, 40.0], pans=[0.0, 0.6])
    assert set(result["by_angle"]) == {"0", "1.6"}
    assert result["views"] == sum(sum(v for k, v in row.items() if k != "wrong") for row in result["by_angle"].values())
    assert result["wrong"] == 0
    assert result["by_angle"]["0"]["closed"] > 0 and result["by_angle"]["1.6"]["open"] > 0
    assert 0 < result["border_cut"] < result["views"]


def test_json_output_is_one_document(capsys):
    assert main(["--angles", "0", "--distances", "1.5", "--bearings", "0", "--pans", "0", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["views"] == 5 and document["by_angle"]["0"]["wrong"] == 0
