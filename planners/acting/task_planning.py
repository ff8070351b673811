"""Closed-loop fetch tasks: "bring the mug to the counter".

`TaskPlanner(memory, skills, explorer, case_memory).execute(task, now) -> TaskReport`:
parse (verb, object, destination; the entity linker maps words to what memory knows) -> find the
object through memory (belief over places, biased by past cases; a value-of-information search
when the belief is not confident) -> navigate -> pick -> navigate -> place -> verify by looking.
A failed skill is not the end: the frames it rendered are ingested (so memory learns that the mug
is not where it thought), the place is avoided, and the plan is made again, at most `max_replans`
times. Every execution is recorded in the case memory; the next time a similar task comes, places
where the object was found are tried first and places where it was not are down-weighted.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from memory_stack.foundation.errors import BadInputError
from planners.acting.case_memory import CaseHints, CaseMemory, PlaceRecord, TaskCase
from planners.acting.destination_choice import choose_destination, sibling_names
from planners.acting.exploration import ExplorationStepRecord, SimExplorer, explore_until_stopped
from planners.acting.task_outcomes import CANNOT_FIND, CANNOT_GRASP, cannot_kind
from planners.acting.viewpoints import viewpoint_for
from planners.belief.builder import BeliefBuilder
from planners.belief.candidates import NOT_IN_HOUSE, AnswerCandidate, Belief, LookRecord
from planners.belief.config import BeliefConfig
from planners.decision.policies import ExplorationConfig, make_policy
from planners.decision.value_of_information import STOPPED_BY_CERTAIN, ExplorationPolicy, StoppingDecision
from planners.language.task_parsing import STATE_VERBS, TaskSpec, parse_task
from planners.language.typed_query import ROBOT_ACTIONS, TypedQuery
from planners.memory_api import MemoryReader, MemoryWriter
from robot_model.skills import (
    REASON_ALREADY_HOLDING,
    REASON_NOT_HOLDING,
    REASON_NOT_ON_TARGET,
    REASON_OBJECT_NOT_FOUND,
    REASON_OBJECT_TOO_LARGE,
    REASON_UNREACHABLE,
    REASON_WRONG_RECEPTACLE,
    RobotSkills,
    SkillResult,
)
from scene_graph.records import SceneObject

log = logging.getLogger(__name__)



@dataclass
class TaskStep:
    """One skill call of an execution (also the ExecuteTask feedback)."""

    step: int
    skill: str
    target: str
    status: str          # started | succeeded | failed
    detail: str = ""
    path_length_m: float = 0.0


@dataclass
class TaskReport:
    success: bool
    reason: str
    steps: int = 0
    replans: int = 0
    path_length_m: float = 0.0
    trace: list[TaskStep] = field(default_factory=list)
    task: TaskSpec | None = None
    used_cases: int = 0
    cannot: str = ""     # a failed task's kind (planners.acting.task_outcomes): unreachable, not graspable, not found

    def to_dict(self) -> dict[str, Any]:
        return {"success": self.success, "reason": self.reason, "cannot": self.cannot, "steps": self.steps,
                "replans": self.replans,
                "path_length_m": round(self.path_length_m, 3), "used_cases": self.used_cases,
                "trace": [vars(s) for s in self.trace]}


@dataclass
class TaskConfig:
    """Typed settings of task execution (load with memory_stack.foundation.typed_config)."""

    max_replans: int = 3
    search_below_confidence: float = 0.8    # search by VOI first when memory is less sure than this
    standoff_m: float = 0.8                 # how far from a receptacle the base stops to pick/place
    near_enough_m: float = 1.3              # closer than this, pick/place make their own short approach
    prefer_factor: float = 4.0              # belief multiplier for places a past case found the object
    avoid_factor: float = 0.25              # ... and for places a past case looked in vain
    case_match_radius_m: float = 0.75
    place_edge_margin_m: float = 0.15        # keep placements this far inside the receptacle's top
    fresh_sighting_s: float = 600.0          # an instance seen this recently is fetched without searching
    views_before_pick: int = 2               # looks at an instance seen longer ago, before reaching for it
    pick_failures_per_instance: int = 2      # after this many failed picks at one spot, fetch another instance
    put_down_tries: int = 3                  # receptacles tried to set down what could not be delivered
    verify: bool = True
    verify_footprint_slack_m: float = 0.1    # a verified delivery is seen within the top's footprint, this much outside
    verify_height_m: float = 0.4             # ... with its centre at most this far above the top
    # A fetch fails outright without its object, so its search buys P(found) cheaper than a question buys
    # P(correct): one metre must buy 0.2% (questions: 1%), up to 60 m. At 1% a search stopped after the
    # object's last place when it had moved unseen (issue 17: 'I could not find the speaker').
    # Questions stop after 8 looks; a fetch looks at every place (a 12-piece house) within the metres: dev seed 100's
    # spatula, moved to a counter unseen, was given up after 8 of 12 places and 14.5 m.
    search: ExplorationConfig = field(default_factory=lambda: ExplorationConfig(cost_weight=0.002, budget_m=60.0,
                                                                                max_steps=30))
    # A fetch may look at every receptacle its look cap (search.max_steps) allows, so its belief keeps that many
    # places (questions keep 12): with 12, a house of 18 receptacles left out its bedroom's five and the wallet
    # moved unseen onto the nightstand was "not found" after the living room and kitchen (dev seed 11046).
    beliefs: BeliefConfig = field(default_factory=lambda: BeliefConfig(max_alternatives=30))




class _HintedBeliefs(BeliefBuilder):
    """Present-location beliefs re-weighted by past cases and by places already found empty."""

    def __init__(self, memory: MemoryReader, config: BeliefConfig, hints: CaseHints, avoid: list[PlaceRecord],
                 task_config: TaskConfig, unreachable: Sequence[tuple[float, float, float]] = ()) -> None:
        super().__init__(memory, config)
        self.hints = hints
        self.avoid = avoid
        self.unreachable = list(unreachable)
        self.task_config = task_config

    def build(self, query: TypedQuery, now: float, looks: Sequence[LookRecord] = ()) -> Belief:
        belief = super().build(query, now, looks)
        cfg = self.task_config
        for c in belief.candidates:
            if c.label == NOT_IN_HOUSE:
                # A fetch task presumes the thing is in the house: search every place before giving up.
                c.probability = 0.0
                continue
            if c.position is None:
                continue
            if any(math.dist(c.position[:2], u[:2]) <= cfg.case_match_radius_m for u in self.unreachable):
                c.probability = 0.0      # the arm failed there again and again: fetch another instance
                continue
            fresh = c.last_seen is not None and c.last_seen >= now - 1.0
            if any(p.near(c.rests_on_category, c.position, cfg.case_match_radius_m) for p in self.hints.prefer):
                c.probability *= cfg.prefer_factor
            if not fresh and any(p.near(c.rests_on_category, c.position, cfg.case_match_radius_m)
                                 for p in list(self.hints.avoid) + list(self.avoid)):
                c.probability *= cfg.avoid_factor
        belief.normalize()
        return belief


def _destination_lost(report: TaskReport, spec: TaskSpec) -> None:
    """No receptacle the destination names is left where memory put it."""
    report.reason = f"I could not find the {spec.destination_mention} where I remembered it"
    report.cannot = CANNOT_FIND


class _StopOnSighting:
    """Wraps a search policy: stop as soon as an instance of the object was seen during the search."""

    def __init__(self, policy: ExplorationPolicy, planner: TaskPlanner, since: float) -> None:
        self.policy = policy
        self.planner = planner
        self.since = since
        self.name = policy.name

    def decide(self, belief: Belief, actions: Sequence[Any], travel_m: Sequence[float], spent_m: float = 0.0,
               steps: int = 0) -> StoppingDecision:
        if self.planner._fresh_sighting(belief, self.since) is not None:
            return StoppingDecision(None, STOPPED_BY_CERTAIN)
        return self.policy.decide(belief, actions, travel_m, spent_m, steps)


class TaskPlanner:
    """Executes fetch tasks with `skills` (robot_model.skills.RobotSkills), learning from past attempts.

    `explorer` (planners.acting.exploration.SimExplorer) makes VOI searches and ingests frames; without
    one, frames of failed skills are ingested through `processor` when given.
    """

    def __init__(self, memory: MemoryWriter, skills: RobotSkills, explorer: SimExplorer | None = None,
                 case_memory: CaseMemory | None = None, config: TaskConfig | None = None, processor: Any = None,
                 embedder: Any = None) -> None:
        self.memory = memory
        self.skills = skills
        self.explorer = explorer
        self.case_memory = case_memory
        self.config = config or TaskConfig()
        self.processor = processor if processor is not None else getattr(explorer, "processor", None)
        self.embedder = embedder
        self._searched: list[str] = []
        self._held_object_id: str | None = None
        self._latest_frame_time = -math.inf
        self._failed_pick_spots: list[tuple[float, float, float]] = []
        self._unreachable: list[tuple[float, float, float]] = []
        # the hand holds what a pick took and no place or put-down released (kept across tasks: a task
        # that could not deliver must not leave the next one with a full hand)
        self._holding = False
        self._picked_from: SceneObject | None = None

    # ----------------------------------------------------------------- plumbing
    def _ingest(self, result: SkillResult) -> None:
        frames = list(result.frames)
        if not frames:
            return
        times = [float(f.time) for f in frames]
        self._latest_frame_time = max([self._latest_frame_time] + times)
        if self.explorer is not None:
            self.explorer.ingest(frames)
        elif self.processor is not None:
            for sensor_frame in frames:
                try:
                    self.memory.ingest(self.processor.process(sensor_frame))
                except BadInputError as exc:
                    log.warning("skipping a frame perception rejected: %s", exc)

    def _call(self, report: TaskReport, skill: str, target: str, fn: Callable[[], SkillResult],
              on_step: Callable[[TaskStep], None] | None) -> SkillResult:
        step = len(report.trace) + 1
        if on_step is not None:
            on_step(TaskStep(step, skill, target, "started"))
        result = fn()
        driven = float(result.path_length_m)
        report.path_length_m += driven
        report.steps += 1
        entry = TaskStep(step, skill, target, "succeeded" if result.success else "failed",
                         result.reason, driven)
        report.trace.append(entry)
        if on_step is not None:
            on_step(entry)
        self._ingest(result)
        if result.success and skill in ROBOT_ACTIONS:
            self._record_action(skill, target, result)
        return result

    def _record_action(self, skill: str, target: str, result: SkillResult) -> None:
        """The robot's own action as an episode of kind "action" (what planners.memory_answers reads back).

        Named "<skill> <object>" ("open fridge", "pick mug"), "place <object id> on <receptacle id>";
        spanning the frames the skill saw (else the memory's latest time).
        """
        times = [float(f.time) for f in result.frames]
        end = max(times) if times else float(self.memory.now)
        start = min(times) if times else end
        name = f"place {self._held_object_id or 'object'} on {target}" if skill == "place" else f"{skill} {target}"
        try:
            episode = self.memory.begin_episode("action", name, start)
            self.memory.end_episode(episode, end)
        except BadInputError as exc:
            log.warning("memory did not take the robot's own action %r: %s", name, exc)

    def _robot_xy(self) -> tuple[float, float]:
        pose = self.skills.robot_pose()
        return (float(pose.x), float(pose.y))

    def _approach(self, report: TaskReport, target: str, position: Sequence[float],
                  on_step: Callable[[TaskStep], None] | None, force: bool = False) -> SkillResult:
        """Drive to the standoff spot facing `position`; skipped when already near unless `force`.

        `force` after a failed pick/place: the skill's own short approach from here did not work,
        so the next try starts from the planned spot instead of repeating the same failure.
        """
        near = math.dist((float(position[0]), float(position[1])), self._robot_xy()) <= self.config.near_enough_m
        if near and not force:
            return SkillResult(True, "already there")
        x, y, yaw = viewpoint_for((position[0], position[1]), self._robot_xy(),
                                  self.memory.floor_plan, self.config.standoff_m,
                                  wall_clearance_m=0.0, face_interior=False)
        moved = self._call(report, "navigate_to", target, lambda: self.skills.navigate_to(x, y, yaw), on_step)
        if not moved.success and moved.reason.startswith(REASON_UNREACHABLE):
            # the planned spot is blocked (a wall, furniture, clutter on the floor): pick, place and open make
            # their own approach over free stances around the target, so let them try instead of giving up here
            return SkillResult(True, f"approach left to the skill ({moved.reason})")
        return moved

    def _destination(self, spec: TaskSpec, ruled_out: Sequence[str] = ()) -> SceneObject | None:
        """The receptacle the task's destination names; of several, those memory believes present first.

        `ruled_out`: ids a look at their remembered place found gone (`_relocalised`).
        """
        receptacles = [r for r in self.memory.receptacles() if r.id not in ruled_out]
        exact = [r for r in receptacles if r.id == spec.destination]
        if exact:
            return exact[0]
        same = [r for r in receptacles if r.category == spec.destination]
        if not same:
            return None     # decided without asking the robot where it is (no skill is needed to fail)
        same = [r for r in same if r.present] or same
        return choose_destination(same, spec.destination_mention, spec.destination, self._robot_xy(),
                                  self._embedder, siblings=sibling_names(spec.destination))

    def _embedder(self) -> Any:
        if self.embedder is None:
            from planners.language.question_parsing import default_embedder

            self.embedder = default_embedder()
        return self.embedder

    # ----------------------------------------------------------------- finding the object
    def _fresh_sighting(self, belief: Belief, since: float) -> AnswerCandidate | None:
        """The most recently seen remembered instance, if one was seen at or after `since`.

        Fetching needs *a* mug, not certainty about every mug memory knows: one just seen will do.
        """
        seen = [c for c in belief.candidates if c.object_id and not c.speculative and c.position is not None
                and c.last_seen is not None and c.last_seen >= since and c.probability > 0.0]
        return max(seen, key=lambda c: c.last_seen) if seen else None

    def _find(self, spec: TaskSpec, now: float, hints: CaseHints, avoid: list[PlaceRecord], report: TaskReport,
              on_step: Callable[[TaskStep], None] | None,
              exclude: Sequence[str] = ()) -> tuple[AnswerCandidate | None, float]:
        builder = _HintedBeliefs(self.memory, self.config.beliefs, hints, avoid, self.config, self._unreachable)
        query = TypedQuery("present_location", target=spec.object_category, confidence=1.0)
        belief = builder.build(query, now)
        fresh = self._fresh_sighting(belief, now - self.config.fresh_sighting_s)
        if fresh is not None:
            return fresh, now
        if self.explorer is not None and belief.confidence < self.config.search_below_confidence:
            policy = _StopOnSighting(make_policy("voi", self.config.search), self, now)

            def record(step: ExplorationStepRecord) -> None:
                for skill in ("navigate_to", "look_at"):
                    entry = TaskStep(len(report.trace) + 1, skill, step.target, "succeeded",
                                     f"search: gain {step.expected_gain:.2f}")
                    report.trace.append(entry)
                    report.steps += 1
                    if on_step is not None:
                        on_step(entry)
                report.path_length_m += step.travel_m

            outcome = explore_until_stopped(query, now, builder, self.explorer, policy, on_step=record,
                                            skip_targets=exclude)
            belief, now = outcome.belief, outcome.now
            self._searched.extend(outcome.looked_at)
            fresh = self._fresh_sighting(belief, policy.since)
            if fresh is not None:
                return fresh, now
        best = belief.map_candidate
        if best is None or best.label == NOT_IN_HOUSE or best.position is None:
            return None, now
        return best, now

    # ----------------------------------------------------------------- execution
    def execute(self, task: str | TaskSpec, now: float,
                on_step: Callable[[TaskStep], None] | None = None) -> TaskReport:
        spec = task if isinstance(task, TaskSpec) else parse_task(task, self.memory, self.embedder)
        report = TaskReport(False, "", task=spec)
        self._searched = []
        self._held_object_id = None
        self._failed_pick_spots = []
        self._unreachable = []
        hints = CaseHints()
        if self.case_memory is not None:
            hints = self.case_memory.hints(spec.signature, spec.object_category)
            report.used_cases = len(hints.cases)
        destination = self._destination(spec)
        if destination is None:
            what = "to " + spec.verb if spec.verb in STATE_VERBS else "to put it on"
            report.reason = f"I have not seen any {spec.destination.replace('_', ' ')} {what}"
            report.cannot = CANNOT_FIND
            self._remember(spec, report, now, None, [])
            return report
        if spec.verb in STATE_VERBS:
            self._set_state(spec, destination, report, on_step)
            self._remember(spec, report, now, None, [])
            return report
        avoid: list[PlaceRecord] = []
        found_at: PlaceRecord | None = None
        if self._holding and not self._put_down(report, on_step):     # what an earlier task could not deliver
            report.reason = "my hand is full: I could not put down what an earlier task could not deliver"
            self._remember(spec, report, now, None, [])
            return report
        while True:
            holding, found_at, now = self._fetch(spec, now, hints, avoid, report, on_step)
            if not holding:
                break
            destination = self._destination(spec) or destination     # nearest to where it was picked up
            outcome = self._deliver(spec, destination, report, on_step)
            if outcome == "failed" and self._holding:
                self._put_down(report, on_step, note=True)
            if outcome != "dropped" or report.replans >= self.config.max_replans:
                break
            report.replans += 1      # it slipped out of the hand on the way: find it again
        self._remember(spec, report, now, found_at, avoid + self._searched_in_vain(found_at))
        return report

    def _support_of(self, candidate: AnswerCandidate) -> SceneObject | None:
        """The receptacle an instance rests on: the one memory names, else the one whose footprint is nearest it."""
        receptacles = [r for r in self.memory.receptacles() if r.present]
        named = [r for r in receptacles if r.id == candidate.rests_on]
        if named or candidate.position is None or not receptacles:
            return named[0] if named else None
        x, y = float(candidate.position[0]), float(candidate.position[1])

        def off_footprint(r: SceneObject) -> float:
            dx = max(float(r.bbox_min[0]) - x, 0.0, x - float(r.bbox_max[0]))
            dy = max(float(r.bbox_min[1]) - y, 0.0, y - float(r.bbox_max[1]))
            return math.hypot(dx, dy)

        nearest = min(receptacles, key=off_footprint)
        return nearest if off_footprint(nearest) <= self.config.case_match_radius_m else None

    def _put_down(self, report: TaskReport, on_step: Callable[[TaskStep], None] | None, note: bool = False) -> bool:
        """Empty the hand: set what it holds back where it was picked up, else on the nearest free top.

        A task that could not deliver ends with its reason and an empty hand, so the next task does not
        fail with "already holding"; `note` adds where the object was left to the report's reason.
        """
        robot = self._robot_xy()
        ontology = self.memory.ontology
        tops = [r for r in self.memory.receptacles() if r.present and not ontology.is_openable(r.category)]
        tops.sort(key=lambda r: math.dist(robot, (float(r.position[0]), float(r.position[1]))))
        origin = self._picked_from
        if origin is not None:
            tops = [r for r in tops if r.id == origin.id] + [r for r in tops if r.id != origin.id]
        for receptacle in tops[:self.config.put_down_tries]:
            position = tuple(float(v) for v in receptacle.position)
            moved = self._approach(report, receptacle.id, position, on_step)
            if not moved.success:
                continue
            points = self._place_points(receptacle)
            placed = self._call(report, "place", receptacle.id, lambda p=points[0]: self.skills.place(p), on_step)
            if placed.success or placed.reason in (REASON_NOT_HOLDING, REASON_NOT_ON_TARGET):
                self._holding = False
                if placed.success:
                    self._record_place(points[0], [], None, receptacle.id)
                    if note:
                        report.reason += f"; put it down on the {receptacle.category.replace('_', ' ')}"
                self._held_object_id = None
                return True
        if note:
            report.reason += "; could not put it down (still holding it)"
        return False

    def _set_state(self, spec: TaskSpec, furniture: SceneObject, report: TaskReport,
                   on_step: Callable[[TaskStep], None] | None) -> None:
        """Open or close `furniture`: approach, use the door, then look to see the new state."""
        wanted = "open" if spec.verb == "open" else "closed"
        skill = self.skills.open if spec.verb == "open" else self.skills.close
        position = tuple(float(v) for v in furniture.position)
        for attempt in range(self.config.max_replans + 1):
            moved = self._approach(report, furniture.id, position, on_step, force=attempt > 0)
            if not moved.success:
                report.reason = f"could not reach the {spec.destination_mention}: {moved.reason}"
            else:
                done = self._call(report, spec.verb, furniture.id, lambda: skill(position), on_step)
                if done.success:
                    report.success, report.reason, report.cannot = True, "ok", ""
                    break
                report.reason = f"{spec.verb} failed: {done.reason}"
                report.cannot = cannot_kind(done.reason)
            if attempt < self.config.max_replans:
                report.replans += 1
        if report.success and self.config.verify:
            looked = self._call(report, "look_at", furniture.id, lambda: self.skills.look_at(position), on_step)
            seen = self.memory.get_object(furniture.id)
            state = seen.state if seen is not None else None
            if looked.success and state is not None:
                report.reason = f"ok (seen {state})" if state == wanted else f"ok (done; memory still says {state})"

    def _searched_in_vain(self, found_at: PlaceRecord | None) -> list[PlaceRecord]:
        """Receptacles a search looked at without finding the object (also worth remembering)."""
        by_id = {r.id: r for r in self.memory.receptacles()}
        places = []
        for target in dict.fromkeys(self._searched):
            rec = by_id.get(target)
            if rec is None:
                continue
            place = PlaceRecord(rec.category, tuple(float(v) for v in rec.position))
            radius = max(self.config.case_match_radius_m, 1.0)
            if found_at is not None and place.near(found_at.category, found_at.position, radius):
                continue
            places.append(place)
        return places

    def _fetch(self, spec: TaskSpec, now: float, hints: CaseHints, avoid: list[PlaceRecord], report: TaskReport,
               on_step: Callable[[TaskStep], None] | None) -> tuple[bool, PlaceRecord | None, float]:
        """Find the object and pick it up, replanning after failures; (holding, where it was, now)."""
        found_at: PlaceRecord | None = None
        holding = False
        failed_picks = 0
        while not holding:
            candidate, now = self._find(spec, now, hints, avoid, report, on_step)
            if candidate is None:
                report.reason = f"I could not find the {spec.object_mention}"
                if spec.stand_in:
                    nearest = spec.stand_in.replace("_", " ")
                    report.reason += f" (I have seen none; the nearest kind I know is the {nearest})"
                report.cannot = CANNOT_FIND
                break
            place = PlaceRecord(candidate.rests_on_category, tuple(float(v) for v in candidate.position))
            label = candidate.rests_on or candidate.label
            moved = self._approach(report, label, candidate.position, on_step, force=failed_picks > 0)
            picked = None
            not_seen = moved.success and not self._still_there(report, spec, candidate, label, now, on_step)
            if not_seen:
                moved = SkillResult(False, f"no {spec.object_mention} seen at the {label.replace('_', ' ')}")
            if moved.success:
                picked = self._call(report, "pick", spec.object_category,
                                    lambda c=candidate: self.skills.pick(spec.object_category, tuple(c.position)),
                                    on_step)
            if picked is not None and picked.reason == REASON_ALREADY_HOLDING and not self._holding:
                self._holding = True     # the hand was full before this planner knew (e.g. a restart)
                if self._put_down(report, on_step):
                    continue
            if picked is not None and picked.success:
                holding = True
                found_at = place
                self._held_object_id = candidate.object_id
                self._holding = True
                self._picked_from = self._support_of(candidate)
                break
            if picked is not None and picked.reason.startswith(REASON_OBJECT_TOO_LARGE):
                # another try, or another instance of the same category, does not make it fit the hand
                report.reason = f"the {spec.object_mention} is not graspable: {picked.reason}"
                report.cannot = CANNOT_GRASP
                break
            avoid.append(place)
            failed_picks += int(picked is not None)
            if picked is not None:
                here = tuple(float(v) for v in candidate.position)
                fails_here = sum(1 for q in self._failed_pick_spots
                                 if math.dist(q[:2], here[:2]) <= self.config.case_match_radius_m) + 1
                self._failed_pick_spots.append(here)
                if fails_here >= self.config.pick_failures_per_instance:
                    self._unreachable.append(here)
            if report.replans >= self.config.max_replans:
                last = picked if picked is not None else moved
                skill = "pick" if picked is not None else "navigate_to"
                report.reason = f"gave up after {report.replans} replans (last {skill}: {last.reason})"
                # the last place it was believed to be showed nothing: not found, like a search that found nothing
                report.cannot = CANNOT_FIND if not_seen and picked is None else cannot_kind(last.reason)
                break
            report.replans += 1
            if picked is not None and not picked.success:
                look = self._call(report, "look_around", label, self.skills.look_around, on_step)
                now = max([now] + [f.time for f in look.frames])
        return holding, found_at, now

    def _still_there(self, report: TaskReport, spec: TaskSpec, candidate: AnswerCandidate, label: str, now: float,
                     on_step: Callable[[TaskStep], None] | None) -> bool:
        """Look before picking an instance that was last seen long ago; False when it is not there any more.

        A stale memory sends the arm to grasp at an empty spot; two views let the memory confirm the
        object or record the misses that lower its belief, so the next plan searches instead.
        """
        last_seen = candidate.last_seen
        if last_seen is not None and last_seen >= now - self.config.fresh_sighting_s:
            return True
        position = tuple(float(v) for v in candidate.position)
        looked_since = math.inf
        for _ in range(max(1, self.config.views_before_pick)):
            look = self._call(report, "look_at", label, lambda p=position: self.skills.look_at(p), on_step)
            looked_since = min([looked_since] + [float(f.time) for f in look.frames])
        if not math.isfinite(looked_since):
            return True      # the look rendered nothing: no evidence either way
        radius = self.config.case_match_radius_m
        for loc in self.memory.locate(spec.object_category):
            seen = loc.last_seen
            if seen is not None and seen >= looked_since and math.dist(loc.position[:2], position[:2]) <= radius:
                return True
        return False

    def _place_points(self, destination: SceneObject) -> list[tuple[float, float, float]]:
        """Where on the receptacle's top to put things: the spot nearest the robot first, then the centre.

        Furniture often stands against a wall; its centre can be out of reach from the free side.
        """
        cx, cy = float(destination.position[0]), float(destination.position[1])
        lo, hi = destination.bbox_min, destination.bbox_max
        top = float(hi[2])
        m = self.config.place_edge_margin_m
        rx, ry = self._robot_xy()
        x_lo, x_hi = min(lo[0] + m, cx), max(hi[0] - m, cx)
        y_lo, y_hi = min(lo[1] + m, cy), max(hi[1] - m, cy)
        return [(min(max(rx, x_lo), x_hi), min(max(ry, y_lo), y_hi), top), (cx, cy, top)]

    def _relocalised(self, spec: TaskSpec, destination: SceneObject, report: TaskReport,
                     on_step: Callable[[TaskStep], None] | None, ruled_out: list[str]) -> SceneObject | None:
        """The destination as memory believes it after looking at it, when memory is unsure of it.

        Unsure: seen less often than `search_below_confidence` takes, and not within `fresh_sighting_s`.

        Memory's place of a piece of furniture seen long ago can be wrong (a mislabelled sighting kept as a
        bookshelf between a dishwasher and a cabinet: the jar was set on the dishwasher, issue 17, 12038).
        The looks let memory confirm it, close it as gone or know it elsewhere; gone, the next receptacle
        the destination names is taken (None: there is none).
        """
        seen = destination.last_seen
        if seen is not None and seen >= float(self.memory.now) - self.config.fresh_sighting_s \
                or destination.confidence >= self.config.search_below_confidence:
            return destination
        lo, hi = destination.bbox_min, destination.bbox_max
        point = ((float(lo[0]) + float(hi[0])) / 2.0, (float(lo[1]) + float(hi[1])) / 2.0, float(hi[2]))
        looked_since = math.inf
        for _ in range(max(1, self.config.views_before_pick)):
            look = self._call(report, "look_at", destination.id, lambda p=point: self.skills.look_at(p), on_step)
            looked_since = min([looked_since] + [float(f.time) for f in look.frames])
        current = self.memory.get_object(destination.id)
        if current is not None and current.present:
            seen_again = current.last_seen is not None and current.last_seen >= looked_since
            if seen_again or not math.isfinite(looked_since):
                return current
            # not seen where remembered: another piece of that name, if memory knows one, is the better bet
            other = self._destination(spec, [*ruled_out, destination.id])
            if other is None:
                return current
        return self._rule_out(destination, ruled_out, spec)

    def _rule_out(self, destination: SceneObject, ruled_out: list[str], spec: TaskSpec) -> SceneObject | None:
        """The next receptacle the destination names, `destination` being wrong (gone, or another top there)."""
        ruled_out.append(destination.id)
        return self._destination(spec, ruled_out)

    def _deliver(self, spec: TaskSpec, destination: SceneObject, report: TaskReport,
                 on_step: Callable[[TaskStep], None] | None) -> str:
        """Carry and place; "ok", "dropped" (the hand is empty: find the object again) or "failed"."""
        top = self._place_points(destination)[-1]
        ruled_out: list[str] = []
        for attempt in range(self.config.max_replans + 1):
            moved = self._approach(report, destination.id, destination.position, on_step, force=attempt > 0)
            if moved.success:
                where = destination.position
                current = self._relocalised(spec, destination, report, on_step, ruled_out)
                if current is None:
                    _destination_lost(report, spec)
                    break
                destination = current
                if math.dist(where[:2], destination.position[:2]) > self.config.case_match_radius_m:
                    moved = self._approach(report, destination.id, destination.position, on_step)
            if not moved.success:
                report.reason = f"could not reach the {spec.destination_mention}: {moved.reason}"
                report.cannot = cannot_kind(moved.reason)
            else:
                points = self._place_points(destination)
                top = points[attempt % len(points)]
                placed = self._call(report, "place", destination.id,
                                    lambda p=top, c=destination.category: self.skills.place(p, c), on_step)
                if placed.success:
                    report.success = True
                    report.reason, report.cannot = "ok", ""
                    self._holding = False
                    break
                report.reason = f"place failed: {placed.reason}"
                report.cannot = cannot_kind(placed.reason)
                if placed.reason in (REASON_WRONG_RECEPTACLE, REASON_OBJECT_NOT_FOUND):
                    # memory's place of it holds another piece of furniture, or none: the next one of that name
                    other = self._rule_out(destination, ruled_out, spec)
                    if other is None:
                        _destination_lost(report, spec)
                        break
                    destination = other
                # released but not resting on the top (slid off its edge): the hand is empty as when it slipped
                if placed.reason in (REASON_NOT_HOLDING, REASON_NOT_ON_TARGET):
                    self._holding = False
                    self._call(report, "look_around", destination.id, self.skills.look_around, on_step)
                    return "dropped"
            if attempt < self.config.max_replans:
                report.replans += 1
        if report.success and self.config.verify:
            looked = self._call(report, "look_at", destination.id, lambda: self.skills.look_at(top), on_step)
            on_it = []
            if looked.success:
                on_it = self._seen_on(spec.object_category, destination, looked)
                report.reason = "ok (verified by looking)" if on_it else "ok (placed; not re-detected on looking)"
            self._record_place(top, on_it, looked, destination.id)
        elif report.success:
            self._record_place(top, [], None, destination.id)
        return "ok" if report.success else "failed"

    def _seen_on(self, category: str, destination: SceneObject, looked: SkillResult) -> list[SceneObject]:
        """Things of `category` the verifying look itself saw on `destination`'s top.

        Seen in the look's own frames (not remembered from before) and standing within the top's
        footprint at its height: memory's `rests_on` alone once "verified" a delivery memory agreed
        with while the world did not (issue 17, dev household 8037).
        """
        times = [float(f.time) for f in looked.frames]
        if not times:
            return []
        since = min(times)
        lo, hi = destination.bbox_min, destination.bbox_max
        slack = self.config.verify_footprint_slack_m
        seen = []
        for obj in self.memory.objects(include_tentative=True):      # one look's sighting is still tentative
            if obj.category != category or obj.last_seen is None or obj.last_seen < since or obj.position is None:
                continue
            x, y, z = (float(v) for v in obj.position)
            if (float(lo[0]) - slack <= x <= float(hi[0]) + slack and float(lo[1]) - slack <= y <= float(hi[1]) + slack
                    and float(hi[2]) - slack <= z <= float(hi[2]) + self.config.verify_height_m):
                seen.append(obj)
        return seen

    def _record_place(self, top: Sequence[float], seen_there: Sequence[SceneObject], looked: SkillResult | None,
                      rests_on: str) -> None:
        """Tell memory the robot itself moved the object, so it keeps one track at the new place.

        Without this, the placed object re-detected on the destination becomes a second instance
        while the old track still sits where it was picked up.
        """
        object_id = self._held_object_id
        if object_id is None:
            return
        remembered = self.memory.get_object(object_id)
        if seen_there:
            nearest = min(seen_there, key=lambda o: math.dist(o.position[:2], top[:2]))
            position = tuple(float(v) for v in nearest.position)
        else:
            half_height = 0.05
            if remembered is not None:
                half_height = max(0.0, float(remembered.bbox_max[2] - remembered.bbox_min[2]) / 2.0)
            position = (float(top[0]), float(top[1]), float(top[2]) + half_height)
        frame_ids = [int(f.frame_id) for f in looked.frames] if looked is not None else []
        when = self._latest_frame_time
        if remembered is not None and remembered.last_seen is not None:
            when = max(when, float(remembered.last_seen))
        if not math.isfinite(when):
            return
        try:
            self.memory.record_manipulation(object_id, position, when, frame_ids, rests_on=rests_on)
        except BadInputError as exc:
            log.warning("memory did not take the robot's own move of %s: %s", object_id, exc)

    def _remember(self, spec: TaskSpec, report: TaskReport, now: float, found_at: PlaceRecord | None,
                  failed_at: list[PlaceRecord]) -> None:
        if self.case_memory is None:
            return
        case = TaskCase(spec.signature, spec.text, spec.object_category, spec.destination, now, report.success,
                        report.steps, report.replans, report.path_length_m, found_at, list(failed_at),
                        [f"{s.skill}:{s.target}:{s.status}" for s in report.trace])
        self.case_memory.record(case)

