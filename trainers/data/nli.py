"""NLI readers for supervised training: SNLI/MultiNLI pairs, SimCSE triplets and class-labelled sentences.

Supervised SimCSE trains on (premise, entailment, contradiction) triplets: the
entailed hypothesis is the positive and the contradicted one the hard
negative. `nli_triplets` builds them from labelled pairs by one fixed rule:

    one triplet per distinct premise that has at least one entailment and at
    least one contradiction: (premise, its first entailment, its first
    contradiction), in file order. Neutral pairs are not used.

SNLI gives nearly every premise one hypothesis per label, so the rule only
matters for the few premises written up several times; taking the first of
each keeps every premise's weight equal. On SNLI dev+test in SentEval's form
this gives exactly 5,864 triplets, grouping each split on its own (one
premise occurs in both dev and test; grouping the two together gives 5,863;
zipping several entailments with several contradictions would give 5,883,
their cross product 6,503).

Also here: `read_labelled` for (sentence, label) files and
`nli_premise_classes`, which turns triplets into class-labelled sentences for
supervised contrastive losses. This module reads and reshapes; it does not
tokenise. Standard library only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from trainers.data.lines import BLANK_LINE, Skips, check_file, iter_lines, where
from trainers.data.text import read_table
from trainers.errors import DataError

NLI_LABELS = ("entailment", "neutral", "contradiction")
NO_GOLD = ("pair without a gold label ('-')", "pairs without a gold label ('-')")

Triplet = tuple[str, str, str]


@dataclass(frozen=True)
class NLIPairs:
    """Labelled (premise, hypothesis, label) pairs, and what was skipped to get them."""

    pairs: list[tuple[str, str, str]]
    skipped: int = 0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabelledSentences:
    """Sentences with a class label each (as written in the file), for supervised contrastive losses."""

    sentences: list[str]
    labels: list[str]
    skipped: int = 0
    notes: tuple[str, ...] = ()


def nli_triplets(pairs: list[tuple[str, str, str]]) -> list[Triplet]:
    """(premise, first entailment, first contradiction) per premise that has both; see the module docstring."""
    firsts: dict[str, dict[str, str]] = {}
    for premise, hypothesis, label in pairs:
        firsts.setdefault(premise, {}).setdefault(label, hypothesis)
    return [(premise, by_label["entailment"], by_label["contradiction"])
            for premise, by_label in firsts.items()
            if "entailment" in by_label and "contradiction" in by_label]


# ---------------------------------------------------------------- SNLI in SentEval's form

def read_snli_senteval_pairs(folder: str | Path, split: str) -> list[tuple[str, str, str]]:
    """Read `s1.SPLIT`, `s2.SPLIT`, `labels.SPLIT`: line i of each is one premise, hypothesis, label."""
    folder = Path(folder)
    files = [folder / f"{part}.{split}" for part in ("s1", "s2", "labels")]
    columns = [list(iter_lines(check_file(f, f"SNLI's {f.name} (SentEval layout)"))) for f in files]
    lengths = [len(c) for c in columns]
    if len(set(lengths)) != 1:
        shortest = files[lengths.index(min(lengths))]
        raise DataError(f"{where(shortest, min(lengths) + 1)}: expected s1, s2 and labels .{split} "
                        f"to have the same number of lines, got {', '.join(map(str, lengths))}")
    pairs = []
    for (number, premise), (_, hypothesis), (_, label) in zip(*columns, strict=True):
        if not premise.strip() or not hypothesis.strip():
            blank = files[0] if not premise.strip() else files[1]
            raise DataError(f"{where(blank, number)}: expected a sentence, got a blank line")
        pairs.append((premise, hypothesis, _label(label, files[2], number)))
    return pairs


def _label(label: str, path: Path, number: int) -> str:
    label = label.strip()
    if label not in NLI_LABELS:
        raise DataError(f"{where(path, number)}: expected a label among {', '.join(NLI_LABELS)}, "
                        f"got {label!r}")
    return label


def read_snli_senteval(folder: str | Path, splits: tuple[str, ...] = ("dev", "test")) -> list[Triplet]:
    """SimCSE triplets from SNLI in SentEval's layout, each split grouped on its own, splits in order."""
    triplets: list[Triplet] = []
    for split in splits:
        triplets.extend(nli_triplets(read_snli_senteval_pairs(folder, split)))
    return triplets


# ---------------------------------------------------------------- SNLI / MultiNLI jsonl

def read_nli_jsonl(path: str | Path) -> NLIPairs:
    """Read SNLI/MultiNLI jsonl (fields sentence1, sentence2, gold_label).

    Pairs whose gold label is '-' (annotators disagreed) and blank lines are skipped and counted.
    """
    path = Path(path)
    skips = Skips(path)
    pairs = []
    for number, line in iter_lines(path, "an SNLI/MultiNLI .jsonl file"):
        if not line.strip():
            skips.add(BLANK_LINE)
            continue
        record = _json_record(line, path, number)
        if record["gold_label"] == "-":
            skips.add(NO_GOLD)
            continue
        label = _label(str(record["gold_label"]), path, number)
        pairs.append((str(record["sentence1"]), str(record["sentence2"]), label))
    return NLIPairs(pairs, skips.total, skips.notes())


def _json_record(line: str, path: Path, number: int) -> dict:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise DataError(f"{where(path, number)}: expected one JSON object a line: {err.msg}") from None
    except (ValueError, RecursionError):  # a number too long to convert, arrays nested thousands deep
        raise DataError(f"{where(path, number)}: expected one JSON object a line, "
                        "got JSON this reader will not decode (a huge number or deep nesting)") from None
    missing = [k for k in ("sentence1", "sentence2", "gold_label")
               if not isinstance(record, dict) or k not in record]
    if missing:
        raise DataError(f"{where(path, number)}: expected fields sentence1, sentence2, gold_label; "
                        f"missing {', '.join(missing)}")
    return record


# ---------------------------------------------------------------- class-labelled sentences

def read_labelled(path: str | Path) -> LabelledSentences:
    """Read (sentence, label) rows from a .csv or .tsv file; a header row like `sentence,label` is recognised.

    Blank lines and rows with an empty cell are skipped and counted.
    """
    table = read_table(path, max_columns=2, expected="sentence, label")
    if len(table.columns) != 2:
        raise DataError(f"{where(path, 1)}: expected 2 columns (sentence, label), got 1")
    if not table.rows:
        raise DataError(f"{where(path, 1)}: expected (sentence, label) rows, found none")
    return LabelledSentences([r[0] for r in table.rows], [r[1].strip() for r in table.rows],
                             table.skipped, table.notes)


def nli_premise_classes(triplets: list[Triplet]) -> tuple[list[str], list[int]]:
    """Class-labelled sentences from triplets: a premise and its entailment share class i (the premise's index).

    The contradiction is left out: it means something else, and as a class of
    its own of one sentence it would give a supervised contrastive loss no positive.
    """
    sentences: list[str] = []
    labels: list[int] = []
    for index, (premise, entailment, _) in enumerate(triplets):
        sentences += [premise, entailment]
        labels += [index, index]
    return sentences, labels
