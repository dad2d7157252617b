"""Top-k search: exact search against a brute-force sort, HNSW recall against exact, the automatic choice."""

from __future__ import annotations

import numpy as np
import pytest

from trainers import retrieval
from trainers.retrieval import ExactIndex, HNSWIndex, build_index


def _unit(rows: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_exact_search_returns_the_k_best_in_order_with_their_cosines() -> None:
    vectors = np.array([[1, 0], [0, 1], [0.6, 0.8], [-1, 0]], dtype=np.float32)
    hits = ExactIndex(vectors).search(np.array([0.8, 0.6], dtype=np.float32), k=3)
    assert hits.indices == [2, 0, 1]  # cosines 0.96, 0.8, 0.6
    assert hits.scores == pytest.approx([0.96, 0.8, 0.6], abs=1e-6)
    assert ExactIndex(vectors).search(vectors[0], k=10).indices == [0, 2, 1, 3]  # k above the size: all


def test_exact_search_matches_a_full_sort_on_random_vectors() -> None:
    vectors, queries = _unit(2000), _unit(20, seed=1)
    index = ExactIndex(vectors)
    for query in queries:
        expected = np.argsort(-(vectors @ query), kind="stable")[:10]
        assert index.search(query, 10).indices == expected.tolist()


def test_hnsw_recall_at_10_against_exact_search() -> None:
    pytest.importorskip("faiss")
    vectors, queries = _unit(5000), _unit(50, seed=2)
    exact, approximate = ExactIndex(vectors), HNSWIndex(vectors)
    found = [len(set(exact.search(q, 10).indices) & set(approximate.search(q, 10).indices)) for q in queries]
    assert sum(found) / (10 * len(queries)) >= 0.95
    hit = approximate.search(vectors[123], 1)
    assert hit.indices == [123] and hit.scores[0] == pytest.approx(1.0, abs=1e-5)


def test_auto_is_exact_below_the_limit_and_hnsw_above(monkeypatch) -> None:
    pytest.importorskip("faiss")
    vectors = _unit(300)
    assert build_index(vectors).kind == "exact"
    monkeypatch.setattr(retrieval, "EXACT_LIMIT", 100)
    assert build_index(vectors).kind == "hnsw"
    assert build_index(vectors, "exact").kind == "exact"
    monkeypatch.setattr(retrieval, "faiss_available", lambda: False)
    assert build_index(vectors).kind == "exact"  # no faiss: exact, whatever the size
