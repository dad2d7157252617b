"""`python -m trainers.data.download`: fetch the standard data sets and write them in their release layout.

The copies are written exactly as the original releases lay them out, so the
readers in `trainers.data` read a downloaded folder and a SentEval/release
checkout the same way:

    sts/STSBenchmark/sts-{train,dev,test}.csv    7 tab fields        mteb/stsbenchmark-sts
    sts/STS12-en-test/STS.input.all.txt, ...     input + gold files  mteb/sts12-sts ... mteb/sts16-sts
    sick/SICK.txt                                12-column header    mteb/sickr-sts
    nli/SNLI/{s1,s2,labels}.{dev,test}           SentEval's layout   stanfordnlp/snli
    unlabeled/wiki1m_head.txt (+ the full file)  one sentence a line princeton-nlp/datasets-for-simcse

Two honest differences from the releases: the mteb STS12-16 copies carry no
subset names, so each year is written as one subset called "all" (the "all"
aggregation SentEval and SimCSE report is unaffected; per-subset scores are
not available); and mteb's SICK-R copy has no SemEval_set column, so every
row it holds is written as TEST (its row count is printed; the release's TEST
split has 4,906).

The writers are pure functions of rows and a folder, tested by reading their
output back with the readers. Only the `fetch_*` functions touch the network.
Progress and the outcome go to stdout as schema-v1 event records (see
`trainers.stdio`), which `simcse-tui data download` renders.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from trainers.data.hub import open_hf_split
from trainers.data.nli import NLI_LABELS
from trainers.data.paths import ENV_VAR, user_data_dir
from trainers.data.sts import SEMEVAL_SUBSETS, SICK_HEADER, semeval_files
from trainers.errors import DataError
from trainers.stdio import StdoutEvents, run_guarded

WHAT = ("sts", "sick", "snli", "wiki")
WIKI_HEAD_LINES = 11913  # the size of the shared copy, so configs and benchmarks agree
OFFLINE_HINT = (f"without network, pass --data-dir (or set {ENV_VAR}) to a local SentEval "
                "`data/downstream` checkout or to a copy of a data folder written by this command")


class STSBRow(NamedTuple):
    """One line of an STS Benchmark release file."""

    genre: str
    file: str
    year: str
    sid: str
    score: float
    sentence1: str
    sentence2: str


# ---------------------------------------------------------------- writers (pure, tested)

_UNQUOTABLE = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def _cell(text: object) -> str:
    # The release formats have no quoting: a tab or newline inside a sentence
    # would shift every field after it, so it becomes a space.
    return "" if text is None else str(text).translate(_UNQUOTABLE)


def _num(score: float) -> str:
    return f"{score:.3f}" if round(score, 3) == score else repr(float(score))


def _write_lines(path: Path, lines: Iterable[str]) -> int:
    """Write lines to `path` through a temporary name, so an interrupted download leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    count = 0
    with part.open("w", encoding="utf-8", newline="\n") as handle:
        for line in lines:
            handle.write(line + "\n")
            count += 1
    part.replace(path)
    return count


def write_stsb(path: Path, rows: Iterable[STSBRow]) -> int:
    """Write an STS Benchmark release file (tab-separated, no header); returns the row count."""
    return _write_lines(Path(path), ("\t".join([*map(_cell, r[:4]), _num(r.score),
                                               _cell(r.sentence1), _cell(r.sentence2)]) for r in rows))


def write_semeval_subset(folder: Path, year: int, subset: str,
                         pairs: Iterable[tuple[str, str, float | None]]) -> int:
    """Write one SemEval STS subset's input and gold files; a None score becomes a blank gold line."""
    pairs = list(pairs)
    input_path, gold_path = semeval_files(Path(folder), year, subset)
    _write_lines(input_path, (f"{_cell(a)}\t{_cell(b)}" for a, b, _ in pairs))
    return _write_lines(gold_path, ("" if s is None else _num(s) for _, _, s in pairs))


def write_sick(path: Path, rows: Iterable[tuple[str, str, str, float, str]]) -> int:
    """Write a SICK.txt with the release's 12-column header from (pair_id, sentence_A, sentence_B, score, set).

    Columns the source does not provide (entailment labels, originals) are left empty.
    """
    def line(pair_id: str, a: str, b: str, score: float, split: str) -> str:
        return "\t".join([_cell(pair_id), _cell(a), _cell(b), "", _num(score), "", "", "", "", "", "",
                          _cell(split)])

    return _write_lines(Path(path), ["\t".join(SICK_HEADER), *(line(*r) for r in rows)]) - 1


def write_snli_senteval(folder: Path, split: str, pairs: Iterable[tuple[str, str, str]]) -> int:
    """Write s1.SPLIT, s2.SPLIT and labels.SPLIT (SentEval's SNLI layout) from (premise, hypothesis, label)."""
    pairs = list(pairs)
    folder = Path(folder)
    for column, name in enumerate(("s1", "s2", "labels")):
        _write_lines(folder / f"{name}.{split}", (_cell(p[column]) for p in pairs))
    return len(pairs)


def write_sentences(path: Path, sentences: Iterable[str]) -> int:
    """Write one sentence a line."""
    return _write_lines(Path(path), (_cell(s) for s in sentences))


# ---------------------------------------------------------------- fetchers (network, untested)
# Each takes the target folder and a `warn` callback, and returns a one-line summary.

def fetch_sts(to: Path, warn: Callable[[str], None]) -> str:
    """STS Benchmark and SemEval STS 2012-2016 from mteb's copies."""
    counts = []
    for split, name in (("train", "train"), ("validation", "dev"), ("test", "test")):
        rows = open_hf_split("mteb/stsbenchmark-sts", split)
        counts.append(write_stsb(to / "sts" / "STSBenchmark" / f"sts-{name}.csv", (
            STSBRow(r.get("genre") or "main", r.get("dataset") or "", r.get("year") or "",
                    str(r.get("sid") or i), float(r["score"]), r["sentence1"], r["sentence2"])
            for i, r in enumerate(rows))))
    for year in SEMEVAL_SUBSETS:
        rows = open_hf_split(f"mteb/sts{year % 100}-sts", "test")
        counts.append(write_semeval_subset(to / "sts" / f"STS{year % 100}-en-test", year, "all", (
            (r["sentence1"], r["sentence2"], float(r["score"])) for r in rows)))
    warn("mteb's STS12-16 copies carry no subset names: each year is written as one subset 'all' "
         "(the 'all' Spearman is unaffected; per-subset scores are unavailable)")
    return "STS-B train/dev/test {}/{}/{} pairs; STS12-16 {}/{}/{}/{}/{} pairs".format(*counts)


def fetch_sick(to: Path, warn: Callable[[str], None]) -> str:
    """SICK-R from mteb's copy, every row written as TEST."""
    rows = open_hf_split("mteb/sickr-sts", "test")
    count = write_sick(to / "sick" / "SICK.txt", (
        (str(i + 1), r["sentence1"], r["sentence2"], float(r["score"]), "TEST") for i, r in enumerate(rows)))
    if count != 4906:
        warn(f"mteb's SICK-R copy has {count} pairs, all written as TEST; the release's TEST split "
             "has 4906, so SICK-R scores will differ slightly from ones on the release")
    return f"SICK-R {count} pairs"


def fetch_snli(to: Path, warn: Callable[[str], None]) -> str:
    """SNLI dev and test; pairs without a gold label (-1) are dropped, as SentEval's copy does."""
    counts = []
    for split, name in (("validation", "dev"), ("test", "test")):
        rows = open_hf_split("stanfordnlp/snli", split)
        pairs = [(r["premise"], r["hypothesis"], NLI_LABELS[r["label"]])
                 for r in rows if 0 <= r["label"] < len(NLI_LABELS)]
        counts.append(write_snli_senteval(to / "nli" / "SNLI", name, pairs))
    return "SNLI dev/test {}/{} pairs".format(*counts)


def fetch_wiki(to: Path, warn: Callable[[str], None]) -> str:
    """SimCSE's wiki1m sentences: the full file and its first WIKI_HEAD_LINES lines."""
    rows = open_hf_split("princeton-nlp/datasets-for-simcse", "train",
                         data_files={"train": "wiki1m_for_simcse.txt"})
    sentences = [r["text"] for r in rows]
    full = write_sentences(to / "unlabeled" / "wiki1m_for_simcse.txt", sentences)
    head = write_sentences(to / "unlabeled" / "wiki1m_head.txt", sentences[:WIKI_HEAD_LINES])
    return f"wiki1m {full} sentences (wiki1m_head.txt: {head})"


FETCHERS = {"sts": fetch_sts, "sick": fetch_sick, "snli": fetch_snli, "wiki": fetch_wiki}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="simcse-tui data download", description=__doc__.splitlines()[0])
    parser.add_argument("--to", type=Path, default=None,
                        help=f"folder to write into (default: the user data folder, {user_data_dir()})")
    parser.add_argument("--what", default=",".join(WHAT),
                        help=f"comma-separated subset of {','.join(WHAT)} (default: all)")
    args = parser.parse_args(argv)
    args.what = [w.strip() for w in args.what.split(",") if w.strip()]
    unknown = [w for w in args.what if w not in WHAT]
    if unknown or not args.what:
        parser.error(f"--what: unknown {', '.join(unknown) or '(empty)'}; expected some of {','.join(WHAT)}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Download what `--what` names into `--to`; returns the process exit status.

    Reports as schema-v1 records on stdout (`progress`, `warning`, then
    `run_finished` or `run_failed`), as every `trainers` child process does;
    one human line per data set goes to stderr.
    """
    args = _parse(argv)
    to = (args.to or user_data_dir()).expanduser()
    events = StdoutEvents("download")

    def warn(message: str) -> None:
        events.emit("warning", message=message)

    def body() -> int:
        for done, what in enumerate(args.what):
            events.emit("progress", task=f"downloading {what}", done=done, total=len(args.what))
            try:
                summary = FETCHERS[what](to, warn)
            except DataError as err:
                raise DataError(err.message, OFFLINE_HINT) from err
            print(f"{what}: {summary}", file=sys.stderr, flush=True)
        where = "found automatically" if args.to is None else f"use --data-dir {to} or {ENV_VAR}={to}"
        events.emit("progress", task="download", done=len(args.what), total=len(args.what))
        events.emit("run_finished", step=0, best_stsb_dev_spearman=None, best_checkpoint=None,
                    message=f"data written to {to} ({where})")
        return 0

    return run_guarded(events, body)


if __name__ == "__main__":
    sys.exit(main())
