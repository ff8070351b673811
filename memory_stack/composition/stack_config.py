"""`StackConfig`: every tunable of an assembled stack in one typed YAML document.

Each section is the dataclass its part already takes, so a section's defaults are that part's
defaults and nothing is restated here:

```yaml
memory: {match_gate_m: 0.75}            # scene_graph.config.MemoryConfig
perception: {max_range_m: 6.0}          # perception.config.PerceptionConfig
question_answering:                     # planners.question_answering.QAConfig
  exploration: {cost_weight: 0.01}      #   ExplorationConfig of the planners' policies
  beliefs: {not_in_house_share: 0.1}    #   BeliefConfig
tasks:                                  # planners.acting.task_planning.TaskConfig
  search: {budget_m: 30.0}              #   ExplorationConfig of a task's searches
  beliefs: {not_in_house_share: 0.1}
skills: {look_around_sightings: 2}      # executor.sim_skills_config.SimSkillsConfig (the simulated robot)
sim: {type: pybullet, options: {}}      # sim.registry.SimBackendConfig
paths: {case_memory: null}              # PathsConfig below
```

A section given in part keeps the rest of its default, also where that default differs from its
class's (question answering's beliefs assume an asked-about object 4x more likely moved:
`question_answering: {beliefs: {not_in_house_share: 0.2}}` keeps that 4.0). Loading rejects
unknown keys and wrong types with the file and the field path
(`stack.yaml: memory.match_gate: unknown key (allowed: ...)`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from executor.sim_skills_config import SimSkillsConfig
from memory_stack.foundation.typed_config import ConfigError, build_dataclass, load_yaml_file
from perception.config import PerceptionConfig
from planners.acting.task_planning import TaskConfig
from planners.question_answering import QAConfig
from scene_graph.config import MemoryConfig
from sim.registry import SimBackendConfig


@dataclass
class PathsConfig:
    """Files the stack keeps besides the memory."""

    # past task executions (planners.acting.case_memory); None: beside the memory file
    # (memory.db -> memory.cases.sqlite), and kept in RAM when the memory is
    case_memory: str | None = None


@dataclass
class StackConfig:
    """The whole stack's settings; `StackConfig()` is what every entry point ran with before."""

    memory: MemoryConfig = field(default_factory=MemoryConfig)
    perception: PerceptionConfig = field(default_factory=PerceptionConfig)
    question_answering: QAConfig = field(default_factory=QAConfig)
    tasks: TaskConfig = field(default_factory=TaskConfig)
    skills: SimSkillsConfig = field(default_factory=SimSkillsConfig)
    sim: SimBackendConfig = field(default_factory=SimBackendConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)


def load_stack_config(path: str | Path | None) -> StackConfig:
    """The StackConfig in YAML file `path`; None or "" gives the defaults. An empty file is all defaults."""
    if path is None or str(path) == "":
        return StackConfig()
    data = load_yaml_file(path)
    return stack_config_from_dict({} if data is None else data, source=str(path))


def stack_config_from_dict(data: Any, source: str = "<stack config>") -> StackConfig:
    if not isinstance(data, dict):
        raise ConfigError(source, "", f"expected a mapping of sections, got {type(data).__name__}")
    return build_dataclass(StackConfig, _over_defaults(StackConfig(), dict(data)), source=source)


def stack_config_to_dict(config: StackConfig) -> dict[str, Any]:
    """Plain YAML-safe data (tuples become lists) that `stack_config_from_dict` turns back into `config`."""
    return _plain(dataclasses.asdict(config))


def _over_defaults(default: Any, data: Any) -> Any:
    """`data` with every field it leaves out taken from `default` (dataclass `data` is read into), at every depth."""
    if not dataclasses.is_dataclass(default) or not isinstance(data, dict):
        return data
    merged = dict(data)
    for item in dataclasses.fields(default):
        if not item.init:
            continue
        value = getattr(default, item.name)
        if item.name in data:
            merged[item.name] = _over_defaults(value, data[item.name])
        else:
            merged[item.name] = _plain(dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value)
    return merged


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
