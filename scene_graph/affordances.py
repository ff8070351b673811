"""Affordances: what things are for, as semantic memory (scene_graph/data/affordances.yaml + embeddings).

`Affordances.load()` reads the category -> activities table. `match(activity, categories)` ranks the
given categories (those memory holds) by the best cosine similarity between the asked activity
("make some coffee") and the activities each affords, keeping those above `threshold`; the table
is matched by sentence embeddings (scene_graph.text_embedding), so "brew a coffee" needs no entry.
The table's embeddings are computed once per machine and kept on disk (scene_graph.embedding_cache).
"""

from __future__ import annotations

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


class Affordances:
    def __init__(self, table: dict[str, list[str]], embedder: Any = None) -> None:
        self.table = table
        self._embedder = embedder
        self._pairs = [(category, activity) for category, activities in table.items() for activity in activities]
        self._matrix: np.ndarray | None = None

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

    def match(self, activity: str, categories: Iterable[str], threshold: float = MATCH_THRESHOLD
              ) -> list[tuple[str, float, str]]:
        """(category, similarity, the table's activity it matched), best first, for the given categories."""
        wanted = set(categories)
        if not activity.strip() or not wanted:
            return []
        self.warm_up()
        query = np.asarray(self.embedder.embed([activity]), dtype=np.float32)[0]
        sims = self._matrix @ query
        best: dict[str, tuple[float, str]] = {}
        for (category, text), sim in zip(self._pairs, sims):
            if category in wanted and sim >= threshold and sim > best.get(category, (-1.0, ""))[0]:
                best[category] = (float(sim), text)
        return sorted(((c, s, t) for c, (s, t) in best.items()), key=lambda x: (-x[1], x[0]))
