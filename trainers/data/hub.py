"""Hugging Face datasets as training data: `hf:<dataset id>[:split]`.

`load_hf_dataset` loads one split through `datasets` and maps its columns to
the same `TrainingTable` a local CSV gives, so the trainer has one path for
both. Recognised columns, first match wins:

    sent0[, sent1[, hard_neg]]          SimCSE's own CSV columns
    anchor, positive[, negative]        sentence-transformers' pair/triplet sets
    premise, hypothesis, label          NLI (SNLI/MultiNLI): built into SimCSE triplets
    sentence1, sentence2                paired sentences (no score or label column)
    sentence | text, label              class-labelled sentences
    sentence | text                     plain sentences

`datasets` is imported inside the functions, never at module import, so
importing this module stays cheap. Every failure (offline, unknown id, unknown
split) becomes a DataError that says what to do. Nothing here is tested against
the network.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from trainers.data.lines import Skips
from trainers.data.nli import NLI_LABELS, nli_triplets
from trainers.data.text import EMPTY_CELL, TrainingTable
from trainers.errors import DataError

NO_GOLD = ("pair without a gold label", "pairs without a gold label")
OFFLINE_VARS = ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE")
OFFLINE_HINT = ("connect once so `datasets` can cache it, or use a local file instead "
                "(`simcse-tui data download` when online; --data-dir for a SentEval `data/downstream` checkout)")


def is_offline() -> bool:
    """Whether the user has switched the Hugging Face libraries to offline mode."""
    return any(os.environ.get(v, "").strip().lower() in ("1", "true", "yes", "on") for v in OFFLINE_VARS)


def open_hf_split(dataset_id: str, split: str = "train", **kwargs: Any) -> Any:
    """`datasets.load_dataset(dataset_id, split=split, **kwargs)`, every failure turned into a DataError."""
    import datasets  # lazily: a second of import time the UI and the readers never pay

    try:
        return datasets.load_dataset(dataset_id, split=split, **kwargs)
    except Exception as err:  # datasets raises many types; each becomes a clear DataError
        raise _hub_error(dataset_id, split, err) from err


def _hub_error(dataset_id: str, split: str, err: Exception) -> DataError:
    source = f"hf:{dataset_id}:{split}"
    detail = f"{type(err).__name__}: {err}"
    if is_offline() or "offline" in str(err).lower():
        return DataError(f"{source}: cannot load, offline mode is on ({' / '.join(OFFLINE_VARS)}) "
                         f"and it is not in the local cache ({detail})", OFFLINE_HINT)
    if type(err).__name__ == "DatasetNotFoundError" or isinstance(err, FileNotFoundError):
        return DataError(f"{source}: no such dataset on the Hugging Face Hub ({detail})",
                         "check the id (owner/name), or that you have access to it")
    if isinstance(err, OSError):  # ConnectionError and TimeoutError are OSErrors
        return DataError(f"{source}: the Hugging Face Hub cannot be reached ({detail})", OFFLINE_HINT)
    if isinstance(err, ValueError) and "split" in str(err).lower():
        return DataError(f"{source}: no split {split!r} ({detail})",
                         "name an existing split: hf:<id>:train, hf:<id>:validation, ...")
    return DataError(f"{source}: could not be loaded ({detail})", OFFLINE_HINT)


def load_hf_dataset(dataset_id: str, split: str = "train") -> TrainingTable:
    """Load one split of a Hub dataset as a TrainingTable (see the module docstring for the columns)."""
    dataset = open_hf_split(dataset_id, split)
    return table_from_columns(list(dataset.column_names), dataset.__getitem__,
                              f"hf:{dataset_id}:{split}")


def table_from_columns(names: Sequence[str], column: Callable[[str], Sequence[Any]],
                       source: str) -> TrainingTable:
    """Map a dataset's columns (`column(name)` gives one) to a TrainingTable; pure, so it is testable offline."""
    have = set(names)
    for wanted, canonical in _LAYOUTS:
        # sentence1/sentence2 with a score or label is an STS or paraphrase set, not positive pairs.
        scored = wanted == ("sentence1", "sentence2") and have & {"score", "label"}
        if set(wanted) <= have and not scored:
            cells = [column(n) for n in wanted]
            return _table(canonical, cells, source)
    for text in ("sentence", "text"):
        if text in have:
            if "label" in have:
                return _table(("sentence", "label"), [column(text), column("label")], source)
            return _table(("sent0",), [column(text)], source)
    if {"premise", "hypothesis", "label"} <= have:
        return _nli_table(column("premise"), column("hypothesis"), column("label"), source)
    raise DataError(f"{source}: no known column layout in {', '.join(names)}; expected one of "
                    "sent0[/sent1/hard_neg], anchor/positive[/negative], premise/hypothesis/label, "
                    "sentence1/sentence2, sentence|text[/label]")


_LAYOUTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("sent0", "sent1", "hard_neg"), ("sent0", "sent1", "hard_neg")),
    (("sent0", "sent1"), ("sent0", "sent1")),
    (("anchor", "positive", "negative"), ("sent0", "sent1", "hard_neg")),
    (("anchor", "positive"), ("sent0", "sent1")),
    (("sent0",), ("sent0",)),
    (("sentence1", "sentence2"), ("sent0", "sent1")),
)


def _table(columns: tuple[str, ...], cells: list[Sequence[Any]], source: str) -> TrainingTable:
    skips = Skips(source)
    rows = []
    for row in zip(*cells, strict=True):
        texts = tuple("" if v is None else str(v) for v in row)
        if all(t.strip() for t in texts):
            rows.append(texts)
        else:
            skips.add(EMPTY_CELL)
    return TrainingTable(columns, rows, skips.total, skips.notes())


def _nli_table(premises: Sequence[str], hypotheses: Sequence[str], labels: Sequence[Any],
               source: str) -> TrainingTable:
    # On the Hub, SNLI and MultiNLI store labels as ClassLabel ints
    # (0 entailment, 1 neutral, 2 contradiction) and -1 where annotators disagreed.
    skips = Skips(source)
    pairs = []
    for premise, hypothesis, label in zip(premises, hypotheses, labels, strict=True):
        name = NLI_LABELS[label] if isinstance(label, int) and 0 <= label < 3 else str(label)
        if name in NLI_LABELS:
            pairs.append((premise, hypothesis, name))
        else:
            skips.add(NO_GOLD)
    rows = nli_triplets(pairs)
    return TrainingTable(("sent0", "sent1", "hard_neg"), list(rows), skips.total, skips.notes())
