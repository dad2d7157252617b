"""The triplet margin loss of Schroff et al. (FaceNet), with explicit or in-batch negatives."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor

from trainers.losses._common import check_rows, check_same_rows, cosine_matrix

Mining = Literal["hardest", "all"]


def triplet(anchor: Tensor, positive: Tensor, negative: Tensor, *, margin: float) -> Tensor:
    r"""Each anchor must be closer to its positive than to its negative, by a margin.

    With cosine distance d(u, v) = 1 - cos(u, v), in [0, 2]::

        loss = mean_i max(0, d(a_i, p_i) - d(a_i, n_i) + margin)

    Similarity: cosine distance (embeddings are L2-normalised here). Schroff et
    al. use the squared Euclidean distance of L2-normalised embeddings, which is
    2 * d: their margin alpha = 0.2 is our margin 0.1.

    Other names: triplet margin loss, hinge triplet loss, FaceNet loss
    (sentence-transformers' TripletLoss with TripletDistanceMetric.COSINE).

    Args:
        anchor: (N, d).
        positive: (N, d); ``positive[i]`` is anchor i's positive.
        negative: (N, d); ``negative[i]`` is anchor i's negative.
        margin: how much farther than the positive the negative must be.

    Returns:
        A scalar tensor: the mean over the N triplets (zero ones included).

    References:
        - Schroff, Kalenichenko & Philbin (2015), FaceNet: A Unified Embedding for
          Face Recognition and Clustering, CVPR, Section 3.1.
        - Weinberger & Saul (2009), Distance Metric Learning for Large Margin
          Nearest Neighbor Classification, JMLR (the large-margin idea).
    """
    check_rows("triplet", ("anchor", anchor), ("positive", positive), ("negative", negative))
    check_same_rows("triplet", ("anchor", anchor), ("positive", positive))
    check_same_rows("triplet", ("anchor", anchor), ("negative", negative))
    d_pos = 1.0 - F.cosine_similarity(anchor, positive, dim=-1)  # (N,)
    d_neg = 1.0 - F.cosine_similarity(anchor, negative, dim=-1)  # (N,)
    return (d_pos - d_neg + margin).clamp_min(0.0).mean()


def triplet_in_batch(
    anchor: Tensor, positive: Tensor, *, margin: float, mining: Mining = "hardest"
) -> Tensor:
    r"""Triplet loss when no negative is given: the other pairs' positives are the negatives.

    Anchor i's candidate negatives are p_j for every j != i. With
    d(u, v) = 1 - cos(u, v)::

        hardest:  loss = mean_i max(0, d(a_i, p_i) - min_{j != i} d(a_i, p_j) + margin)
        all:      loss = mean_{i != j} max(0, d(a_i, p_i) - d(a_i, p_j) + margin)

    "hardest" (the default, used by ``compute_loss``) keeps one triplet per
    anchor, with its closest negative: "batch hard" of Hermans et al. (2017).
    "all" averages over all N(N - 1) triplets, zero ones included (Hermans et
    al.'s "batch all" averages over the non-zero ones only). Since each hinge is
    at most the hardest one, "hardest" >= "all" always.

    Args:
        anchor: (N, d), N >= 2.
        positive: (N, d).
        margin: as in ``triplet``, on the cosine-distance scale.
        mining: "hardest" or "all".

    Returns:
        A scalar tensor.

    References:
        - Schroff, Kalenichenko & Philbin (2015), FaceNet, CVPR.
        - Hermans, Beyer & Leibe (2017), In Defense of the Triplet Loss for Person
          Re-Identification, arXiv:1703.07737 (batch hard, batch all).
    """
    check_rows("triplet_in_batch", ("anchor", anchor), ("positive", positive))
    check_same_rows("triplet_in_batch", ("anchor", anchor), ("positive", positive))
    n = anchor.shape[0]
    if n < 2:
        raise ValueError("triplet_in_batch: needs 2 or more pairs (the others are the negatives)")
    if mining not in ("hardest", "all"):
        raise ValueError(f"triplet_in_batch: mining must be 'hardest' or 'all', got {mining!r}")
    distance = 1.0 - cosine_matrix(anchor, positive)  # (N, N); diagonal = positive pairs
    d_pos = distance.diagonal()  # (N,)
    own = torch.eye(n, dtype=torch.bool, device=distance.device)
    if mining == "hardest":
        d_neg = distance.masked_fill(own, torch.inf).amin(dim=1)  # (N,)
        return (d_pos - d_neg + margin).clamp_min(0.0).mean()
    hinge = (d_pos[:, None] - distance + margin).clamp_min(0.0)  # (N, N)
    return hinge[~own].mean()
