"""Scenario time and the scenario loader/validator: every class of error names the file and the field."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.time_format import TimeFormatError, format_time, parse_time
from sim.scenario import ScenarioError, load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "sim_configs" / "apartment_two_days.yaml"


def test_parse_time_strings_and_numbers():
    assert parse_time("d1 00:00") == 0.0
    assert parse_time("d2 08:30") == 86400 + 8 * 3600 + 30 * 60
    assert parse_time("d3 23:59:30") == 2 * 86400 + 23 * 3600 + 59 * 60 + 30
    assert parse_time(125) == 125.0
    assert parse_time(12.5) == 12.5
    assert parse_time("3600") == 3600.0


@pytest.mark.parametrize("bad", ["d0 08:00", "d2 24:00", "d2 8h30", "tomorrow", -5, True, None, float("nan")])
def test_parse_time_errors_quote_the_value(bad):
    with pytest.raises(TimeFormatError) as info:
        parse_time(bad)
    assert repr(bad) in str(info.value)
    assert isinstance(info.value, BadInputError)


def test_format_time_round_trips():
    assert format_time(parse_time("d2 08:30")) == "d2 08:30"
    assert format_time(0) == "d1 00:00"
    assert format_time(86400 * 6 + 59) == "d7 00:00:59"
    for t in (0.0, 61.0, 99999.0, 500000.0):
        assert parse_time(format_time(t)) == pytest.approx(t)


def test_default_scenario_loads_with_typed_fields():
    s = load_scenario(DEFAULT)
    assert s.name == "apartment_two_days"
    plan = s.floor_plan()
    assert [r.name for r in plan.rooms] == ["kitchen", "living_room"]
    assert plan.doors[0].rooms == ("kitchen", "living_room")
    assert s.timeline[0].kind == "move" and s.timeline[0].time == parse_time("d1 09:00")
    assert s.observe[1].kind == "watch" and s.observe[1].start < s.observe[1].end
    q = {q.id: q for q in s.questions}
    assert q["q1"].answer == {"rests_on": "coffee_table"} and q["q3"].answer == 1 and q["q4"].answer is False
    assert s.tasks[0].goal.category == "mug" and s.tasks[0].goal.rests_on == "counter"
    assert s.days() == 2


def _base() -> dict:
    return yaml.safe_load(DEFAULT.read_text())


def _error(mutate) -> str:
    data = copy.deepcopy(_base())
    mutate(data)
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, "sim_configs/x.yaml")
    assert isinstance(info.value, BadInputError)
    return str(info.value)


T3 = "d3 01:00"


def _append(key, item):
    return lambda d: d[key].append(item)


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d.update(colour="red"), "sim_configs/x.yaml: colour: unknown key"),
    (lambda d: d["world"]["furniture"][0].update(colour=1), "world.furniture[0].colour: unknown key"),
    (lambda d: d["observe"][1].update(every=3), "observe[1].every: unknown key"),
    (lambda d: d["timeline"][0].update(to="desk"), "timeline[0].to: unknown furniture 'desk'"),
    (lambda d: d["world"]["objects"][0].update(rests_on="desk"), "world.objects[0].rests_on: unknown furniture 'desk'"),
    (lambda d: d["world"]["furniture"][0].update(room="attic"), "world.furniture[0].room: unknown room 'attic'"),
    (lambda d: d["world"]["furniture"][0].update(at=[0.5, 0.6]), "world.furniture[0].at: counter 'counter'"),
    (lambda d: d["world"]["furniture"][2].update(at=[2.0, 2.0]), "world.furniture[2].at: [2.0, 2.0] is outside room"),
    (lambda d: d["timeline"][1].update(at="d1 08:00"), "timeline[1].at: time 'd1 08:00' goes backwards"),
    (_append("timeline", {"at": T3, "open": "counter"}), "timeline[6].open: furniture 'counter' is not openable"),
    (_append("timeline", {"at": "d3 01:00", "remove": "keys_1"}), "timeline[6].remove: 'keys_1' is not there any more"),
    (_append("timeline", {"at": "d3 01:00", "move": "keys_1", "to": "counter"}), "timeline[6].move: object 'keys_1'"),
    (_append("timeline", {"at": T3, "move": "ghost", "to": "counter"}), "timeline[6].move: object 'ghost' is unknown"),
    (_append("timeline", {"at": T3, "close": "fridge"}), "timeline[6].close: furniture 'fridge' is already closed"),
    (_append("timeline", {"at": "d3 01:00", "open": "fridge", "move": "mug_1"}), "timeline[6]: exactly one of"),
    (_append("timeline", {"at": "d3 01:00", "add": {"id": "mug_1", "category": "mug", "rests_on": "counter"}}),
     "timeline[6].add.id: id 'mug_1' is already in use"),
    (lambda d: d["timeline"].extend([{"at": "d3 01:00", "remove": "coffee_table"}]),
     "timeline[6].remove: furniture 'coffee_table' still holds"),
    (lambda d: d["timeline"].extend([{"at": "d3 01:00", "remove": "counter"}]), "still holds"),
    (lambda d: d["observe"][1].update({"from": "d1 xx"}), "observe[1].from: time 'd1 xx'"),
    (lambda d: d["observe"][2].update(at="d1 06:00"), "observe[2].at: observe entries go backwards"),
    (lambda d: d["observe"][0].update(patrol=["garage"]), "observe[0].patrol[0]: unknown room 'garage'"),
    (lambda d: d["questions"][0].update(answer={"rests_on": "desk"}),
     "questions[0].answer.rests_on: unknown furniture"),
    (lambda d: d["questions"][5].update(answer={"room": "attic"}), "questions[5].answer.room: unknown room 'attic'"),
    (lambda d: d["questions"][0].update(at="d9 25:00"), "questions[0].at"),
    (lambda d: d["tasks"][0]["goal"].update(rests_on="desk"), "tasks[0].goal.rests_on: unknown furniture 'desk'"),
    (lambda d: d["tasks"][0]["goal"].update(cannot="too heavy"), "tasks[0].goal.cannot: expected one of"),
    (lambda d: d["world"]["doors"][0].update(at=[3.0, 3.0]), "world.doors[0].at"),
    (lambda d: d["robot"]["noise"].update(miss_rate=1.5), "robot.noise.miss_rate"),
    (lambda d: d["robot"]["start"].update(at=[4.3, 0.6]), "robot.start.at: [4.3, 0.6] is inside furniture 'fridge'"),
    (lambda d: d["world"]["furniture"][1].update(yaw="north"), "world.furniture[1].yaw: expected a number"),
])
def test_validation_errors_name_file_and_field(mutate, expected):
    message = _error(mutate)
    assert message.startswith("sim_configs/x.yaml: ")
    assert expected in message


def test_move_to_removed_furniture_is_an_error():
    data = copy.deepcopy(_base())
    stool = {"id": "stool", "category": "side_table", "room": "living_room", "at": [6.0, 4.5]}
    data["world"]["furniture"].append(stool)
    data["timeline"] += [{"at": "d3 01:00", "remove": "stool"}, {"at": "d3 02:00", "move": "mug_1", "to": "stool"}]
    with pytest.raises(ScenarioError, match=r"timeline\[7\]\.to: furniture 'stool' has been removed"):
        scenario_from_dict(data, "x.yaml")


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(ScenarioError, match="missing.yaml"):
        load_scenario(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: [unclosed\n")
    with pytest.raises(ScenarioError, match="bad.yaml: not valid YAML"):
        load_scenario(bad)
    bad.write_text("- just a list\n")
    with pytest.raises(ScenarioError, match="bad.yaml: expected a mapping"):
        load_scenario(bad)


def test_time_round_trip_property():
    from hypothesis import given
    from hypothesis import strategies as st

    @given(st.integers(min_value=0, max_value=60 * 86400 - 1))
    def round_trip(seconds):
        text = format_time(seconds)
        assert parse_time(text) == seconds
        assert text.startswith(f"d{seconds // 86400 + 1} ")

    round_trip()


def test_scenario_check_command(tmp_path):
    import json
    import subprocess
    import sys

    bad = tmp_path / "bad.yaml"
    data = _base()
    data["timeline"][0]["to"] = "desk"
    bad.write_text(yaml.safe_dump(data))
    proc = subprocess.run([sys.executable, "-m", "sim.scenario_check", str(DEFAULT), str(bad), "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert f"{bad}: timeline[0].to: unknown furniture 'desk'" in proc.stderr
    report = json.loads(proc.stdout)
    assert report["ok"] is False and report["scenarios"][0]["rooms"] == 2
