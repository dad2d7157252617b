"""Turn a training-data spec and an objective into the examples the trainer iterates.

A spec is a path (`{data}` expands to the data folder), `hf:<dataset id>[:split]`
or `sts:<task>` (the distinct sentences of an STS set, e.g. `sts:stsb-train`):

    .txt (or no suffix)   one sentence a line
    .csv / .tsv           SimCSE's columns sent0[, sent1[, hard_neg]], or (sentence, label)
    .jsonl                SNLI/MultiNLI pairs, built into triplets
    a folder              SNLI in SentEval's layout (s1/s2/labels.SPLIT), built into triplets
    hf:<id>[:split]       a Hub dataset, columns mapped as in `trainers.data.hub`

What each objective needs:

    unsup-simcse, mirror-bert   one column of sentences (the first column of a wider table)
    sup-simcse                  3 columns: anchor, positive, hard negative
    labelled                    (sentence, label) pairs; from 3-column data (NLI triplets), each
                                anchor and its positive form one class (the premise id, for NLI)

A mismatch is a DataError saying what the objective needs and what the data
has. This module builds no batches and no views. Standard library only (the
Hub path imports `datasets` when used).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from trainers.data.hub import load_hf_dataset
from trainers.data.lines import check_file
from trainers.data.nli import nli_premise_classes, nli_triplets, read_nli_jsonl, read_snli_senteval
from trainers.data.paths import expand_data_path
from trainers.data.text import TrainingTable, read_sentence_file, read_table
from trainers.errors import DataError

NEEDS = {
    "unsup-simcse": "one column of sentences (a .txt file, one sentence a line, or a table's first column)",
    "mirror-bert": "one column of sentences (a .txt file, one sentence a line, or a table's first column)",
    "sup-simcse": "3 columns (sent0, sent1, hard_neg): a .csv/.tsv with hard negatives, "
                  "an NLI .jsonl or an SNLI folder in SentEval's layout",
    "labelled": "(sentence, label) pairs: a 2-column .csv/.tsv, or NLI data (the premise is the class)",
}
TRIPLET_COLUMNS = ("sent0", "sent1", "hard_neg")
SNLI_SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class TrainingData:
    """The examples of one training run; which lists are set depends on the objective.

    unsup-simcse/mirror-bert: anchors only. sup-simcse: anchors, positives and
    negatives, aligned. labelled: anchors and labels (ints; `label_names[i]`
    is the name of class i where the file named its classes).
    """

    anchors: list[str]
    positives: list[str] | None
    negatives: list[str] | None
    labels: list[int] | None
    source: str
    skipped: int
    notes: list[str] = field(default_factory=list)
    label_names: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.anchors)


def load_training_data(spec: str, objective: str, data_dir: Path | None = None) -> TrainingData:
    """Read `spec` and shape it for `objective`; DataError when they do not fit or nothing is left."""
    if objective not in NEEDS:
        raise DataError(f"unknown objective {objective!r}; expected one of {', '.join(NEEDS)}")
    spec = expand_data_path(spec, data_dir)
    data = _shape(_read_spec(spec, data_dir), objective, spec)
    if not data.anchors:
        raise DataError(f"{spec}: no training examples left for {objective}",
                        "; ".join(data.notes) or "the file holds no usable rows")
    return data


def _read_spec(spec: str, data_dir: Path | None) -> TrainingTable:
    """The spec's rows as one table, whatever format they came in."""
    if spec.startswith("hf:"):
        return load_hf_dataset(*parse_hf_spec(spec))
    if spec.startswith("sts:"):
        return _sts_sentences(spec, data_dir)
    path = Path(spec).expanduser()
    if path.is_dir():
        return _snli_folder(path)
    suffix = check_file(path, "a training file (.txt, .csv, .tsv, .jsonl) or an SNLI folder").suffix.lower()
    if suffix in (".csv", ".tsv", ".tab"):
        return read_table(path)
    if suffix == ".jsonl":
        pairs = read_nli_jsonl(path)
        return TrainingTable(TRIPLET_COLUMNS, nli_triplets(pairs.pairs), pairs.skipped, pairs.notes)
    sentences = read_sentence_file(path)
    return TrainingTable(("sent0",), [(s,) for s in sentences.sentences],
                         sentences.skipped, sentences.notes)


def _sts_sentences(spec: str, data_dir: Path | None) -> TrainingTable:
    """`sts:<task>`: the distinct sentences of an STS set, scores unused (MirrorBERT trains on STS-B's)."""
    from trainers.data.paths import resolve_data_dir
    from trainers.data.sts import load_sts_task

    sts = load_sts_task(spec.removeprefix("sts:").strip(), data_dir or resolve_data_dir())
    sentences = list(dict.fromkeys(sts.sentences1 + sts.sentences2))
    repeats = 2 * len(sts.sentences1) - len(sentences)
    note = f"{spec}: {len(sentences)} distinct sentences ({repeats} repeats counted once; scores unused)"
    return TrainingTable(("sent0",), [(s,) for s in sentences], 0, (note,))


def parse_hf_spec(spec: str) -> tuple[str, str]:
    """`hf:owner/name[:split]` -> (dataset id, split); the split defaults to train."""
    dataset_id, _, split = spec.removeprefix("hf:").partition(":")
    if not dataset_id.strip():
        raise DataError(f"{spec!r}: expected hf:<dataset id>[:split], e.g. hf:stanfordnlp/snli:train")
    return dataset_id.strip(), split.strip() or "train"


def _snli_folder(folder: Path) -> TrainingTable:
    splits = tuple(s for s in SNLI_SPLITS if (folder / f"s1.{s}").is_file())
    if not splits:
        raise DataError(f"{folder}: a folder, but not SNLI in SentEval's layout; expected files "
                        "s1.SPLIT, s2.SPLIT and labels.SPLIT for SPLIT in train, dev, test")
    note = f"{folder.name}: {len(splits)} split(s) used ({', '.join(splits)})"
    return TrainingTable(TRIPLET_COLUMNS, read_snli_senteval(folder, splits), 0, (note,))


def _shape(table: TrainingTable, objective: str, source: str) -> TrainingData:
    notes = list(table.notes)
    columns = table.columns
    has = f"{source} has {len(columns)} column(s) ({', '.join(columns)})"
    if objective in ("unsup-simcse", "mirror-bert"):
        if len(columns) > 1:
            notes.append(f"{objective} uses the first column ({columns[0]}) only; {has}")
        return TrainingData([r[0] for r in table.rows], None, None, None, source, table.skipped, notes)
    if objective == "sup-simcse":
        if len(columns) != 3:
            raise DataError(f"sup-simcse needs {NEEDS['sup-simcse']}; {has}")
        rows = table.rows
        return TrainingData([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], None,
                            source, table.skipped, notes)
    return _labelled(table, source, notes, has)


def _labelled(table: TrainingTable, source: str, notes: list[str], has: str) -> TrainingData:
    if len(table.columns) == 3:
        sentences, labels = nli_premise_classes(table.rows)
        notes.append(f"{source}: each anchor and its positive (premise and entailment) form one class "
                     f"({len(table.rows)} classes; hard negatives left out)")
        return TrainingData(sentences, None, None, labels, source, table.skipped, notes)
    if len(table.columns) != 2:
        raise DataError(f"labelled needs {NEEDS['labelled']}; {has}")
    names: dict[str, int] = {}
    labels = [names.setdefault(r[1].strip(), len(names)) for r in table.rows]
    notes.append(f"{source}: {len(names)} classes")
    return TrainingData([r[0] for r in table.rows], None, None, labels, source, table.skipped,
                        notes, tuple(names))
