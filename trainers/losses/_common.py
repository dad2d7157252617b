"""Shared pieces of the loss functions: similarity matrices and shape checks.

Private to `trainers.losses`. Each loss module states in its own docstring which
of these it uses, so a reader never has to open this file to know the formula.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def cosine_matrix(a: Tensor, b: Tensor) -> Tensor:
    """cos(a_i, b_j) for every pair of rows: (N, d), (M, d) -> (N, M).

    Rows are L2-normalised first (a zero row stays zero, so its cosines are 0).
    """
    return F.normalize(a, dim=-1) @ F.normalize(b, dim=-1).T


def squared_distance_matrix(x: Tensor) -> Tensor:
    """||x_i - x_j||^2 for every pair of rows: (N, d) -> (N, N), clamped at 0 against round-off."""
    sq_norms = (x * x).sum(dim=1)  # (N,)
    return (sq_norms[:, None] + sq_norms[None, :] - 2.0 * (x @ x.T)).clamp_min(0.0)


def check_rows(name: str, *tensors: tuple[str, Tensor | None]) -> None:
    """Every given tensor is 2-D with the same width, and the first ones share a row count.

    `tensors` are (label, tensor) pairs; a None tensor is skipped. Shape errors are
    our callers' bugs, not the user's, so they raise ValueError.
    """
    given = [(label, t) for label, t in tensors if t is not None]
    for label, t in given:
        if t.dim() != 2:
            raise ValueError(f"{name}: {label} must be (rows, dim), got shape {tuple(t.shape)}")
    widths = {t.shape[1] for _, t in given}
    if len(widths) > 1:
        shapes = ", ".join(f"{label} {tuple(t.shape)}" for label, t in given)
        raise ValueError(f"{name}: embeddings must share their width, got {shapes}")


def check_same_rows(name: str, first: tuple[str, Tensor], second: tuple[str, Tensor]) -> None:
    """Two tensors that pair up row by row have the same number of rows."""
    (label_a, a), (label_b, b) = first, second
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"{name}: {label_a} and {label_b} pair up row by row, "
            f"got {a.shape[0]} and {b.shape[0]} rows"
        )


def check_labels(name: str, features: Tensor, labels: Tensor) -> None:
    """`labels` is (N,) with one label per row of `features` (N, d)."""
    check_rows(name, ("features", features))
    if labels.dim() != 1 or labels.shape[0] != features.shape[0]:
        raise ValueError(
            f"{name}: labels must be ({features.shape[0]},) to match features "
            f"{tuple(features.shape)}, got {tuple(labels.shape)}"
        )


def positive_mask(labels: Tensor) -> Tensor:
    """(N,) -> (N, N) bool: j is a positive of i (same label, j != i)."""
    same = labels[:, None] == labels[None, :]
    return same & ~torch.eye(labels.shape[0], dtype=torch.bool, device=labels.device)


def check_temperature(name: str, temperature: float) -> None:
    if not temperature > 0:
        raise ValueError(f"{name}: temperature must be > 0, got {temperature}")
