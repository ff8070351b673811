"""A scenario's map written out as a floor-plan file (`python -m sim.scenario_check --floor-plan-out`)."""

from __future__ import annotations

import subprocess
import sys

from memory_stack.foundation.package_paths import SOURCE_ROOT, sim_config
from scene_graph.floor_plan_file import load_floor_plan_file
from sim.scenario import load_scenario
from sim.scenario_check import main


def test_a_scenario_writes_its_rooms_and_doors_as_the_robots_map(tmp_path, capsys):
    scenario = sim_config("family_house_three_days.yaml")
    out = tmp_path / "family_house_map.yaml"
    assert main([str(scenario), "--floor-plan-out", str(out)]) == 0
    plan = load_floor_plan_file(out)
    assert plan == load_scenario(scenario).floor_plan() and len(plan.rooms) > 2 and plan.doors
    assert "family_house_three_days" in capsys.readouterr().out


def test_floor_plan_out_takes_one_scenario_and_a_bad_scenario_writes_nothing(tmp_path):
    out = tmp_path / "map.yaml"
    two = [sys.executable, "-m", "sim.scenario_check", str(sim_config("studio_one_day.yaml")),
           str(sim_config("office_two_days.yaml")), "--floor-plan-out", str(out)]
    done = subprocess.run(two, cwd=SOURCE_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "--floor-plan-out: needs exactly one scenario file, got 2" in done.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: x\nsurprise: 1\n")
    assert main([str(bad), "--floor-plan-out", str(out)]) == 2
    assert not out.exists()
