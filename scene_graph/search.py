"""Text search over memory: objects whose category is closest in meaning to a text (MiniLM embeddings)."""

from __future__ import annotations

import numpy as np

from memory_stack.foundation.errors import BadInputError
from scene_graph.records import SceneObject
from scene_graph.tracking.object_tracks import ABSENT, PRESENT
from scene_graph.view import MemoryView, scene_object

QUERY_VECTORS_KEPT = 1024


class TextVectors:
    """Unit embedding vectors of category names and query texts.

    They depend on the text alone, never on what the memory holds, so they outlive commits (unlike the
    view's cache). The model is loaded on first use: the memory works without it.
    """

    def __init__(self) -> None:
        self._embedder = None
        self._categories: dict[str, np.ndarray] = {}
        self._queries: dict[str, np.ndarray] = {}

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self._embedder is None:
            from scene_graph.text_embedding import TextEmbedder

            self._embedder = TextEmbedder.shared()
        return np.asarray(self._embedder.embed(texts), dtype=np.float32)

    def categories(self, cats: list[str]) -> np.ndarray:
        missing = [c for c in cats if c not in self._categories]
        if missing:
            for c, v in zip(missing, self._embed([c.replace("_", " ") for c in missing])):
                self._categories[c] = v / (np.linalg.norm(v) + 1e-9)
        return np.stack([self._categories[c] for c in cats])

    def query(self, text: str) -> np.ndarray:
        v = self._queries.get(text)
        if v is None:
            v = self._embed([text])[0]
            v = v / (np.linalg.norm(v) + 1e-9)
            if len(self._queries) > QUERY_VECTORS_KEPT:
                self._queries.clear()
            self._queries[text] = v
        return v


def search(view: MemoryView, vectors: TextVectors, text: str, k: int) -> list[tuple[SceneObject, float]]:
    """Objects whose category is closest in meaning to `text`, present ones first within a category."""
    if not isinstance(text, str) or not text.strip():
        raise BadInputError("search: text must be a non-empty string")
    tracks = view.tracks
    cats = sorted(c for c, members in view.by_category.items()
                  if any(tracks[m].status in (PRESENT, ABSENT) for m in members))
    if not cats:
        return []
    sims = vectors.categories(cats) @ vectors.query(text)
    out: list[tuple[SceneObject, float]] = []
    for ci in np.argsort(-sims):
        members = sorted((o for o in (tracks[oid] for oid in view.by_category.get(cats[ci], ()))
                          if o.status in (PRESENT, ABSENT)), key=lambda o: (o.status != PRESENT, -o.last_seen))
        for o in members:
            out.append((scene_object(view, o), float(sims[ci])))
            if len(out) >= k:
                return out
    return out
