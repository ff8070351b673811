"""Embeddings of fixed text tables kept on disk, so a new process does not embed them again.

`cached_embeddings(embedder, texts)` returns the embedder's matrix for `texts`, read from
`$MEMSTACK_CACHE` (else `$XDG_CACHE_HOME`, else ~/.cache)/memory_stack/embeddings/<key>.npy when present.
The key hashes the model's identity (its directory and the names and sizes of its files) and the texts
in order, so a changed table or another model never reads a stale matrix. The file is written
atomically (temporary file, then rename); a cache that cannot be read or written is skipped with a log
line (the matrix is computed as without a cache), never an error.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    base = os.environ.get("MEMSTACK_CACHE") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "memory_stack" / "embeddings"


def model_identity(embedder: Any) -> str | None:
    """What identifies the embedder's model on disk; None when it cannot say (then nothing is cached)."""
    identity = getattr(embedder, "model_identity", None)
    return identity() if callable(identity) else None


def cache_key(identity: str, texts: Sequence[str]) -> str:
    digest = hashlib.sha256(identity.encode("utf-8"))
    for text in texts:
        digest.update(b"\0" + text.encode("utf-8"))
    return digest.hexdigest()[:32]


def cached_embeddings(embedder: Any, texts: Sequence[str], directory: Path | None = None) -> np.ndarray:
    """`embedder.embed(texts)` as float32, from the disk cache when it holds this model's matrix for them."""
    identity = model_identity(embedder)
    if identity is None:
        return np.asarray(embedder.embed(list(texts)), dtype=np.float32)
    path = (directory or cache_dir()) / f"{cache_key(identity, texts)}.npy"
    try:
        matrix = np.load(path, allow_pickle=False)
        if matrix.shape[0] == len(texts) and matrix.dtype == np.float32:
            return matrix
        log.info("embedding cache %s: shape %s does not fit %d texts; recomputing", path, matrix.shape, len(texts))
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        log.info("embedding cache %s unreadable (%s); recomputing", path, exc)
    matrix = np.asarray(embedder.embed(list(texts)), dtype=np.float32)
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            temporary = Path(handle.name)
            np.save(handle, matrix, allow_pickle=False)
        os.replace(temporary, path)
    except OSError as exc:
        log.info("embedding cache %s not written (%s)", path, exc)
        if temporary is not None:
            temporary.unlink(missing_ok=True)
    return matrix
