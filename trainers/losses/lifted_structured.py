"""Lifted structured loss (Oh Song et al.): every positive pair against all negatives of both ends."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from trainers.losses._common import check_labels, positive_mask, squared_distance_matrix


def lifted_structured(
    features: Tensor, labels: Tensor, *, margin: float, normalize: bool = True
) -> Tensor:
    r"""The smooth lifted structured loss, over all positive pairs of a labelled batch.

    P is the set of positive pairs {i, j} (i < j, same label) and N_i the points
    whose label differs from i's. With D_ij the Euclidean distance::

        J_ij = log( sum_{k in N_i} exp(margin - D_ik) + sum_{l in N_j} exp(margin - D_jl) ) + D_ij

        loss = 1/(2|P|) * sum_{{i,j} in P} max(0, J_ij)^2

    The log-sum-exp is the smooth upper bound the paper optimises instead of the
    hardest negative of either end; the squared hinge and the 1/(2|P|) average
    are the paper's.

    Similarity: Euclidean distance, as in the paper. With ``normalize=True`` (the
    default) the features are L2-normalised first, so D_ij = sqrt(2 - 2 cos) lies
    in [0, 2] and ``margin`` is on that scale; ``normalize=False`` uses raw distances.

    Other names: lifted structure loss, LiftedStructLoss.

    Args:
        features: (N, d).
        labels: (N,) integer classes.
        margin: the paper's alpha: negatives closer than D_ij + margin are penalised.
        normalize: L2-normalise the features first.

    Returns:
        A scalar tensor. Needs a positive pair and at least 2 classes in the batch.

    References:
        - Oh Song, Xiang, Jegelka & Savarese (2016), Deep Metric Learning via Lifted
          Structured Feature Embedding, CVPR, Section 4 (the smooth bound).
    """
    check_labels("lifted_structured", features, labels)
    same = positive_mask(labels)  # (N, N)
    different = labels[:, None] != labels[None, :]  # (N, N)
    if not same.any() or not different.any():
        raise ValueError("lifted_structured: needs a positive pair and 2 or more classes in the batch")
    if normalize:
        features = F.normalize(features, dim=-1)
    # The clamp keeps sqrt's gradient finite when two points coincide.
    distance = squared_distance_matrix(features).clamp_min(1e-12).sqrt()  # (N, N)
    # log sum_{k in N_i} exp(margin - D_ik); every row has a negative (2+ classes).
    log_push = (margin - distance).masked_fill(~different, -torch.inf).logsumexp(dim=1)  # (N,)
    i, j = torch.triu(same, diagonal=1).nonzero(as_tuple=True)  # the positive pairs, i < j
    objective = torch.logaddexp(log_push[i], log_push[j]) + distance[i, j]  # (|P|,)
    return objective.clamp_min(0.0).pow(2).sum() / (2 * i.shape[0])
