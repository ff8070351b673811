"""Entity linking: the words of a question -> the objects, receptacles and rooms memory knows.

Order of evidence, strongest first: exact name (category, receptacle id, room name; "coffee table"
= "coffee_table"), lemma ("key" = "keys", "mugs" = "mug"), ontology synonym ("cup" -> mug when the
ontology says so), then sentence-embedding similarity above a threshold ("refrigerator" -> fridge).
Phrases are the runs of content words left after removing question words, template verbs and the
time expression; the longest sub-run that matches wins and the rest of the run are modifiers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from planners.memory_api import MemoryReader

LINK_KINDS = ("object", "receptacle", "room")
DETERMINERS = frozenset({"the", "a", "an", "my", "your", "our", "his", "her", "their", "this", "that", "any"})

# Words that never name an entity in these questions: question words, auxiliaries, determiners,
# pronouns, prepositions, and the verbs/nouns of the question templates.
STOPWORDS: frozenset[str] = frozenset("""
a about across after again ago all also am an and any anybody anyone anything apartment appear appeared are around
at away be been before being between by can change changed changes close closed closes closing could count
current currently d day days did different do does done during else ever everything exist exists find
first for found frequently from gone get got go goes going had has have he her here hers his home house how i if
in inside into is it its just keep kept know last lately leave left let lie lies list located location long lying
ll m many may me might mine more most move moved moves moving much my near no not notice noticed now number
object objects of often on onto open opened opening opens or our over past place placed please position put re
recently remain remained right s said saw see seen shut show showed shown should since sit sits sitting
sat some somebody someone something somewhere spot spotted state stay stayed still stuff t take taken tell than
that the their them there these they thing things this those time times to today top under up us ve was we went
were what whats when where whereabouts whether which while who why will with within would yet you your yours
happened happen happens different currently lying standing stand stands sitting resting rest rests kept stored
ago earlier frequently often again appears show shows there's whose ever tonight yesterday morning afternoon
evening night noon midnight recently lately hour hours minute minutes second seconds week weeks
remember recall help wonder think need want like looking look guess mind sure idea hey okay ok thanks thank
robot please kindly maybe perhaps end ended ending wind wound hold holds held contain contains contained missing
""".split())
# "door" is a word people use for a thing ("the bedroom door"), so it is not a stopword; it is the
# part of the thing it follows ("the fridge door" asks about the fridge).
PART_WORDS: frozenset[str] = frozenset({"door", "doors", "lid", "handle", "knob"})

_TOKEN = re.compile(r"[a-z0-9_]+")


class TextEmbedderLike(Protocol):
    """Anything with `embed(list[str]) -> (N, D) L2-normalised array` (scene_graph's TextEmbedder)."""

    def embed(self, texts: list[str]) -> np.ndarray: ...


def normalize_name(text: str) -> str:
    """Lowercase snake case: 'Coffee Table', 'coffee-table' and 'coffee_table' all give 'coffee_table'."""
    return "_".join(_TOKEN.findall(text.lower().replace("-", " ")))


def display_name(name: str | None) -> str:
    """A memory name as words ("coffee_table" -> "coffee table"; None -> "")."""
    return (name or "").replace("_", " ")


def lemma(word: str) -> str:
    """A crude English singular: keys -> key, glasses -> glass, boxes -> box, knives -> knife."""
    w = word.lower()
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("ves"):
        return w[:-3] + "fe" if w.endswith("ives") else w[:-3] + "f"
    if w.endswith(("sses", "shes", "ches", "xes", "zes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def lemma_name(name: str) -> str:
    return "_".join(lemma(w) for w in normalize_name(name).split("_") if w)


@dataclass(frozen=True)
class Phrase:
    """A run of content words in the question (character span into the question)."""

    words: tuple[str, ...]
    span: tuple[int, int]

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class EntityLink:
    """A mention linked to something memory knows.

    `name` is what to query memory with: a receptacle id, a category, or a room name.
    `method` is exact | lemma | synonym | embedding | unlinked (unlinked: no vocabulary matched).
    """

    mention: str
    name: str
    category: str | None
    kind: str
    score: float
    method: str
    span: tuple[int, int]

    @property
    def linked(self) -> bool:
        return self.method != "unlinked"


@dataclass
class Vocabulary:
    """What the linker can link to: categories (objects, receptacles), receptacle ids, room names, synonyms."""

    object_categories: set[str] = field(default_factory=set)
    receptacle_categories: set[str] = field(default_factory=set)
    receptacle_ids: dict[str, str] = field(default_factory=dict)
    rooms: set[str] = field(default_factory=set)
    synonyms: dict[str, str] = field(default_factory=dict)
    # category a question may name -> the related category memory holds that stands in for it (with_stand_ins)
    stand_ins: dict[str, str] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.object_categories or self.receptacle_categories or self.receptacle_ids or self.rooms)

    def stopword_names(self) -> frozenset[str]:
        """One-word names that are also template words ("can"), nouns only after a determiner."""
        names = {n for n, _, _ in self.names()} | set(self.synonyms)
        return frozenset(n for n in names if n in STOPWORDS)

    def compounds(self) -> frozenset[tuple[str, ...]]:
        """The multi-word names as word tuples ("tv_stand" -> ("tv", "stand")), for `content_phrases`."""
        names = {n for n, _, _ in self.names()} | set(self.synonyms)
        return frozenset(tuple(n.split("_")) for n in names if "_" in n and not re.search(r"_\d+$", n))

    def names(self) -> list[tuple[str, str, str | None]]:
        """(name, kind, category) for every linkable name: receptacle ids, categories, rooms."""
        out: list[tuple[str, str, str | None]] = []
        for rid, cat in sorted(self.receptacle_ids.items()):
            out.append((rid, "receptacle", cat))
        for cat in sorted(self.receptacle_categories):
            out.append((cat, "receptacle", cat))
        for cat in sorted(self.object_categories - self.receptacle_categories):
            out.append((cat, "object", cat))
        for room in sorted(self.rooms):
            out.append((room, "room", None))
        return out

    def merged(self, other: Vocabulary) -> Vocabulary:
        return Vocabulary(
            self.object_categories | other.object_categories,
            self.receptacle_categories | other.receptacle_categories,
            {**other.receptacle_ids, **self.receptacle_ids},
            self.rooms | other.rooms,
            {**other.synonyms, **self.synonyms},
            {**other.stand_ins, **self.stand_ins},
        )

    @classmethod
    def from_lists(cls, categories: Iterable[str] = (), receptacles: Iterable[str] | Mapping[str, str] = (),
                   rooms: Iterable[str] = (), synonyms: Mapping[str, Iterable[str] | str] | None = None) -> Vocabulary:
        """Build from plain lists. `receptacles` may map receptacle id -> category or list ids/categories."""
        vocab = cls(object_categories={normalize_name(c) for c in categories}, rooms={normalize_name(r) for r in rooms})
        if isinstance(receptacles, Mapping):
            for rid, cat in receptacles.items():
                vocab.receptacle_ids[normalize_name(rid)] = normalize_name(cat)
                vocab.receptacle_categories.add(normalize_name(cat))
        else:
            for r in receptacles:
                vocab.receptacle_categories.add(normalize_name(r))
        vocab.synonyms.update(synonym_table(synonyms or {}))
        return vocab

    @classmethod
    def from_memory(cls, memory: MemoryReader) -> Vocabulary:
        """Categories, receptacles and rooms a `scene_graph.store.MemoryStore` holds (read-only queries)."""
        vocab = cls()
        for obj in memory.objects(include_absent=True):
            cat = normalize_name(obj.category)
            if obj.is_receptacle:
                vocab.receptacle_categories.add(cat)
                vocab.receptacle_ids[normalize_name(obj.id)] = cat
            else:
                vocab.object_categories.add(cat)
        for rec in memory.receptacles():
            cat = normalize_name(rec.category)
            vocab.receptacle_categories.add(cat)
            vocab.receptacle_ids[normalize_name(rec.id)] = cat
        plan = memory.floor_plan
        if plan is not None:
            vocab.rooms.update(normalize_name(r.name) for r in plan.rooms)
        return vocab


def synonym_table(synonyms: Mapping[str, Iterable[str] | str]) -> dict[str, str]:
    """{category: [synonym, ...]} -> {normalized lemma of synonym: category}."""
    table: dict[str, str] = {}
    for category, words in synonyms.items():
        if isinstance(words, str):
            words = [words]
        for word in words:
            table[lemma_name(word)] = normalize_name(category)
    return table


def ontology_vocabulary(path: str | Path | None = None) -> Vocabulary:
    """Categories and synonyms of the project ontology (scene_graph.ontology); empty if it is unavailable.

    A missing default ontology file is not an error (the parser then links against memory alone); a
    broken file raises its BadInputError naming the file and field.
    """
    try:
        from scene_graph.ontology import DEFAULT_ONTOLOGY, GENERIC_PARENTS, Ontology
    except ImportError:
        return Vocabulary()
    path = Path(path) if path is not None else DEFAULT_ONTOLOGY
    if not path.is_file():
        return Vocabulary()
    onto = Ontology.load(path)
    vocab = Vocabulary()
    vocab.synonyms = {lemma_name(k): normalize_name(v) for k, v in onto.synonyms.items()}
    vocab.receptacle_categories = {normalize_name(c) for c in onto.receptacle_categories}
    categories = set(onto.parent) | set(onto.synonyms.values()) | set(onto.typical)
    vocab.object_categories = {normalize_name(c) for c in categories if c not in GENERIC_PARENTS}
    vocab.object_categories -= vocab.receptacle_categories
    return vocab


def load_ontology(path: str | Path | None = None):
    """The project ontology (scene_graph.ontology.Ontology), or None when it is unavailable."""
    try:
        from scene_graph.ontology import DEFAULT_ONTOLOGY, Ontology
    except ImportError:
        return None
    path = Path(path) if path is not None else DEFAULT_ONTOLOGY
    return Ontology.load(path) if path.is_file() else None


def with_stand_ins(vocab: Vocabulary, held: Vocabulary, ontology, similarity=None) -> Vocabulary:
    """`vocab` where a category memory holds no instance of links to the nearest related one it holds.

    `held` is what memory (and the caller's own lists) hold; `vocab` adds the ontology's categories.
    An ontology category not held, with a held relative in the is_a tree (ontology.nearest_related:
    "cup" -> the mug when memory has mugs and no cup, "coffee table" -> the table), becomes a synonym
    of that relative, recorded in `stand_ins` so the answer can say so. A held category is never
    replaced: the exact category wins when memory holds it.
    """
    if ontology is None:
        return vocab
    out = Vocabulary(set(vocab.object_categories), set(vocab.receptacle_categories), dict(vocab.receptacle_ids),
                     set(vocab.rooms), dict(vocab.synonyms), dict(vocab.stand_ins))
    names = vocab.object_categories | vocab.receptacle_categories
    for kind_of, held_of in ((out.object_categories, held.object_categories - held.receptacle_categories),
                             (out.receptacle_categories, held.receptacle_categories)):
        for category in sorted(kind_of - held_of - held.object_categories - held.receptacle_categories):
            nearest = ontology.nearest_related(category, held_of, similarity)
            if nearest is None:
                continue
            kind_of.discard(category)
            out.stand_ins[category] = nearest
            # the singular of "glasses" is "glass", a category of its own: the glasses' stand-in is filed under
            # "glasses" only, not over the glass's
            singular = lemma_name(category)
            out.synonyms[singular if singular == category or singular not in names else category] = nearest
            for word, target in list(out.synonyms.items()):
                if target == category:
                    out.synonyms[word] = nearest
    return out


def content_phrases(text: str, blanked: Iterable[tuple[int, int]] = (),
                    compounds: frozenset[tuple[str, ...]] = frozenset(),
                    stopword_names: frozenset[str] = frozenset()) -> list[Phrase]:
    """Runs of content words of `text` (lowercased), skipping stopwords, numbers and blanked spans.

    A stopword that completes a multi-word name of `compounds` with the words before it stays in the
    run ("tv stand" when the vocabulary holds tv_stand; "stand" alone is still a template verb), and so
    does one of `stopword_names` right after a determiner ("the can", "my can"; "where can I" skips it).
    """
    lowered = text.lower()
    for start, end in blanked:
        lowered = lowered[:start] + " " * (end - start) + lowered[end:]
    lowered = lowered.replace("'", " ")
    phrases: list[Phrase] = []
    run: list[re.Match] = []
    last_end = -1

    def flush() -> None:
        if run:
            phrases.append(Phrase(tuple(m.group() for m in run), (run[0].start(), run[-1].end())))
            run.clear()

    previous_word = ""
    for m in _TOKEN.finditer(lowered):
        word = m.group()
        gap = lowered[last_end:m.start()] if last_end >= 0 else ""
        skip = word in STOPWORDS or word.isdigit() or re.fullmatch(r"d\d+", word) is not None
        if skip and word in stopword_names and previous_word in DETERMINERS and not gap.strip():
            skip = False
        previous_word = word
        if skip and run and not re.search(r"[,;:?!.]", gap) and _completes_compound(run, word, compounds):
            skip = False
        skip = skip or (word in ("room", "rooms") and not run)  # "which room": not a name; "living room": part of one
        if skip or re.search(r"[,;:?!.]", gap):
            flush()
            if skip:
                last_end = m.end()
                continue
        run.append(m)
        last_end = m.end()
    flush()
    return phrases


def _completes_compound(run: list[re.Match], word: str, compounds: frozenset[tuple[str, ...]]) -> bool:
    previous = tuple(m.group() for m in run)
    return any(len(c) > 1 and c[-1] == word and previous[-(len(c) - 1):] == c[:-1] for c in compounds)


class EntityLinker:
    """Links content phrases to a Vocabulary: lexical matches first, then embedding similarity."""

    def __init__(self, embedder: TextEmbedderLike | None = None, threshold: float = 0.6, margin: float = 0.02):
        self.embedder = embedder
        self.threshold = threshold
        self.margin = margin
        self._name_cache: dict[str, np.ndarray] = {}

    def lexical_links(self, phrases: list[Phrase], vocab: Vocabulary) -> tuple[list[EntityLink], list[Phrase]]:
        """Exact / lemma / synonym links; returns (links, phrases with no lexical match at all)."""
        by_exact: dict[str, tuple[str, str, str | None]] = {}
        by_lemma: dict[str, tuple[str, str, str | None]] = {}
        for name, kind, cat in vocab.names():
            by_exact.setdefault(name, (name, kind, cat))
            by_lemma.setdefault(lemma_name(name), (name, kind, cat))
        receptacle_cats = vocab.receptacle_categories
        links: list[EntityLink] = []
        unmatched: list[Phrase] = []
        for phrase in phrases:
            words = phrase.words
            found: list[EntityLink] = []
            covered = [False] * len(words)
            for n in range(min(4, len(words)), 0, -1):
                for i in range(len(words) - n + 1):
                    if any(covered[i:i + n]):
                        continue
                    key = "_".join(words[i:i + n])
                    hit, method, score = by_exact.get(key), "exact", 1.0
                    if hit is None:
                        hit, method, score = by_lemma.get(lemma_name(key)), "lemma", 0.95
                    synonym = key if key in vocab.synonyms else lemma_name(key)
                    if hit is None and synonym in vocab.synonyms:
                        cat = vocab.synonyms[synonym]
                        kind = "receptacle" if cat in receptacle_cats else "object"
                        hit, method, score = (cat, kind, cat), "synonym", 0.9
                    if hit is None:
                        continue
                    for j in range(i, i + n):
                        covered[j] = True
                    mention = " ".join(words[i:i + n])
                    found.append(EntityLink(mention, hit[0], hit[2], hit[1], score, method,
                                            self._sub_span(phrase, i, n)))
            kept = self._head_links(phrase, found, covered)
            if kept:
                links.extend(sorted(kept, key=lambda link: link.span[0]))
            head_linked = bool(found) and (covered[-1] or kept == found and any(lk.kind != "room" for lk in kept))
            if not head_linked:
                # The head is not linked: the words after the last linked one are embedded or stay themselves.
                start = max([i + 1 for i in range(len(words) - 1) if covered[i]], default=0)
                unmatched.append(Phrase(words[start:], self._sub_span(phrase, start, len(words) - start)))
        return links, unmatched

    def _head_links(self, phrase: Phrase, found: list[EntityLink], covered: list[bool]) -> list[EntityLink]:
        """The links of a phrase read head-final: a thing linked only through a modifier is not the thing.

        "orange juice" does not link to orange, "bedroom door" keeps the room (bedroom) as context and
        links no object; "the fridge door" is the fridge (a part word after a linked thing). Room links
        are kept; a phrase whose head word is unlinked yields no object link, so it is embedded or stays
        itself.
        """
        words = phrase.words
        if not found or covered[-1]:
            return found
        if words[-1] in PART_WORDS and len(words) > 1 and covered[-2]:
            return found
        return [link for link in found if link.kind == "room"]

    @staticmethod
    def _sub_span(phrase: Phrase, i: int, n: int) -> tuple[int, int]:
        start = phrase.span[0] + sum(len(w) + 1 for w in phrase.words[:i])
        return start, start + len(" ".join(phrase.words[i:i + n]))

    def name_embeddings(self, names: list[str]) -> np.ndarray:
        """Embeddings of vocabulary names, computed once per name and cached."""
        missing = [n for n in names if n not in self._name_cache]
        if missing and self.embedder is not None:
            vectors = self.embedder.embed([display_name(n) for n in missing])
            for n, v in zip(missing, vectors):
                self._name_cache[n] = np.asarray(v, dtype=np.float32)
        if not names:
            return np.zeros((0, 1), dtype=np.float32)
        return np.stack([self._name_cache[n] for n in names])

    def embedding_links(self, phrases: list[Phrase], phrase_vectors: np.ndarray | None,
                        vocab: Vocabulary) -> list[EntityLink]:
        """Link phrases with no lexical match by cosine similarity to vocabulary names (else `unlinked`)."""
        entries = vocab.names()
        links: list[EntityLink] = []
        if phrases and entries and phrase_vectors is not None and self.embedder is not None:
            names = [e[0] for e in entries]
            sims = np.asarray(phrase_vectors) @ self.name_embeddings(names).T
            for phrase, row in zip(phrases, sims):
                order = np.argsort(row)[::-1]
                best = int(order[0])
                second = float(row[order[1]]) if len(order) > 1 else -1.0
                # A receptacle id and its own category are the same thing, not rivals.
                for j in order[1:]:
                    if entries[int(j)][2] != entries[best][2] or entries[best][1] == "room":
                        second = float(row[int(j)])
                        break
                score = float(row[best])
                if score >= self.threshold and score - second >= self.margin:
                    name, kind, cat = entries[best]
                    links.append(EntityLink(phrase.text, name, cat, kind, score, "embedding", phrase.span))
                else:
                    links.append(self._unlinked(phrase, score))
        else:
            links.extend(self._unlinked(p, 0.0) for p in phrases)
        return links

    @staticmethod
    def _unlinked(phrase: Phrase, score: float) -> EntityLink:
        """An unknown thing stays itself, named by its head ("the white door fully" -> door)."""
        from planners.language.question_forms import noun_phrase

        np = noun_phrase(phrase.text)
        name = normalize_name(np.head if np is not None else phrase.text)
        return EntityLink(phrase.text, name, name, "object", score, "unlinked", phrase.span)
