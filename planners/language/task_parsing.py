"""Task texts: "bring the mug to the counter" -> TaskSpec(verb, object, destination).

The object and destination words are linked to what memory knows (planners.language.entity_linking),
falling back to normalised names when no memory is given.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from memory_stack.foundation.errors import BadInputError
from planners.acting.case_memory import task_signature
from planners.language.entity_linking import (
    EntityLinker,
    Vocabulary,
    content_phrases,
    lemma,
    lemma_name,
    load_ontology,
    normalize_name,
    ontology_vocabulary,
    with_stand_ins,
)
from planners.memory_api import MemoryReader

log = logging.getLogger(__name__)

_TASK = re.compile(
    r"^\s*(?:please\s+)?(?:can you\s+|could you\s+)?"
    r"(bring|take|put|move|carry|place|fetch|get|return)\s+(?:me\s+)?"
    r"(?:the|a|an|my|your|that|this)?\s*(.+?)\s+"
    r"(?:back\s+)?(?:to|on|onto|into|in|at|over to|on top of|inside)\s+"
    r"(?:the|a|an|my|your)?\s*(.+?)\s*[.!?]*\s*$",
    re.IGNORECASE,
)

_STATE_TASK = re.compile(
    r"^\s*(?:please\s+)?(?:can you\s+|could you\s+)?(open|close|shut)\s+(?:up\s+)?"
    r"(?:the|a|an|my|your|that|this)?\s*(.+?)\s*(?:door)?\s*[.!?]*\s*$",
    re.IGNORECASE,
)
STATE_VERBS = ("open", "close")


class TaskParseError(BadInputError):
    """A task text does not name an object and a destination; the message quotes it."""


@dataclass
class TaskSpec:
    """A parsed fetch task: move `object_category` onto the receptacle `destination` (id or category).

    `stand_in`: the related kind memory holds when it holds no instance of the named one ("my cup" ->
    the mug), for the report; the task still fetches the named kind.
    """

    text: str
    verb: str
    object_mention: str
    object_category: str
    destination_mention: str
    destination: str
    stand_in: str = ""

    @property
    def signature(self) -> str:
        return task_signature("bring" if self.verb in ("fetch", "get", "carry", "take", "return") else self.verb,
                              self.object_category, self.destination)


def _linker_vocabulary(memory: MemoryReader) -> Vocabulary:
    held = Vocabulary.from_memory(memory)
    try:
        # a look-alike memory holds stands in for a kind it has none of ("my cup" -> the mug)
        return with_stand_ins(held.merged(ontology_vocabulary()), held, load_ontology())
    except (OSError, BadInputError) as exc:
        log.debug("ontology unavailable for task parsing: %s", exc)
    return held


def _link(mention: str, vocab: Vocabulary, want: str, embedder: Any = None) -> str:
    phrases = content_phrases(mention, compounds=vocab.compounds()) or []
    linker = EntityLinker(embedder)
    links, unmatched = linker.lexical_links(phrases, vocab)
    if unmatched and embedder is not None:
        vectors = embedder.embed([p.text for p in unmatched])
        links += [link for link in linker.embedding_links(unmatched, vectors, vocab) if link.linked]
    ranked = sorted(links, key=lambda link: (link.kind != want, -link.score))
    if ranked:
        best = ranked[0]
        return best.name if want == "receptacle" else (best.category or best.name)
    return _head_kind(mention, vocab, want) or normalize_name(mention)


def _head_kind(mention: str, vocab: Vocabulary, want: str) -> str:
    """The one known compound category whose last word is the mention's head ("" when none or several).

    People name a thing by its head noun: "the mouse" is the computer mouse, "the controller" the game
    controller; a head several kinds share ("the table") names none of them.
    """
    words = normalize_name(mention).split("_")
    if not words or not words[-1]:
        return ""
    head = lemma(words[-1])
    kinds = vocab.receptacle_categories if want == "receptacle" else vocab.object_categories
    named = sorted(c for c in kinds if "_" in c and lemma(c.rsplit("_", 1)[1]) == head)
    return named[0] if len(named) == 1 else ""


def _named_kind(mention: str, vocab: Vocabulary) -> str:
    """The category memory holds no instance of that the mention's words name ("" when they name none).

    Exact words first, then their singular, from the whole mention down to its last word (the head);
    a kind memory holds wins: "glasses" are the eyeglasses memory holds, not the drinking glass that
    shares their singular, and "glass" names the glass where memory holds no glass and no glasses.
    """
    known = vocab.object_categories | vocab.receptacle_categories      # held, or linked without a stand-in
    words = normalize_name(mention).split("_")
    for start in range(len(words)):
        key = "_".join(words[start:])
        if key in known:
            return ""
        if key in vocab.stand_ins:
            return key
        if any(lemma_name(c) == lemma_name(key) for c in known):
            return ""
        named = [c for c in sorted(vocab.stand_ins) if lemma_name(c) == lemma_name(key)]
        if named:
            return named[0]
    return ""


def parse_task(text: str, memory: MemoryReader | None = None, embedder: Any = None) -> TaskSpec:
    """Parse "bring the mug to the counter" into TaskSpec(verb=bring, object=mug, destination=counter)."""
    if not isinstance(text, str) or not text.strip():
        raise TaskParseError("task: empty text; expected e.g. \"bring the mug to the counter\"")
    match = _TASK.match(text)
    if match is None:
        state = _STATE_TASK.match(text)
        if state is None or not state.group(2).strip():
            raise TaskParseError(f"task {text!r}: expected \"<bring|put|move|take> <object> to <receptacle>\" "
                                 "or \"<open|close> <furniture>\"")
        verb = "close" if state.group(1).lower() in ("close", "shut") else "open"
        mention = state.group(2).strip()
        if memory is not None:
            name = _link(mention, _linker_vocabulary(memory), "receptacle", embedder)
        else:
            name = normalize_name(mention)
        return TaskSpec(text, verb, mention, name, mention, name)
    verb, obj, dest = match.group(1).lower(), match.group(2).strip(), match.group(3).strip()
    if memory is not None:
        vocab = _linker_vocabulary(memory)
        obj_name = _link(obj, vocab, "object", embedder)
        dest_name = _link(dest, vocab, "receptacle", embedder)
        # A task's goal is the kind it names: a look-alike carried instead is a false "done" (issue 17,
        # 10002: "the glass" linked to the wallet through "glasses"), so fetch the named kind and keep
        # the stand-in only to say what memory holds instead.
        named = _named_kind(obj, vocab)
        if named and named != obj_name:
            return TaskSpec(text, verb, obj, named, dest, dest_name, stand_in=vocab.stand_ins[named])
    else:
        obj_name, dest_name = normalize_name(obj), normalize_name(dest)
    return TaskSpec(text, verb, obj, obj_name, dest, dest_name)
