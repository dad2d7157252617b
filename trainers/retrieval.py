"""Top-k search over sentence embeddings: exact, or an approximate faiss index at scale.

Vectors are L2-normalised, so inner product is cosine. `build_index` picks
exact search below `EXACT_LIMIT` vectors, where a single matrix product
answers well inside the query panel's latency budget, and a faiss HNSW index
above it (faiss-cpu is a dependency; should it fail to import, search stays
exact and says so in `kind`). The figures behind the limit are in BENCHMARKS.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

EXACT_LIMIT = 200_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128  # recall@10 0.976 at 1M vectors, p95 1.2 ms (BENCHMARKS.md)


@dataclass
class Hits:
    indices: list[int]
    scores: list[float]
    elapsed_ms: float


class ExactIndex:
    """Brute-force inner product: one (N, d) x (d,) product and a partial sort."""

    kind = "exact"

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.vectors)

    def search(self, query: np.ndarray, k: int) -> Hits:
        start = time.perf_counter()
        scores = self.vectors @ query.astype(np.float32).ravel()  # (N,)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return Hits(top.tolist(), scores[top].tolist(), (time.perf_counter() - start) * 1000)


class HNSWIndex:
    """faiss HNSW over inner product (graph search: sub-linear, recall tuned by ef_search)."""

    kind = "hnsw"

    def __init__(self, vectors: np.ndarray, *, m: int = HNSW_M, ef_construction: int = HNSW_EF_CONSTRUCTION,
                 ef_search: int = HNSW_EF_SEARCH) -> None:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.index = faiss.IndexHNSWFlat(vectors.shape[1], m, faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efConstruction = ef_construction
        self.index.add(vectors)
        self.index.hnsw.efSearch = ef_search
        self.size = len(vectors)

    def __len__(self) -> int:
        return self.size

    def search(self, query: np.ndarray, k: int) -> Hits:
        start = time.perf_counter()
        scores, indices = self.index.search(query.astype(np.float32).reshape(1, -1), min(k, self.size))
        keep = indices[0] >= 0
        return Hits(indices[0][keep].tolist(), scores[0][keep].tolist(), (time.perf_counter() - start) * 1000)


def faiss_available() -> bool:
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


def build_index(vectors: np.ndarray, kind: str = "auto") -> ExactIndex | HNSWIndex:
    """`auto`: exact below EXACT_LIMIT vectors (or without faiss), HNSW above."""
    if kind == "exact" or (kind == "auto" and (len(vectors) < EXACT_LIMIT or not faiss_available())):
        return ExactIndex(vectors)
    return HNSWIndex(vectors)
