"""Embeddings of fixed tables on disk (scene_graph.embedding_cache) with the real MiniLM model."""

from __future__ import annotations

import numpy as np

from scene_graph.affordances import Affordances
from scene_graph.embedding_cache import cached_embeddings


class CountingEmbedder:
    """The shared real embedder, counting the texts it is asked to embed."""

    def __init__(self, identity: bool = True):
        from scene_graph.text_embedding import TextEmbedder

        self.inner = TextEmbedder.shared()
        self.embedded = 0
        if identity:
            self.model_identity = self.inner.model_identity

    def embed(self, texts):
        self.embedded += len(texts)
        return self.inner.embed(texts)


TEXTS = ["make coffee", "keep drinks cold", "wash hands"]


def test_a_second_process_reads_the_matrix_instead_of_embedding(tmp_path):
    first = CountingEmbedder()
    matrix = cached_embeddings(first, TEXTS, tmp_path)
    assert first.embedded == 3 and len(list(tmp_path.glob("*.npy"))) == 1
    again = CountingEmbedder()
    assert np.array_equal(cached_embeddings(again, TEXTS, tmp_path), matrix) and again.embedded == 0
    changed = CountingEmbedder()
    cached_embeddings(changed, TEXTS + ["boil water"], tmp_path)  # another table: its own entry
    assert changed.embedded == 4 and len(list(tmp_path.glob("*.npy"))) == 2
    assert not list(tmp_path.glob("*.tmp"))


def test_a_broken_or_unwritable_cache_costs_time_not_an_error(tmp_path):
    cached_embeddings(CountingEmbedder(), TEXTS, tmp_path)
    (entry,) = tmp_path.glob("*.npy")
    entry.write_bytes(b"not a numpy file")
    redo = CountingEmbedder()
    assert cached_embeddings(redo, TEXTS, tmp_path).shape == (3, 384) and redo.embedded == 3
    blocked = tmp_path / "file_not_dir"
    blocked.write_text("x")
    assert cached_embeddings(CountingEmbedder(), TEXTS, blocked / "sub").shape == (3, 384)


def test_an_embedder_that_cannot_name_its_model_is_not_cached(tmp_path):
    plain = CountingEmbedder(identity=False)
    cached_embeddings(plain, TEXTS, tmp_path)
    assert plain.embedded == 3 and not list(tmp_path.iterdir())


def test_affordances_use_the_disk_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMSTACK_CACHE", str(tmp_path))
    warm = Affordances.load(embedder=CountingEmbedder())
    assert warm.match("brew a coffee", {"coffee_machine", "sofa"})[0][0] == "coffee_machine"
    later = CountingEmbedder()
    assert Affordances.load(embedder=later).match("brew a coffee", {"coffee_machine", "sofa"})[0][0] == \
        "coffee_machine"
    assert later.embedded == 1  # only the question's activity
    assert list((tmp_path / "memory_stack" / "embeddings").glob("*.npy"))


def test_the_model_identity_names_the_model_files():
    from scene_graph.text_embedding import TextEmbedder

    identity = TextEmbedder.shared().model_identity()
    assert "model.safetensors" in identity and "config.json" in identity
