"""Loss names, help text, and the one adapter from a training batch's views to each loss.

A batch reaches a loss as views: ``anchor`` (N, d) always; ``positive`` (N, d)
for pair data (unsup-simcse, mirror-bert: two views of each sentence;
sup-simcse: premise and entailment); ``negative`` (N, d) for triplets
(sup-simcse's contradictions); ``labels`` (N,) for the labelled objective
(single sentences with class labels, ``positive`` None). `compute_loss` maps
those views to each pure loss function and raises `ConfigError` when a loss
cannot be computed from what the batch holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from trainers.config import LOSSES
from trainers.errors import ConfigError
from trainers.losses.contrastive import contrastive_margin
from trainers.losses.info_nce import info_nce
from trainers.losses.lifted_structured import lifted_structured
from trainers.losses.n_pair import n_pair
from trainers.losses.nce import nce
from trainers.losses.neg import neg
from trainers.losses.nt_xent import nt_xent
from trainers.losses.soft_nearest_neighbours import soft_nearest_neighbours
from trainers.losses.supcon import supcon_in, supcon_out
from trainers.losses.triplet import triplet, triplet_in_batch

LOSS_NAMES = LOSSES  # the config (standard library only, read by the UI) owns the list

# Losses that read class labels; the others need (anchor, positive) pairs.
LABEL_LOSSES = ("soft_nearest_neighbours", "lifted_structured", "supcon_out", "supcon_in")

_PAIRS = "unsup-simcse, mirror-bert, sup-simcse"
_LABELS = "labelled, and every pair objective (each pair is a class)"

LOSS_INFO: dict[str, str] = {
    "info_nce": "InfoNCE: softmax cross-entropy of each anchor's positive against in-batch "
    "negatives and weighted hard negatives (the SimCSE loss). Suits: " + _PAIRS + ".",
    "nt_xent": "NT-Xent (SimCLR): symmetric InfoNCE over all 2N views, 2N-2 negatives each. "
    "Suits: unsup-simcse, mirror-bert (no hard negatives).",
    "contrastive": "Contrastive margin loss (Hadsell et al.): pull pairs together, push other "
    "pairs beyond `margin` in cosine distance. Suits: " + _PAIRS + ".",
    "triplet": "Triplet loss (FaceNet): positive closer than negative by `margin`; uses the "
    "given hard negative, else the hardest in-batch one. Suits: sup-simcse (given negatives); "
    "unsup-simcse, mirror-bert (in-batch).",
    "n_pair": "N-pair loss (Sohn): softmax over raw inner products, no normalisation; "
    "`temperature` is not used. Suits: " + _PAIRS + ".",
    "nce": "NCE: logistic positive-vs-noise classification with the log(k q) correction, "
    "noise uniform over the batch. Suits: " + _PAIRS + ".",
    "neg": "Negative sampling (word2vec): logistic loss, positive vs every in-batch negative. "
    "Suits: " + _PAIRS + ".",
    "soft_nearest_neighbours": "Soft nearest neighbour loss (Frosst et al.): log-probability of a "
    "same-class soft neighbour. Suits: " + _LABELS + ".",
    "lifted_structured": "Lifted structured loss (Oh Song et al.): each positive pair against all "
    "negatives of both ends, with `margin`. Suits: " + _LABELS + ".",
    "supcon_out": "Supervised contrastive loss, L_out (Khosla et al.): average over positives "
    "outside the log; the better of the two. Suits: " + _LABELS + ".",
    "supcon_in": "Supervised contrastive loss, L_in (Khosla et al.): average over positives "
    "inside the log. Suits: " + _LABELS + ".",
}


@dataclass(frozen=True)
class _Views:
    """One batch's embeddings as the training loop hands them over."""

    anchor: Tensor
    positive: Tensor | None
    negative: Tensor | None
    labels: Tensor | None


@dataclass(frozen=True)
class _Knobs:
    temperature: float
    margin: float
    hard_negative_weight: float


def compute_loss(
    name: str,
    anchor: Tensor,
    positive: Tensor | None,
    negative: Tensor | None = None,
    labels: Tensor | None = None,
    *,
    temperature: float,
    margin: float,
    hard_negative_weight: float = 1.0,
) -> Tensor:
    """The loss `name` on one batch's views: a scalar tensor.

    Pair losses (everything but `LABEL_LOSSES`) need ``positive``; ``negative``,
    when given, joins the candidates as extra negatives (for ``triplet`` it is
    the triplet's negative; ``nt_xent`` refuses it). ``labels`` are ignored by them.

    Label losses get features and labels: for pair data,
    ``features = cat([anchor, positive])`` and ``labels = cat([y, y])`` with
    ``y = labels`` if given, else ``arange(N)`` (each pair is a class); for the
    labelled objective (``positive`` None) the anchors and their labels alone.
    A ``negative`` row gets a label of its own, so it is a negative for every
    anchor and never an anchor itself.

    ``hard_negative_weight`` (w, not log w) applies to ``info_nce`` with a
    ``negative`` only; anything but 1.0 elsewhere is refused rather than ignored.

    Raises:
        ConfigError: unknown ``name``, or the batch lacks what the loss needs.
    """
    if name not in _ADAPTERS:
        raise ConfigError(
            f"unknown loss {name!r}",
            hint="valid losses: " + ", ".join(LOSS_NAMES),
        )
    views = _Views(anchor, positive, negative, labels)
    if hard_negative_weight != 1.0:
        _check_hard_negative_weight(name, views, hard_negative_weight)
    return _ADAPTERS[name](views, _Knobs(temperature, margin, hard_negative_weight))


def _check_hard_negative_weight(name: str, views: _Views, weight: float) -> None:
    if name != "info_nce":
        raise ConfigError(
            f"hard_negative_weight = {weight} only applies to loss 'info_nce', not {name!r}",
            hint="set hard_negative_weight = 1.0, or use loss = 'info_nce'",
        )
    if views.negative is None:
        raise ConfigError(
            f"hard_negative_weight = {weight} needs hard negatives, and this batch has none",
            hint="use objective 'sup-simcse' (triplets), or set hard_negative_weight = 1.0",
        )


def _pair_views(name: str, views: _Views) -> tuple[Tensor, Tensor]:
    if views.positive is None:
        raise ConfigError(
            f"loss {name!r} needs (anchor, positive) pairs, but the batch holds single "
            "labelled sentences",
            hint="for the labelled objective use one of: " + ", ".join(LABEL_LOSSES),
        )
    return views.anchor, views.positive


def _need_in_batch_negatives(name: str, views: _Views) -> None:
    if views.anchor.shape[0] < 2 and views.negative is None:
        raise ConfigError(
            f"loss {name!r} needs 2 or more pairs in a batch (the other pairs are the "
            f"negatives), got {views.anchor.shape[0]}",
            hint="use batch_size >= 2 and drop a last batch of one",
        )


def _label_views(name: str, views: _Views) -> tuple[Tensor, Tensor]:
    """(features, labels) for a label loss, checked to hold a positive pair."""
    anchor = views.anchor
    if views.positive is None:
        if views.labels is None:
            raise ConfigError(f"loss {name!r} needs labels or (anchor, positive) pairs; got neither")
        features, labels = [anchor], [views.labels]
    else:
        pair_labels = views.labels
        if pair_labels is None:
            pair_labels = torch.arange(anchor.shape[0], device=anchor.device)
        features, labels = [anchor, views.positive], [pair_labels, pair_labels]
    if views.negative is not None:
        fresh = int(torch.cat(labels).max()) + 1
        labels.append(fresh + torch.arange(views.negative.shape[0], device=anchor.device))
        features.append(views.negative)
    all_labels = torch.cat(labels)
    _need_label_structure(name, all_labels)
    return torch.cat(features), all_labels


def _need_label_structure(name: str, labels: Tensor) -> None:
    counts = torch.unique(labels, return_counts=True)[1]
    if not (counts >= 2).any():
        raise ConfigError(
            f"loss {name!r} needs a class with 2 or more members in the batch; "
            f"all {labels.shape[0]} labels differ",
            hint="use a larger batch_size or fewer classes, so that classes repeat in a batch",
        )
    if name == "lifted_structured" and counts.shape[0] < 2:
        raise ConfigError(
            "loss 'lifted_structured' needs 2 or more classes in the batch; all labels are equal",
            hint="use a larger batch_size or shuffle the data",
        )


def _info_nce(views: _Views, knobs: _Knobs) -> Tensor:
    anchor, positive = _pair_views("info_nce", views)
    return info_nce(anchor, positive, views.negative, temperature=knobs.temperature,
                    hard_negative_weight=knobs.hard_negative_weight)


def _nt_xent(views: _Views, knobs: _Knobs) -> Tensor:
    anchor, positive = _pair_views("nt_xent", views)
    if views.negative is not None:
        raise ConfigError(
            "loss 'nt_xent' is symmetric over the 2N views and has no place for hard negatives",
            hint="use loss = 'info_nce' for sup-simcse triplets",
        )
    return nt_xent(anchor, positive, temperature=knobs.temperature)


def _contrastive(views: _Views, knobs: _Knobs) -> Tensor:
    anchor, positive = _pair_views("contrastive", views)
    _need_in_batch_negatives("contrastive", views)
    return contrastive_margin(anchor, positive, views.negative, margin=knobs.margin)


def _triplet(views: _Views, knobs: _Knobs) -> Tensor:
    anchor, positive = _pair_views("triplet", views)
    if views.negative is not None:
        return triplet(anchor, positive, views.negative, margin=knobs.margin)
    _need_in_batch_negatives("triplet", views)
    return triplet_in_batch(anchor, positive, margin=knobs.margin, mining="hardest")


def _n_pair(views: _Views, knobs: _Knobs) -> Tensor:
    anchor, positive = _pair_views("n_pair", views)
    return n_pair(anchor, positive, views.negative)  # the paper's form: raw inner products


def _nce(views: _Views, knobs: _Knobs) -> Tensor:
    anchor, positive = _pair_views("nce", views)
    _need_in_batch_negatives("nce", views)
    return nce(anchor, positive, views.negative, temperature=knobs.temperature)


def _neg(views: _Views, knobs: _Knobs) -> Tensor:
    anchor, positive = _pair_views("neg", views)
    return neg(anchor, positive, views.negative, temperature=knobs.temperature)


def _soft_nearest_neighbours(views: _Views, knobs: _Knobs) -> Tensor:
    features, labels = _label_views("soft_nearest_neighbours", views)
    return soft_nearest_neighbours(features, labels, temperature=knobs.temperature)


def _lifted_structured(views: _Views, knobs: _Knobs) -> Tensor:
    features, labels = _label_views("lifted_structured", views)
    return lifted_structured(features, labels, margin=knobs.margin)


def _supcon_out(views: _Views, knobs: _Knobs) -> Tensor:
    features, labels = _label_views("supcon_out", views)
    return supcon_out(features, labels, temperature=knobs.temperature)


def _supcon_in(views: _Views, knobs: _Knobs) -> Tensor:
    features, labels = _label_views("supcon_in", views)
    return supcon_in(features, labels, temperature=knobs.temperature)


_ADAPTERS: dict[str, Callable[[_Views, _Knobs], Tensor]] = {
    "info_nce": _info_nce,
    "nt_xent": _nt_xent,
    "contrastive": _contrastive,
    "triplet": _triplet,
    "n_pair": _n_pair,
    "nce": _nce,
    "neg": _neg,
    "soft_nearest_neighbours": _soft_nearest_neighbours,
    "lifted_structured": _lifted_structured,
    "supcon_out": _supcon_out,
    "supcon_in": _supcon_in,
}
