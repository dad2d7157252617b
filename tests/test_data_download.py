"""The download command's writers (read back by the readers) and the demo corpus; no network is touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainers.data.demo import (
    DEMO_LABEL,
    DEMO_SENTENCES,
    DEMO_TOPICS,
    demo_sts_pairs,
    demo_sts_set,
    write_demo_corpus,
)
from trainers.data.download import (
    STSBRow,
    main,
    write_semeval_subset,
    write_sentences,
    write_sick,
    write_snli_senteval,
    write_stsb,
)
from trainers.data.nli import read_snli_senteval
from trainers.data.sts import available_tasks, load_sts_task, read_semeval_sts
from trainers.data.text import read_sentences

AWKWARD = 'He said "no, thanks"\tand left\nearly'  # quotes, a comma, a tab and a newline


def test_stsb_round_trip(tmp_path: Path) -> None:
    rows = [STSBRow("main-news", "headlines", "2013", "7", 3.8, AWKWARD, "b"),
            STSBRow("main-forums", "", "", "8", 0.0, "c", "d")]
    assert write_stsb(tmp_path / "sts" / "STSBenchmark" / "sts-dev.csv", rows) == 2
    sts = load_sts_task("stsb-dev", tmp_path)
    assert sts.scores == [3.8, 0.0]
    assert sts.sentences1 == ['He said "no, thanks" and left early', "c"]


def test_semeval_round_trip_with_unscored_pair(tmp_path: Path) -> None:
    folder = tmp_path / "sts" / "STS16-en-test"
    write_semeval_subset(folder, 2016, "all", [("a", "b", 4.25), ("c", "d", None), ("e", "f", 1.0)])
    assert (folder / "STS2016.input.all.txt").is_file()
    sts = read_semeval_sts(folder, 2016)
    assert sts.scores == [4.25, 1.0] and sts.skipped == 1 and sts.subsets == (("all", 0, 2),)
    assert available_tasks(tmp_path) == ("sts16",)


def test_semeval_named_subsets_round_trip(tmp_path: Path) -> None:
    folder = tmp_path / "STS13-en-test"
    for subset in ("FNWN", "headlines", "OnWN"):
        write_semeval_subset(folder, 13, subset, [(subset, "x", 2.0)])
    assert read_semeval_sts(folder, 13).sentences1 == ["FNWN", "headlines", "OnWN"]


def test_sick_round_trip(tmp_path: Path) -> None:
    count = write_sick(tmp_path / "sick" / "SICK.txt",
                       [("1", "a", "b", 4.5, "TEST"), ("2", "c", "d", 1.0, "TRAIN"), ("3", AWKWARD, "f", 3.0, "TEST")])
    assert count == 3
    sick = load_sts_task("sick-r", tmp_path)
    assert sick.scores == [4.5, 3.0] and sick.sentences1[1] == 'He said "no, thanks" and left early'


def test_snli_round_trip(tmp_path: Path) -> None:
    pairs = [("p", "e", "entailment"), ("p", "n", "neutral"), ("p", "c", "contradiction"), ("q", "e2", "entailment")]
    assert write_snli_senteval(tmp_path / "nli" / "SNLI", "dev", pairs) == 4
    assert read_snli_senteval(tmp_path / "nli" / "SNLI", ("dev",)) == [("p", "e", "c")]


def test_sentences_round_trip_and_no_part_file_left(tmp_path: Path) -> None:
    path = tmp_path / "unlabeled" / "wiki1m_head.txt"
    assert write_sentences(path, ["one", AWKWARD]) == 2
    assert read_sentences(path) == ["one", 'He said "no, thanks" and left early']
    assert sorted(p.name for p in path.parent.iterdir()) == ["wiki1m_head.txt"]


def test_main_rejects_unknown_what(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--what", "sts,imagenet"])
    assert info.value.code == 2 and "unknown imagenet" in capsys.readouterr().err


# ---------------------------------------------------------------- demo corpus

def test_demo_corpus_is_labelled_and_clustered() -> None:
    assert "demo" in DEMO_LABEL and "150" in DEMO_LABEL
    assert len(DEMO_SENTENCES) == 150 == len(set(DEMO_SENTENCES))
    assert len(DEMO_TOPICS) == 10 and all(len(s) == 15 for s in DEMO_TOPICS.values())


def test_demo_pairs_and_file(tmp_path: Path) -> None:
    pairs = demo_sts_pairs()
    assert len(pairs) == 30 and all(0 <= score <= 5 for _, _, score in pairs)
    demo = demo_sts_set()
    assert len(demo) == 30 and "demo" in demo.notes[0]
    path = write_demo_corpus(tmp_path / "demo" / "corpus.txt")
    assert read_sentences(path) == list(DEMO_SENTENCES)
