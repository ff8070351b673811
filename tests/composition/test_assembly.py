"""Assembly: every part built from the StackConfig's section, and one rule for the case memory file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from executor.sim_skills_config import SimSkillsConfig
from memory_stack.composition.assembly import (
    assemble_sim_stack,
    case_memory_path,
    open_memory,
    question_answering_config,
)
from memory_stack.composition.stack_config import PathsConfig, StackConfig
from memory_stack.foundation.errors import BadInputError
from sim.scenario import load_scenario

DATA = Path(__file__).resolve().parents[1] / "bench" / "data"


@pytest.mark.parametrize("db_path, expected", [
    ("/data/home/memory.db", Path("/data/home/memory.cases.sqlite")),
    (Path("out/memory/apartment__voi__s0.db"), Path("out/memory/apartment__voi__s0.cases.sqlite")),
    (None, None), ("", None), (":memory:", None),
])
def test_cases_live_beside_the_memory_file(db_path, expected):
    assert case_memory_path(db_path, StackConfig()) == expected


def test_a_configured_case_file_wins_even_for_a_memory_in_ram(tmp_path):
    config = StackConfig(paths=PathsConfig(case_memory=str(tmp_path / "shared_cases.sqlite")))
    assert case_memory_path(tmp_path / "memory.db", config) == tmp_path / "shared_cases.sqlite"
    assert case_memory_path(None, config) == tmp_path / "shared_cases.sqlite"


def test_open_memory_uses_the_memory_section(tmp_path):
    config = StackConfig()
    config.memory.match_gate_m = 0.4
    with open_memory(tmp_path / "memory.db", config) as memory:
        assert memory.config.match_gate_m == 0.4


def test_a_goal_budget_replaces_only_the_asked_planners_budget():
    config = StackConfig()
    assert question_answering_config(config) is config.question_answering
    voi = question_answering_config(config, "voi", 12.0).exploration
    fixed = question_answering_config(config, "fixed-budget", 12.0).exploration
    assert (voi.budget_m, voi.fixed_budget_m) == (12.0, 15.0)
    assert (fixed.budget_m, fixed.fixed_budget_m) == (30.0, 12.0)
    assert config.question_answering.exploration.budget_m == 30.0, "the config itself is not changed"
    with pytest.raises(BadInputError, match="unknown planner"):
        question_answering_config(config, "teleport", 12.0)


def test_the_sim_stack_is_built_from_every_section(tmp_path):
    config = StackConfig()
    config.memory.match_gate_m = 0.5
    config.perception.max_range_m = 5.0
    config.question_answering = dataclasses.replace(config.question_answering, hedge_below=0.6)
    config.tasks.max_replans = 1
    config.skills = SimSkillsConfig(look_around_sightings=1)
    config.sim.options = {"view_time_s": 0.25}
    wrapped = []
    db = tmp_path / "memory.db"
    stack = assemble_sim_stack(load_scenario(DATA / "tiny_room.yaml"), db, config,
                               wrap_processor=lambda p: wrapped.append(p) or p)
    try:
        assert stack.memory.config.match_gate_m == 0.5
        assert stack.processor is wrapped[0] and stack.processor.config.max_range_m == 5.0
        assert stack.explorer.processor is stack.processor and stack.explorer.memory is stack.memory
        assert stack.answerer.config.hedge_below == 0.6 and stack.answerer.explorer is stack.explorer
        assert stack.task_planner.config.max_replans == 1
        assert stack.task_planner.case_memory.path == tmp_path / "memory.cases.sqlite"
        assert stack.skills.config.look_around_sightings == 1
        assert stack.backend.view_time_s == 0.25
        assert type(stack.backend).__name__ == "PyBulletBackend"
    finally:
        stack.task_planner.case_memory.close()
        stack.memory.close()
        stack.backend.close()
    assert (tmp_path / "memory.cases.sqlite").is_file()


def test_where_is_answers_with_the_planners_model_of_the_memory_as_it_is_now(monkeypatch):
    """`query locate`'s model is kept between queries, and rebuilt when the memory changes."""
    from memory_stack.composition.assembly import where_is
    from perception.frame_processing import FrameProcessor
    from perception.synthetic_stream import FLOOR_PLAN, synthetic_frames
    from planners.belief import priors
    from planners.belief.priors import located_distribution
    from scene_graph.store import MemoryStore

    built: list[float] = []

    class CountedModel(priors.LocationModel):
        def __init__(self, memory, config, now):
            built.append(now)
            super().__init__(memory, config, now)

    monkeypatch.setattr(priors, "LocationModel", CountedModel)
    frames = list(synthetic_frames(30))
    processor = FrameProcessor()
    locate = where_is(StackConfig())
    beliefs = dataclasses.replace(StackConfig().question_answering.beliefs, asked_moved_likelihood_ratio=1.0)
    with MemoryStore.open(None, FLOOR_PLAN) as memory:
        for frame in frames[:10]:
            memory.ingest(processor.process(frame))
        first = locate(memory, "mug", None)
        assert first == located_distribution(memory, "mug", memory.now, None, beliefs)
        assert first[0].source == "memory" and abs(sum(b.probability for b in first) - 1.0) < 1e-9
        revision = memory.revision
        assert locate(memory, "mug", None) == first and memory.revision == revision  # reading changes nothing
        assert len(built) == 2  # where_is's, kept for the second query, and the direct call's
        for frame in frames[10:]:
            memory.ingest(processor.process(frame))
        assert memory.revision != revision
        later = locate(memory, "mug", None)
        assert len(built) == 3 and built[-1] == memory.now  # rebuilt for the changed memory
        assert later == located_distribution(memory, "mug", memory.now, None, beliefs)
        assert later != first  # later sightings: a different memory, a different answer
