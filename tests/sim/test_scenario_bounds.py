"""Scenarios that would crash or exhaust the machine are refused at load time, one line naming file and field."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from sim.scenario import ScenarioError, load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[2]
BASE = yaml.safe_load((ROOT / "sim_configs" / "apartment_two_days.yaml").read_text())


def _message(mutate) -> str:
    data = copy.deepcopy(BASE)
    mutate(data)
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, "x.yaml")
    assert "\n" not in str(info.value)
    return str(info.value)


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["robot"].update(camera={"width": 40000, "height": 30000}),
     "x.yaml: robot.camera.width: 40000 px; at most 2048"),
    (lambda d: d["robot"].update(camera={"width": 2048, "height": 2048}), "x.yaml: robot.camera: 2048x2048 is more"),
    (lambda d: d["robot"]["camera"].update(far_m=1e5), "x.yaml: robot.camera.far_m"),
    (lambda d: d["observe"][1].update(period_s=1e-6), "x.yaml: observe[1].period_s: at least 1.0 s, got 1e-06"),
    (lambda d: d["observe"].append({"from": "d2 00:00", "to": "d200 00:00", "watch": "kitchen", "period_s": 60}),
     "x.yaml: observe[4].period_s: the watches so far take 285126 frames"),
    (lambda d: d.update(seed=-1), "x.yaml: seed: must be within 0..4294967294, got -1"),
    (lambda d: d.update(seed=2**40), "x.yaml: seed: must be within"),
    (lambda d: d["questions"][0].update(answer={"rests_on": ["counter", "fridge"]}),
     "x.yaml: questions[0].answer.rests_on: expected a single id, got ['counter', 'fridge']"),
    (lambda d: d["questions"][5].update(answer={"room": ["kitchen"]}), "x.yaml: questions[5].answer.room: expected a"),
    (lambda d: d["questions"][0].update(answer={"colour": ["red"]}),
     "x.yaml: questions[0].answer.colour: expected a name"),
    (lambda d: d["questions"][0].update(answer={"colour": "red", "size": "small"}),
     "x.yaml: questions[0].answer: expected"),
    (lambda d: d["world"]["objects"][0].update(rests_on=["counter"]), "x.yaml: world.objects[0].rests_on: expected a"),
    (lambda d: d["timeline"][0].update(to=["counter"]), "x.yaml: timeline[0].to: expected a string"),
    (lambda d: d["world"]["furniture"][0].update(at=[float("nan"), 1.0]),
     "x.yaml: world.furniture[0].at[0]: expected a finite number, got nan"),
    (lambda d: d["robot"].update(speed_m_s=float("inf")), "x.yaml: robot.speed_m_s: expected a finite number"),
    (lambda d: d["robot"].update(speed_m_s=50.0), "x.yaml: robot.speed_m_s: must be within"),
    (lambda d: d["questions"][0].update(at="d100000 08:00"), "x.yaml: questions[0].at: 'd100000 08:00' is later"),
    (lambda d: d["world"]["rooms"][0].update(polygon=[[0, 0], [1e9, 0], [1e9, 1e9]]),
     "x.yaml: world.rooms[0].polygon[1]: [1000000000.0, 0.0] is farther than 1000.0 m"),
    (lambda d: d["world"]["rooms"][0].update(polygon=[[0, 0], [900, 0], [900, 4], [0, 4]]),
     "x.yaml: world.rooms: the floor plan spans 900 m"),
    (lambda d: d["world"]["furniture"][0].update(size=[1e6, 1, 1]), "x.yaml: world.furniture[0].size: [1000000.0"),
    (lambda d: d["world"].update(objects=[{"id": f"o{i}", "category": "cup", "rests_on": "counter"}
                                          for i in range(20001)]),
     "x.yaml: world.objects: 20001 entries; at most 20000"),
])
def test_oversized_and_malformed_fields_are_refused(mutate, expected):
    assert expected in _message(mutate)


def test_the_shipped_scenarios_are_within_bounds():
    for path in sorted((ROOT / "sim_configs").glob("*.yaml")):
        load_scenario(path)


@pytest.mark.parametrize("name, content, expected", [
    ("bomb.yaml", "a: &a [1,1,1,1,1,1,1,1,1]\n" + "".join(
        f"{x}: &{x} [{','.join([f'*{y}'] * 9)}]\n" for x, y in zip("bcdefghi", "abcdefgh")), "YAML refused: expands"),
    ("deep.yaml", "scenario: " + "[" * 50_000 + "]" * 50_000 + "\n", "YAML refused: nested deeper than 64"),
    ("latin1.yaml", None, "not UTF-8 text (byte 0xe9 at line 1)"),
])
def test_scenario_check_exits_2_naming_the_file(tmp_path, name, content, expected):
    from sim.scenario_check import main

    path = tmp_path / name
    if content is None:
        path.write_bytes(b"scenario: caf\xe9\n")
    else:
        path.write_text(content)
    with pytest.raises(ScenarioError, match="YAML refused|not UTF-8"):
        load_scenario(path)
    assert main([str(path)]) == 2


def test_scenario_check_prints_one_line(tmp_path, capsys):
    from sim.scenario_check import main

    data = copy.deepcopy(BASE)
    data["seed"] = -1
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main([str(path)]) == 2
    assert capsys.readouterr().err == f"{path}: seed: must be within 0..4294967294, got -1\n"
