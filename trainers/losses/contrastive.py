"""The contrastive (margin) pair loss of Hadsell, Chopra & LeCun, over all in-batch pairs."""

from __future__ import annotations

import torch
from torch import Tensor

from trainers.losses._common import check_rows, check_same_rows, cosine_matrix


def contrastive_margin(
    anchor: Tensor,
    positive: Tensor,
    negatives: Tensor | None = None,
    *,
    margin: float,
) -> Tensor:
    r"""Pull similar pairs together, push dissimilar pairs beyond a margin.

    Every (anchor_i, candidate_j) is a labelled pair, with candidates
    c = [positive; negatives]: (a_i, p_i) is similar, (a_i, p_j) for j != i and
    (a_i, n_k) for every k are dissimilar. With cosine distance
    d(u, v) = 1 - cos(u, v), in [0, 2]::

        loss = 1/2 * mean_{similar (i, j)}     d(a_i, c_j)^2
             + 1/2 * mean_{dissimilar (i, j)}  max(0, margin - d(a_i, c_j))^2

    Averaging: each kind of pair is averaged over its own count (N similar,
    N(N - 1) + N*M dissimilar), so the two terms weigh the same whatever the
    batch size; Hadsell et al.'s per-pair factor 1/2 is kept. (A plain mean over
    all pairs would let the N(N - 1) dissimilar pairs swamp the N similar ones.)

    Similarity: cosine distance (embeddings are L2-normalised here), so
    ``margin`` lives on the [0, 2] scale: margin 0.5 asks dissimilar pairs for
    cos <= 0.5. Hadsell et al. use the Euclidean distance of raw embeddings.

    Other names: contrastive loss, siamese margin loss, pairwise ranking loss
    (sentence-transformers' ContrastiveLoss is the same idea on given pairs with
    0/1 labels).

    Args:
        anchor: (N, d).
        positive: (N, d); ``positive[i]`` is the only similar partner of ``anchor[i]``.
        negatives: (M, d) extra dissimilar candidates for every anchor, or None.
        margin: dissimilar pairs closer than this (in cosine distance) are penalised.

    Returns:
        A scalar tensor. Needs at least one dissimilar pair: N >= 2 or M >= 1.

    References:
        - Hadsell, Chopra & LeCun (2006), Dimensionality Reduction by Learning an
          Invariant Mapping, CVPR, Eq. 4.
        - Chopra, Hadsell & LeCun (2005), Learning a Similarity Metric
          Discriminatively, with Application to Face Verification, CVPR.
    """
    check_rows("contrastive_margin", ("anchor", anchor), ("positive", positive),
               ("negatives", negatives))
    check_same_rows("contrastive_margin", ("anchor", anchor), ("positive", positive))
    n = anchor.shape[0]
    candidates = positive if negatives is None else torch.cat([positive, negatives])
    if candidates.shape[0] < 2:
        raise ValueError("contrastive_margin: needs a dissimilar pair: 2 or more pairs, or negatives")
    distance = 1.0 - cosine_matrix(anchor, candidates)  # (N, N + M)
    similar = torch.zeros_like(distance, dtype=torch.bool)
    similar[:, :n] = torch.eye(n, dtype=torch.bool, device=distance.device)
    pull = distance[similar].pow(2).mean()
    push = (margin - distance[~similar]).clamp_min(0.0).pow(2).mean()
    return 0.5 * pull + 0.5 * push
