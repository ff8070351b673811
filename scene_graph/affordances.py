"""Affordances: what things are for, as semantic memory (scene_graph/data/affordances.yaml + embeddings).

`Affordances.load()` reads the category -> activities table. `match(activity, categories)` ranks the
given categories (those memory holds) by the best cosine similarity between the asked activity
("make some coffee") and the activities each affords, keeping those above `threshold`; the table
is matched by sentence embeddings (scene_graph.text_embedding), so "brew a coffee" needs no entry.
The table's embeddings are computed once per machine and kept on disk (scene_graph.embedding_cache).

A category with no entry of its own speaks through the ontology (scene_graph.ontology): its canonical
name's entry ("countertop" -> counter), else its nearest is_a ancestor's that has one ("kitchen_table"
-> table). Any category, named in the table or not (a detector's open-vocabulary label), also affords
its own use: "use a <name>" is one more of its activities, so "sweep the floor" finds a broom memory
holds though no entry names one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from memory_stack.foundation.errors import BadInputError
from scene_graph.embedding_cache import cached_embeddings

DEFAULT_AFFORDANCES = Path(str(resources.files("scene_graph").joinpath("data", "affordances.yaml")))
MATCH_THRESHOLD = 0.6


def _use(category: str) -> str:
    return "use a " + category.replace("_", " ")


class Affordances:
    def __init__(self, table: dict[str, list[str]], embedder: Any = None, ontology: Any = None) -> None:
        self.table = table
        self._embedder = embedder
        self._ontology = ontology
        self._pairs = [(category, activity) for category, activities in table.items() for activity in activities]
        self._matrix: np.ndarray | None = None
        self._use_vectors: dict[str, np.ndarray] = {}

    @property
    def ontology(self) -> Any:
        if self._ontology is None:
            from scene_graph.ontology import DEFAULT_ONTOLOGY, Ontology

            self._ontology = Ontology.load(DEFAULT_ONTOLOGY)
        return self._ontology

    def known_categories(self) -> set[str]:
        """Categories the table speaks for: its own and every category of the ontology (through their entries)."""
        ontology = self.ontology
        return set(self.table) | set(ontology.parent) | set(ontology.receptacle_categories) | set(ontology.typical)

    def sources(self, category: str) -> list[str]:
        """The table entries whose activities `category` has ([] when none does).

        Its own, else its canonical name's, else its nearest ancestor's (is_a) that has one.
        """
        if category in self.table:
            return [category]
        canonical = self.ontology.canonical(category)
        if canonical in self.table:
            return [canonical]
        return next(([a] for a in self.ontology.ancestors(canonical) if a in self.table), [])

    @classmethod
    def load(cls, path: str | Path = DEFAULT_AFFORDANCES, embedder: Any = None) -> Affordances:
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise BadInputError(f"{path}: cannot read the affordance table ({exc})") from exc
        if not isinstance(data, dict):
            raise BadInputError(f"{path}: expected a mapping of category -> list of activities")
        for category, activities in data.items():
            if not isinstance(activities, list) or not all(isinstance(a, str) and a.strip() for a in activities):
                raise BadInputError(f"{path}: field {category!r}: expected a list of activity texts")
        return cls({str(k): list(v) for k, v in data.items()}, embedder)

    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            from scene_graph.text_embedding import TextEmbedder

            self._embedder = TextEmbedder.shared()
        return self._embedder

    def warm_up(self) -> None:
        """Embed (or read from the disk cache) the table now rather than at the first question."""
        if self._matrix is None:
            self._matrix = cached_embeddings(self.embedder, [a for _, a in self._pairs])
            known = sorted(self.known_categories())
            self._use_vectors.update(zip(known, cached_embeddings(self.embedder, [_use(c) for c in known])))

    def match(self, activity: str, categories: Iterable[str], threshold: float = MATCH_THRESHOLD,
              uses: bool = True) -> list[tuple[str, float, str]]:
        """(category, similarity, the table's activity it matched), best first, for the given categories.

        `uses=False` leaves out each category's own use ("use a <name>"): whether the table knows a
        thing for an activity at all ("how do I turn on the oven" names the oven, it is not for that).
        """
        wanted = set(categories)
        if not activity.strip() or not wanted:
            return []
        self.warm_up()
        query = np.asarray(self.embedder.embed([activity]), dtype=np.float32)[0]
        sims = self._matrix @ query
        by_entry: dict[str, tuple[float, str]] = {}
        for (category, text), sim in zip(self._pairs, sims):
            if sim > by_entry.get(category, (-1.0, ""))[0]:
                by_entry[category] = (float(sim), text)
        own_use = self._use_similarities(sorted(wanted), query) if uses else {}
        named = set(re.findall(r"[a-z]+", activity.lower()))
        best: dict[str, tuple[float, str]] = {}
        for category in wanted:
            options = [by_entry[source] for source in self.sources(category) if source in by_entry]
            # What the activity is done to ("keep the milk cold") is not what it is done with.
            if uses and not named & set(category.split("_")):
                options.append(own_use[category])
            if not options:
                continue
            sim, text = max(options)
            if sim >= threshold:
                best[category] = (sim, text)
        # Kinds that share an entry through is_a (coffee, dining and kitchen tables all "have dinner" as
        # tables) tie; the one whose own name is nearer the activity ("use a dining table") comes first.
        own = own_use if uses else self._use_similarities(sorted(best), query)
        return sorted(((c, s, t) for c, (s, t) in best.items()), key=lambda x: (-x[1], -own[x[0]][0], x[0]))

    def _use_similarities(self, categories: list[str], query: np.ndarray) -> dict[str, tuple[float, str]]:
        """Similarity of the activity to "use a <category>" for each category (embedded once per category)."""
        texts = {c: _use(c) for c in categories}
        missing = [c for c in categories if c not in self._use_vectors]
        if missing:
            vectors = np.asarray(self.embedder.embed([texts[c] for c in missing]), dtype=np.float32)
            self._use_vectors.update(zip(missing, vectors))
        return {c: (float(self._use_vectors[c] @ query), texts[c]) for c in categories}
