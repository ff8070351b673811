"""The fault-injection suite: real processes (`memstack up`, the frame publisher, the CLI), real DDS, real SQLite.

Each live fault checks frames acknowledged (the ingest node's frames_ingested on /diagnostics) against
frames stored (the file's frames_stored, written in each frame's own transaction). The scenarios are
those of `memstack bench faults` (bench/fault_benchmark.py), so the table in docs/BENCHMARKS.md and
these assertions measure the same thing.
"""

from __future__ import annotations

import pytest

from bench import fault_benchmark as faults


@pytest.fixture(scope="module")
def ros_env(tmp_path_factory):
    import os
    import random

    os.environ["ROS_DOMAIN_ID"] = str(random.Random(os.getpid() * 31).randint(1, 101))
    return faults._env()


def _no_loss(row: dict) -> None:
    assert row["acknowledged"] > 0, row
    assert row["lost"] == 0, row  # every acknowledged frame is in the file
    assert row["stored"] >= row["acknowledged"], row
    assert row["tracebacks"] == 0, row


@pytest.mark.slow
def test_a_lock_held_for_seconds_stalls_ingestion_which_resumes_within_1_s(ros_env, tmp_path):
    row = faults.lock_held(tmp_path, ros_env, hold_s=3.0)
    _no_loss(row)
    assert row["exit"] == 0, row
    assert row["resume_s"] is not None and row["resume_s"] < 1.0, row
    assert "stalled while held: True" in row["detail"] and "said store fault" in row["detail"], row


@pytest.mark.slow
def test_a_full_disk_is_survived_and_ingestion_resumes_when_space_returns(ros_env, tmp_path):
    row = faults.full_disk(tmp_path, ros_env)
    _no_loss(row)
    assert "reported as: disk full" in row["detail"], row
    assert row["resume_s"] is not None and row["resume_s"] < 1.0, row
    assert row["exit"] == 0, row


@pytest.mark.slow
def test_kill_9_of_live_ingestion_loses_no_acknowledged_frame_and_ids_continue(ros_env, tmp_path):
    row = faults.kill_9(tmp_path, ros_env, rounds=3)
    _no_loss(row)
    assert "frame ids continue across restarts: True" in row["detail"], row
    assert row["detail"].count(", ok") == 3, row  # integrity_check after every round


@pytest.mark.slow
def test_a_far_future_stamp_is_rejected_and_later_frames_still_go_in(ros_env, tmp_path):
    row = faults.clock_skew(tmp_path, ros_env)
    _no_loss(row)
    assert "rejected for clock skew 1," in row["detail"], row
    assert row["stored"] >= 15, row  # the frames after it were not taken for late ones


@pytest.mark.slow
def test_a_second_writer_beside_live_ingestion_is_refused_in_one_line_naming_the_pid(ros_env, tmp_path):
    row = faults.two_writers(tmp_path, ros_env)
    assert row["exit"] == 2 and row["refusal_lines"] == 1 and row["tracebacks"] == 0, row
    assert "another writer holds this memory" in row["detail"] and row["detail"].endswith("True"), row
    assert "reader (export) exit 0" in row["detail"], row


@pytest.mark.slow
def test_every_reading_command_refuses_a_damaged_record_in_one_line(tmp_path):
    rows = faults.damaged_records(tmp_path)
    assert len(rows) == len(faults.DAMAGE)
    for row in rows:
        assert row["exit"] == [2] and row["refusal_lines"] == 1 and row["tracebacks"] == 0, row
        assert "names file and table: True" in row["detail"] and row["detail"].endswith("file unchanged: True"), row
