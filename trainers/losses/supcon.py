"""Supervised contrastive loss (Khosla et al.), in both forms: L_out and L_in."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from trainers.losses._common import check_labels, check_temperature, positive_mask


def supcon_out(features: Tensor, labels: Tensor, *, temperature: float) -> Tensor:
    r"""Supervised contrastive loss with the average over positives outside the log (Eq. 2).

    Every point i is an anchor; its positives P(i) are the other points with its
    label, and A(i) is every point but i. With z the L2-normalised features::

        log_prob(i, p) = z_i.z_p / T - log sum_{a in A(i)} exp(z_i.z_a / T)

        L_out_i = -1/|P(i)| * sum_{p in P(i)} log_prob(i, p)

        loss    = mean of L_out_i over the anchors with |P(i)| >= 1

    Khosla et al. sum over anchors and assume every anchor has a positive; here
    anchors with no positive are left out (they still appear in others'
    denominators as negatives) and the rest averaged. The reference code's extra
    factor temperature / base_temperature (1 at their defaults) is not applied.
    The paper finds this form trains better than ``supcon_in``.

    Similarity: cosine (features are L2-normalised here), divided by temperature.

    Other names: SupCon, L^sup_out. With labels that pair up two views of each
    sentence (label i for both), it is NT-Xent.

    Args:
        features: (N, d); the views of all samples, stacked (the paper's 2N "multiviewed batch").
        labels: (N,) integer classes.
        temperature: divides the cosines (the paper: 0.1; SimCSE-style: 0.05).

    Returns:
        A scalar tensor. Needs at least one class with 2 or more members.

    References:
        - Khosla et al. (2020), Supervised Contrastive Learning, NeurIPS, Eq. 2.
    """
    log_prob, positives = _log_prob_and_positives("supcon_out", features, labels, temperature)
    pos_log_prob = torch.where(positives, log_prob, torch.zeros_like(log_prob))
    return (-pos_log_prob.sum(dim=1) / positives.sum(dim=1)).mean()


def supcon_in(features: Tensor, labels: Tensor, *, temperature: float) -> Tensor:
    r"""Supervised contrastive loss with the average over positives inside the log (Eq. 3).

    With P(i), A(i) and log_prob as in ``supcon_out``::

        L_in_i = -log( 1/|P(i)| * sum_{p in P(i)} exp(log_prob(i, p)) )

        loss   = mean of L_in_i over the anchors with |P(i)| >= 1

    By Jensen's inequality L_in_i <= L_out_i, with equality when |P(i)| = 1.
    Anchors with no positive are handled as in ``supcon_out``.

    Similarity: cosine (features are L2-normalised here), divided by temperature.

    Other names: L^sup_in.

    Args:
        features: (N, d).
        labels: (N,) integer classes.
        temperature: divides the cosines.

    Returns:
        A scalar tensor. Needs at least one class with 2 or more members.

    References:
        - Khosla et al. (2020), Supervised Contrastive Learning, NeurIPS, Eq. 3.
    """
    log_prob, positives = _log_prob_and_positives("supcon_in", features, labels, temperature)
    log_mean_prob = log_prob.masked_fill(~positives, -torch.inf).logsumexp(dim=1) - torch.log(
        positives.sum(dim=1).to(log_prob.dtype)
    )
    return -log_mean_prob.mean()


def _log_prob_and_positives(
    name: str, features: Tensor, labels: Tensor, temperature: float
) -> tuple[Tensor, Tensor]:
    """log_prob(i, a) over A(i) and the positive mask, for the anchors that have a positive.

    Returns (K, N) tensors, K the anchors with |P(i)| >= 1. The diagonal entry
    (i itself) of log_prob is -inf and never a positive.
    """
    check_labels(name, features, labels)
    check_temperature(name, temperature)
    positives = positive_mask(labels)  # (N, N)
    anchors = positives.any(dim=1)  # (N,)
    if not anchors.any():
        raise ValueError(f"{name}: needs a class with 2 or more members in the batch")
    z = F.normalize(features, dim=-1)
    logits = z[anchors] @ z.T / temperature  # (K, N)
    self_mask = torch.eye(labels.shape[0], dtype=torch.bool, device=logits.device)[anchors]
    logits = logits.masked_fill(self_mask, -math.inf)
    log_prob = logits - logits.logsumexp(dim=1, keepdim=True)  # (K, N)
    return log_prob, positives[anchors]
