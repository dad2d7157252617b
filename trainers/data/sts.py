"""Readers for the STS evaluation sets in their original release formats.

STS Benchmark (`sts-*.csv`), SemEval STS 2012-2016 (`STSxx-en-test/`) and
SICK (`SICK.txt`) are read into one shape, `STSSet`: parallel lists of sentence
pairs and gold scores, plus the subsets they came from so an evaluator can
report both the "all" aggregation (subsets concatenated, as SentEval and
SimCSE do) and the size-weighted mean. The subset lists follow SentEval's
exactly, so scores here are comparable with published ones.

This module only reads; it neither encodes nor scores. Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trainers.data.lines import BLANK_LINE, DOWNLOAD_HINT, Skips, iter_lines, where
from trainers.errors import DataError

UNSCORED = ("unscored pair (blank gold line)", "unscored pairs (blank gold lines)")

# SentEval's subset lists. STS13's SMT subset is not redistributable and
# SentEval leaves it out even where it is present; so do we, to stay comparable.
SEMEVAL_SUBSETS: dict[int, tuple[str, ...]] = {
    2012: ("MSRpar", "MSRvid", "SMTeuroparl", "surprise.OnWN", "surprise.SMTnews"),
    2013: ("FNWN", "headlines", "OnWN"),
    2014: ("deft-forum", "deft-news", "headlines", "images", "OnWN", "tweet-news"),
    2015: ("answers-forums", "answers-students", "belief", "headlines", "images"),
    2016: ("answer-answer", "headlines", "plagiarism", "postediting", "question-question"),
}
# A downloaded copy (mteb/stsXX-sts) carries no subset names; its writer uses this one.
ALL_SUBSET = "all"

STS_TASKS = ("sts12", "sts13", "sts14", "sts15", "sts16",
             "stsb-train", "stsb-dev", "stsb-test", "sick-r")
DEFAULT_TASKS = ("sts12", "sts13", "sts14", "sts15", "sts16", "stsb-test", "sick-r")
SICK_SPLITS = ("TRAIN", "TRIAL", "TEST")
SICK_HEADER = ("pair_ID", "sentence_A", "sentence_B", "entailment_label", "relatedness_score",
               "entailment_AB", "entailment_BA", "sentence_A_original", "sentence_B_original",
               "sentence_A_dataset", "sentence_B_dataset", "SemEval_set")
SENTEVAL_SICK_HEADER = ("pair_ID", "sentence_A", "sentence_B", "relatedness_score", "entailment_judgment")


@dataclass(frozen=True)
class STSSet:
    """Sentence pairs with gold similarity scores, the subsets concatenated in order.

    `subsets` holds (name, start, end): pairs start..end-1 belong to that
    subset. `skipped` counts pairs left out (unscored, blank lines) and
    `notes` words them for a warning.
    """

    name: str
    sentences1: list[str]
    sentences2: list[str]
    scores: list[float]
    subsets: tuple[tuple[str, int, int], ...]
    skipped: int = 0
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        sizes = {len(self.sentences1), len(self.sentences2), len(self.scores)}
        if len(sizes) != 1:
            raise ValueError(f"STSSet {self.name!r}: lists of unequal lengths {sorted(sizes)}")

    def __len__(self) -> int:
        return len(self.scores)

    def subset(self, name: str) -> STSSet:
        """The pairs of one subset, as an STSSet of its own."""
        for sub, start, end in self.subsets:
            if sub == name:
                return STSSet(f"{self.name}/{sub}", self.sentences1[start:end],
                              self.sentences2[start:end], self.scores[start:end], ((sub, 0, end - start),))
        raise KeyError(f"{self.name} has no subset {name!r}; it has {[s[0] for s in self.subsets]}")


def _score(text: str, path: Path, line: int, low: float, high: float, field: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = None
    # `not low <= value <= high` also rejects nan, which float() accepts.
    if value is None or not low <= value <= high:
        raise DataError(f"{where(path, line)}: expected a score between {low:g} and {high:g} "
                        f"in {field}, got {text.strip()!r}")
    return value


# ---------------------------------------------------------------- STS Benchmark

def read_stsb(path: str | Path, name: str | None = None) -> STSSet:
    """Read an STS Benchmark release file (`sts-train.csv`, `sts-dev.csv`, `sts-test.csv`).

    Tab-separated, no header, no quoting: fields 4, 5, 6 (0-based) are the
    score, sentence1 and sentence2. Some lines carry extra trailing fields,
    which are ignored. A csv reader would mangle the quotes in these files,
    so lines are split on tabs only.
    """
    path = Path(path)
    s1: list[str] = []
    s2: list[str] = []
    scores: list[float] = []
    skips = Skips(path)
    for number, line in iter_lines(path, "an STS Benchmark file (sts-*.csv)"):
        if not line.strip():
            skips.add(BLANK_LINE)
            continue
        fields = line.split("\t")
        if len(fields) < 7:
            raise DataError(f"{where(path, number)}: expected at least 7 tab-separated fields "
                            f"(genre, file, year, id, score, sentence1, sentence2), got {len(fields)}")
        scores.append(_score(fields[4], path, number, 0.0, 5.0, "field 5 (score)"))
        s1.append(fields[5])
        s2.append(fields[6])
    name = name or path.stem
    return _finish(name, s1, s2, scores, ((name, 0, len(scores)),), skips, path)


def _finish(name: str, s1: list[str], s2: list[str], scores: list[float],
            subsets: tuple[tuple[str, int, int], ...], skips: Skips, path: Path) -> STSSet:
    if not scores:
        raise DataError(f"{where(path, 1)}: expected scored sentence pairs, found none")
    return STSSet(name, s1, s2, scores, subsets, skips.total, skips.notes())


# ---------------------------------------------------------------- SemEval STS 2012-2016

def semeval_year(year: int) -> int:
    """Normalise 12 or 2012 to 2012; DataError for a year with no STS English test set."""
    full = year + 2000 if year < 100 else year
    if full not in SEMEVAL_SUBSETS:
        raise DataError(f"no SemEval STS year {year}; expected one of "
                        f"{', '.join(str(y) for y in SEMEVAL_SUBSETS)}")
    return full


def semeval_files(folder: Path, year: int, subset: str) -> tuple[Path, Path]:
    """The (input, gold) file paths of one subset; STS 2016 prefixes its names with STS2016."""
    prefix = "STS2016" if semeval_year(year) == 2016 else "STS"
    return folder / f"{prefix}.input.{subset}.txt", folder / f"{prefix}.gs.{subset}.txt"


def read_semeval_sts(folder: str | Path, year: int) -> STSSet:
    """Read one SemEval STS year's English test folder, all of its subsets in SentEval's order.

    A blank gold line marks an unscored pair: it is skipped and counted. A
    folder written by `simcse-tui data download` from a copy without subset
    names holds a single subset called "all" instead.
    """
    folder, year = Path(folder), semeval_year(year)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder; expected the SemEval STS {year} test folder",
                        DOWNLOAD_HINT)
    subsets = SEMEVAL_SUBSETS[year]
    if not _any_present(folder, year, subsets) and _any_present(folder, year, (ALL_SUBSET,)):
        subsets = (ALL_SUBSET,)
    s1: list[str] = []
    s2: list[str] = []
    scores: list[float] = []
    spans: list[tuple[str, int, int]] = []
    skips = Skips(folder)
    for subset in subsets:
        start = len(scores)
        _read_semeval_subset(*semeval_files(folder, year, subset), s1, s2, scores, skips)
        spans.append((subset, start, len(scores)))
    return _finish(f"sts{year % 100}", s1, s2, scores, tuple(spans), skips, folder)


def _any_present(folder: Path, year: int, subsets: tuple[str, ...]) -> bool:
    return any(semeval_files(folder, year, s)[0].is_file() for s in subsets)


def _read_semeval_subset(input_path: Path, gold_path: Path, s1: list[str], s2: list[str],
                         scores: list[float], skips: Skips) -> None:
    pairs = list(iter_lines(input_path, "a SemEval STS input file (sentence1<TAB>sentence2)"))
    golds = list(iter_lines(gold_path, "a SemEval STS gold file (one score a line)"))
    if len(pairs) != len(golds):
        line = min(len(pairs), len(golds)) + 1
        shorter = input_path if len(pairs) < len(golds) else gold_path
        raise DataError(f"{where(shorter, line)}: expected one gold line per input line, but "
                        f"{input_path.name} has {len(pairs)} lines and {gold_path.name} has {len(golds)}")
    for (number, pair), (_, gold) in zip(pairs, golds, strict=True):
        if not gold.strip():
            skips.add(UNSCORED)
            continue
        fields = pair.split("\t")
        if len(fields) < 2:
            raise DataError(f"{where(input_path, number)}: expected sentence1<TAB>sentence2, "
                            "found no tab")
        scores.append(_score(gold, gold_path, number, 0.0, 5.0, "the gold score"))
        s1.append(fields[0])
        s2.append(fields[1])


# ---------------------------------------------------------------- SICK

def read_sick(path: str | Path, split: str = "TEST") -> STSSet:
    """Read the rows of one split (TRAIN, TRIAL or TEST) of the SICK release file `SICK.txt`.

    Tab-separated with a 12-column header; `relatedness_score` (1-5) is
    column 4 and `SemEval_set` column 11 (0-based; it may end in '\r'). SICK-R results use TEST.
    """
    if split not in SICK_SPLITS:
        raise DataError(f"no SICK split {split!r}; expected one of {', '.join(SICK_SPLITS)}")
    return _read_sick_table(Path(path), SICK_HEADER, f"sick-{split.lower()}",
                            keep=lambda fields: fields[11].strip() == split)


def read_sick_senteval(path: str | Path) -> STSSet:
    """Read SentEval's own SICK split files (`SICK_test_annotated.txt` and siblings).

    Five tab-separated columns under a header: pair_ID, sentence_A,
    sentence_B, relatedness_score, entailment_judgment. SentEval's test file
    has 4,927 pairs, so its SICK-R numbers differ slightly from the release's 4,906.
    """
    path = Path(path)
    return _read_sick_table(path, SENTEVAL_SICK_HEADER, path.stem, keep=lambda fields: True)


def _read_sick_table(path: Path, header: tuple[str, ...], name: str,
                     keep: Callable[[list[str]], bool]) -> STSSet:
    lines = iter_lines(path, f"a SICK file with the header {', '.join(header)}")
    _check_sick_header(path, next(lines, (1, "")), header)
    score_column = header.index("relatedness_score")
    s1: list[str] = []
    s2: list[str] = []
    scores: list[float] = []
    skips = Skips(path)
    for number, line in lines:
        if not line.strip():
            skips.add(BLANK_LINE)
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise DataError(f"{where(path, number)}: expected {len(header)} tab-separated "
                            f"fields like the header, got {len(fields)}")
        if keep(fields):
            scores.append(_score(fields[score_column], path, number, 1.0, 5.0,
                                 f"column {score_column + 1} (relatedness_score)"))
            s1.append(fields[1])
            s2.append(fields[2])
    return _finish(name, s1, s2, scores, ((name, 0, len(scores)),), skips, path)


def _check_sick_header(path: Path, first: tuple[int, str], expected: tuple[str, ...]) -> None:
    header = tuple(f.strip() for f in first[1].split("\t"))
    if header != expected:
        raise DataError(f"{where(path, first[0])}: expected the SICK header "
                        f"({', '.join(expected)}), got {first[1][:80]!r}")


# ---------------------------------------------------------------- tasks

def task_path(task: str, data_dir: Path) -> Path:
    """Where a task's file or folder lives under the data folder.

    The release layout (`sts/`, `sick/SICK.txt`) comes first; a SentEval
    `data/downstream` checkout (`STS/`, `SICK/SICK_test_annotated.txt`) is
    accepted too. When neither exists, the release path is returned.
    """
    data_dir = Path(data_dir)
    if task not in STS_TASKS:
        raise DataError(f"unknown STS task {task!r}; expected one of {', '.join(STS_TASKS)}")
    if task.startswith("stsb-"):
        candidates = [data_dir / d / "STSBenchmark" / f"sts-{task[5:]}.csv" for d in ("sts", "STS")]
    elif task == "sick-r":
        candidates = [data_dir / "sick" / "SICK.txt", data_dir / "SICK" / "SICK_test_annotated.txt"]
    else:
        candidates = [data_dir / d / f"STS{task[3:]}-en-test" for d in ("sts", "STS")]
    return next((c for c in candidates if c.exists()), candidates[0])


def load_sts_task(task: str, data_dir: Path) -> STSSet:
    """Read one evaluation task by name (see STS_TASKS) from the data folder."""
    path = task_path(task, data_dir)
    if not path.exists():
        raise DataError(f"{path}: not found; task {task!r} needs it", DOWNLOAD_HINT)
    if task.startswith("stsb-"):
        return read_stsb(path, name=task)
    if task == "sick-r" and path.name == "SICK_test_annotated.txt":
        return _renamed(read_sick_senteval(path), task)
    if task == "sick-r":
        return _renamed(read_sick(path, "TEST"), task)
    return read_semeval_sts(path, int(task[3:]))


def _renamed(sts: STSSet, name: str) -> STSSet:
    subsets = ((name, 0, len(sts)),) if len(sts.subsets) == 1 else sts.subsets
    return STSSet(name, sts.sentences1, sts.sentences2, sts.scores, subsets, sts.skipped, sts.notes)


def available_tasks(data_dir: Path) -> tuple[str, ...]:
    """The tasks whose file or folder exists under `data_dir`, in STS_TASKS order."""
    return tuple(t for t in STS_TASKS if task_path(t, data_dir).exists())
