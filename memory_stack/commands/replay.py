"""Ingest a recorded bag of the input topics into a memory (rosbag2 directory or MCAP file).

The bag is a rosbag2 directory (sqlite3 or MCAP storage, as `ros2 bag record` writes it) or an MCAP file.

The messages go through the ingest node's own path (conversion, approximate-time synchronisation,
perception, memory write) without a ROS graph. Topic names and synchronisation settings come from
the `ingest_node` section of the parameter file (default config/memory_stack.yaml); the memory and
perception settings from the StackConfig of `--config`. Bag topics match the inputs with or without a
leading `/`; `--remap FROM:=TO` renames a bag topic onto an input. Stamps are ROS time (Unix or a
simulator clock): the memory keeps the epoch its first frame fixed (memory.time_epoch). A replay that
ingests no frame exits 2, naming the topics the bag holds and the topics expected.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from memory_stack.commands.stack_option import stack_config
from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.progress import progress_bar


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bag", help="MCAP file or rosbag2 directory")
    parser.add_argument("--db", required=True, help="SQLite memory file")
    parser.add_argument("--params", help="node parameter YAML (default: config/memory_stack.yaml)")
    parser.add_argument("--floor-plan", help="floor-plan or scenario YAML: the prior map "
                                             "(default: the one recorded in the bag, if any)")
    parser.add_argument("--remap", action="append", default=[], metavar="FROM:=TO",
                        help="read bag topic FROM as input topic TO (repeatable), e.g. "
                             "/head_camera/rgb:=camera/color/image_raw")
    parser.add_argument("--detector", metavar="SPEC",
                        help="run the detector stage on the bag's colour images instead of reading a detections "
                             "topic: 'yolov3-tiny' (memstack detector fetch) or a DetectorConfig YAML")
    parser.add_argument("--detect-every-frame", action="store_true",
                        help="with --detector: run it on every frame, not only on keyframes (a sparse bag)")
    parser.add_argument("--json", action="store_true", help="print one JSON document with what was ingested")


def run(args: argparse.Namespace) -> int:
    from memory_node.ros_environment import RosEnvironmentError, require_ros
    from memory_stack.foundation.package_paths import default_params_file
    from memory_stack.foundation.typed_config import load_yaml_file

    bag = Path(args.bag)
    if not bag.exists():
        raise BadInputError(f"{bag}: no such MCAP file or rosbag2 directory")
    params_path = Path(args.params) if args.params else default_params_file()
    params = load_yaml_file(params_path) or {}
    config = stack_config(args)
    section = (params.get("ingest_node") or {}).get("ros__parameters", {}) if isinstance(params, dict) else {}
    try:
        require_ros()
    except RosEnvironmentError as exc:
        raise BadInputError(str(exc)) from exc

    from memory_node.ingest_pipeline import settings_from_parameters
    from memory_node.session_recording import bag_floor_plan
    from memory_node.session_replay import parse_remaps, replay_bag
    from memory_stack.composition.assembly import build_perception, open_memory

    settings = settings_from_parameters(section, source=str(params_path))
    detector_stage = None
    if args.detector or settings.detections_type == "detector":
        from perception.detector_stage import build_detector_stage

        settings.detections_type = "detector"
        detector_stage = build_detector_stage(args.detector or str(section.get("detector", "yolov3-tiny")),
                                              every_frame=args.detect_every_frame)
    remap = parse_remaps(args.remap)
    if args.floor_plan:
        from scene_graph.floor_plan_file import load_floor_plan_file

        floor_plan = load_floor_plan_file(args.floor_plan)
    else:
        floor_plan = bag_floor_plan(bag)
    with open_memory(args.db, config) as store:
        if floor_plan is not None and (args.floor_plan or store.floor_plan is None):
            store.set_floor_plan(floor_plan)
        with progress_bar(f"replay {bag.name}", total=bag_message_count(bag), unit="msg",
                          json_output=args.json) as bar:
            report = replay_bag(bag, store, settings, build_perception(config), remap=remap, bar=bar,
                                detector_stage=detector_stage)
        objects = len(store.snapshot(None).objects)
    result = report.as_dict() | {"db": str(args.db), "objects": objects}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{bag}: {report.messages} messages, {report.frames_ingested} frames ingested, "
              f"{report.frames_rejected} rejected, {objects} objects in {args.db}")
        if report.last_error:
            print(f"last problem: {report.last_error}", file=sys.stderr)
    return 0


def bag_message_count(bag: Path) -> int | None:
    """Messages in a rosbag2 directory (metadata.yaml) or an MCAP file (its summary); None if unknown."""
    try:
        if bag.is_dir():
            import yaml

            info = yaml.safe_load((bag / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
            return int(info["message_count"]) or None
        from mcap.reader import make_reader

        with bag.open("rb") as handle:
            summary = make_reader(handle).get_summary()
        return int(summary.statistics.message_count) if summary and summary.statistics else None
    except Exception:  # a count is only for the bar's ETA; replay itself reports a bad bag
        return None
