"""One scenario end to end, scored.

The simulated household lives through its days, memory is built only from rendered frames,
questions are answered by a planner, tasks are executed by the arm.

`run_scenario` only wires parts together (the pydrake `run(scenario)` pattern): the simulator
(sim/), perception (perception/), the memory (scene_graph/), the planners (planners/) and the
executor (executor/). Scoring (bench.evaluation) is the only place ground truth is read.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from bench.evaluation import (
    is_stale_question,
    nearest_furniture,
    question_type,
    score_answer,
    score_spl,
    stale_probe_questions,
)
from bench.patrol import patrol_viewpoints
from memory_stack.composition.assembly import SimStack, assemble_sim_stack
from memory_stack.composition.stack_config import StackConfig
from memory_stack.foundation.progress import ProgressBar
from memory_stack.foundation.time_format import format_time
from planners.acting.task_outcomes import CANNOT_REACH
from sim.scenario import Question, Scenario, Task, load_scenario

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass
class AgendaItem:
    time: float
    order: int
    kind: str  # patrol | watch | question | task
    item: Any


def build_agenda(scenario: Scenario, probes: list[Question] = ()) -> list[AgendaItem]:
    """Observations, questions, probes and tasks in time order (in that order at equal times).

    Probes (generated questions, bench.evaluation.stale_probe_questions) come after the scenario's
    own questions at the same time, so they never change what those questions find in memory.
    """
    items = [AgendaItem(o.start, 0, o.kind, o) for o in scenario.observe]
    items += [AgendaItem(q.time, 1, "question", q) for q in scenario.questions]
    items += [AgendaItem(q.time, 2, "probe", q) for q in probes]
    items += [AgendaItem(t.time, 3, "task", t) for t in scenario.tasks]
    return sorted(items, key=lambda a: (a.time, a.order))


class RecordingProcessor:
    """Perception that also records every sensor frame it sees (the demo's session rosbag2)."""

    def __init__(self, processor: Any, recorder: Any | None) -> None:
        self.processor = processor
        self.recorder = recorder

    def process(self, sensor_frame: Any) -> Any:
        if self.recorder is not None:
            self.recorder.write_frame(sensor_frame)
        return self.processor.process(sensor_frame)


@dataclass
class ScenarioSession(SimStack):
    """The parts of one run (the assembled SimStack) and its scenario; also what the demo draws from."""

    scenario: Scenario = field(kw_only=True)
    robot_path: list[tuple[float, float]] = field(default_factory=list)
    looks: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    @classmethod
    def create(cls, scenario: Scenario, db_path: str | Path | None, seed: int | None = None,
               recorder: Any | None = None, config: StackConfig | None = None) -> ScenarioSession:
        """Assemble the stack for `scenario` (memory at `db_path`, None: in RAM) from `config` (None: defaults)."""
        if seed is not None:
            scenario.seed = int(seed)
        parts = assemble_sim_stack(scenario, db_path, config or StackConfig(),
                                   wrap_processor=lambda processor: RecordingProcessor(processor, recorder))
        session = cls(**{f.name: getattr(parts, f.name) for f in fields(SimStack)}, scenario=scenario)
        session._note_pose()
        return session

    def close(self) -> None:
        self.memory.close()
        self.backend.close()

    def _note_pose(self) -> None:
        pose = self.backend.robot_pose()
        point = (round(float(pose.x), 3), round(float(pose.y), 3))
        if not self.robot_path or self.robot_path[-1] != point:
            self.robot_path.append(point)

    @property
    def frames_ingested(self) -> int:
        """Every frame written to memory: patrols, watches, question looks and task frames."""
        return self.explorer.frames_ingested

    @property
    def frames_rejected(self) -> int:
        return self.explorer.frames_rejected

    def ingest(self, sensor_frames: list[Any]) -> None:
        self.explorer.ingest(sensor_frames)

    def patrol(self, rooms: list[str]) -> None:
        episode = self.memory.begin_episode("patrol", ",".join(rooms), self.backend.now)
        for room in rooms:
            for x, y in patrol_viewpoints(self.scenario.floor_plan(), room):
                moved = self.skills.navigate_to(x, y)
                self._note_pose()
                if not moved.success:
                    log.debug("patrol viewpoint (%.1f, %.1f) in %s skipped: %s", x, y, room, moved.reason)
                    continue
                self.ingest(moved.frames + self.skills.look_around().frames)
        self.memory.end_episode(episode, self.backend.now)

    def watch(self, room: str, start: float, end: float, period_s: float) -> None:
        """Stay in a room and look at every change of the world and every `period_s`."""
        episode = self.memory.begin_episode("watch", room, start)
        viewpoints = patrol_viewpoints(self.scenario.floor_plan(), room)
        if viewpoints:
            self.skills.navigate_to(*viewpoints[0])
            self._note_pose()
        times = {start + k * period_s for k in range(int((end - start) // period_s) + 1)}
        times |= {e.time + 1.0 for e in self.scenario.timeline if start <= e.time <= end}
        for t in sorted(x for x in times if x <= end):
            if t > self.backend.now:
                self.backend.advance_to(t)
            self.ingest(self.skills.look_around().frames)
        self.memory.end_episode(episode, self.backend.now)

    def ask(self, question: Question, planner: str) -> dict[str, Any]:
        start_xy = self.robot_path[-1] if self.robot_path else (0.0, 0.0)
        now = self.backend.now
        baseline = self.answerer.answer(question.ask, now, planner="memory-only")
        memory_score = score_answer(self.scenario, question, baseline.answer_dict())
        report = baseline if planner == "memory-only" else self.answerer.answer(question.ask, now, planner=planner)
        self._note_pose()
        score = score_answer(self.scenario, question, report.answer_dict())
        shortest = 0.0 if memory_score.correct else self._shortest_sufficient_path(question, start_xy, report)
        self.looks[question.id] = [self._target_xy(t) for t in report.looked_at if self._target_xy(t) is not None]
        return {
            "id": question.id, "ask": question.ask, "type": question_type(question), "at": format_time(question.time),
            "answer": report.answer_dict(), "expected": question.answer, "correct": score.correct,
            "score": round(score.score, 4), "score_detail": score.detail, "confidence": round(report.confidence, 4),
            "stopped_by": report.stopped_by, "steps": report.steps, "path_length_m": round(report.path_length_m, 3),
            "latency_ms": round(report.latency_ms, 2), "looked_at": list(report.looked_at),
            "evidence": list(report.evidence)[:10], "memory_only_correct": memory_score.correct,
            "shortest_sufficient_path_m": round(shortest, 3),
            "score_spl": round(score_spl(score.correct, report.path_length_m, shortest), 4),
            "stale": is_stale_question(self.scenario, question),
        }

    def staleness_samples(self, label: str) -> list[dict[str, Any]]:
        """The belief's predictions about every remembered movable object, with what really happened.

        Taken before the robot looks (at each scheduled observation and before the questions). An
        object memory holds as present gives P(still where last seen) ("present" samples); one
        memory saw leave gives P(out of the house) ("absent" samples). The simulator's truth says
        which real object a memory object is (same category on the same furniture when last seen;
        sightings already wrong when made are perception's errors, not staleness, and are skipped)
        and whether it stayed / left the house. Each sample carries the prediction of the default
        belief and of the legacy learned-rate belief.
        """
        from planners.belief.builder import BeliefBuilder
        from planners.belief.candidates import NOT_IN_HOUSE
        from planners.belief.config import BeliefConfig
        from planners.language.typed_query import TypedQuery

        now = self.backend.now
        truth_now = self.backend.truth_at(now)
        models = {"mobility_prior": BeliefBuilder(self.memory, BeliefConfig()),
                  "learned_rate": BeliefBuilder(self.memory, BeliefConfig(
                      use_mobility_prior=False, use_household_move_rate=True, absent_stays_absent=0.9,
                      learn_departures=False))}
        samples = []
        for obj in self.memory.objects(include_absent=True):
            if obj.is_receptacle or obj.last_seen is None or obj.position is None or obj.last_seen >= now:
                continue
            furniture, distance = nearest_furniture(self.scenario, float(obj.position[0]), float(obj.position[1]))
            if furniture is None or distance > 0.5:
                continue
            truth_then = self.backend.truth_at(float(obj.last_seen))
            real = [o.id for o in truth_then.objects.values()
                    if o.category == obj.category and o.rests_on == furniture.id]
            if not real:
                continue
            still = [truth_now.objects.get(i) for i in real if i not in truth_now.removed]
            sample = {"at": label, "object": obj.id, "category": obj.category, "hours": (now - obj.last_seen) / 3600.0}
            if obj.present:
                sample.update(kind="present", outcome=any(o is not None and o.rests_on == furniture.id for o in still))
                query = TypedQuery("present_location", target=obj.id, confidence=1.0)
            else:
                sample.update(kind="absent", outcome=all(o is None for o in still))
                query = TypedQuery("still_present", target=obj.id, confidence=1.0)
            for name, builder in models.items():
                belief = builder.build(query, now)
                if obj.present:
                    p = sum(c.probability for c in belief.candidates if c.object_id == obj.id and not c.speculative)
                else:
                    p = sum(c.probability for c in belief.candidates if c.label == NOT_IN_HOUSE)
                sample[name] = round(p, 4)
            samples.append(sample)
        return samples

    def _target_xy(self, target: str) -> tuple[float, float] | None:
        for obj in self.memory.receptacles():
            if obj.id == target or obj.category == target:
                return (float(obj.position[0]), float(obj.position[1]))
        for room in self.scenario.floor_plan().rooms:
            if room.name == target:
                xs, ys = zip(*room.polygon)
                return (sum(xs) / len(xs), sum(ys) / len(ys))
        return None

    def _shortest_sufficient_path(self, question: Question, start_xy: tuple[float, float], report: Any) -> float:
        """L*, the shortest path that would have sufficed.

        For location answers: the straight line to where the truth could be seen (1 m standoff);
        otherwise the planner's own path (the truth's place is not a single point).
        """
        expected = question.answer
        if isinstance(expected, dict) and "rests_on" in expected:
            furniture = self.scenario.furniture_by_id().get(expected["rests_on"])
            if furniture is not None:
                distance = math.hypot(furniture.at[0] - start_xy[0], furniture.at[1] - start_xy[1])
                return max(0.0, distance - 1.0)
        return float(report.path_length_m)

    def do(self, task: Task) -> dict[str, Any]:
        labelled = task.goal.cannot or "done"
        expected = CANNOT_REACH if labelled == "done" and self._out_of_reach(task) else labelled
        report = self.task_planner.execute(task.do, self.backend.now)
        self._note_pose()
        done = self._goal_holds(task)
        # a task that cannot be done is right when the robot says why; done after all is right too
        said_why = expected != "done" and not report.success and report.cannot == expected
        return {"id": task.id, "do": task.do, "success": done or said_why, "done": done,
                "expected": expected, "labelled": labelled, "cannot": report.cannot,
                "reported_success": bool(report.success),
                "reason": report.reason, "steps": report.steps, "path_length_m": round(report.path_length_m, 3),
                "replans": report.replans}

    def _out_of_reach(self, task: Task) -> bool:
        """A fetch whose every thing of that category lies where the arm reaches it from no free stance.

        Judged on the truth when the task starts, with the robot's own kinematics (the scenario's
        label knows only the height of the top a thing is on, not how deep on it the thing lies).
        """
        goal = task.goal
        if goal.category is None or goal.rests_on is None or goal.furniture is not None:
            return False
        things = [o for o in self.backend.ground_truth().objects.values()
                  if o.category == goal.category and (goal.object is None or o.id == goal.object)]
        if not things or any(o.rests_on in (goal.rests_on, "robot") for o in things):
            return False
        return not any(self.skills.reachable_from_some_stance(o.category, o.position) for o in things)

    def _goal_holds(self, task: Task) -> bool:
        truth = self.backend.ground_truth()
        goal = task.goal
        if goal.furniture is not None and goal.state is not None:
            furniture = truth.furniture.get(goal.furniture)
            return furniture is not None and (furniture.is_open is True) == (goal.state == "open")
        candidates = [o for o in truth.objects.values()
                      if (goal.object is None or o.id == goal.object)
                      and (goal.category is None or o.category == goal.category)]
        if goal.rests_on is None:
            return bool(candidates)
        return any(obj.rests_on == goal.rests_on for obj in candidates)


def run_scenario(scenario: Scenario, planner: str = "voi", db_path: str | Path | None = None,
                 seed: int | None = None, recorder: Any | None = None, progress: Progress | None = None,
                 keep_session: bool = False, stale_probes: bool = False,
                 staleness_calibration: bool = False, config: StackConfig | None = None,
                 bar: ProgressBar | None = None) -> dict[str, Any]:
    """Run one scenario with one planner; returns the `run --json` document of specs/cli.md.

    `stale_probes`: also ask the generated stale questions (bench.evaluation.stale_probe_questions)
    after the scenario's own; they are scored under "probes", not in "questions" or the summary. The
    planner answers them like any question, so its looks move the robot and add to memory: the tasks
    (and later questions) of a run with probes start from another state than one without.
    `staleness_calibration`: record the belief's P(still there) against the truth for every
    remembered object before each scheduled look and before the questions ("staleness_samples").
    `config`: the StackConfig the stack is assembled from (memory_stack.composition; None: the defaults).
    `bar`: advanced once per agenda item (observation, question, probe, task).
    """
    started = time.monotonic()
    say = progress or (lambda message: log.info("%s", message))
    session = ScenarioSession.create(scenario, db_path, seed=seed, recorder=recorder, config=config)
    questions: list[dict[str, Any]] = []
    probes: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    samples: list[dict[str, Any]] = []
    sampled_at: set[float] = set()
    agenda = build_agenda(scenario, stale_probe_questions(scenario) if stale_probes else [])
    if bar is not None:
        bar.set_total(len(agenda))
    try:
        for item in agenda:
            if item.time > session.backend.now:
                session.backend.advance_to(item.time)
            stamp = format_time(session.backend.now)
            if (staleness_calibration and item.kind in ("patrol", "watch", "question")
                    and session.backend.now not in sampled_at):
                sampled_at.add(session.backend.now)
                samples.extend(session.staleness_samples(stamp))
            if item.kind == "patrol":
                rooms = item.item.rooms(scenario.room_names())
                say(f"{stamp} patrol {', '.join(rooms)}")
                session.patrol(rooms)
            elif item.kind == "watch":
                say(f"{stamp} watch {item.item.watch} until {format_time(item.item.end)}")
                session.watch(item.item.watch, item.item.start, item.item.end, item.item.period_s)
            elif item.kind == "question":
                result = session.ask(item.item, planner)
                questions.append(result)
                mark = "ok " if result["correct"] else "BAD"
                say(f"{stamp} [{mark}] {item.item.ask} -> {result['answer']['text']} "
                    f"({result['stopped_by']}, {result['path_length_m']:.1f} m)")
            elif item.kind == "probe":
                result = session.ask(item.item, planner)
                result["generated"] = True
                probes.append(result)
                say(f"{stamp} probe [{'ok ' if result['correct'] else 'BAD'}] {item.item.ask} -> "
                    f"{result['answer']['text']} ({result['stopped_by']}, {result['path_length_m']:.1f} m)")
            elif item.kind == "task":
                result = session.do(item.item)
                tasks.append(result)
                say(f"{stamp} task {item.item.do}: {'success' if result['success'] else 'FAILED'} "
                    f"({result['steps']} steps, {result['reason']})")
            if bar is not None:
                bar.advance(status=f"{stamp} {item.kind}")
        session.backend.advance_to(max(session.backend.now, scenario.end_time()))
    finally:
        if not keep_session:
            session.close()
    summary = {
        "accuracy": _mean([float(q["correct"]) for q in questions]),
        "mean_score": _mean([q["score"] for q in questions]),
        "score_spl": _mean([q["score_spl"] for q in questions]),
        "mean_path_length_m": _mean([q["path_length_m"] for q in questions]),
        "task_success_rate": _mean([float(t["success"]) for t in tasks]) if tasks else None,
        "frames_ingested": session.frames_ingested,
        "frames_rejected": session.frames_rejected,
        "wall_time_s": round(time.monotonic() - started, 2),
    }
    result = {"scenario": scenario.name, "planner": planner, "seed": scenario.seed, "questions": questions,
              "tasks": tasks, "summary": summary}
    skipped = session.backend.skipped_events()
    if skipped:
        result["skipped_events"] = [{"at": format_time(e.time), "kind": e.kind, "target": e.target,
                                     "reason": e.reason} for e in skipped]
    if stale_probes:
        result["probes"] = probes
    if staleness_calibration:
        result["staleness_samples"] = samples
    if keep_session:
        result["_session"] = session
    return result


def run_scenario_file(path: str | Path, planner: str = "voi", seed: int | None = None,
                      db_path: str | Path | None = None, progress: Progress | None = None,
                      seed_offset: int = 0, measure: bool = True, config: StackConfig | None = None,
                      bar: ProgressBar | None = None) -> dict[str, Any]:
    """Run a scenario file; `seed` replaces the scenario's seed, `seed_offset` is added to it (batch seeds).

    This is the batch/benchmark entry (`memstack batch`, `memstack bench eqa`): with `measure` it
    also asks the generated stale probes and records the staleness calibration samples (see
    `run_scenario`); `memstack run` and the demo play the scenario exactly as written.
    """
    scenario = load_scenario(path)
    if seed is None and seed_offset:
        seed = scenario.seed + seed_offset
    result = run_scenario(scenario, planner=planner, db_path=db_path, seed=seed, progress=progress,
                          stale_probes=measure, staleness_calibration=measure and planner == "memory-only",
                          config=config, bar=bar)
    result["scenario_file"] = str(path)
    return result


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0
