"""Noise-contrastive estimation with in-batch noise: the positive vs k noise samples."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from trainers.losses._common import check_rows, check_same_rows, check_temperature, cosine_matrix


def nce(
    anchor: Tensor,
    positive: Tensor,
    negatives: Tensor | None = None,
    *,
    temperature: float,
    num_noise: int | None = None,
    generator: torch.Generator | None = None,
) -> Tensor:
    r"""Binary classification of anchor i's positive against k noise samples.

    Gutmann & Hyvarinen's estimator, in its contrastive-learning form:

    - Candidates C = [positive; negatives], |C| = N + M: the batch's second views.
    - Noise distribution q: uniform over C, q(x) = 1/|C|. It does not depend on
      the anchor (noise is independent of the data in NCE), so anchor i's own
      positive can be drawn as noise too, with the same probability as the rest.
    - Model score, an unnormalised log-density of x given a: s(a, x) =
      cos(a, x) / temperature, self-normalised (the log-normaliser is fixed at 0,
      as in Mnih & Teh 2012, rather than learnt).
    - k noise samples per positive (``num_noise``; default |C| - 1, the number
      of in-batch negatives). The classifier's logit is the score minus the log
      of the noise odds, D(a, x) = s(a, x) - log(k * q(x)) = s(a, x) - log(k / |C|)::

        loss_i = -log sigmoid(D(a_i, p_i)) - sum_{x_1..x_k ~ q} log sigmoid(-D(a_i, x))
        loss   = mean_i loss_i

    With ``generator=None`` the sum over k draws is replaced by its exact
    expectation, k * E_q[...] = (k / |C|) * sum_{c in C} [-log sigmoid(-D(a_i, c))],
    so the loss is deterministic. With a ``torch.Generator``, each anchor draws
    its k noise samples from q (uniformly, with replacement) using that generator
    and nothing else; the sampled loss is an unbiased estimate of the expected one.

    Relation to negative sampling (``neg``): NEG drops the log(k q) correction,
    i.e. it is NCE with k q = 1 (Dyer 2014), and ``neg`` here also leaves the
    positive out of the noise, using the |C| - 1 other candidates once each.

    Similarity: cosine (embeddings are L2-normalised here), divided by temperature.

    Args:
        anchor: (N, d).
        positive: (N, d); ``positive[i]`` is anchor i's positive.
        negatives: (M, d) extra candidates (they join C, so they are drawn as noise), or None.
        temperature: divides the cosines.
        num_noise: k >= 1, noise samples per positive; None: |C| - 1.
        generator: None for the exact expectation over the noise; a generator to sample it.

    Returns:
        A scalar tensor. Needs |C| >= 2 when ``num_noise`` is None.

    References:
        - Gutmann & Hyvarinen (2010), Noise-contrastive estimation: A new estimation
          principle for unnormalized statistical models, AISTATS (nu = k, p_n = q).
        - Mnih & Teh (2012), A fast and simple algorithm for training neural
          probabilistic language models, ICML (self-normalised NCE).
        - Dyer (2014), Notes on Noise Contrastive Estimation and Negative Sampling,
          arXiv:1410.8251.
    """
    check_rows("nce", ("anchor", anchor), ("positive", positive), ("negatives", negatives))
    check_same_rows("nce", ("anchor", anchor), ("positive", positive))
    check_temperature("nce", temperature)
    candidates = positive if negatives is None else torch.cat([positive, negatives])
    size = candidates.shape[0]  # |C|
    k = size - 1 if num_noise is None else num_noise
    if k < 1:
        raise ValueError(f"nce: needs k >= 1 noise samples, got k = {k} (|C| = {size} candidates)")
    scores = cosine_matrix(anchor, candidates) / temperature  # (N, |C|)
    logits = scores - math.log(k / size)  # D(a_i, c_j)
    data_term = -F.logsigmoid(logits.diagonal())  # (N,)
    if generator is None:
        noise_term = (k / size) * (-F.logsigmoid(-logits)).sum(dim=1)  # (N,)
    else:
        draws = torch.randint(size, (anchor.shape[0], k), generator=generator,
                              device=generator.device).to(logits.device)  # (N, k)
        noise_term = (-F.logsigmoid(-logits.gather(1, draws))).sum(dim=1)  # (N,)
    return (data_term + noise_term).mean()
