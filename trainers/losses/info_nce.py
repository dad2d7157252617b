"""InfoNCE: cross-entropy over in-batch candidates, the loss of SimCSE and MirrorBERT."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from trainers.losses._common import check_rows, check_same_rows, check_temperature, cosine_matrix


def info_nce(
    anchor: Tensor,
    positive: Tensor,
    negatives: Tensor | None = None,
    *,
    temperature: float = 0.05,
    hard_negative_weight: float = 1.0,
) -> Tensor:
    r"""InfoNCE over in-batch negatives, with optional weighted hard negatives.

    Each anchor must pick out its own positive among all candidates of the batch:
    the other anchors' positives and every row of ``negatives``. With
    s(u, v) = cos(u, v) / temperature and candidates c = [positive; negatives]::

        loss_i = -log  exp(s(a_i, p_i))
                       ---------------------------------------------------------------
                       sum_j exp(s(a_i, c_j))  +  (w - 1) * exp(s(a_i, n_i))

        loss   = mean_i loss_i

    i.e. cross-entropy over the logits s(a_i, c_j) with target i. The second
    denominator term only exists when hard negatives are weighted (w != 1): it
    turns anchor i's own hard negative n_i (``negatives[i]``) into
    w * exp(s(a_i, n_i)). Other anchors' hard negatives keep weight 1, as in
    SimCSE. It is implemented by adding log(w) to the diagonal of the
    anchor-by-hard-negative block of the logits; w = 0 masks n_i out entirely.

    Similarity: cosine (embeddings are L2-normalised here), divided by temperature.

    ``hard_negative_weight`` is the weight w itself, not its logarithm. SimCSE's
    ``--hard_negative_weight`` flag is log w: its default 0 is our 1.0, and its
    flag value x is our ``math.exp(x)``.

    Temperature vs scale: sentence-transformers' MultipleNegativesRankingLoss
    multiplies cosines by ``scale``; ``scale = 1 / temperature`` (scale 20 is
    temperature 0.05). With w = 1 the two losses are the same function.

    Other names: the SimCSE loss, MultipleNegativesRankingLoss, in-batch
    negatives loss, contrastive cross-entropy. NT-Xent (``nt_xent``) is its
    symmetric form that also uses same-side views as negatives.

    Args:
        anchor: (N, d) first views.
        positive: (N, d) second views; ``positive[i]`` is the positive of ``anchor[i]``.
        negatives: (M, d) extra candidates, or None. When weighted (w != 1),
            M must equal N and ``negatives[i]`` is anchor i's hard negative.
        temperature: divides the cosines; SimCSE uses 0.05, MirrorBERT 0.04.
        hard_negative_weight: w >= 0, the multiplicative weight on exp(s(a_i, n_i)).
            1.0 is plain InfoNCE over the concatenated candidates.

    Returns:
        A scalar tensor: the mean over the N anchors.

    References:
        - van den Oord, Li & Vinyals (2018), Representation Learning with Contrastive
          Predictive Coding, arXiv:1807.03748 (InfoNCE).
        - Gao, Yao & Chen (2021), SimCSE: Simple Contrastive Learning of Sentence
          Embeddings, EMNLP: Eq. 1 (unsupervised), Eq. 5 (supervised, hard negatives);
          the paper's hard-negative weight alpha multiplies the exp term, like w here.
        - Liu et al. (2021), Fast, Effective, and Self-Supervised: Transforming Masked
          Language Models into Universal Lexical and Sentence Encoders (MirrorBERT).
    """
    check_rows("info_nce", ("anchor", anchor), ("positive", positive), ("negatives", negatives))
    check_same_rows("info_nce", ("anchor", anchor), ("positive", positive))
    check_temperature("info_nce", temperature)
    n = anchor.shape[0]
    candidates = positive if negatives is None else torch.cat([positive, negatives])
    logits = cosine_matrix(anchor, candidates) / temperature  # (N, N + M)
    if hard_negative_weight != 1.0:
        logits = logits + _hard_negative_log_weights(n, negatives, hard_negative_weight, logits)
    return F.cross_entropy(logits, torch.arange(n, device=logits.device))


def _hard_negative_log_weights(
    n: int, negatives: Tensor | None, weight: float, logits: Tensor
) -> Tensor:
    """(N, N + N) additive term: log(w) on the hard-negative block's diagonal, 0 elsewhere."""
    if weight < 0:
        raise ValueError(f"info_nce: hard_negative_weight is a weight >= 0, got {weight}")
    if negatives is None or negatives.shape[0] != n:
        rows = "none" if negatives is None else negatives.shape[0]
        raise ValueError(
            f"info_nce: hard_negative_weight {weight} needs one hard negative per anchor "
            f"({n} rows of negatives), got {rows}"
        )
    # log(0) = -inf masks the hard negative out; torch.diag keeps the off-diagonal
    # at exactly 0 (multiplying -inf by an identity matrix would give NaN there).
    log_w = math.log(weight) if weight > 0 else -math.inf
    bias = torch.zeros_like(logits)
    bias[:, n:] = torch.diag(logits.new_full((n,), log_w))
    return bias
