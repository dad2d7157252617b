"""Objectives build views: row order and counts, span masking by position, padding, MLM masking."""

from __future__ import annotations

from collections import Counter

import pytest
import torch

from trainers.data.training import TrainingData
from trainers.objectives import (
    VIEWS,
    TokenizedData,
    build_views,
    collate,
    mlm_mask,
    span_mask,
    split_views,
    tokenize_columns,
)

CLS, SEP, MASK, PAD = 101, 102, 103, 0


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from trainers.encoder import packaged_model_dir

    return AutoTokenizer.from_pretrained(packaged_model_dir())


def _data(with_triplets: bool = False, labels: bool = False) -> TokenizedData:
    anchors = [[CLS, 1000 + i, 2000 + i, SEP] for i in range(6)]
    columns = [anchors]
    if with_triplets:
        columns += [[[CLS, 3000 + i, SEP] for i in range(6)], [[CLS, 4000 + i, 4100, SEP] for i in range(6)]]
    return TokenizedData(columns=columns, labels=[i % 2 for i in range(6)] if labels else None)


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ----- views -------------------------------------------------------------------------------------


def test_unsup_simcse_is_each_sentence_twice_view_major() -> None:
    data, indices = _data(), [4, 1, 3]
    views = build_views("unsup-simcse", data, indices, mask_token_id=MASK, span_length=5, generator=_gen())
    anchors = [data.columns[0][i] for i in indices]
    assert views.num_views == VIEWS["unsup-simcse"] == 2
    assert views.rows == anchors + anchors and views.labels is None


def test_sup_simcse_is_anchors_then_positives_then_hard_negatives() -> None:
    data, indices = _data(with_triplets=True), [5, 0]
    views = build_views("sup-simcse", data, indices, mask_token_id=MASK, span_length=5, generator=_gen())
    assert views.num_views == 3 and len(views.rows) == 6
    assert [r[1] for r in views.rows] == [1005, 1000, 3005, 3000, 4005, 4000]


def test_mirror_bert_masks_the_second_view_only() -> None:
    data, indices = _data(), [0, 1, 2]
    views = build_views("mirror-bert", data, indices, mask_token_id=MASK, span_length=1, generator=_gen())
    first, second = views.rows[:3], views.rows[3:]
    assert first == [data.columns[0][i] for i in indices]
    for original, masked in zip(first, second, strict=True):
        assert len(masked) == len(original) and masked.count(MASK) == 1
    with pytest.raises(ValueError, match="needs a tokenizer with a mask token"):
        build_views("mirror-bert", data, indices, mask_token_id=None, span_length=1, generator=_gen())


def test_labelled_is_one_view_with_the_anchors_labels() -> None:
    data = _data(labels=True)
    views = build_views("labelled", data, [3, 4], mask_token_id=MASK, span_length=5, generator=_gen())
    assert views.num_views == 1 and len(views.rows) == 2 and views.labels.tolist() == [1, 0]


def test_split_views_undoes_the_view_major_stacking() -> None:
    embeddings = torch.arange(3 * 4 * 2, dtype=torch.float).view(12, 2)  # (V*b, H) with V=3, b=4
    parts = split_views(embeddings, 3)
    assert len(parts) == 3 and all(p.shape == (4, 2) for p in parts)
    assert torch.equal(parts[1], embeddings[4:8])


# ----- span masking ------------------------------------------------------------------------------


def test_span_mask_masks_exactly_k_tokens_at_the_chosen_position_not_the_first_occurrence() -> None:
    # token 7 occurs three times; a span starting at the second 7 must leave the first one alone
    row = [CLS, 7, 8, 7, 9, 7, 10, 11, 12, SEP]
    starts = Counter()
    for seed in range(300):
        masked = span_mask(row, 3, MASK, _gen(seed))
        where = [i for i, t in enumerate(masked) if t == MASK]
        assert len(where) == 3 and where == list(range(where[0], where[0] + 3))  # k consecutive
        assert masked[0] == CLS and masked[-1] == SEP
        assert all(masked[i] == row[i] for i in range(len(row)) if i not in where)  # the rest untouched
        starts[where[0]] += 1
    assert set(starts) == set(range(1, 7))  # every start from after [CLS] to k before [SEP]


@pytest.mark.parametrize(
    ("row", "span", "masked_count"),
    [
        ([CLS, SEP], 5, 0),                 # nothing to mask
        ([CLS, 5, SEP], 5, 0),              # one content token: kept, or the view would be all mask
        ([CLS, 5, 6, SEP], 5, 1),           # shorter than the span: all but one
        ([CLS, 5, 6, 7, 8, 9, 10, SEP], 5, 5),
        ([CLS, 5, 6, 7, SEP], 0, 0),        # span_length 0 turns masking off
    ],
)
def test_span_mask_on_short_rows_keeps_special_tokens_and_one_content_token(
        row: list[int], span: int, masked_count: int) -> None:
    masked = span_mask(row, span, MASK, _gen())
    assert len(masked) == len(row) and masked.count(MASK) == masked_count
    assert masked[0] == CLS and masked[-1] == SEP


def test_span_mask_is_a_function_of_the_generator() -> None:
    row = list(range(200, 230))
    assert span_mask(row, 5, MASK, _gen(4)) == span_mask(row, 5, MASK, _gen(4))
    assert len({tuple(span_mask(row, 5, MASK, _gen(s))) for s in range(10)}) > 1


# ----- collate and tokenisation --------------------------------------------------------------


def test_collate_pads_to_the_longest_row_with_the_pad_id() -> None:
    rows = [[CLS, 5, SEP], [CLS, 5, 6, 7, 8, SEP], [CLS, SEP]]
    batch = collate(rows, pad_id=PAD)
    assert batch["input_ids"].shape == batch["attention_mask"].shape == (3, 6)
    assert batch["input_ids"].dtype == torch.long
    assert batch["attention_mask"].sum(1).tolist() == [3, 6, 2]
    assert batch["input_ids"][0].tolist() == [CLS, 5, SEP, PAD, PAD, PAD]
    assert (batch["input_ids"][batch["attention_mask"] == 0] == PAD).all()


def test_tokenize_columns_truncates_and_records_the_longest_column(tokenizer) -> None:
    data = TrainingData(anchors=["a b", "one two three four five six seven eight nine ten"],
                        positives=["a much longer positive sentence here", "x"], negatives=["n", "n"],
                        labels=None, source="mem", skipped=0)
    tokenized = tokenize_columns(data, tokenizer, max_length=8)
    assert len(tokenized) == 2 and len(tokenized.columns) == 3
    assert all(len(row) <= 8 and row[0] == CLS and row[-1] == SEP for col in tokenized.columns for row in col)
    assert tokenized.lengths == [max(len(c[i]) for c in tokenized.columns) for i in range(2)]
    assert tokenized.lengths[1] == 8


# ----- MLM masking ----------------------------------------------------------------------------


def test_mlm_mask_never_chooses_special_tokens_or_padding(tokenizer) -> None:
    batch = collate(tokenizer(["the cat sat on the mat", "a"] * 50)["input_ids"], tokenizer.pad_token_id)
    ids, mask = batch["input_ids"], batch["attention_mask"]
    masked, labels = mlm_mask(ids, mask, tokenizer, probability=1.0, generator=_gen())
    special = torch.isin(ids, torch.tensor(tokenizer.all_special_ids)) | (mask == 0)
    assert (labels[special] == -100).all() and torch.equal(masked[special], ids[special])
    assert torch.equal(labels[~special], ids[~special])  # probability 1: every content token is chosen
    changed = (masked != ids)[~special].float().mean()
    assert 0.8 < changed < 0.95  # 80% [MASK] + most of the 10% random; 10% kept as they were
    assert ((masked == tokenizer.mask_token_id) & ~special).float().sum() / (~special).sum() > 0.7


def test_mlm_mask_draws_about_the_requested_share(tokenizer) -> None:
    ids = torch.randint(1000, 2000, (64, 40), generator=_gen(1))
    mask = torch.ones_like(ids)
    _, labels = mlm_mask(ids, mask, tokenizer, probability=0.15, generator=_gen(2))
    assert 0.12 < (labels != -100).float().mean() < 0.18
