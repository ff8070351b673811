"""The nodes' `config_file` parameter: planner_server, memory_server and ingest_node build their parts from it."""

from __future__ import annotations

import pytest

pytest.importorskip("rclpy")

from .node_harness import stack_arguments  # noqa: E402

STACK_YAML = """\
memory:
  match_gate_m: 0.4
perception:
  max_range_m: 4.5
question_answering:
  exploration:
    cost_weight: 0.2
    budget_m: 11.0
tasks:
  max_replans: 1
  search:
    cost_weight: 0.3
paths:
  case_memory: {cases}
"""


@pytest.fixture
def stack_file(tmp_path):
    path = tmp_path / "stack.yaml"
    path.write_text(STACK_YAML.format(cases=tmp_path / "shared_cases.sqlite"))
    return path


@pytest.fixture
def ros(ros_domain):
    import rclpy

    started = []

    def init(args):
        rclpy.init(args=args)
        started.append(True)

    yield init
    if started:
        rclpy.shutdown()


def test_planner_server_takes_its_planner_settings_from_the_file(ros, tmp_path, stack_file):
    from memory_node.planner_server import PlannerServer

    ros(stack_arguments(tmp_path / "memory.db", config_file=str(stack_file)))
    node = PlannerServer()
    try:
        assert (node.cost_weight, node.budget_m, node.max_replans) == (0.2, 11.0, 1)
        assert node.case_db_path == str(tmp_path / "shared_cases.sqlite")
        voi = node.qa_config("voi").exploration
        assert (voi.cost_weight, voi.budget_m, voi.fixed_budget_m) == (0.2, 11.0, 15.0)
        tasks = node.task_config()
        assert tasks.max_replans == 1 and tasks.search.cost_weight == 0.3, "the file's task search is kept"
        assert node.processor.config.max_range_m == 4.5
        assert node.memory.config.match_gate_m == 0.4
        assert node.case_memory.path == tmp_path / "shared_cases.sqlite"
    finally:
        node.destroy_node()


def test_node_parameters_override_the_file(ros, tmp_path, stack_file):
    from memory_node.planner_server import PlannerServer

    ros(stack_arguments(tmp_path / "memory.db", config_file=str(stack_file), cost_weight=0.05, max_replans=2,
                        case_db_path=str(tmp_path / "mine.sqlite")))
    node = PlannerServer()
    try:
        voi = node.qa_config("voi").exploration
        assert (voi.cost_weight, voi.budget_m) == (0.05, 11.0)
        tasks = node.task_config()
        assert (tasks.max_replans, tasks.search.cost_weight) == (2, 0.05), "a parameter set on the node wins"
        assert node.case_memory.path == tmp_path / "mine.sqlite"
    finally:
        node.destroy_node()


def test_a_goal_budget_is_its_planners_budget_and_fixed_budget_defaults_to_15_m(ros, tmp_path):
    from memory_node.planner_server import PlannerServer

    ros(stack_arguments(tmp_path / "memory.db"))
    node = PlannerServer()
    try:
        assert node.qa_config("fixed-budget").exploration.fixed_budget_m == 15.0
        assert node.qa_config("voi").exploration.budget_m == 30.0
        fixed = node.qa_config("fixed-budget", max_path_m=7.0).exploration
        assert (fixed.fixed_budget_m, fixed.budget_m) == (7.0, 30.0)
        voi = node.qa_config("voi", max_path_m=7.0).exploration
        assert (voi.budget_m, voi.fixed_budget_m) == (7.0, 15.0)
        assert node.case_memory.path == tmp_path / "memory.cases.sqlite", "the one rule: beside the memory"
    finally:
        node.destroy_node()


def test_an_unknown_goal_planner_names_the_known_ones(ros, tmp_path):
    from memory_node.planner_server import PlannerServer
    from memory_stack.foundation.errors import BadInputError

    ros(stack_arguments(tmp_path / "memory.db"))
    node = PlannerServer()
    try:
        with pytest.raises(BadInputError, match=r"goal field 'planner': unknown planner 'teleport' "
                                                r"\(known: explore-all, fixed-budget, memory-only, voi\)"):
            node.answer("Where is the mug?", 100.0, "teleport")
    finally:
        node.destroy_node()


@pytest.mark.parametrize("node_module, node_class", [
    ("memory_node.planner_server", "PlannerServer"),
    ("memory_node.memory_server", "MemoryServerNode"),
    ("memory_node.ingest_node", "IngestNode"),
])
def test_a_bad_config_file_stops_the_node_naming_file_and_field(ros, tmp_path, node_module, node_class):
    import importlib

    from memory_stack.foundation.errors import BadInputError

    bad = tmp_path / "bad.yaml"
    bad.write_text("memory:\n  match_gate: 0.4\n")
    ros(stack_arguments(tmp_path / "memory.db", config_file=str(bad)))
    cls = getattr(importlib.import_module(node_module), node_class)
    with pytest.raises(BadInputError) as raised:
        cls()
    message = str(raised.value)
    assert "parameter 'config_file'" in message and f"{bad}: memory.match_gate: unknown key" in message


def test_memory_server_and_ingest_node_open_the_memory_with_the_files_sections(ros, tmp_path, stack_file):
    from rclpy.lifecycle import TransitionCallbackReturn

    from memory_node.ingest_node import IngestNode
    from memory_node.memory_server import MemoryServerNode

    ros(stack_arguments(tmp_path / "memory.db", config_file=str(stack_file), perception_process=False))
    server = MemoryServerNode()
    ingest = IngestNode()
    try:
        assert server.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert server.shared.store.config.match_gate_m == 0.4
        assert ingest.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert ingest.shared is server.shared, "one store per process and file"
        assert ingest._processor.config.max_range_m == 4.5
        assert ingest.trigger_cleanup() == TransitionCallbackReturn.SUCCESS
        assert server.trigger_cleanup() == TransitionCallbackReturn.SUCCESS
    finally:
        ingest.destroy_node()
        server.destroy_node()


def test_ingest_node_alone_opens_the_memory_with_the_memory_section(ros, tmp_path, stack_file):
    from rclpy.lifecycle import TransitionCallbackReturn

    from memory_node.ingest_node import IngestNode

    ros(stack_arguments(tmp_path / "memory.db", config_file=str(stack_file), perception_process=False))
    ingest = IngestNode()
    try:
        assert ingest.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert ingest.shared.store.config.match_gate_m == 0.4
        assert ingest.trigger_cleanup() == TransitionCallbackReturn.SUCCESS
    finally:
        ingest.destroy_node()
