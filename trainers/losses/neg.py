"""Negative sampling (NEG): logistic loss of the positive against each in-batch negative."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from trainers.losses._common import check_rows, check_same_rows, check_temperature, cosine_matrix


def neg(
    anchor: Tensor,
    positive: Tensor,
    negatives: Tensor | None = None,
    *,
    temperature: float,
) -> Tensor:
    r"""word2vec's negative-sampling objective with in-batch negatives.

    Anchor i's negatives are every candidate but its own positive: the other
    pairs' positives p_j (j != i) and every row n_k of ``negatives``. With
    s(u, v) = cos(u, v) / temperature and sigma the logistic sigmoid::

        loss_i = -log sigma(s(a_i, p_i)) - sum_{j != i} log sigma(-s(a_i, p_j))
                                         - sum_k        log sigma(-s(a_i, n_k))
        loss   = mean_i loss_i

    The negatives are summed, not averaged, as in Mikolov et al., so the loss
    grows with the batch. Instead of sampling k negatives from a unigram^(3/4)
    distribution, every in-batch negative is used once: no randomness.

    Similarity: cosine (embeddings are L2-normalised here), divided by temperature.
    Mikolov et al. use the raw inner product of word vectors (temperature 1).

    Other names: NEG, SGNS loss (skip-gram with negative sampling), binary
    logistic contrastive loss. See ``nce`` for how it differs from NCE.

    Args:
        anchor: (N, d).
        positive: (N, d); ``positive[i]`` is anchor i's positive.
        negatives: (M, d) extra negatives for every anchor, or None.
        temperature: divides the cosines.

    Returns:
        A scalar tensor: the mean over the N anchors.

    References:
        - Mikolov, Sutskever, Chen, Corrado & Dean (2013), Distributed
          Representations of Words and Phrases and their Compositionality, NeurIPS, Eq. 4.
    """
    check_rows("neg", ("anchor", anchor), ("positive", positive), ("negatives", negatives))
    check_same_rows("neg", ("anchor", anchor), ("positive", positive))
    check_temperature("neg", temperature)
    n = anchor.shape[0]
    candidates = positive if negatives is None else torch.cat([positive, negatives])
    logits = cosine_matrix(anchor, candidates) / temperature  # (N, N + M)
    is_positive = torch.zeros_like(logits, dtype=torch.bool)
    is_positive[:, :n] = torch.eye(n, dtype=torch.bool, device=logits.device)
    # -log sigma(+s) for the positive, -log sigma(-s) for each negative.
    signed = torch.where(is_positive, logits, -logits)
    return -F.logsigmoid(signed).sum(dim=1).mean()
