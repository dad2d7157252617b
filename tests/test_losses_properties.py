"""Properties of the losses: limits, invariances, and equivalent formulations.

Equivalent formulations are written out here from the papers, the plain way
(explicit loops or explicit denominators), and compared with the library's
value *and* gradients. Randomised checks use hypothesis with few examples on
tiny float64 tensors, so the file runs in seconds.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from trainers.losses import (
    LOSS_NAMES,
    compute_loss,
    info_nce,
    n_pair,
    nce,
    nt_xent,
    soft_nearest_neighbours,
    supcon_in,
    supcon_out,
    triplet_in_batch,
)
from trainers.losses.registry import LABEL_LOSSES

FEW = settings(max_examples=10, deadline=None)
seeds = st.integers(min_value=0, max_value=2**31 - 1)


def randn(seed: int, *shape: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=gen, dtype=torch.float64).requires_grad_()


def grads(loss: torch.Tensor, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return torch.autograd.grad(loss, inputs)


def assert_same_value_and_grads(
    ours: torch.Tensor, theirs: torch.Tensor, *inputs: torch.Tensor
) -> None:
    torch.testing.assert_close(ours, theirs)
    for g_ours, g_theirs in zip(grads(ours, *inputs), grads(theirs, *inputs), strict=True):
        torch.testing.assert_close(g_ours, g_theirs)


# --- limits -------------------------------------------------------------------------------


def test_aligned_embeddings_at_low_temperature_give_zero() -> None:
    views = 3.0 * torch.eye(4, 6, dtype=torch.float64)  # orthogonal, each its own positive
    assert info_nce(views, views, temperature=0.01).item() < 1e-30
    assert nt_xent(views, views, temperature=0.01).item() < 1e-30
    labels = torch.arange(4).repeat(2)
    both = torch.cat([views, views])
    assert supcon_out(both, labels, temperature=0.01).item() < 1e-30


@pytest.mark.parametrize("n", [1, 2, 5])
def test_identical_embeddings_give_log_n(n: int) -> None:
    same = torch.ones(n, 3, dtype=torch.float64)
    assert info_nce(same, same).item() == pytest.approx(math.log(n))
    # With N hard negatives weighted w: N positives + (N - 1) other negatives + w.
    assert info_nce(same, same, same, hard_negative_weight=2.5).item() == pytest.approx(
        math.log(n + n - 1 + 2.5)
    )


# --- InfoNCE hard negatives -------------------------------------------------------------------


@FEW
@given(seed=seeds, n=st.integers(1, 4), m=st.integers(0, 3))
def test_info_nce_weight_one_is_plain_cross_entropy_over_all_candidates(seed, n, m) -> None:
    anchor, positive, negatives = randn(seed, n, 3), randn(seed + 1, n, 3), randn(seed + 2, m, 3)
    ours = info_nce(anchor, positive, negatives, temperature=0.1, hard_negative_weight=1.0)
    candidates = torch.cat([positive, negatives])
    cos = (anchor / anchor.norm(dim=1, keepdim=True)) @ (
        candidates / candidates.norm(dim=1, keepdim=True)
    ).T
    log_softmax = (cos / 0.1).log_softmax(dim=1)
    plain = -log_softmax[torch.arange(n), torch.arange(n)].mean()
    assert_same_value_and_grads(ours, plain, anchor, positive, negatives)


def explicit_weighted_info_nce(anchor, positive, negatives, w, temperature):
    """-log e^{s_ii} / (sum_j e^{s_ij} + sum_{k != i} e^{t_ik} + w e^{t_ii}), looped."""
    total = 0.0
    for i in range(anchor.shape[0]):
        s = F.cosine_similarity(anchor[i : i + 1], positive) / temperature  # (N,)
        h = F.cosine_similarity(anchor[i : i + 1], negatives) / temperature  # (N,)
        others = torch.cat([h[:i], h[i + 1 :]])
        denominator = s.exp().sum() + others.exp().sum() + w * h[i].exp()
        total = total - (s[i].exp() / denominator).log()
    return total / anchor.shape[0]


@FEW
@given(seed=seeds, n=st.integers(1, 4), w=st.sampled_from([0.0, 0.3, 1.0, 2.0, math.e]))
def test_info_nce_hard_negative_weight_multiplies_the_exp_term(seed, n, w) -> None:
    anchor, positive, negatives = randn(seed, n, 3), randn(seed + 1, n, 3), randn(seed + 2, n, 3)
    ours = info_nce(anchor, positive, negatives, temperature=0.2, hard_negative_weight=w)
    explicit = explicit_weighted_info_nce(anchor, positive, negatives, w, 0.2)
    assert_same_value_and_grads(ours, explicit, anchor, positive, negatives)


def test_zero_weight_masks_the_hard_negative_without_nans() -> None:
    anchor, positive, negatives = randn(0, 3, 4), randn(1, 3, 4), randn(2, 3, 4)
    loss = info_nce(anchor, positive, negatives, hard_negative_weight=0.0)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(anchor.grad).all() and torch.isfinite(negatives.grad).all()
    # Each negative still counts for the other anchors, so it still gets a gradient.
    assert (negatives.grad.abs().sum(dim=1) > 0).all()


def test_simcse_log_weight_flag_is_our_log() -> None:
    """SimCSE's --hard_negative_weight x adds x to the logit: our w = exp(x)."""
    anchor, positive, negatives = randn(3, 3, 4), randn(4, 3, 4), randn(5, 3, 4)
    x = 0.7  # a SimCSE flag value
    cos = F.normalize(anchor, dim=1) @ F.normalize(torch.cat([positive, negatives]), dim=1).T
    logits = cos / 0.05
    block = x * torch.eye(3, dtype=torch.float64)  # SimCSE's weights: x on the diagonal
    logits = logits + torch.cat([torch.zeros_like(block), block], dim=1)
    simcse = F.cross_entropy(logits, torch.arange(3))
    ours = info_nce(anchor, positive, negatives, hard_negative_weight=math.exp(x))
    torch.testing.assert_close(ours, simcse)


def test_weighting_hard_negatives_needs_one_per_anchor() -> None:
    anchor, positive = randn(0, 3, 4), randn(1, 3, 4)
    with pytest.raises(ValueError, match="one hard negative per anchor"):
        info_nce(anchor, positive, randn(2, 2, 4), hard_negative_weight=2.0)
    with pytest.raises(ValueError, match=">= 0"):
        info_nce(anchor, positive, randn(2, 3, 4), hard_negative_weight=-1.0)


# --- NT-Xent and its relatives -----------------------------------------------------------------


def two_direction_info_nce(a, b, temperature):
    """Mean of InfoNCE a->b and b->a, each with its own side's other views as extra negatives."""

    def one_direction(x, y):
        n = x.shape[0]
        cross = F.normalize(x, dim=1) @ F.normalize(y, dim=1).T  # (N, N), positives on the diagonal
        same_side = F.normalize(x, dim=1) @ F.normalize(x, dim=1).T
        same_side = same_side.masked_fill(torch.eye(n, dtype=torch.bool), -math.inf)  # not itself
        logits = torch.cat([cross, same_side], dim=1) / temperature  # 2N - 2 negatives each
        return F.cross_entropy(logits, torch.arange(n))

    return (one_direction(a, b) + one_direction(b, a)) / 2


@FEW
@given(seed=seeds, n=st.integers(1, 5), temperature=st.sampled_from([0.05, 0.5, 2.0]))
def test_nt_xent_is_the_mean_of_both_info_nce_directions(seed, n, temperature) -> None:
    a, b = randn(seed, n, 3), randn(seed + 1, n, 3)
    assert_same_value_and_grads(
        nt_xent(a, b, temperature=temperature), two_direction_info_nce(a, b, temperature), a, b
    )


def test_supcon_with_pair_labels_is_nt_xent() -> None:
    a, b = randn(0, 4, 3), randn(1, 4, 3)
    labels = torch.arange(4).repeat(2)
    features = torch.cat([a, b])
    ours = supcon_out(features, labels, temperature=0.1)
    assert_same_value_and_grads(ours, nt_xent(a, b, temperature=0.1), a, b)
    torch.testing.assert_close(supcon_in(features, labels, temperature=0.1), ours)


def test_soft_nearest_neighbours_with_pair_labels_is_nt_xent_at_half_temperature() -> None:
    # Normalised: -||u - v||^2 / T = (2 cos - 2) / T, and the constant cancels in the softmax.
    a, b = randn(0, 4, 3), randn(1, 4, 3)
    features, labels = torch.cat([a, b]), torch.arange(4).repeat(2)
    ours = soft_nearest_neighbours(features, labels, temperature=0.2)
    assert_same_value_and_grads(ours, nt_xent(a, b, temperature=0.1), a, b)


def test_normalised_n_pair_is_info_nce() -> None:
    anchor, positive, negatives = randn(0, 4, 3), randn(1, 4, 3), randn(2, 2, 3)
    ours = n_pair(anchor, positive, negatives, normalize=True, temperature=0.05)
    reference = info_nce(anchor, positive, negatives, temperature=0.05)
    assert_same_value_and_grads(ours, reference, anchor, positive, negatives)


# --- supervised contrastive against the paper's equations, looped ------------------------------


def supcon_loop(features, labels, temperature, inside):
    """Khosla et al. Eq. 2 (inside=False) and Eq. 3 (inside=True), anchor by anchor."""
    z = [f / f.norm() for f in features]
    n, terms = len(z), []
    for i in range(n):
        positives = [p for p in range(n) if p != i and labels[p] == labels[i]]
        if not positives:
            continue
        denominator = sum(torch.exp(z[i] @ z[a] / temperature) for a in range(n) if a != i)
        ratios = [torch.exp(z[i] @ z[p] / temperature) / denominator for p in positives]
        if inside:
            terms.append(-torch.log(sum(ratios) / len(positives)))
        else:
            terms.append(-sum(torch.log(r) for r in ratios) / len(positives))
    return sum(terms) / len(terms)


@FEW
@given(seed=seeds, labels=st.lists(st.integers(0, 3), min_size=2, max_size=7))
def test_supcon_matches_the_papers_equations(seed, labels) -> None:
    labels = torch.tensor(labels)
    if not any((labels == y).sum() > 1 for y in labels):
        labels[1] = labels[0]  # at least one anchor with a positive
    features = randn(seed, len(labels), 3)
    for ours, inside in ((supcon_out, False), (supcon_in, True)):
        loss = ours(features, labels, temperature=0.3)
        assert_same_value_and_grads(loss, supcon_loop(features, labels, 0.3, inside), features)


@FEW
@given(seed=seeds)
def test_supcon_in_is_at_most_supcon_out(seed) -> None:
    features, labels = randn(seed, 8, 3), torch.tensor([0, 0, 0, 1, 1, 2, 2, 2])
    inn = supcon_in(features, labels, temperature=0.1)
    out = supcon_out(features, labels, temperature=0.1)
    assert inn.item() <= out.item() + 1e-12  # Jensen


# --- triplet and NCE ---------------------------------------------------------------------------


@FEW
@given(seed=seeds, n=st.integers(2, 6), margin=st.sampled_from([0.0, 0.2, 1.0]))
def test_hardest_negative_triplet_is_at_least_the_average(seed, n, margin) -> None:
    anchor, positive = randn(seed, n, 3), randn(seed + 1, n, 3)
    hardest = triplet_in_batch(anchor, positive, margin=margin, mining="hardest")
    every = triplet_in_batch(anchor, positive, margin=margin, mining="all")
    assert hardest.item() >= every.item() - 1e-12


def test_sampled_nce_averages_to_the_expected_loss() -> None:
    anchor, positive = randn(0, 4, 3), randn(1, 4, 3)
    exact = nce(anchor, positive, temperature=0.5, num_noise=3).item()
    gen = torch.Generator().manual_seed(0)
    samples = torch.stack([
        nce(anchor, positive, temperature=0.5, num_noise=3, generator=gen).detach()
        for _ in range(150)
    ])
    standard_error = samples.std().item() / math.sqrt(len(samples))
    assert abs(samples.mean().item() - exact) < 5 * standard_error


def test_nce_draws_only_from_the_given_generator() -> None:
    anchor, positive = randn(0, 4, 3), randn(1, 4, 3)
    before = torch.get_rng_state()
    first = nce(anchor, positive, temperature=0.5, generator=torch.Generator().manual_seed(3))
    second = nce(anchor, positive, temperature=0.5, generator=torch.Generator().manual_seed(3))
    assert torch.equal(torch.get_rng_state(), before)
    torch.testing.assert_close(first, second)
    assert torch.equal(nce(anchor, positive, temperature=0.5),
                       nce(anchor, positive, temperature=0.5))


# --- every loss through the adapter ------------------------------------------------------------


def views(seed: int, n: int = 4, labelled: bool = False):
    gen = torch.Generator().manual_seed(seed)
    anchor = torch.randn(n, 3, generator=gen, dtype=torch.float64)
    positive = None if labelled else torch.randn(n, 3, generator=gen, dtype=torch.float64)
    negative = torch.randn(n, 3, generator=gen, dtype=torch.float64)
    return anchor, positive, negative


def with_negative(name: str) -> bool:
    return name != "nt_xent"


@pytest.mark.parametrize("name", LOSS_NAMES)
@settings(max_examples=8, deadline=None)
@given(seed=seeds, permutation=st.permutations(range(4)))
def test_permuting_the_batch_changes_nothing(name, seed, permutation) -> None:
    anchor, positive, negative = views(seed)
    negative = negative if with_negative(name) else None
    labels = torch.tensor([0, 1, 0, 2])
    order = torch.tensor(permutation)
    knobs = {"temperature": 0.1, "margin": 0.5}
    batches = [(anchor, positive, negative, None)]
    if name in LABEL_LOSSES:
        batches.append((anchor, None, None, labels))
    for a, p, n, y in batches:
        before = compute_loss(name, a, p, n, y, **knobs)
        after = compute_loss(
            name, a[order], None if p is None else p[order], None if n is None else n[order],
            None if y is None else y[order], **knobs,
        )
        torch.testing.assert_close(after, before)


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_gradients_match_finite_differences(name) -> None:
    anchor, positive, negative = (x.requires_grad_() for x in views(11))
    inputs = (anchor, positive, negative) if with_negative(name) else (anchor, positive)

    def loss(*xs):
        return compute_loss(name, *xs, temperature=0.5, margin=0.5)

    assert torch.autograd.gradcheck(loss, inputs)
