"""Soft nearest neighbour loss (Frosst, Papernot & Hinton): how entangled are the classes."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from trainers.losses._common import (
    check_labels,
    check_temperature,
    positive_mask,
    squared_distance_matrix,
)


def soft_nearest_neighbours(
    features: Tensor, labels: Tensor, *, temperature: float, normalize: bool = True
) -> Tensor:
    r"""Minus the log-probability of sampling a same-class neighbour, softly.

    For each point x_i, a neighbour j != i is picked with probability
    proportional to exp(-||x_i - x_j||^2 / temperature); the loss is minus the
    log of the chance that it has x_i's label::

        loss_i = -log  sum_{j != i, y_j = y_i} exp(-||x_i - x_j||^2 / T)
                       ---------------------------------------------
                       sum_{k != i}            exp(-||x_i - x_k||^2 / T)

        loss   = mean over the points i that have a same-class partner

    Points alone in their class have an empty numerator (loss_i = +inf); they
    still serve as others' neighbours but are left out of the mean. Frosst et
    al. average over all b points of the batch and do not meet this case.

    Similarity: the squared Euclidean distance, as in the paper. With
    ``normalize=True`` (the default) the features are L2-normalised first, so
    ||x_i - x_j||^2 = 2 - 2 cos(x_i, x_j) and temperature T here acts like
    temperature T/2 on cosines. With ``normalize=False`` raw distances are used
    and T must be on their scale.

    Other names: SNNL; up to the sign and the mean it is the log form of the
    objective of neighbourhood components analysis (Goldberger et al. 2005).

    Args:
        features: (N, d).
        labels: (N,) integer classes.
        temperature: T > 0 (Frosst et al. also treat T as trainable; here it is fixed).
        normalize: L2-normalise the features first.

    Returns:
        A scalar tensor. Needs at least one class with 2 or more members.

    References:
        - Frosst, Papernot & Hinton (2019), Analyzing and Improving Representations
          with the Soft Nearest Neighbor Loss, ICML.
        - Salakhutdinov & Hinton (2007), Learning a Nonlinear Embedding by
          Preserving Class Neighbourhood Structure, AISTATS.
    """
    check_labels("soft_nearest_neighbours", features, labels)
    check_temperature("soft_nearest_neighbours", temperature)
    same = positive_mask(labels)  # (N, N)
    has_partner = same.any(dim=1)  # (N,)
    if not has_partner.any():
        raise ValueError("soft_nearest_neighbours: needs a class with 2 or more members in the batch")
    if normalize:
        features = F.normalize(features, dim=-1)
    logits = -squared_distance_matrix(features) / temperature  # (N, N)
    n = labels.shape[0]
    others = ~torch.eye(n, dtype=torch.bool, device=logits.device)
    # Keep only rows with a partner before the masked logsumexp: an all -inf row
    # would give NaN gradients even if it were dropped afterwards.
    logits, same, others = logits[has_partner], same[has_partner], others[has_partner]
    log_numerator = logits.masked_fill(~same, -torch.inf).logsumexp(dim=1)
    log_denominator = logits.masked_fill(~others, -torch.inf).logsumexp(dim=1)
    return (log_denominator - log_numerator).mean()
