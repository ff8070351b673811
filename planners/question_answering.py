"""Answering a natural-language question: parse -> belief -> (explore while worth it) -> answer.

`QuestionAnswerer(memory, explorer=None, config=QAConfig()).answer(question, now, planner="voi")`
returns an `AnswerReport` whose `value` has the answer shape of specs/scenario.md:
present/past location -> `position` + `room` + `rests_on_category` (value None); room_of -> room
name or "none"; count -> int; object_state / still_present -> bool; contents / changes -> list of
categories; first/last seen -> time in seconds. Questions it cannot parse or cannot answer from
memory get "I don't know" with a low confidence, never a guess presented as fact.

Without an explorer (no robot) every planner answers from memory alone: stopped_by "memory-only".
"""

from __future__ import annotations

import math
import time as wall_time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.time_format import format_time_value
from planners.acting.exploration import ExplorationOutcome, ExplorationStepRecord, Explorer, explore_until_stopped
from planners.belief.builder import BeliefBuilder
from planners.belief.candidates import NOT_IN_HOUSE, Belief
from planners.belief.config import (
    QUESTION_MOVE_LIKELIHOOD_RATIO,
    STATE_QUESTION_CHANGE_LIKELIHOOD_RATIO,
    BeliefConfig,
)
from planners.decision.baselines import MemoryOnlyPolicy
from planners.decision.policies import POLICIES, ExplorationConfig, make_policy
from planners.language.entity_linking import display_name
from planners.language.reasoning.registry import ReasonerConfig
from planners.language.typed_query import TypedQuery
from planners.memory_answers import MEMORY_PROJECTIONS, affordance_table, answer_from_memory
from planners.memory_api import MemoryReader

DONT_KNOW = "I don't know"


@dataclass
class QAConfig:
    """Typed settings of question answering (load with memory_stack.foundation.typed_config)."""

    exploration: ExplorationConfig = field(default_factory=ExplorationConfig)
    beliefs: BeliefConfig = field(
        default_factory=lambda: BeliefConfig(asked_moved_likelihood_ratio=QUESTION_MOVE_LIKELIHOOD_RATIO,
                                             asked_state_change_likelihood_ratio=STATE_QUESTION_CHANGE_LIKELIHOOD_RATIO))
    min_parse_confidence: float = 0.3     # below: the question is not understood -> "I don't know"
    dont_know_confidence: float = 0.05    # confidence reported with "I don't know"
    hedge_below: float = 0.5              # answers less sure than this are worded "probably ..."
    # The optional reasoner answers, from retrieved memory, what the typed query refuses (off: type none).
    reasoner: ReasonerConfig = field(default_factory=ReasonerConfig)
    reasoner_max_confidence: float = 0.6  # a model's own confidence is capped: its reading is not checked
    reasoner_memory_items: int = 60       # how many retrieved memory items the prompt carries


@dataclass
class AnswerReport:
    """An answer with its evidence and how it was reached (see the module docstring for `value`)."""

    question: str
    type: str
    text: str
    value: Any = None
    position: tuple[float, float, float] | None = None
    room: str | None = None
    rests_on_category: str | None = None
    rests_on: str | None = None
    confidence: float = 0.0
    evidence: list[str] = field(default_factory=list)
    stopped_by: str = "memory-only"
    steps: int = 0
    path_length_m: float = 0.0
    latency_ms: float = 0.0
    startup_ms: float = 0.0       # one-time model loading paid by this call (not part of latency_ms)
    looked_at: list[str] = field(default_factory=list)
    query: Any = None
    planner: str = "voi"
    exploration: list[ExplorationStepRecord] = field(default_factory=list)
    alternatives: list[dict[str, Any]] = field(default_factory=list)

    @property
    def typed_query(self) -> Any:
        return self.query

    @property
    def knows(self) -> bool:
        return not self.text.startswith(DONT_KNOW)

    def answer_dict(self) -> dict[str, Any]:
        """The `answer` object of specs/cli.md (`text`, `value`, `position`, `room`, `rests_on_category`)."""
        return {"text": self.text, "value": _jsonable(self.value),
                "position": list(self.position) if self.position is not None else None,
                "room": self.room, "rests_on_category": self.rests_on_category, "rests_on": self.rests_on}

    @property
    def refused(self) -> bool:
        """True when memory cannot answer and the answer says so ("I don't know: why")."""
        return not self.knows

    @property
    def reason(self) -> str | None:
        """Why the question was refused (None for an answer)."""
        if self.knows:
            return None
        return self.text[len(DONT_KNOW):].lstrip(": ").strip() or "no reason given"

    def batch_record(self) -> dict[str, Any]:
        """The line `memstack ask --questions` prints for this answer (specs/cli.md)."""
        query = self.query.to_dict() if hasattr(self.query, "to_dict") else _jsonable(self.query)
        return {"question": self.question, "answer": self.answer_dict(), "confidence": round(self.confidence, 4),
                "refused": self.refused, "reason": self.reason, "typed_query": query, "type": self.type,
                "evidence": list(self.evidence), "latency_ms": round(self.latency_ms, 2)}

    def to_dict(self) -> dict[str, Any]:
        query = self.query.to_dict() if hasattr(self.query, "to_dict") else _jsonable(self.query)
        return {
            "question": self.question, "type": self.type, "answer": self.answer_dict(),
            "confidence": round(self.confidence, 4), "evidence": list(self.evidence), "stopped_by": self.stopped_by,
            "steps": self.steps, "path_length_m": round(self.path_length_m, 3),
            "latency_ms": round(self.latency_ms, 2), "startup_ms": round(self.startup_ms, 2),
            "looked_at": list(self.looked_at), "planner": self.planner,
            "typed_query": query, "alternatives": self.alternatives,
            "exploration": [vars(r) for r in self.exploration],
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return value


def _is(target: str) -> str:
    return "are" if target.endswith("s") and not target.endswith("ss") else "is"


def _list_text(items: list[str]) -> str:
    if not items:
        return "nothing"
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    parts = [f"{n} {display_name(c)}s" if n > 1 else f"a {display_name(c)}" for c, n in sorted(counts.items())]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def category_name_similarity(name: str, names: Sequence[str]) -> Sequence[float]:
    """Cosine similarity of a category name to others (the parser's MiniLM, loaded on first use)."""
    from scene_graph.text_embedding import TextEmbedder

    return [float(v) for v in TextEmbedder.shared().similarity(name, names)]


class QuestionAnswerer:
    """Answers questions from a memory, optionally going to look through an `Explorer`.

    `parser` defaults to `planners.language.question_parsing.QuestionParser(memory)`; anything with
    `parse(question, now) -> TypedQuery` works.
    """

    def __init__(self, memory: MemoryReader, explorer: Explorer | None = None, config: QAConfig | None = None,
                 parser: Any = None, reasoner: Any = None) -> None:
        self.memory = memory
        self.explorer = explorer
        self.config = config or QAConfig()
        self._reasoner = reasoner
        self.beliefs = BeliefBuilder(memory, self.config.beliefs, similarity=category_name_similarity)
        self._parser = parser
        self.startup_ms = 0.0     # one-time model loading (MiniLM, exemplar embeddings), kept out of latency_ms

    @property
    def parser(self) -> Any:
        if self._parser is None:
            from planners.language.question_parsing import QuestionParser

            started = wall_time.perf_counter()
            self._parser = QuestionParser(self.memory)
            warm_up = getattr(self._parser, "warm_up", None)
            if callable(warm_up):
                warm_up()
                affordance_table()  # its embeddings, from the disk cache after the first run on this machine
            self.startup_ms += (wall_time.perf_counter() - started) * 1000.0
        return self._parser

    @property
    def reasoner(self) -> Any:
        """The optional reasoner (planners.language.reasoning), built from the config on first use; None when off."""
        if self._reasoner is None and self.config.reasoner.type != "none":
            from planners.language.reasoning.registry import build_reasoner

            self._reasoner = build_reasoner(self.config.reasoner)
        return self._reasoner

    def answer(self, question: str, now: float, planner: str = "voi",
               on_step: Callable[[ExplorationStepRecord], None] | None = None) -> AnswerReport:
        started = wall_time.perf_counter()
        self._startup_before = self.startup_ms
        if not isinstance(question, str):
            raise BadInputError(f"question: expected text, got {type(question).__name__}")
        if planner not in POLICIES:
            raise BadInputError(f"planner {planner!r}: expected one of {', '.join(POLICIES.names())}")
        if not isinstance(now, (int, float)) or isinstance(now, bool) or not math.isfinite(now):
            raise BadInputError(f"now: expected seconds since d1 00:00, got {now!r}")
        if not question.strip():
            report = self._dont_know(question, None, "the question is empty", planner)
            return self._finish(report, started)
        query = self.parser.parse(question, float(now))
        if query.kind == "unknown" or float(query.confidence) < self.config.min_parse_confidence:
            why = "I did not understand the question"
            report = (self._reasoned(question, query, float(now), planner, why) if self.reasoner is not None
                      else self._dont_know(question, query, why, planner))
            return self._finish(report, started)
        if query.kind in MEMORY_PROJECTIONS:
            return self._finish(self._from_memory(question, query, float(now), planner), started)
        policy = make_policy(planner, self.config.exploration) if self.explorer is not None else MemoryOnlyPolicy()
        outcome = explore_until_stopped(query, float(now), self.beliefs, self.explorer, policy, on_step=on_step)
        report = self._compose(question, query, outcome, planner)
        return self._finish(self._say_stand_in(report, query), started)

    def _say_stand_in(self, report: AnswerReport, query: TypedQuery) -> AnswerReport:
        """Say so when a related category memory holds answered for the one asked about (cup -> mug)."""
        stand_in = getattr(self.parser, "stand_in", None)
        found = stand_in(query) if callable(stand_in) else None
        if found is not None and not report.text.startswith(DONT_KNOW):
            named, held = found
            report.text = (f"I have not seen any {display_name(named)}; the nearest I know is the "
                           f"{display_name(held)}: {report.text}")
        return report

    # ----------------------------------------------------------------- composition
    def _finish(self, report: AnswerReport, started: float) -> AnswerReport:
        report.startup_ms = self.startup_ms - getattr(self, "_startup_before", self.startup_ms)
        report.latency_ms = (wall_time.perf_counter() - started) * 1000.0 - report.startup_ms
        return report

    def _dont_know(self, question: str, query: TypedQuery | None, why: str, planner: str,
                   outcome: ExplorationOutcome | None = None) -> AnswerReport:
        report = AnswerReport(question=question, type=(query.kind if query is not None else None) or "unknown",
                              text=f"{DONT_KNOW}: {why}", value=None, confidence=self.config.dont_know_confidence,
                              query=query, planner=planner)
        if outcome is not None:
            self._copy_outcome(report, outcome)
        else:
            report.stopped_by = "memory-only" if self.explorer is None or planner == "memory-only" else "voi"
        return report

    def _reasoned(self, question: str, query: TypedQuery, now: float, planner: str, why: str) -> AnswerReport:
        """The reasoner's answer from retrieved memory, citing memory items (planners.reasoned_answers)."""
        from planners.reasoned_answers import answer_with_reasoner

        found = answer_with_reasoner(self.reasoner, self.memory, question, now, self.config.reasoner_memory_items)
        if found.refusal is not None:
            return self._dont_know(question, query, f"{why}; {found.refusal}", planner)
        confidence = min(found.confidence, self.config.reasoner_max_confidence)
        hedge = "probably " if confidence < self.config.hedge_below else ""
        return AnswerReport(question=question, type="reasoner", text=f"{hedge}{found.text}", value=found.text,
                            confidence=confidence, evidence=list(found.cited), query=query, planner=planner,
                            stopped_by="memory-only")

    def _from_memory(self, question: str, query: TypedQuery, now: float, planner: str) -> AnswerReport:
        """Projections read off memory without exploring (planners.memory_answers)."""
        found = answer_from_memory(self.memory, query, now)
        if found.refusal is not None:
            return self._dont_know(question, query, found.refusal, planner)
        confidence = found.confidence * min(1.0, float(query.confidence) / 0.5)
        report = AnswerReport(question=question, type=query.kind, text=found.text, value=found.value,
                              confidence=confidence, evidence=list(found.evidence), room=found.room,
                              position=found.position, query=query, planner=planner)
        report.stopped_by = "memory-only"
        return report

    def _copy_outcome(self, report: AnswerReport, outcome: ExplorationOutcome) -> None:
        report.stopped_by = outcome.stopped_by
        report.steps = outcome.steps
        report.path_length_m = outcome.path_length_m
        report.looked_at = list(outcome.looked_at)
        report.exploration = list(outcome.records)

    def _compose(self, question: str, query: TypedQuery, outcome: ExplorationOutcome, planner: str) -> AnswerReport:
        belief = outcome.belief
        best = belief.map_candidate
        target = display_name(query.target or "it")
        if best is None:
            why = belief.notes[0] if belief.notes else f"my memory holds nothing about {target}"
            return self._dont_know(question, query, why, planner, outcome)
        confidence = belief.confidence
        parse_confidence = float(query.confidence)
        if parse_confidence < 0.5:
            confidence *= parse_confidence / 0.5
        report = AnswerReport(question=question, type=belief.kind, text="", confidence=confidence, query=query,
                              planner=planner)
        self._copy_outcome(report, outcome)
        report.evidence = list(best.evidence) + [f"frame:{i}" for i in outcome.frame_ids]
        report.alternatives = self._alternatives(belief)
        kind = belief.kind
        hedge = "probably " if confidence < self.config.hedge_below else ""
        if kind in NOT_FOUND_KINDS and best.label == NOT_IN_HOUSE and unsearched_mass(belief) > 0.5:
            return self._not_found(report, query, belief, target)
        if kind in ("present_location", "past_location"):
            if best.label == NOT_IN_HOUSE:
                report.value, report.room = None, "none"
                report.text = f"{hedge}the {target} {_is(target)} not in the house any more".strip()
            elif best.value is None:
                return self._dont_know(question, query, f"I do not know where the {target} was", planner, outcome)
            else:
                report.position = tuple(float(v) for v in best.position or best.value)
                report.room = best.room
                report.rests_on = best.rests_on
                report.rests_on_category = best.rests_on_category
                where = f"on the {display_name(best.rests_on_category)}" if best.rests_on_category else "at a spot"
                room = f" in the {display_name(best.room)}" if best.room else ""
                verb = _is(target) if kind == "present_location" else ("were" if _is(target) == "are" else "was")
                when = ""
                if kind == "past_location" and belief.time is not None:
                    when = f" at {format_time_value(belief.time)}"
                report.text = f"the {target} {verb} {hedge}{where}{room}{when}"
        elif kind == "room_of":
            report.value = best.value
            report.room = best.value
            report.text = (f"the {target} {_is(target)} {hedge}not in any room of the house" if best.value == "none"
                           else f"the {target} {_is(target)} {hedge}in the {display_name(best.value)}")
            if best.value != "none":
                report.position = best.position
        elif kind == "still_present":
            report.value = bool(best.value)
            report.text = f"{'yes' if best.value else 'no'}, the {target} {_is(target)} {hedge}" + (
                "still in the house" if best.value else "no longer in the house")
        elif kind == "object_state":
            report.value = best.value
            state = best.label
            report.room = best.room
            report.position = best.position
            if isinstance(best.value, bool):
                report.text = f"{'yes' if best.value else 'no'}, the {target} is {hedge}{state}"
            else:
                report.text = f"the {target} is {hedge}{state}"
        elif kind == "count":
            report.value = int(best.value)
            report.text = f"{int(best.value)} time{'s' if int(best.value) != 1 else ''} that I saw"
        elif kind == "contents":
            report.value = list(best.value)
            place = display_name(query.receptacle or query.room or target)
            report.text = f"{hedge}{_list_text(best.value)} {'is' if len(best.value) <= 1 else 'are'} in/on the {place}"
        elif kind == "changes":
            report.value = list(best.value)
            report.text = ("nothing changed that I saw" if not best.value
                           else f"these changed: {', '.join(display_name(v) for v in best.value)}")
        elif kind in ("first_seen", "last_seen"):
            if best.value is None:
                report.value = None
                report.text = f"I have never seen the {target}"
            else:
                report.value = float(best.value)
                which = "first" if kind == "first_seen" else "last"
                report.text = f"I {which} saw the {target} at {format_time_value(best.value)}"
        else:
            return self._dont_know(question, query, f"questions of kind {kind!r} are not supported", planner, outcome)
        return report

    def _not_found(self, report: AnswerReport, query: TypedQuery, belief: Belief, target: str) -> AnswerReport:
        """The search stopped with the thing not found, more likely (> 0.5) somewhere unsearched than gone.

        "Not in the house any more" would be a guess presented as a finding; say what was found instead:
        nothing, and where and when memory last saw it. ("Is it still in the house?" keeps its "no": answered
        "probably yes" by the pooled mass, it turned 2 right answers wrong and none wrong right on
        development data, 10028 and family_house_three_days f9.)
        """
        last = self._last_sighting(query.target)
        seen = ""
        if last is not None:
            where = f" on the {display_name(last.rests_on_category)}" if last.rests_on_category else ""
            room = f" in the {display_name(last.room)}" if last.room else ""
            when = f" at {format_time_value(last.last_seen)}" if last.last_seen is not None else ""
            seen = f"; I last saw {'them' if _is(target) == 'are' else 'it'}{where}{room}{when}"
        found = f"I have not found the {target}{seen}, and there are places I have not searched"
        report.value, report.position, report.room = None, None, None
        report.rests_on = report.rests_on_category = None
        report.confidence = self.config.dont_know_confidence
        report.text = found
        return report

    def _last_sighting(self, target: str | None) -> Any:
        """Memory's most recent remembered placement of `target` (absent ones included), None when it has none."""
        if not target:
            return None
        rows = [row for row in self.memory.locate(target) if row.source == "memory"]
        return max(rows, key=lambda row: row.last_seen if row.last_seen is not None else -math.inf, default=None)

    def _alternatives(self, belief: Belief, k: int = 3) -> list[dict[str, Any]]:
        masses = belief.answer_masses()
        ranked = sorted(belief.candidates, key=lambda c: -c.probability)
        out, seen = [], set()
        for c in ranked:
            if c.answer_key in seen:
                continue
            seen.add(c.answer_key)
            out.append({"label": c.label, "value": _jsonable(c.value), "probability": round(masses[c.answer_key], 4),
                        "speculative": c.speculative})
            if len(out) >= k:
                break
        return out


NOT_FOUND_KINDS = ("present_location", "room_of")


def unsearched_mass(belief: Belief) -> float:
    """P(the thing is in the house, at a place not seen to hold it yet): every hypothesis but "not in the house"."""
    return sum(c.probability for c in belief.candidates if c.label != NOT_IN_HOUSE)


def latest_memory_time(memory: MemoryReader) -> float:
    """The latest time the memory knows of (last sighting or observation), 0.0 for an empty memory."""
    times = [float(o.last_seen) for o in memory.objects(include_absent=True) if o.last_seen is not None]
    times += [float(b) for _, b, _ in memory.observed_intervals(0.0, 1e12)]
    return max(times, default=0.0)
