"""`memstack bench ingest`: the JSON contract of specs/cli.md on a small real run (store included)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from bench.ingest_benchmark import build_scene, camera_pose, measure, render_views
from perception.frame_processing import FrameProcessor
from perception.synthetic_scene import sensor_frame_from_render
from scene_graph.types import CameraIntrinsics

CONTRACT_KEYS = {"width", "height", "frames", "instances_per_frame", "fps_median", "ms_per_frame_p50",
                 "ms_per_frame_p99", "db_bytes"}


def test_cli_prints_one_json_document_with_the_contract_keys(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "memory_stack.cli", "bench", "ingest", "--width", "160", "--height", "120",
         "--frames", "25", "--instances", "8", "--json"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert CONTRACT_KEYS <= set(doc)
    assert (doc["width"], doc["height"], doc["frames"]) == (160, 120, 25)
    assert doc["fps_median"] > 0 and doc["ms_per_frame_p99"] >= doc["ms_per_frame_p50"] > 0
    assert doc["db_bytes"] > 0
    assert doc["perception"]["ms_per_frame_p50"] <= doc["ms_per_frame_p50"]


def test_bad_arguments_exit_2_naming_the_option(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "memory_stack.cli", "bench", "ingest", "--frames", "0", "--json"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2
    assert "--frames" in proc.stderr and proc.stdout == ""


def test_the_memory_ends_up_with_the_scene_objects(tmp_path):
    doc = measure(160, 120, 20, 10, db_path=tmp_path / "bench.db")
    boxes = build_scene(10)
    expected = len([b for b in boxes if not b.label.endswith("_door")])
    # Everything visible is remembered once, however the instance ids were shuffled.
    assert expected - 2 <= doc["objects_in_memory"] <= expected
    assert 8 <= doc["instances_per_frame"] <= 10


def test_synthetic_views_are_consistent_across_the_sweep():
    boxes = build_scene(15)
    intr = CameraIntrinsics.from_hfov(160, 120, 70.0)
    processor = FrameProcessor()
    centroids = {}
    for view, (pose, render) in enumerate(render_views(boxes, intr, 3)):
        assert pose == camera_pose(view, 3)
        frame = processor.process(sensor_frame_from_render(render, boxes, intr, pose, frame_id=view))
        for obs in frame.observations:
            if obs.category == "counter":
                centroids[view] = np.array(obs.centroid)
    assert len(centroids) == 3
    # Different views see different faces of the same counter: centroids agree to within its size.
    assert max(np.linalg.norm(c - centroids[0]) for c in centroids.values()) < 0.6
