"""Readers for the user's own training files: sentences a line, and CSV/TSV tables.

A sentence file holds one sentence a line (unsupervised SimCSE's wiki1m).
A table holds SimCSE's training columns: sent0, then optionally sent1 and
hard_neg, with an optional header row recognised by its names. CSV goes
through the csv module, so quoted fields holding commas, quotes or newlines
work; TSV is split on tabs. Blank lines and rows with an empty cell are
skipped, counted and reported, never dropped silently.

This module does not decide which columns an objective needs (see
`trainers.data.training`). Standard library only.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from trainers.data.lines import BLANK_LINE, Skips, iter_lines, where
from trainers.errors import DataError

EMPTY_CELL = ("row with an empty cell", "rows with an empty cell")
DEFAULT_COLUMNS = {1: ("sent0",), 2: ("sent0", "sent1"), 3: ("sent0", "sent1", "hard_neg")}
# A first row made only of these names is a header, not data.
HEADER_NAMES = frozenset({
    "sent0", "sent1", "hard_neg", "sentence", "sentence1", "sentence2", "text", "anchor",
    "positive", "negative", "premise", "hypothesis", "entailment", "contradiction", "label",
    "labels", "class", "category",
})


@dataclass(frozen=True)
class SentenceFile:
    """The sentences of a one-a-line file, and what was skipped to get them."""

    sentences: list[str]
    skipped: int
    notes: tuple[str, ...]


@dataclass(frozen=True)
class TrainingTable:
    """Rows of a CSV/TSV training file, all with len(columns) non-empty cells."""

    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    skipped: int
    notes: tuple[str, ...] = ()


def read_sentence_file(path: str | Path) -> SentenceFile:
    """Read one sentence a line; blank lines are skipped and counted."""
    path = Path(path)
    sentences: list[str] = []
    skips = Skips(path)
    for _, line in iter_lines(path, "a text file with one sentence a line"):
        if line.strip():
            sentences.append(line)
        else:
            skips.add(BLANK_LINE)
    return SentenceFile(sentences, skips.total, skips.notes())


def read_sentences(path: str | Path) -> list[str]:
    """The sentences of a one-a-line file; use `read_sentence_file` to learn how many blanks were skipped."""
    return read_sentence_file(path).sentences


def iter_rows(path: str | Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, cells) per record of a .csv or .tsv file; blank lines yield no cells.

    The line number is the record's first line (a quoted CSV field may span several).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _csv_rows(path)
    elif suffix in (".tsv", ".tab"):
        for number, line in iter_lines(path, "a tab-separated file"):
            yield number, (line.split("\t") if line.strip() else [])
    else:
        raise DataError(f"{path}: expected a .csv or .tsv file, got {suffix or 'no extension'!r}")


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    lines = (text + "\n" for _, text in iter_lines(path, "a CSV file"))
    reader = csv.reader(lines, strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise DataError(f"{where(path, start)}: expected a well-formed CSV record: {err}",
                            "quote a field holding commas or quotes, doubling the quotes inside") from None
        yield start, (cells if any(c.strip() for c in cells) else [])
        start = reader.line_num + 1


def read_table(path: str | Path, max_columns: int = 3,
               expected: str = "sent0[, sent1[, hard_neg]]") -> TrainingTable:
    """Read a CSV/TSV training table with 1 to `max_columns` columns (SimCSE's sent0, sent1, hard_neg).

    A first row made only of known column names is a header; otherwise the
    columns get SimCSE's default names. Every row must have as many cells as
    the first one. `expected` describes the columns in error messages.
    """
    path = Path(path)
    skips = Skips(path)
    columns: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = []
    for number, cells in iter_rows(path):
        if not cells:
            skips.add(BLANK_LINE)
            continue
        if not columns:
            columns = _columns(path, number, cells, max_columns, expected)
            if _is_header(cells):
                continue
        if len(cells) != len(columns):
            raise DataError(f"{where(path, number)}: expected {len(columns)} columns "
                            f"({', '.join(columns)}) like the first row, got {len(cells)}")
        if any(not c.strip() for c in cells):
            skips.add(EMPTY_CELL)
            continue
        rows.append(tuple(cells))
    if not columns:
        raise DataError(f"{where(path, 1)}: expected rows of 1 to {max_columns} columns ({expected}), "
                        "but the file has no rows")
    return TrainingTable(columns, rows, skips.total, skips.notes())


def _is_header(cells: list[str]) -> bool:
    return all(c.strip().lower() in HEADER_NAMES for c in cells)


def _columns(path: Path, number: int, cells: list[str], max_columns: int,
             expected: str) -> tuple[str, ...]:
    if not 1 <= len(cells) <= max_columns:
        raise DataError(f"{where(path, number)}: expected 1 to {max_columns} columns ({expected}), "
                        f"got {len(cells)}")
    if _is_header(cells):
        return tuple(c.strip().lower() for c in cells)
    return DEFAULT_COLUMNS.get(len(cells), tuple(f"col{i}" for i in range(len(cells))))
