"""The batch order: seeded, resumable at any (epoch, batch), length-grouped on request, sharded by rank."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainers.sampler import BatchSampler, SamplerState, shard

LENGTHS = [5 + (i * 37) % 23 for i in range(103)]  # 103 examples: 12 batches of 8, 7 dropped


def _take(sampler: BatchSampler, n: int) -> list[tuple[list[int], int]]:
    return [sampler.next_batch() for _ in range(n)]


def test_the_order_is_a_function_of_the_seed() -> None:
    assert _take(BatchSampler(LENGTHS, 8, seed=3), 30) == _take(BatchSampler(LENGTHS, 8, seed=3), 30)
    assert _take(BatchSampler(LENGTHS, 8, seed=3), 5) != _take(BatchSampler(LENGTHS, 8, seed=4), 5)


@pytest.mark.parametrize("grouped", [False, True])
def test_each_epoch_uses_each_example_at_most_once_and_epochs_differ(grouped: bool) -> None:
    sampler = BatchSampler(LENGTHS, 8, seed=0, length_grouped=grouped)
    first, second = sampler.epoch_batches(0), sampler.epoch_batches(1)
    for epoch in (first, second):
        flat = [i for batch in epoch for i in batch]
        assert len(epoch) == sampler.batches_per_epoch == 12 and all(len(b) == 8 for b in epoch)
        assert len(set(flat)) == 96 and set(flat) <= set(range(103))
    assert first != second


def test_next_batch_walks_into_the_next_epoch() -> None:
    sampler = BatchSampler(LENGTHS, 8, seed=0)
    taken = _take(sampler, 14)
    assert [epoch for _, epoch in taken] == [0] * 12 + [1] * 2
    assert [b for b, _ in taken[12:]] == sampler.epoch_batches(1)[:2]
    assert sampler.state == SamplerState(epoch=1, batch=2)


@pytest.mark.parametrize("stop_after", [0, 1, 11, 12, 13, 25])
@pytest.mark.parametrize("grouped", [False, True])
def test_a_sampler_restored_at_epoch_and_batch_yields_the_rest_of_the_order(stop_after: int, grouped: bool) -> None:
    whole = _take(BatchSampler(LENGTHS, 8, seed=9, length_grouped=grouped), 40)
    first = BatchSampler(LENGTHS, 8, seed=9, length_grouped=grouped)
    _take(first, stop_after)
    saved = SamplerState(epoch=first.state.epoch, batch=first.state.batch)
    resumed = BatchSampler(LENGTHS, 8, seed=9, length_grouped=grouped, state=saved)
    assert _take(resumed, 40 - stop_after) == whole[stop_after:]


def test_assigning_a_state_after_batches_were_drawn_serves_that_epoch() -> None:
    # The trainer restores a checkpoint by assigning `state`; a cached epoch must not leak through.
    sampler = BatchSampler(LENGTHS, 8, seed=2)
    _take(sampler, 3)
    sampler.state = SamplerState(epoch=4, batch=5)
    assert sampler.next_batch() == (sampler.epoch_batches(4)[5], 4)


def test_fewer_examples_than_one_batch_is_refused() -> None:
    with pytest.raises(ValueError, match="3 examples cannot fill one batch of 8"):
        BatchSampler([4, 5, 6], 8, seed=0)


def _padding(sampler: BatchSampler, lengths: list[int]) -> int:
    return sum(max(lengths[i] for i in b) * len(b) - sum(lengths[i] for i in b) for b in sampler.epoch_batches(0))


def test_length_grouped_batches_pad_far_less_on_real_wikipedia_lengths(data_dir: Path) -> None:
    from transformers import AutoTokenizer

    from trainers.encoder import packaged_model_dir

    tokenizer = AutoTokenizer.from_pretrained(packaged_model_dir())
    lines = (data_dir / "unlabeled" / "wiki1m_head.txt").read_text(encoding="utf-8").splitlines()
    lengths = [len(ids) for ids in tokenizer(lines, truncation=True, max_length=32)["input_ids"]]
    plain = _padding(BatchSampler(lengths, 64, seed=1), lengths)
    grouped_sampler = BatchSampler(lengths, 64, seed=1, length_grouped=True)
    grouped = _padding(grouped_sampler, lengths)
    assert grouped < plain / 10, (plain, grouped)
    # grouping must not turn the batch order into a length curriculum
    maxima = [max(lengths[i] for i in b) for b in grouped_sampler.epoch_batches(0)]
    assert maxima != sorted(maxima) and maxima != sorted(maxima, reverse=True)


def test_shard_gives_each_rank_a_contiguous_disjoint_slice() -> None:
    batch = list(range(100, 112))
    parts = [shard(batch, rank, 4) for rank in range(4)]
    assert parts == [batch[0:3], batch[3:6], batch[6:9], batch[9:12]]
    assert shard(batch, 0, 1) == batch
