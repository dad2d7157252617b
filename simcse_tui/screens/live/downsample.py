"""Shrinking long series to what a chart can show, before plotting.

A chart `columns` cells wide cannot show more than a couple of points per
column, and plotext's cost grows with every point it draws, so series are cut
down first: noisy series keep each bucket's minimum and maximum (in the order
they occurred, so spikes survive); smooth ones keep evenly spaced points.
"""

from __future__ import annotations

import numpy as np


def minmax_downsample(x: np.ndarray, y: np.ndarray, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """At most 2 * `buckets` points: each bucket's min and max, in time order."""
    n = len(y)
    if buckets <= 0 or n <= 2 * buckets:
        return x, y
    size = -(-n // buckets)  # points per bucket, rounded up
    count = -(-n // size)
    padded = np.empty(count * size, dtype=float)  # (count * size,)
    padded[:n] = y
    padded[n:] = y[-1]  # repeat the last value so the tail bucket's extremes are real points
    grid = padded.reshape(count, size)  # (count, size)
    offsets = np.arange(count) * size
    lo = np.minimum(grid.argmin(axis=1), grid.argmax(axis=1)) + offsets  # (count,)
    hi = np.maximum(grid.argmin(axis=1), grid.argmax(axis=1)) + offsets
    index = np.minimum(np.stack([lo, hi], axis=1).ravel(), n - 1)  # (2 * count,)
    return x[index], y[index]


def stride_downsample(x: np.ndarray, y: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """At most `points` evenly spaced points, always keeping the first and last."""
    n = len(y)
    if points <= 1 or n <= points:
        return x, y
    index = np.unique(np.linspace(0, n - 1, points).round().astype(int))
    return x[index], y[index]
