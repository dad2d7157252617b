"""Seeded, resumable batch order.

The order of epoch e is a pure function of (seed, e, the example lengths), so
a run resumed at (epoch, batch) sees exactly the batches the uninterrupted run
would have seen. Under data parallel training every rank computes the same
global batch and takes its own contiguous slice of it.

With `length_grouped`, each window of 64 batches is sorted by length before
being cut into batches, and the batches are then shuffled: each batch holds
sentences of similar length (little padding) while batch order stays random.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

GROUP_WINDOW = 64  # batches per sorting window when length_grouped


@dataclass
class SamplerState:
    epoch: int = 0
    batch: int = 0  # index of the next batch within the epoch


class BatchSampler:
    """Yields lists of example indices, one global batch at a time (drop_last)."""

    def __init__(self, lengths: list[int], batch_size: int, seed: int, *,
                 length_grouped: bool = False, state: SamplerState | None = None) -> None:
        if len(lengths) < batch_size:
            raise ValueError(f"{len(lengths)} examples cannot fill one batch of {batch_size}")
        self.lengths = lengths
        self.batch_size = batch_size
        self.seed = seed
        self.length_grouped = length_grouped
        self.state = state or SamplerState()
        self._cached: tuple[int, list[list[int]]] | None = None  # (epoch, its batches)

    @property
    def batches_per_epoch(self) -> int:
        return len(self.lengths) // self.batch_size

    def epoch_batches(self, epoch: int) -> list[list[int]]:
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        order = torch.randperm(len(self.lengths), generator=generator).tolist()
        usable = self.batches_per_epoch * self.batch_size
        order = order[:usable]
        if self.length_grouped:
            window = GROUP_WINDOW * self.batch_size
            grouped: list[int] = []
            for start in range(0, usable, window):
                grouped += sorted(order[start:start + window], key=lambda i: self.lengths[i])
            order = grouped
        batches = [order[i:i + self.batch_size] for i in range(0, usable, self.batch_size)]
        if self.length_grouped:
            shuffle = torch.randperm(len(batches), generator=generator).tolist()
            batches = [batches[i] for i in shuffle]
        return batches

    def next_batch(self) -> tuple[list[int], int]:
        """The next global batch and the epoch it belongs to; advances the state."""
        if self.state.batch >= self.batches_per_epoch:
            self.state = SamplerState(epoch=self.state.epoch + 1, batch=0)
        epoch = self.state.epoch
        # Keyed by epoch, so assigning `state` (a resume) can never serve another epoch's order.
        if self._cached is None or self._cached[0] != epoch:
            self._cached = (epoch, self.epoch_batches(epoch))
        batch = self._cached[1][self.state.batch]
        self.state = SamplerState(epoch=epoch, batch=self.state.batch + 1)
        return batch, epoch


def shard(batch: list[int], rank: int, world_size: int) -> list[int]:
    """Rank `rank`'s contiguous slice of a global batch (the batch size divides evenly)."""
    per_rank = len(batch) // world_size
    return batch[rank * per_rank:(rank + 1) * per_rank]
