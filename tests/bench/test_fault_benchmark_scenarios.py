"""bench faults runs the chosen scenarios in one order and reports each as it ends (its progress bar)."""

from bench.fault_benchmark import LIVE, fault_names, run_faults


def test_the_chosen_offline_faults_run_in_order_and_each_is_reported_once():
    assert fault_names(live=False) == ["damaged", "read_only", "atomicity"]
    assert fault_names(live=True)[3:] == list(LIVE)
    assert fault_names(live=True, only=["atomicity", "two_writers"]) == ["atomicity", "two_writers"]
    reported: list[str] = []
    rows = run_faults(live=False, only=["read_only", "atomicity"], on_scenario=reported.append)
    assert reported == ["read_only", "atomicity"]
    assert len(rows) == 2 and all(row["tracebacks"] == 0 for row in rows)
