"""`compute_loss`: from a training batch's views to each loss, and its refusals."""

from __future__ import annotations

import pytest
import torch

from trainers import config
from trainers.errors import ConfigError
from trainers.losses import (
    LABEL_LOSSES,
    LOSS_INFO,
    LOSS_NAMES,
    compute_loss,
    info_nce,
    supcon_out,
    triplet,
    triplet_in_batch,
)

KNOBS = {"temperature": 0.1, "margin": 0.5}
PAIR_LOSSES = tuple(name for name in LOSS_NAMES if name not in LABEL_LOSSES)


def batch(n: int = 4, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(n, 3, generator=gen, dtype=torch.float64) for _ in range(3))


def test_names_and_help_text_cover_the_config_choices() -> None:
    assert LOSS_NAMES == config.LOSSES
    assert tuple(LOSS_INFO) == LOSS_NAMES
    assert all("Suits:" in text for text in LOSS_INFO.values())


def test_unknown_name_lists_the_valid_ones() -> None:
    anchor, positive, _ = batch()
    with pytest.raises(ConfigError, match="unknown loss 'infonce'") as error:
        compute_loss("infonce", anchor, positive, **KNOBS)
    assert all(name in str(error.value) for name in LOSS_NAMES)


# Every batch kind each loss accepts (the refusals are tested below).
ACCEPTED = (
    [(name, "pairs") for name in LOSS_NAMES]
    + [(name, "triplets") for name in LOSS_NAMES if name != "nt_xent"]
    + [(name, "labelled") for name in LABEL_LOSSES]
)


@pytest.mark.parametrize(("name", "kind"), ACCEPTED)
def test_every_loss_gives_a_finite_scalar_with_finite_gradients(name, kind) -> None:
    anchor, positive, negative = (x.requires_grad_() for x in batch())
    labels = torch.tensor([0, 1, 1, 0])
    views = {
        "pairs": (anchor, positive, None, None),
        "triplets": (anchor, positive, negative, None),
        "labelled": (anchor, None, None, labels),
    }[kind]
    loss = compute_loss(name, *views, **KNOBS)
    loss.backward()
    assert loss.shape == () and torch.isfinite(loss)
    assert torch.isfinite(anchor.grad).all() and anchor.grad.abs().sum() > 0


def test_label_losses_see_each_pair_as_a_class() -> None:
    anchor, positive, negative = batch()
    features = torch.cat([anchor, positive])
    pair_labels = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3])
    torch.testing.assert_close(
        compute_loss("supcon_out", anchor, positive, **KNOBS),
        supcon_out(features, pair_labels, temperature=0.1),
    )
    given = torch.tensor([5, 6, 5, 7])  # given labels are repeated for both views
    torch.testing.assert_close(
        compute_loss("supcon_out", anchor, positive, labels=given, **KNOBS),
        supcon_out(features, given.repeat(2), temperature=0.1),
    )
    # Hard negatives get labels of their own: negatives for all, anchors for none.
    torch.testing.assert_close(
        compute_loss("supcon_out", anchor, positive, negative, **KNOBS),
        supcon_out(torch.cat([anchor, positive, negative]),
                   torch.tensor([0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7]), temperature=0.1),
    )


def test_labelled_batches_use_the_anchors_alone() -> None:
    anchor, _, _ = batch()
    labels = torch.tensor([3, 1, 3, 1])
    torch.testing.assert_close(
        compute_loss("supcon_out", anchor, None, labels=labels, **KNOBS),
        supcon_out(anchor, labels, temperature=0.1),
    )


def test_info_nce_and_triplet_use_the_hard_negatives() -> None:
    anchor, positive, negative = batch()
    torch.testing.assert_close(
        compute_loss("info_nce", anchor, positive, negative, hard_negative_weight=2.0, **KNOBS),
        info_nce(anchor, positive, negative, temperature=0.1, hard_negative_weight=2.0),
    )
    torch.testing.assert_close(compute_loss("triplet", anchor, positive, negative, **KNOBS),
                               triplet(anchor, positive, negative, margin=0.5))
    torch.testing.assert_close(compute_loss("triplet", anchor, positive, **KNOBS),
                               triplet_in_batch(anchor, positive, margin=0.5, mining="hardest"))


@pytest.mark.parametrize("name", PAIR_LOSSES)
def test_pair_losses_refuse_a_labelled_batch(name) -> None:
    anchor, _, _ = batch()
    with pytest.raises(ConfigError, match="needs \\(anchor, positive\\) pairs") as error:
        compute_loss(name, anchor, None, labels=torch.tensor([0, 0, 1, 1]), **KNOBS)
    assert "supcon_out" in error.value.hint


@pytest.mark.parametrize("name", LABEL_LOSSES)
def test_label_losses_refuse_a_batch_without_repeated_classes(name) -> None:
    anchor, _, _ = batch()
    with pytest.raises(ConfigError, match="2 or more members"):
        compute_loss(name, anchor, None, labels=torch.tensor([0, 1, 2, 3]), **KNOBS)
    with pytest.raises(ConfigError, match="needs labels or"):
        compute_loss(name, anchor, None, **KNOBS)


def test_lifted_refuses_a_single_class() -> None:
    anchor, _, _ = batch()
    with pytest.raises(ConfigError, match="2 or more classes"):
        compute_loss("lifted_structured", anchor, None, labels=torch.tensor([1, 1, 1, 1]), **KNOBS)


def test_nt_xent_refuses_hard_negatives() -> None:
    anchor, positive, negative = batch()
    with pytest.raises(ConfigError, match="no place for hard negatives"):
        compute_loss("nt_xent", anchor, positive, negative, **KNOBS)


def test_a_hard_negative_weight_is_never_silently_ignored() -> None:
    anchor, positive, negative = batch()
    with pytest.raises(ConfigError, match="only applies to loss 'info_nce'"):
        compute_loss("triplet", anchor, positive, negative, hard_negative_weight=2.0, **KNOBS)
    with pytest.raises(ConfigError, match="needs hard negatives"):
        compute_loss("info_nce", anchor, positive, hard_negative_weight=2.0, **KNOBS)


@pytest.mark.parametrize("name", ["contrastive", "triplet", "nce"])
def test_in_batch_negatives_need_two_pairs(name) -> None:
    anchor, positive, _ = batch(n=1)
    with pytest.raises(ConfigError, match="needs 2 or more pairs"):
        compute_loss(name, anchor, positive, **KNOBS)


@pytest.mark.parametrize("name", ["info_nce", "nt_xent", "n_pair", "neg"])
def test_a_batch_of_one_pair_is_defined_where_the_math_allows(name) -> None:
    anchor, positive, _ = batch(n=1)
    assert torch.isfinite(compute_loss(name, anchor, positive, **KNOBS))
