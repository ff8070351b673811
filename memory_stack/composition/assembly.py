"""The one place the stack's parts are wired together from a StackConfig.

Entry points (bench's scenario runs and batches, the planner_server / memory_server / ingest_node,
the `memstack` commands) load one `StackConfig` and call these functions instead of constructing
parts themselves, so a setting means the same thing wherever the stack runs:

- `open_memory`: the memory (scene_graph) with the `memory` section;
- `build_perception`: the frame processor with the `perception` section;
- `case_memory_path` / `open_case_memory`: THE rule for where past task executions are kept;
- `question_answering_config` / `build_answerer`, `task_config` / `build_task_planner`: the planners,
  with a planner name checked against `planner_registry.PLANNERS`;
- `assemble_sim_stack`: all of the above over a simulator backend and its skills (bench, demo).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memory_stack.composition.planner_registry import with_travel_budget
from memory_stack.composition.stack_config import StackConfig


def open_memory(db_path: str | Path | None, config: StackConfig, floor_plan: Any = None,
                read_only: bool = False) -> Any:
    """The MemoryStore at `db_path` (None: in RAM) with the config's memory section.

    For writing it holds the memory's writer lock until closed; `read_only` (commands that only read)
    opens it with SQLite `mode=ro`, takes no lock and never creates the file.
    """
    from scene_graph.store import MemoryStore

    return MemoryStore.open(db_path, floor_plan=floor_plan, config=config.memory, read_only=read_only)


def build_perception(config: StackConfig) -> Any:
    """A FrameProcessor (SensorFrame -> memory Frame) with the config's perception section."""
    from perception.frame_processing import FrameProcessor

    return FrameProcessor(config.perception)


def case_memory_path(db_path: str | Path | None, config: StackConfig) -> Path | None:
    """Where past task executions are kept: `paths.case_memory` when set, else beside the memory file.

    `memory.db` -> `memory.cases.sqlite`; a memory in RAM (None, "" or ":memory:") keeps its cases in RAM too.
    """
    from planners.acting.case_memory import cases_path_for

    if config.paths.case_memory:
        return Path(config.paths.case_memory)
    return cases_path_for(db_path)


def open_case_memory(db_path: str | Path | None, config: StackConfig) -> Any:
    from planners.acting.case_memory import CaseMemory

    return CaseMemory.open(case_memory_path(db_path, config))


def question_answering_config(config: StackConfig, planner: str | None = None,
                              budget_m: float | None = None) -> Any:
    """The config's QAConfig; with `budget_m`, the travel budget of `planner` replaced by it."""
    qa = config.question_answering
    if budget_m is None:
        return qa
    exploration = with_travel_budget(planner or "voi", qa.exploration, budget_m)
    return dataclasses.replace(qa, exploration=exploration)


def build_answerer(memory: Any, explorer: Any, config: StackConfig, qa_config: Any = None) -> Any:
    """A QuestionAnswerer over `memory`, looking through `explorer` (None: from memory alone)."""
    from planners.question_answering import QuestionAnswerer

    return QuestionAnswerer(memory, explorer, qa_config if qa_config is not None else config.question_answering)


def build_explorer(skills: Any, processor: Any, memory: Any) -> Any:
    """The Explorer that drives `skills` to look and writes what `processor` makes of the frames into memory."""
    from planners.acting.exploration import SimExplorer

    return SimExplorer(skills, processor, memory)


def build_task_planner(memory: Any, skills: Any, explorer: Any, case_memory: Any, config: StackConfig,
                       processor: Any = None, task_config: Any = None) -> Any:
    from planners.acting.task_planning import TaskPlanner

    chosen = task_config if task_config is not None else config.tasks
    return TaskPlanner(memory, skills, explorer, case_memory, chosen, processor)


@dataclass
class SimStack:
    """The parts of a stack over a simulator: what a scenario run drives and scores."""

    backend: Any
    memory: Any
    skills: Any
    processor: Any
    explorer: Any
    answerer: Any
    task_planner: Any


def assemble_sim_stack(scenario: Any, db_path: str | Path | None, config: StackConfig,
                       wrap_processor: Callable[[Any], Any] | None = None) -> SimStack:
    """Load `scenario` into the configured simulator backend and build the stack over its robot.

    `wrap_processor` may wrap the frame processor (the demo records every frame it sees).
    """
    from executor.sim_backend import SimRobotSkills
    from sim.registry import backend_from_config

    backend = backend_from_config(config.sim, scenario)
    memory = open_memory(db_path, config, scenario.floor_plan())
    processor = build_perception(config)
    if wrap_processor is not None:
        processor = wrap_processor(processor)
    skills = SimRobotSkills(backend, config.skills)
    explorer = build_explorer(skills, processor, memory)
    answerer = build_answerer(memory, explorer, config)
    task_planner = build_task_planner(memory, skills, explorer, open_case_memory(db_path, config), config)
    return SimStack(backend, memory, skills, processor, explorer, answerer, task_planner)


def where_is(config: StackConfig) -> Callable[[Any, str, float | None], list[Any]]:
    """The answer to "where is TARGET (at AT)" that `memstack query locate` and QueryMemory give.

    The planners' one model of where things are (planners.belief.priors.located_distribution) over
    the memory's remembered placements, with the config's belief settings; a structured query is no
    evidence that the thing moved (unlike a person asking, `asked_moved_likelihood_ratio` 1).
    """
    from planners.belief.priors import LocationModel, located_distribution

    beliefs = dataclasses.replace(config.question_answering.beliefs, asked_moved_likelihood_ratio=1.0)
    # The model learns its rates from the whole memory: kept while the memory is unchanged (same revision).
    current: dict[str, Any] = {"memory": None, "revision": None, "model": None}

    def locate(memory: Any, target: str, at: float | None) -> list[Any]:
        if current["memory"] is not memory or current["revision"] != memory.revision:
            current.update(memory=memory, revision=memory.revision,
                           model=LocationModel(memory, beliefs, float(memory.now)))
        return located_distribution(memory, target, now=float(memory.now), at=at, config=beliefs,
                                    model=current["model"])

    return locate
