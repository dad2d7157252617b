"""InfoNCE against sentence-transformers' MultipleNegativesRankingLoss on the same tensors.

MNRL multiplies cosines by ``scale``; ours divides them by ``temperature``, so
scale = 1 / temperature. Its hard negatives are extra candidate columns with
weight 1, which is our ``hard_negative_weight=1.0``.

Marked slow: importing sentence-transformers (and with it transformers) takes
about ten seconds on a small CPU; the comparison itself takes milliseconds.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from trainers.losses import info_nce

pytestmark = pytest.mark.slow

util = pytest.importorskip("sentence_transformers.util")
mnrl_module = pytest.importorskip(
    "sentence_transformers.sentence_transformer.losses.multiple_negatives_ranking"
)

TEMPERATURE = 0.05
SCALE = 1 / TEMPERATURE  # MNRL's default scale of 20


def embeddings(seed: int, *shapes: tuple[int, int]) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=gen, dtype=torch.float64).requires_grad_()
            for shape in shapes]


def mnrl_core(anchor, candidates):
    """MNRL's core as it has long been written: cos_sim * scale, cross-entropy, target i."""
    scores = util.cos_sim(anchor, candidates) * SCALE
    return F.cross_entropy(scores, torch.arange(scores.size(0)))


def assert_same_value_and_grads(ours, theirs, inputs) -> None:
    torch.testing.assert_close(ours, theirs)
    ours_grads = torch.autograd.grad(ours, inputs)
    theirs_grads = torch.autograd.grad(theirs, inputs)
    for mine, reference in zip(ours_grads, theirs_grads, strict=True):
        torch.testing.assert_close(mine, reference)


@pytest.mark.parametrize("with_negatives", [False, True])
def test_info_nce_is_mnrl_core(with_negatives: bool) -> None:
    anchor, positive, negative = embeddings(0, (6, 8), (6, 8), (6, 8))
    inputs = [anchor, positive, negative] if with_negatives else [anchor, positive]
    candidates = torch.cat(inputs[1:])
    ours = info_nce(*inputs, temperature=TEMPERATURE)
    assert_same_value_and_grads(ours, mnrl_core(anchor, candidates), inputs)


@pytest.mark.parametrize("with_negatives", [False, True])
def test_info_nce_is_the_installed_mnrl(with_negatives: bool) -> None:
    """The installed class itself, on embeddings (no model is needed for this path)."""
    anchor, positive, negative = embeddings(1, (5, 4), (5, 4), (5, 4))
    inputs = [anchor, positive, negative] if with_negatives else [anchor, positive]
    mnrl = mnrl_module.MultipleNegativesRankingLoss(model=None, scale=SCALE)
    theirs = mnrl.compute_loss_from_embeddings(inputs, labels=None)
    ours = info_nce(*inputs, temperature=TEMPERATURE)
    assert_same_value_and_grads(ours, theirs, inputs)
    assert mnrl.temperature == pytest.approx(TEMPERATURE)
