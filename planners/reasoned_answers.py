"""Answers from the optional reasoner, over retrieved memory, for questions the typed query refuses.

The typed query (planners.language) answers what it can represent; what it refuses can be handed to a
language model (planners.language.reasoning: an OpenAI-compatible endpoint or a local model) together
with what memory holds, as one line of text per item with its id and times:

- `object:<id>`: an object or piece of furniture, its category, room, what it rests on, its state,
  colour and size, first and last seen, and whether it is gone;
- `event:<id>`: a change the robot noticed (appeared, moved, disappeared, opened, ...) or made itself;
- `episode:<id>`: a chunk of the robot's experience (a patrol, a watch, a task) with its span;
- `visit:<n>`: the robot entering or leaving a room (from its trajectory).

Items are ranked by the question's content words they share, then by recency, and cut to a budget.
The model must answer in JSON and cite the ids it used; an answer citing no item, or an id that was
not retrieved, is refused with that reason, as are backend failures (timeouts, HTTP errors, malformed
replies). Nothing here raises for a model's misbehaviour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from memory_stack.foundation.time_format import format_time_value
from planners.language.entity_linking import STOPWORDS, display_name, lemma
from planners.language.reasoning.base import Reasoner, ReasonerError
from planners.language.reasoning.query_prompt import extract_json_object
from planners.memory_answers import attribute_of
from planners.memory_api import MemoryReader

MAX_ITEMS = 60

_INSTRUCTIONS = """You answer a question asked to a home robot, from the robot's memory only.
Memory items, one per line, each starting with its id in brackets:
{items}

The question is asked at {now}. Times are "dN HH:MM" (day N from 1, 24-hour clock).
Question: {question}

Reply with one JSON object and nothing else:
{{"answer": "<a short answer>", "cited": ["<id of every memory item the answer rests on>"], "confidence": <0 to 1>}}
If the memory items do not hold the answer, reply {{"answer": null, "reason": "<what is missing>"}}.
Never cite an id that is not listed above."""


@dataclass(frozen=True)
class MemoryItem:
    id: str
    text: str
    time: float


@dataclass
class ReasonedAnswer:
    text: str = ""
    cited: list[str] = field(default_factory=list)
    confidence: float = 0.0
    refusal: str | None = None


def _t(seconds: float | None) -> str:
    return format_time_value(seconds) if seconds is not None else "unknown time"


def retrieve_memory_items(memory: MemoryReader, now: float) -> list[MemoryItem]:
    """Everything memory holds up to `now` that a reasoner may read, as id-tagged lines."""
    items: list[MemoryItem] = []
    for obj in memory.objects(at=now, include_absent=True):
        parts = [f"{display_name(obj.category)}"]
        if obj.is_receptacle:
            parts.append("(furniture)")
        if obj.room:
            parts.append(f"in the {display_name(obj.room)}")
        if obj.rests_on_category:
            parts.append(f"on the {display_name(obj.rests_on_category)} ({obj.rests_on})")
        if obj.state:
            parts.append(f"state {obj.state}")
        for name in ("colour", "size", "material", "shape"):
            value = attribute_of(memory, obj, name, at=now)
            if value:
                parts.append(f"{name} {value}")
        parts.append(f"first seen {_t(obj.first_seen)}, last seen {_t(obj.last_seen)}")
        if not obj.present:
            parts.append("no longer in the house")
        items.append(MemoryItem(f"object:{obj.id}", " ".join(parts), float(obj.last_seen or 0.0)))
    for event in memory.events(None, now):
        detail = f"{event.kind} {display_name(event.category)} ({event.object_id})"
        if event.room:
            detail += f" in the {display_name(event.room)}"
        if event.from_place or event.to_place:
            detail += (f" from {display_name(event.from_place) or 'somewhere'}"
                       f" to {display_name(event.to_place) or 'somewhere'}")
        if event.new_state:
            detail += f", state {event.old_state or '?'} -> {event.new_state}"
        if event.provenance == "manipulation":
            detail += ", moved by the robot itself"
        items.append(MemoryItem(f"event:{event.id}", f"at {_t(event.time)}: {detail}", float(event.time)))
    episodes = getattr(memory, "episodes", None)
    for episode in (episodes(None, now) if callable(episodes) else []):
        span = f"from {_t(episode.start)}" + (f" to {_t(episode.end)}" if episode.end is not None else " on")
        items.append(MemoryItem(f"episode:{episode.id}", f"the robot's {episode.kind} of {display_name(episode.name)} "
                                f"{span}", float(episode.start)))
    nodes = memory.trajectory(None, now)
    n = 0
    for before, after in zip(nodes, nodes[1:]):
        if before[5] == after[5]:
            continue
        n += 1
        moves = [f"left the {display_name(before[5])}"] if before[5] else []
        moves += [f"entered the {display_name(after[5])}"] if after[5] else []
        items.append(MemoryItem(f"visit:{n}", f"at {_t(after[0])}: the robot {' and '.join(moves)}", float(after[0])))
    return items


def _content_words(text: str) -> set[str]:
    return {lemma(w) for w in re.findall(r"[a-z]+", text.lower().replace("_", " ")) if w not in STOPWORDS}


def rank_items(items: list[MemoryItem], question: str, limit: int = MAX_ITEMS) -> list[MemoryItem]:
    """The `limit` items sharing most content words with the question, most recent first among equals."""
    wanted = _content_words(question)
    scored = sorted(items, key=lambda item: (-len(wanted & _content_words(item.text)), -item.time))
    return scored[:limit]


def build_answer_prompt(question: str, now: float, items: list[MemoryItem]) -> str:
    lines = "\n".join(f"[{item.id}] {item.text}" for item in items) or "(memory is empty)"
    return _INSTRUCTIONS.format(items=lines, now=format_time_value(now), question=question)


def parse_reply(reply: str, known_ids: set[str]) -> ReasonedAnswer:
    """A model's reply checked against the protocol; a refusal with the reason when it breaks it."""
    data = extract_json_object(reply)
    if data is None:
        return ReasonedAnswer(refusal=f"the reasoner's reply holds no JSON object: {reply[:80]!r}")
    answer = data.get("answer")
    if answer is None:
        reason = data.get("reason")
        return ReasonedAnswer(refusal="the reasoner found no answer in memory"
                              + (f" ({reason})" if isinstance(reason, str) and reason.strip() else ""))
    if not isinstance(answer, str) or not answer.strip():
        return ReasonedAnswer(refusal=f"the reasoner's answer is not text: {answer!r}")
    cited = data.get("cited")
    if not isinstance(cited, list) or not cited or not all(isinstance(c, str) for c in cited):
        return ReasonedAnswer(refusal="the reasoner cited no memory item for its answer")
    unknown = [c for c in cited if c not in known_ids]
    if unknown:
        return ReasonedAnswer(refusal=f"the reasoner cited memory items it was not given: {', '.join(unknown[:5])}")
    confidence = data.get("confidence", 0.5)
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
        return ReasonedAnswer(refusal=f"the reasoner's confidence is not a number: {confidence!r}")
    return ReasonedAnswer(text=answer.strip(), cited=list(dict.fromkeys(cited)),
                          confidence=min(max(float(confidence), 0.0), 1.0))


def answer_with_reasoner(reasoner: Reasoner, memory: MemoryReader, question: str, now: float,
                         limit: int = MAX_ITEMS) -> ReasonedAnswer:
    """Ask `reasoner` the question over the memory items most related to it; never raises for the model."""
    items = rank_items(retrieve_memory_items(memory, now), question, limit)
    try:
        reply = reasoner.complete(build_answer_prompt(question, now, items))
    except ReasonerError as exc:
        return ReasonedAnswer(refusal=f"the reasoner failed: {exc}")
    return parse_reply(reply, {item.id for item in items})
