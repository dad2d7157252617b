"""Metrics against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from trainers.metrics import alignment, pearson, rank_average, spearman, uniformity


def test_rank_average_gives_ties_the_mean_rank() -> None:
    # values 10, 20, 20, 30 -> ranks 1, 2.5, 2.5, 4
    assert rank_average([20, 10, 30, 20]).tolist() == [2.5, 1.0, 4.0, 2.5]


def test_spearman_worked_example() -> None:
    # x ranks: 1 2 3 4 5; y = 2 1 4 3 5 -> d = -1 1 -1 1 0, sum d^2 = 4
    # rho = 1 - 6*4 / (5*(25-1)) = 1 - 24/120 = 0.8
    assert spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)


def test_spearman_with_ties_matches_pearson_of_ranks() -> None:
    # x = 1 2 2 3 -> ranks 1 2.5 2.5 4 ; y = 1 2 3 4
    # centred x: -1.5 0 0 1.5 ; centred y: -1.5 -0.5 0.5 1.5
    # cov = 2.25 + 0 + 0 + 2.25 = 4.5; |x| = sqrt(4.5); |y| = sqrt(5) -> rho = 4.5 / sqrt(22.5)
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(4.5 / math.sqrt(22.5))


def test_spearman_agrees_with_scipy_on_random_data() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 6, 200), rng.normal(size=200)
    assert spearman(x, y) == pytest.approx(spearmanr(x, y).correlation, abs=1e-12)


def test_pearson_of_a_constant_is_nan() -> None:
    assert math.isnan(pearson([1, 1, 1], [1, 2, 3]))


def test_alignment_worked_example() -> None:
    # pair 1: identical -> 0; pair 2: orthogonal unit vectors -> ||x-y||^2 = 2. Mean = 1.
    x = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    y = torch.tensor([[3.0, 0.0], [0.0, 1.0]])  # the first is normalised to (1, 0)
    assert alignment(x, y) == pytest.approx(1.0)


def test_uniformity_worked_example() -> None:
    # three points: (1,0), (-1,0), (0,1). Squared distances: 4, 2, 2.
    # log mean exp(-2 d^2) = log((e^-8 + 2 e^-4) / 3)
    x = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    expected = math.log((math.exp(-8) + 2 * math.exp(-4)) / 3)
    assert uniformity(x) == pytest.approx(expected, rel=1e-6)


def test_uniformity_of_a_collapsed_set_is_zero() -> None:
    assert uniformity(torch.ones(5, 3)) == pytest.approx(0.0, abs=1e-7)
