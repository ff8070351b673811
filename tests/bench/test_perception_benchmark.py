"""`memstack bench perception` on the real SUN RGB-D frames: keys, every object lifted, honest targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memory_stack.cli import main

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "rgbd"


@pytest.mark.slow
def test_bench_perception_json_reports_lifting_errors_per_class_and_ingest_per_mode(capsys):
    if not (DATA / "sunrgbd").is_dir():
        pytest.skip(f"SUN RGB-D frames not found at {DATA / 'sunrgbd'} (../shared/data)")
    assert main(["bench", "perception", "--json", "--no-detector", "--frames", "3"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["objects"] == 17 and result["lifted"] == 17
    errors = [r["centroid_error_m"] for r in result["per_object"]]
    assert result["median_centroid_error_m"] == pytest.approx(sorted(errors)[8])
    assert result["max_centroid_error_m"] == pytest.approx(max(errors))
    assert set(result["per_class"]) == {"bed", "night_stand", "ottoman", "dresser", "dresser_mirror", "lamp"}
    # Lifting finds the objects: most lie within 0.5 m of their labelled centres (targets, not met: see BENCHMARKS).
    # 12 since 2c72224 kept flat things and horizontal surfaces whole (13 before); a guard against losing more.
    assert result["within_0_5_m"] >= 12 and result["median_box_center_error_m"] < 0.35
    assert result["meets_targets"] == (result["median_centroid_error_m"] <= 0.15
                                       and result["max_centroid_error_m"] <= 0.5)
    modes = result["ingest_fps_per_input_mode"]
    assert all(modes[m]["objects_in_memory"] > 0 and modes[m]["fps_median"] > 0
               for m in ("masks", "boxes", "label_image"))


def test_bench_perception_names_missing_data(tmp_path, capsys):
    assert main(["bench", "perception", "--data", str(tmp_path), "--no-detector"]) == 2
    assert "sunrgbd" in capsys.readouterr().err


def test_detector_where_says_when_the_files_are_not_fetched(tmp_path, capsys):
    assert main(["detector", "where", "--cache", str(tmp_path)]) == 1
    assert "memstack detector fetch" in capsys.readouterr().out
