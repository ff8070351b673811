"""StackConfig: one YAML for the whole stack; defaults are the parts' own; bad files named precisely."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
import yaml

from executor.sim_skills_config import SimSkillsConfig
from memory_stack.composition.stack_config import (
    PathsConfig,
    StackConfig,
    load_stack_config,
    stack_config_from_dict,
    stack_config_to_dict,
)
from memory_stack.foundation.typed_config import ConfigError
from perception.config import PerceptionConfig
from planners.acting.task_planning import TaskConfig
from planners.question_answering import QAConfig
from scene_graph.config import MemoryConfig
from sim.registry import SimBackendConfig


def test_defaults_are_each_parts_own_defaults():
    config = load_stack_config(None)
    assert config == StackConfig()
    assert config.memory == MemoryConfig()
    assert config.perception == PerceptionConfig()
    assert config.question_answering == QAConfig()
    assert config.tasks == TaskConfig()
    assert config.skills == SimSkillsConfig()
    assert config.sim == SimBackendConfig()
    assert config.paths == PathsConfig() and config.paths.case_memory is None
    # question answering assumes an asked-about object more likely moved than a task's search does
    assert config.question_answering.beliefs != config.tasks.beliefs


def test_an_empty_file_is_the_defaults(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    assert load_stack_config(path) == StackConfig()


def test_round_trip_through_yaml_keeps_every_value(tmp_path):
    changed = StackConfig()
    changed.memory.match_gate_m = 0.5
    changed.perception.max_range_m = 4.0
    changed.question_answering.exploration.cost_weight = 0.05
    changed.tasks.search.budget_m = 12.0
    changed.tasks.max_replans = 1
    changed.skills = SimSkillsConfig(standoff_radii_m=(0.6, 0.9))
    changed.sim.options = {"view_time_s": 0.25}
    changed.paths.case_memory = str(tmp_path / "cases.sqlite")
    path = tmp_path / "stack.yaml"
    path.write_text(yaml.safe_dump(stack_config_to_dict(changed)))
    loaded = load_stack_config(path)
    assert loaded == changed
    assert loaded != StackConfig()
    assert loaded.skills.standoff_radii_m == (0.6, 0.9)


def test_a_partial_file_changes_only_what_it_names(tmp_path):
    path = tmp_path / "stack.yaml"
    path.write_text("memory:\n  match_gate_m: 0.5\nquestion_answering:\n  exploration:\n    budget_m: 10\n")
    loaded = load_stack_config(path)
    assert loaded.memory == dataclasses.replace(MemoryConfig(), match_gate_m=0.5)
    assert loaded.question_answering.exploration.budget_m == 10.0
    assert loaded.question_answering.beliefs == QAConfig().beliefs
    assert loaded.tasks == TaskConfig() and loaded.perception == PerceptionConfig()


@pytest.mark.parametrize("text, field_path", [
    ("memory:\n  match_gate: 0.5\n", "memory.match_gate"),
    ("question_answering:\n  exploration:\n    cost_weigth: 0.1\n", "question_answering.exploration.cost_weigth"),
    ("planners: {}\n", "planners"),
    ("tasks:\n  max_replans: many\n", "tasks.max_replans"),
    ("skills:\n  look_around_view: 3\n", "skills.look_around_view"),
    ("skills:\n  standoff_radii_m: 0.5\n", "skills.standoff_radii_m"),
])
def test_unknown_keys_and_wrong_types_name_the_file_and_the_field(tmp_path, text, field_path):
    path = tmp_path / "stack.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_stack_config(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: {field_path}: "), message
    assert "\n" not in message


def test_unknown_key_lists_what_is_allowed(tmp_path):
    path = tmp_path / "stack.yaml"
    path.write_text("memroy: {}\n")
    with pytest.raises(ConfigError, match=r"unknown key \(allowed: memory, paths, perception, question_answering, "
                                          r"sim, skills, tasks\)"):
        load_stack_config(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="absent.yaml: cannot read file"):
        load_stack_config(tmp_path / "absent.yaml")


def test_from_dict_names_its_source():
    with pytest.raises(ConfigError, match=r"^node parameter config_file: sim.kind: unknown key"):
        stack_config_from_dict({"sim": {"kind": "pybullet"}}, source="node parameter config_file")


def test_loading_a_config_without_skills_leaves_the_simulator_unloaded(tmp_path):
    """Commands that only read a memory (ask, import) load the StackConfig; PyBullet must stay out of them."""
    path = tmp_path / "stack.yaml"
    path.write_text("memory: {match_gate_m: 0.5}\n")
    code = ("import sys; from memory_stack.composition.stack_config import load_stack_config; "
            f"load_stack_config({str(path)!r}); print('pybullet' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False" and done.stderr == ""


def test_a_nested_section_given_in_part_keeps_the_rest_of_its_default(tmp_path):
    path = tmp_path / "stack.yaml"
    path.write_text("question_answering:\n  beliefs:\n    not_in_house_share: 0.2\n")
    beliefs = load_stack_config(path).question_answering.beliefs
    assert beliefs.not_in_house_share == 0.2
    assert beliefs.asked_moved_likelihood_ratio == QAConfig().beliefs.asked_moved_likelihood_ratio == 8.0
    assert dataclasses.replace(beliefs, not_in_house_share=QAConfig().beliefs.not_in_house_share) == QAConfig().beliefs


def test_the_shipped_example_is_the_defaults():
    from memory_stack.foundation.package_paths import package_file

    assert load_stack_config(package_file("config", "stack.yaml")) == StackConfig()
