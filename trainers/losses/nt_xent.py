"""NT-Xent: SimCLR's symmetric InfoNCE over the 2N views of a batch."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from trainers.losses._common import check_rows, check_same_rows, check_temperature, cosine_matrix


def nt_xent(a: Tensor, b: Tensor, *, temperature: float) -> Tensor:
    r"""Normalised temperature-scaled cross-entropy over all 2N views.

    The batch holds N pairs (a_i, b_i), so 2N views z = [a; b]. Every view is an
    anchor once: its positive is its pair, and its negatives are the 2N - 2 other
    views (both views of every other pair; itself excluded). With
    s(u, v) = cos(u, v) / temperature::

        l(k, m) = -log  exp(s(z_k, z_m)) / sum_{j != k} exp(s(z_k, z_j))

        loss    = 1/(2N) * sum_i [ l(i, N + i) + l(N + i, i) ]

    Equivalently the mean of InfoNCE in both directions (a -> b and b -> a),
    where each direction also uses its own side's other views as negatives.

    Similarity: cosine (embeddings are L2-normalised here), divided by temperature.

    Other names: normalized temperature-scaled cross entropy, symmetric InfoNCE
    with same-side negatives, the SimCLR loss.

    Args:
        a: (N, d) first views.
        b: (N, d) second views; ``b[i]`` pairs with ``a[i]``.
        temperature: divides the cosines (SimCLR: 0.1 to 0.5; SimCSE-style: 0.05).

    Returns:
        A scalar tensor: the mean over the 2N views.

    References:
        - Chen, Kornblith, Norouzi & Hinton (2020), A Simple Framework for Contrastive
          Learning of Visual Representations (SimCLR), ICML, Eq. 1 and Algorithm 1.
        - SimCLR notes the same form in earlier work: Sohn (2016, see ``n_pair``),
          Wu et al. (2018) and van den Oord et al. (2018, see ``info_nce``).
    """
    check_rows("nt_xent", ("a", a), ("b", b))
    check_same_rows("nt_xent", ("a", a), ("b", b))
    check_temperature("nt_xent", temperature)
    n = a.shape[0]
    views = torch.cat([a, b])  # (2N, d)
    logits = cosine_matrix(views, views) / temperature  # (2N, 2N)
    self_mask = torch.eye(2 * n, dtype=torch.bool, device=logits.device)
    logits = logits.masked_fill(self_mask, -torch.inf)
    index = torch.arange(n, device=logits.device)
    targets = torch.cat([index + n, index])  # view k's pair
    return F.cross_entropy(logits, targets)
