"""Sohn's N-pair loss: one positive against the other N - 1 pairs' positives."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from trainers.losses._common import check_rows, check_same_rows, check_temperature


def n_pair(
    anchor: Tensor,
    positive: Tensor,
    negatives: Tensor | None = None,
    *,
    normalize: bool = False,
    temperature: float = 1.0,
) -> Tensor:
    r"""Multi-class N-pair loss on inner products.

    Anchor i's positive p_i competes with the other pairs' positives p_j (and any
    extra ``negatives`` n_k). With s(u, v) = u . v / temperature::

        loss_i = log(1 + sum_{j != i} exp(s(a_i, p_j) - s(a_i, p_i))
                       + sum_k      exp(s(a_i, n_k) - s(a_i, p_i)))
        loss   = mean_i loss_i

    which is the cross-entropy of the logits s(a_i, c_j) over c = [positive;
    negatives] with target i; that is how it is computed.

    Similarity: the plain inner product of the embeddings, as in the paper
    (``normalize=False``, temperature 1). Sohn keeps the embeddings small with an
    L2 penalty on their norms instead of normalising them; that regulariser is
    not part of this function. With ``normalize=True`` the inner product becomes
    the cosine, and N-pair with temperature T is exactly ``info_nce`` at T.

    Other names: (N+1)-tuplet loss, multi-class N-pair loss; the ancestor of
    InfoNCE / NT-Xent with in-batch negatives.

    Args:
        anchor: (N, d).
        positive: (N, d); ``positive[i]`` is anchor i's positive.
        negatives: (M, d) extra negatives for every anchor, or None.
        normalize: L2-normalise the embeddings first (cosine instead of inner product).
        temperature: divides the similarities; 1.0 is the paper's form.

    Returns:
        A scalar tensor: the mean over the N anchors.

    References:
        - Sohn (2016), Improved Deep Metric Learning with Multi-class N-pair Loss
          Objective, NeurIPS (the N-pair-mc loss).
    """
    check_rows("n_pair", ("anchor", anchor), ("positive", positive), ("negatives", negatives))
    check_same_rows("n_pair", ("anchor", anchor), ("positive", positive))
    check_temperature("n_pair", temperature)
    candidates = positive if negatives is None else torch.cat([positive, negatives])
    if normalize:
        anchor, candidates = F.normalize(anchor, dim=-1), F.normalize(candidates, dim=-1)
    logits = anchor @ candidates.T / temperature  # (N, N + M)
    # log(1 + sum_{j != i} exp(x_ij - x_ii)) = logsumexp_j(x_ij) - x_ii = cross-entropy.
    return F.cross_entropy(logits, torch.arange(anchor.shape[0], device=logits.device))
