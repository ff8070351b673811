"""The main job on embedded defaults (PyBullet, SQLite, MiniLM; no ROS daemon needed).

The robot patrols the default household over its simulated days while the timeline changes it,
builds its memory only from rendered frames, answers the scenario's questions with value-of-
information exploration, and fetches an object with the arm. Writes DIR/report.md,
DIR/results.json, DIR/memory.db, DIR/session/ (a rosbag2 directory, MCAP storage, with /tf: `ros2 bag play`,
Foxglove and `memstack replay` read it), DIR/map.png and DIR/timeline.png.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from memory_stack.commands.stack_option import stack_config
from memory_stack.composition.planner_registry import planner_names
from memory_stack.foundation.progress import progress_bar

DEFAULT_SCENARIO = "apartment_two_days.yaml"
OUTPUT_FILES = ("memory.db", "memory.db-wal", "memory.db-shm", "memory.cases.sqlite", "session.mcap")
SESSION_BAG = "session"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="demo_out", help="output directory (default: demo_out)")
    parser.add_argument("--scenario", help=f"scenario YAML (default: sim_configs/{DEFAULT_SCENARIO})")
    parser.add_argument("--planner", default="voi", choices=planner_names())
    parser.add_argument("--json", action="store_true", help="print results.json on stdout")


def run(args: argparse.Namespace) -> int:
    from bench.report_figures import draw_event_timeline, draw_scene_map
    from bench.scenario_runner import run_scenario
    from memory_node.session_recording import SessionRecorder
    from memory_stack.commands.run_scenario import results_table
    from memory_stack.foundation.package_paths import package_file
    from sim.scenario import load_scenario

    started = time.monotonic()
    config = stack_config(args)
    scenario_path = Path(args.scenario) if args.scenario else package_file("sim_configs", DEFAULT_SCENARIO)
    scenario = load_scenario(scenario_path)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUT_FILES:
        (out / name).unlink(missing_ok=True)
    if (out / SESSION_BAG).is_dir():  # a rosbag2 directory is written new: the previous run's goes
        import shutil

        shutil.rmtree(out / SESSION_BAG)
    print(f"memstack demo: {scenario.name} ({scenario.days()} simulated days, {len(scenario.questions)} questions, "
          f"{len(scenario.tasks)} tasks) -> {out}/", file=sys.stderr)

    recorder = SessionRecorder(out / SESSION_BAG, floor_plan=scenario.floor_plan())
    try:
        with progress_bar(f"demo {scenario.name}", unit="step", json_output=args.json) as bar:
            result = run_scenario(scenario, planner=args.planner, db_path=out / "memory.db", recorder=recorder,
                                  progress=lambda message: bar.write(f"  [{time.monotonic() - started:6.1f} s] "
                                                                     f"{message}"),
                                  keep_session=True, config=config, bar=bar)
    finally:
        recorder.close()
    session = result.pop("_session")
    try:
        memory = session.memory
        route = getattr(session.backend, "driven_route", None) or session.robot_path
        draw_scene_map(out / "map.png", scenario.floor_plan(), memory.objects(include_absent=True),
                       route, session.looks, title=f"{scenario.name}: what the robot remembers")
        draw_event_timeline(out / "timeline.png", memory.events(), memory.observed_intervals(),
                            title=f"{scenario.name}: remembered events and when the robot was looking")
    finally:
        session.close()
    result["summary"]["demo_wall_time_s"] = round(time.monotonic() - started, 1)
    (out / "results.json").write_text(json.dumps(result, indent=1))
    table = results_table(result)
    (out / "report.md").write_text(report_markdown(result, table, scenario_path))
    if args.json:
        print(json.dumps(result))
    else:
        print(table)
        print(f"\nwrote {out}/report.md, results.json, memory.db, {SESSION_BAG}/ (rosbag2), map.png, timeline.png "
              f"in {time.monotonic() - started:.0f} s")
    return 0


def report_markdown(result: dict, table: str, scenario_path: Path) -> str:
    s = result["summary"]
    return "\n".join([
        f"# memstack demo: {result['scenario']}",
        "",
        f"Scenario file: `{scenario_path}`; planner `{result['planner']}`; {s['frames_ingested']} frames ingested "
        f"({s['frames_rejected']} rejected by perception); wall time {s.get('demo_wall_time_s', s['wall_time_s'])} s.",
        "",
        table,
        "",
        "![top-down map of the scene graph](map.png)",
        "",
        "![events per object](timeline.png)",
        "",
        "Replay the session: `memstack replay session --db replay.db` (or `ros2 bag play session`); "
        "open `session/session_0.mcap` in Foxglove (its 3D panel places the camera from /tf).",
        "",
    ])
