"""Pure metric functions: Spearman correlation, alignment, uniformity.

No I/O, no model: numbers in, a number out, each checked in the tests against
values worked out by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def rank_average(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties sharing the mean of the ranks they span (as Spearman needs)."""
    x = np.asarray(values, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=np.float64)
    sorted_x = x[order]
    start = 0
    while start < len(x):
        end = start
        while end + 1 < len(x) and sorted_x[end + 1] == sorted_x[start]:
            end += 1
        ranks[order[start:end + 1]] = (start + end) / 2.0 + 1.0
        start = end + 1
    return ranks


def pearson(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Pearson correlation; nan when either side is constant."""
    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    if len(a) != len(b):
        raise ValueError(f"pearson: lengths differ ({len(a)} vs {len(b)})")
    a = a - a.mean()
    b = b - b.mean()
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denominator) if denominator > 0 else float("nan")


def spearman(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Spearman's rho: the Pearson correlation of the average ranks."""
    return pearson(rank_average(x), rank_average(y))


def alignment(x: torch.Tensor, y: torch.Tensor, alpha: float = 2.0) -> float:
    """Wang & Isola (2020): E ||f(x) - f(y)||^alpha over positive pairs; lower is better.

    x, y: (N, d) embeddings of the two sides of each positive pair. They are
    L2-normalised here, as the definition assumes points on the unit sphere.
    """
    x = torch.nn.functional.normalize(x.float(), dim=-1)
    y = torch.nn.functional.normalize(y.float(), dim=-1)
    return float((x - y).norm(dim=1).pow(alpha).mean())


def uniformity(x: torch.Tensor, t: float = 2.0) -> float:
    """Wang & Isola (2020): log E exp(-t ||f(x) - f(y)||^2) over distinct pairs; lower is better.

    x: (N, d) embeddings, L2-normalised here. Pairs are all i < j (torch.pdist).
    """
    x = torch.nn.functional.normalize(x.float(), dim=-1)
    squared = torch.pdist(x, p=2).pow(2)  # (N*(N-1)/2,)
    return float(torch.logsumexp(-t * squared, dim=0) - np.log(squared.numel()))


def cosine_rows(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Row-wise cosine similarity of two (N, d) tensors -> (N,)."""
    return torch.nn.functional.cosine_similarity(a.float(), b.float(), dim=-1)
