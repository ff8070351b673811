"""Playing the robot's own observe schedule: patrols visit every room, watches catch each change."""

from __future__ import annotations

from bench.render_benchmark import main as benchmark_main
from sim.observe_schedule import play_observe_schedule
from sim.pybullet_backend import PyBulletBackend
from sim.scenario import scenario_from_dict
from tests.sim.test_pybullet_backend import small_house


def _scenario():
    data = small_house(timeline=[{"at": "d1 10:10", "open": "fridge"}, {"at": "d1 10:20", "close": "fridge"}])
    data["world"]["doors"].append({"rooms": ["a", "island"], "at": [1.5, 4.0], "width": 1.0})
    data["observe"] = [{"at": "d1 08:00", "patrol": "all"},
                       {"from": "d1 10:00", "to": "d1 10:30", "watch": "a", "period_s": 900}]
    return scenario_from_dict(data, "schedule.yaml")


def test_patrol_and_watch_frames_and_time():
    scenario = _scenario()
    batches = []
    with PyBulletBackend(scenario) as sim:
        stats = play_observe_schedule(sim, scenario, on_frames=batches.append, views=4)
        assert stats.failed_moves == []
        assert stats.patrols == 1 and stats.watches == 1
        # patrol: 3 rooms x 4 views; watch: arrival + 3 periodic looks (10:00, 10:15, 10:30) + 2 changes
        assert stats.frames == 3 * 4 + 4 + 3 * 4 + 2 * 4 == sum(len(b) for b in batches)
        assert scenario.end_time() <= sim.now < scenario.end_time() + 10.0  # the last look takes a few seconds
        rooms_seen = {scenario.room_at(b[0].robot_pose.x, b[0].robot_pose.y) for b in batches[:3]}
        assert rooms_seen == {"a", "b", "island"}
        # the frame right after the fridge opened shows its door swung out
        after_open = [b for b in batches if b[0].time > 10 * 3600 + 10 * 60][0]
        assert after_open[0].time < 10 * 3600 + 12 * 60
        assert stats.path_length_m > 5.0


def test_benchmark_command_prints_numbers(capsys, tmp_path):
    import yaml

    path = tmp_path / "schedule.yaml"
    data = small_house()
    data["observe"] = [{"at": "d1 08:00", "patrol": ["a", "b"]}]
    path.write_text(yaml.safe_dump(data))
    assert benchmark_main(["--scenario", str(path), "--frames", "3", "--width", "64", "--height", "48", "--json"]) == 0
    import json

    result = json.loads(capsys.readouterr().out)
    assert result["render"]["fps_median"] > 0 and result["render"]["width"] == 64
    assert result["schedules"][0]["frames"] == 16 and result["schedules"][0]["sim_days_per_wall_minute"] > 0
