"""Every loss against a value worked out by hand on 2-4 vectors in 2-D.

The expected values are written out from the papers' formulas with `math`, from
cosines read off the vectors (e1 = [1, 0], e2 = [0, 1], c = cos 45 deg = 1/sqrt 2),
never by calling the code under test. Vectors are often given unnormalised to
check that the losses that promise cosine similarity normalise.
"""

from __future__ import annotations

import math

import pytest
import torch

from trainers.losses import (
    contrastive_margin,
    info_nce,
    lifted_structured,
    n_pair,
    nce,
    neg,
    nt_xent,
    soft_nearest_neighbours,
    supcon_in,
    supcon_out,
    triplet,
    triplet_in_batch,
)

C = 1 / math.sqrt(2)  # cos of 45 degrees
E = math.e


def t(rows: list[list[float]]) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.float64)


def log1pexp(x: float) -> float:
    """-log sigmoid(-x) = log(1 + e^x)."""
    return math.log(1 + math.exp(x))


def test_info_nce_without_negatives() -> None:
    # cos(a_i, p_j) = identity; over temperature 0.5 the logits are [[2, 0], [0, 2]].
    anchor, positive = t([[2, 0], [0, 3]]), t([[1, 0], [0, 5]])
    expected = -math.log(E**2 / (E**2 + E**0))  # both rows alike
    assert info_nce(anchor, positive, temperature=0.5).item() == pytest.approx(expected)


@pytest.mark.parametrize("w", [1.0, 3.0, 0.0])
def test_info_nce_weights_only_each_anchors_own_hard_negative(w: float) -> None:
    anchor = t([[1, 0], [0, 1]])
    positive = t([[1, 0], [1, 1]])
    negatives = t([[-1, 0], [0, 1]])
    # Row 0: cos to p0, p1 = 1, c; to n0 (own hard negative), n1 = -1, 0.
    loss0 = -math.log(E**1 / (E**1 + E**C + w * E**-1 + E**0))
    # Row 1: cos to p0, p1 = 0, c; to n0, n1 (own) = 0, 1.
    loss1 = -math.log(E**C / (E**0 + E**C + E**0 + w * E**1))
    got = info_nce(anchor, positive, negatives, temperature=1.0, hard_negative_weight=w)
    assert got.item() == pytest.approx((loss0 + loss1) / 2)


def test_nt_xent_over_the_four_views() -> None:
    # Views z = [a0, a1, b0, b1] = [e1, e2, (1,1)/sqrt2, e2]; temperature 1.
    # cos: z0z1 = 0, z0z2 = c, z0z3 = 0, z1z2 = c, z1z3 = 1, z2z3 = c.
    a, b = t([[1, 0], [0, 1]]), t([[1, 1], [0, 1]])
    l02 = -math.log(E**C / (E**0 + E**C + E**0))  # z0 vs z1, z2, z3
    l13 = -math.log(E**1 / (E**0 + E**C + E**1))  # z1 vs z0, z2, z3
    l20 = -math.log(E**C / (E**C + E**C + E**C))  # z2 vs z0, z1, z3: log 3
    l31 = -math.log(E**1 / (E**0 + E**1 + E**C))  # z3 vs z0, z1, z2
    expected = (l02 + l13 + l20 + l31) / 4
    assert nt_xent(a, b, temperature=1.0).item() == pytest.approx(expected)


def test_contrastive_margin_averages_each_kind_of_pair_on_its_own() -> None:
    anchor, positive = t([[1, 0], [0, 1]]), t([[1, 0], [1, 1]])
    # Cosine distances d = 1 - cos: d00 = 0, d11 = 1 - c (similar); d01 = 1 - c, d10 = 1.
    pull = (0**2 + (1 - C) ** 2) / 2
    push = (max(0, 0.5 - (1 - C)) ** 2 + max(0, 0.5 - 1) ** 2) / 2
    got = contrastive_margin(anchor, positive, margin=0.5)
    assert got.item() == pytest.approx(0.5 * pull + 0.5 * push)
    # A negative -e1 adds dissimilar pairs at d = 2 and d = 1, both beyond the margin.
    push_with_negative = (max(0, 0.5 - (1 - C)) ** 2 + 0 + 0 + 0) / 4
    got = contrastive_margin(anchor, positive, t([[-1, 0]]), margin=0.5)
    assert got.item() == pytest.approx(0.5 * pull + 0.5 * push_with_negative)


def test_triplet_with_explicit_negatives() -> None:
    anchor = t([[1, 0], [0, 1]])
    positive = t([[1, 1], [0, 1]])
    negative = t([[0, 1], [1, 1]])
    # Row 0: d(a,p) = 1 - c, d(a,n) = 1: max(0, 1 - c - 1 + 0.5) = max(0, 0.5 - c) = 0.
    # Row 1: d(a,p) = 0, d(a,n) = 1 - c: max(0, c - 0.5).
    expected = (0 + (C - 0.5)) / 2
    assert triplet(anchor, positive, negative, margin=0.5).item() == pytest.approx(expected)


def test_triplet_in_batch_hardest_and_all() -> None:
    anchor = t([[1, 0], [0, 1], [-1, 0]])
    positive = t([[1, 1], [0, 1], [-1, 0]])
    # Distances d(a_i, p_j), row i:  [1-c, 1, 2],  [1-c, 0, 1],  [1+c, 1, 0].
    # Hardest: row 0: 1-c - 1 + .5 < 0; row 1: 0 - (1-c) + .5 = c - .5; row 2: 0 - 1 + .5 < 0.
    hardest = (0 + (C - 0.5) + 0) / 3
    # All six (i, j != i) triplets: only (1, 0) is active, at c - .5.
    every = (C - 0.5) / 6
    assert triplet_in_batch(anchor, positive, margin=0.5).item() == pytest.approx(hardest)
    got = triplet_in_batch(anchor, positive, margin=0.5, mining="all")
    assert got.item() == pytest.approx(every)


def test_n_pair_on_raw_inner_products() -> None:
    anchor, positive = t([[1, 0], [0, 2]]), t([[1, 1], [0, 1]])
    # a0.p0 = 1, a0.p1 = 0; a1.p0 = 2, a1.p1 = 2.
    loss0 = math.log(1 + math.exp(0 - 1))
    loss1 = math.log(1 + math.exp(2 - 2))
    assert n_pair(anchor, positive).item() == pytest.approx((loss0 + loss1) / 2)
    # An extra negative [3, 0]: a0.n = 3, a1.n = 0.
    loss0 = math.log(1 + math.exp(0 - 1) + math.exp(3 - 1))
    loss1 = math.log(1 + math.exp(2 - 2) + math.exp(0 - 2))
    got = n_pair(anchor, positive, t([[3, 0]]))
    assert got.item() == pytest.approx((loss0 + loss1) / 2)


def test_nce_expected_noise_with_the_log_kq_correction() -> None:
    # s = cos = identity, temperature 1. C = {p0, p1}, q = 1/2.
    anchor, positive = t([[1, 0], [0, 1]]), t([[3, 0], [0, 1]])
    # Default k = |C| - 1 = 1, so log(k q) = log(1/2) and D = s + log 2.
    # loss_i = -log sig(1 + log 2) + (k/|C|) * [-log sig(-(1 + log 2)) - log sig(-(0 + log 2))]
    #        = log(1 + e^-1 / 2) + 1/2 * [log(1 + 2e) + log(1 + 2)]     (both rows alike)
    expected = math.log(1 + E**-1 / 2) + 0.5 * (math.log(1 + 2 * E) + math.log(3))
    assert nce(anchor, positive, temperature=1.0).item() == pytest.approx(expected)
    # k = 3: log(k q) = log(3/2), and the noise term is weighted 3/2.
    expected = log1pexp(-(1 - math.log(1.5))) + 1.5 * (
        log1pexp(1 - math.log(1.5)) + log1pexp(0 - math.log(1.5))
    )
    assert nce(anchor, positive, temperature=1.0, num_noise=3).item() == pytest.approx(expected)


def test_nce_sampled_uses_exactly_the_generators_draws() -> None:
    anchor, positive = t([[1, 0], [0, 1]]), t([[1, 0], [0, 1]])
    # The generator with seed 7 draws these candidate indices for (anchor, noise sample):
    draws = torch.randint(2, (2, 4), generator=torch.Generator().manual_seed(7))
    # s = identity; k = 4, |C| = 2, log(k q) = log 2.
    d = [[1 - math.log(2), -math.log(2)], [-math.log(2), 1 - math.log(2)]]
    expected = 0.0
    for i in range(2):
        expected += log1pexp(-d[i][i]) + sum(log1pexp(d[i][int(j)]) for j in draws[i])
    expected /= 2
    got = nce(anchor, positive, temperature=1.0, num_noise=4,
              generator=torch.Generator().manual_seed(7))
    assert got.item() == pytest.approx(expected)


def test_neg_sums_over_in_batch_negatives() -> None:
    anchor, positive = t([[1, 0], [0, 1]]), t([[2, 0], [0, 1]])
    # Temperature 0.5: s = 2 for the positive, 0 for the other pair's positive.
    # loss_i = -log sig(2) - log sig(-0) = log(1 + e^-2) + log 2.
    expected = math.log(1 + E**-2) + math.log(2)
    assert neg(anchor, positive, temperature=0.5).item() == pytest.approx(expected)
    # An extra negative -e1: s(a0, n) = -2, s(a1, n) = 0.
    loss0 = math.log(1 + E**-2) + math.log(2) + math.log(1 + E**-2)
    loss1 = math.log(1 + E**-2) + math.log(2) + math.log(2)
    got = neg(anchor, positive, t([[-1, 0]]), temperature=0.5)
    assert got.item() == pytest.approx((loss0 + loss1) / 2)


def test_soft_nearest_neighbours_leaves_out_points_alone_in_their_class() -> None:
    features, labels = t([[2, 0], [0, 1], [-1, 0]]), torch.tensor([0, 0, 1])
    # Normalised: e1, e2, -e1. Squared distances: 01 = 2, 02 = 4, 12 = 2. T = 1.
    loss0 = -math.log(E**-2 / (E**-2 + E**-4))
    loss1 = -math.log(E**-2 / (E**-2 + E**-2))
    # Point 2 has no same-class partner: left out of the mean.
    got = soft_nearest_neighbours(features, labels, temperature=1.0)
    assert got.item() == pytest.approx((loss0 + loss1) / 2)
    # Raw distances without normalising: [2,0]-[0,1]: 5, [2,0]-[-1,0]: 9, [0,1]-[-1,0]: 2.
    loss0 = -math.log(E**-5 / (E**-5 + E**-9))
    loss1 = -math.log(E**-5 / (E**-5 + E**-2))
    got = soft_nearest_neighbours(features, labels, temperature=1.0, normalize=False)
    assert got.item() == pytest.approx((loss0 + loss1) / 2)


def test_lifted_structured_smooth_bound() -> None:
    features, labels = t([[1, 0], [0, 3], [-1, 0]]), torch.tensor([0, 0, 1])
    # Normalised: e1, e2, -e1. Euclidean D01 = sqrt 2, D02 = 2, D12 = sqrt 2. margin 1.
    # One positive pair {0, 1}; N_0 = N_1 = {2}.
    j01 = math.log(math.exp(1 - 2) + math.exp(1 - math.sqrt(2))) + math.sqrt(2)
    expected = max(0.0, j01) ** 2 / (2 * 1)
    got = lifted_structured(features, labels, margin=1.0)
    assert got.item() == pytest.approx(expected)


def test_supcon_out_and_in() -> None:
    features = t([[1, 0], [0, 1], [1, 1], [-1, 0]])
    labels = torch.tensor([0, 0, 0, 1])
    # cos: 01 = 0, 02 = c, 03 = -1, 12 = c, 13 = 0, 23 = -c. T = 1.
    z0 = E**0 + E**C + E**-1  # anchor 0 over A = {1, 2, 3}
    z1 = E**0 + E**C + E**0  # anchor 1 over A = {0, 2, 3}
    z2 = E**C + E**C + E**-C  # anchor 2 over A = {0, 1, 3}
    log_probs = {  # anchor: log_prob(i, p) for its two positives
        0: (0 - math.log(z0), C - math.log(z0)),
        1: (0 - math.log(z1), C - math.log(z1)),
        2: (C - math.log(z2), C - math.log(z2)),
    }  # anchor 3 has no positive and is left out
    out = sum(-(lp_a + lp_b) / 2 for lp_a, lp_b in log_probs.values()) / 3
    inn = sum(-math.log((E**lp_a + E**lp_b) / 2) for lp_a, lp_b in log_probs.values()) / 3
    assert supcon_out(features, labels, temperature=1.0).item() == pytest.approx(out)
    assert supcon_in(features, labels, temperature=1.0).item() == pytest.approx(inn)
    assert inn < out


def test_every_loss_returns_a_scalar() -> None:
    a, p = t([[1, 0], [0, 1]]), t([[1, 1], [0, 1]])
    labels = torch.tensor([0, 1, 0, 1])
    features = torch.cat([a, p])
    losses = [
        info_nce(a, p), nt_xent(a, p, temperature=0.1), contrastive_margin(a, p, margin=0.5),
        triplet(a, p, p.flip(0), margin=0.5), triplet_in_batch(a, p, margin=0.5),
        n_pair(a, p), nce(a, p, temperature=0.1), neg(a, p, temperature=0.1),
        soft_nearest_neighbours(features, labels, temperature=0.1),
        lifted_structured(features, labels, margin=0.5),
        supcon_out(features, labels, temperature=0.1), supcon_in(features, labels, temperature=0.1),
    ]
    assert all(loss.shape == () and loss.dtype == torch.float64 for loss in losses)
