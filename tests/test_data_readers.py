"""STS, SICK and NLI readers: exact counts on the real data, and a clear `path:line` error for each malformed input."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainers.data.nli import (
    nli_premise_classes,
    nli_triplets,
    read_labelled,
    read_nli_jsonl,
    read_snli_senteval,
)
from trainers.data.sts import (
    DEFAULT_TASKS,
    SEMEVAL_SUBSETS,
    STS_TASKS,
    available_tasks,
    load_sts_task,
    read_semeval_sts,
    read_sick,
    read_sick_senteval,
    read_stsb,
    semeval_files,
)
from trainers.data.text import read_sentence_file
from trainers.errors import DataError


def data_error(fn, *args, **kwargs) -> str:
    """The message of the DataError that fn(*args) raises."""
    with pytest.raises(DataError) as info:
        fn(*args, **kwargs)
    return info.value.message


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


STSB_LINE = "main-captions\tMSRvid\t2012test\t0001\t{score}\tA plane is taking off.\tAn air plane is taking off.\n"
SICK_HEADER = ("pair_ID\tsentence_A\tsentence_B\tentailment_label\trelatedness_score\tentailment_AB\t"
               "entailment_BA\tsentence_A_original\tsentence_B_original\tsentence_A_dataset\t"
               "sentence_B_dataset\tSemEval_set\r\n")


def sick_row(pair_id: int, score: str, split: str) -> str:
    return f"{pair_id}\tA b.\tC d.\tNEUTRAL\t{score}\tA_neutral_B\tB_neutral_A\ta\tb\tFLICKR\tFLICKR\t{split}\r\n"


# ---------------------------------------------------------------- the real data

@pytest.mark.parametrize(("task", "pairs"), [
    ("stsb-train", 5749), ("stsb-dev", 1500), ("stsb-test", 1379),
    ("sts12", 3108), ("sts13", 1500), ("sick-r", 4906),
])
def test_real_sts_counts(data_dir: Path, task: str, pairs: int) -> None:
    sts = load_sts_task(task, data_dir)
    assert len(sts) == len(sts.sentences1) == len(sts.sentences2) == pairs
    assert sts.subsets[0][1] == 0 and sts.subsets[-1][2] == pairs
    assert sts.skipped == 0 and sts.name == task


def test_real_sts_subsets_follow_senteval(data_dir: Path) -> None:
    sts12 = load_sts_task("sts12", data_dir)
    assert [s[0] for s in sts12.subsets] == ["MSRpar", "MSRvid", "SMTeuroparl",
                                             "surprise.OnWN", "surprise.SMTnews"]
    assert len(sts12.subset("SMTeuroparl")) == 459
    assert [s[0] for s in load_sts_task("sts13", data_dir).subsets] == ["FNWN", "headlines", "OnWN"]


def test_real_stsb_lines_with_extra_fields_keep_fields_4_to_6(data_dir: Path) -> None:
    sts = load_sts_task("stsb-train", data_dir)
    assert sts.scores[0] == 5.0
    assert (sts.sentences1[0], sts.sentences2[0]) == ("A plane is taking off.", "An air plane is taking off.")
    assert all(0 <= s <= 5 for s in sts.scores)


def test_real_sick_splits(data_dir: Path) -> None:
    path = data_dir / "sick" / "SICK.txt"
    assert len(read_sick(path, "TRAIN")) == 4439
    assert len(read_sick(path, "TRIAL")) == 495


def test_real_snli_triplets(data_dir: Path) -> None:
    triplets = read_snli_senteval(data_dir / "nli" / "SNLI")
    assert len(triplets) == 5864
    premise, positive, negative = triplets[0]
    assert premise.startswith("Two women are embracing")
    assert positive.startswith("Two woman are holding packages")
    assert negative.startswith("The men are fighting")


def test_real_wiki_head(data_dir: Path) -> None:
    wiki = read_sentence_file(data_dir / "unlabeled" / "wiki1m_head.txt")
    assert len(wiki.sentences) == 11913 and wiki.skipped == 0


def test_available_tasks_and_defaults(data_dir: Path, tmp_path: Path) -> None:
    assert set(DEFAULT_TASKS) <= set(STS_TASKS)
    assert {"sts12", "sts13", "stsb-dev", "sick-r"} <= set(available_tasks(data_dir))
    assert available_tasks(tmp_path) == ()


# ---------------------------------------------------------------- STS Benchmark

def test_stsb_too_few_fields(tmp_path: Path) -> None:
    path = write(tmp_path / "sts-dev.csv", STSB_LINE.format(score="1.0") + "genre\tfile\t2012\t1\t3.0\tonly one\n")
    message = data_error(read_stsb, path)
    assert f"{path}:2" in message and "at least 7 tab-separated fields" in message and "got 6" in message


@pytest.mark.parametrize("score", ["high", "nan", "5.5", "-0.1", ""])
def test_stsb_bad_score(tmp_path: Path, score: str) -> None:
    path = write(tmp_path / "sts-dev.csv", STSB_LINE.format(score="2.5") + STSB_LINE.format(score=score))
    message = data_error(read_stsb, path)
    assert f"{path}:2" in message and "score between 0 and 5" in message


def test_stsb_non_utf8_names_line_and_byte(tmp_path: Path) -> None:
    good = STSB_LINE.format(score="2.5").encode()
    path = write(tmp_path / "sts-dev.csv", good + b"g\tf\t2012\t1\t3.0\tcaf\xe9\tx\n")
    message = data_error(read_stsb, path)
    assert f"{path}:2" in message and "expected UTF-8" in message
    assert f"byte offset {len(good) + len('g	f	2012	1	3.0	caf')}" in message


def test_stsb_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path / "sts-dev.csv", "")
    message = data_error(read_stsb, path)
    assert f"{path}:1" in message and "expected scored sentence pairs" in message


def test_stsb_blank_lines_are_counted(tmp_path: Path) -> None:
    path = write(tmp_path / "sts-dev.csv", STSB_LINE.format(score="1") + "\n" + STSB_LINE.format(score="2"))
    sts = read_stsb(path)
    assert len(sts) == 2 and sts.skipped == 1
    assert sts.notes == ("sts-dev.csv: skipped 1 blank line",)


def test_stsb_quotes_are_not_csv_quoting(tmp_path: Path) -> None:
    line = 'main-news\theadlines\t2013\t1\t3.0\t"Quoted start, comma\tplain "end"\n'
    sts = read_stsb(write(tmp_path / "sts-test.csv", line))
    assert sts.sentences1 == ['"Quoted start, comma'] and sts.sentences2 == ['plain "end"']


# ---------------------------------------------------------------- SemEval STS

def semeval_folder(tmp_path: Path, year: int = 2013, gold: str = "4.0\n\n1.5\n",
                   pairs: str = "a\tb\nc\td\ne\tf\n") -> Path:
    folder = tmp_path / f"STS{year % 100}-en-test"
    for subset in SEMEVAL_SUBSETS[year]:
        input_path, gold_path = semeval_files(folder, year, subset)
        write(input_path, pairs)
        write(gold_path, gold)
    return folder


def test_semeval_blank_gold_is_skipped_and_counted(tmp_path: Path) -> None:
    sts = read_semeval_sts(semeval_folder(tmp_path), 13)
    assert len(sts) == 6 and sts.skipped == 3
    assert sts.subsets == (("FNWN", 0, 2), ("headlines", 2, 4), ("OnWN", 4, 6))
    assert sts.sentences1[:2] == ["a", "e"] and sts.scores[:2] == [4.0, 1.5]
    assert "skipped 3 unscored pairs" in sts.notes[0]


def test_semeval_2016_file_names(tmp_path: Path) -> None:
    folder = semeval_folder(tmp_path, year=2016)
    assert (folder / "STS2016.input.headlines.txt").is_file()
    assert len(read_semeval_sts(folder, 2016).subsets) == 5


def test_semeval_mismatched_lengths(tmp_path: Path) -> None:
    folder = semeval_folder(tmp_path, gold="4.0\n1.0\n")
    message = data_error(read_semeval_sts, folder, 2013)
    assert f"{folder / 'STS.gs.FNWN.txt'}:3" in message
    assert "one gold line per input line" in message and "has 3 lines" in message and "has 2" in message


def test_semeval_missing_subset_is_named(tmp_path: Path) -> None:
    folder = semeval_folder(tmp_path)
    (folder / "STS.gs.headlines.txt").unlink()
    message = data_error(read_semeval_sts, folder, 2013)
    assert "STS.gs.headlines.txt" in message and "no such file" in message


def test_semeval_bad_gold_and_missing_tab(tmp_path: Path) -> None:
    folder = semeval_folder(tmp_path, gold="4.0\n\nseven\n")
    message = data_error(read_semeval_sts, folder, 2013)
    assert f"{folder / 'STS.gs.FNWN.txt'}:3" in message and "score between 0 and 5" in message
    folder = semeval_folder(tmp_path / "b", pairs="a\tb\nno tab here\ne\tf\n", gold="1\n2\n3\n")
    message = data_error(read_semeval_sts, folder, 2013)
    assert f"{folder / 'STS.input.FNWN.txt'}:2" in message and "sentence1<TAB>sentence2" in message


def test_semeval_missing_folder_and_unknown_year(tmp_path: Path) -> None:
    message = data_error(read_semeval_sts, tmp_path / "STS14-en-test", 14)
    assert "STS14-en-test" in message and "no such folder" in message
    assert "expected one of 2012" in data_error(read_semeval_sts, tmp_path, 2017)


def test_semeval_downloaded_single_subset(tmp_path: Path) -> None:
    folder = tmp_path / "STS15-en-test"
    write(folder / "STS.input.all.txt", "a\tb\n")
    write(folder / "STS.gs.all.txt", "2.0\n")
    assert read_semeval_sts(folder, 2015).subsets == (("all", 0, 1),)


# ---------------------------------------------------------------- SICK

def test_sick_split_and_crlf(tmp_path: Path) -> None:
    path = write(tmp_path / "SICK.txt", SICK_HEADER + sick_row(1, "4.5", "TRAIN") + sick_row(2, "3.0", "TEST"))
    sick = read_sick(path)
    assert sick.scores == [3.0] and sick.sentences1 == ["A b."]


@pytest.mark.parametrize(("row", "expected"), [
    (sick_row(2, "0.5", "TEST"), "score between 1 and 5"),
    (sick_row(2, "x", "TEST"), "score between 1 and 5"),
    ("2\tA\tB\tTEST\r\n", "expected 12 tab-separated fields"),
])
def test_sick_bad_rows(tmp_path: Path, row: str, expected: str) -> None:
    path = write(tmp_path / "SICK.txt", SICK_HEADER + sick_row(1, "2", "TEST") + row)
    message = data_error(read_sick, path)
    assert f"{path}:3" in message and expected in message


def test_sick_bad_header_and_split(tmp_path: Path) -> None:
    path = write(tmp_path / "SICK.txt", sick_row(1, "2", "TEST"))
    message = data_error(read_sick, path)
    assert f"{path}:1" in message and "expected the SICK header" in message
    assert "expected one of TRAIN, TRIAL, TEST" in data_error(read_sick, path, "DEV")


def test_sick_senteval_layout_is_accepted(tmp_path: Path) -> None:
    write(tmp_path / "SICK" / "SICK_test_annotated.txt",
          "pair_ID\tsentence_A\tsentence_B\trelatedness_score\tentailment_judgment\n"
          "6\tA b.\tC d.\t4.5\tENTAILMENT\n")
    assert load_sts_task("sick-r", tmp_path).scores == [4.5]
    assert len(read_sick_senteval(tmp_path / "SICK" / "SICK_test_annotated.txt")) == 1


# ---------------------------------------------------------------- tasks

def test_unknown_task_lists_valid_names(tmp_path: Path) -> None:
    message = data_error(load_sts_task, "sts17", tmp_path)
    assert "unknown STS task 'sts17'" in message and "stsb-test" in message and "sick-r" in message


def test_missing_task_file_hints_download(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        load_sts_task("stsb-dev", tmp_path)
    assert str(tmp_path / "sts" / "STSBenchmark" / "sts-dev.csv") in info.value.message
    assert "simcse-tui data download" in info.value.hint


# ---------------------------------------------------------------- NLI

def snli_folder(tmp_path: Path, labels: str, s1: str | None = None) -> Path:
    folder = tmp_path / "SNLI"
    count = labels.count("\n")
    write(folder / "s1.dev", s1 if s1 is not None else "P one .\n" * 3 + "P two .\n" * (count - 3))
    write(folder / "s2.dev", "".join(f"H{i} .\n" for i in range(count)))
    write(folder / "labels.dev", labels)
    return folder


def test_triplets_take_first_entailment_and_first_contradiction() -> None:
    pairs = [("p", "n1", "neutral"), ("p", "c1", "contradiction"), ("p", "e1", "entailment"),
             ("p", "e2", "entailment"), ("p", "c2", "contradiction"),
             ("q", "e", "entailment"), ("q", "n", "neutral")]
    assert nli_triplets(pairs) == [("p", "e1", "c1")]


def test_snli_folder_groups_and_checks_labels(tmp_path: Path) -> None:
    folder = snli_folder(tmp_path, "entailment\nneutral\ncontradiction\nentailment\n")
    assert read_snli_senteval(folder, ("dev",)) == [("P one .", "H0 .", "H2 .")]
    folder = snli_folder(tmp_path / "b", "entailment\nneutral\nsimilar\nentailment\n")
    message = data_error(read_snli_senteval, folder, ("dev",))
    assert f"{folder / 'labels.dev'}:3" in message and "entailment, neutral, contradiction" in message


def test_snli_mismatched_files_and_missing_split(tmp_path: Path) -> None:
    folder = snli_folder(tmp_path, "entailment\nneutral\ncontradiction\n", s1="P .\nP .\n")
    message = data_error(read_snli_senteval, folder, ("dev",))
    assert f"{folder / 's1.dev'}:3" in message and "same number of lines" in message
    assert "s1.test" in data_error(read_snli_senteval, folder, ("test",))


def test_nli_jsonl_skips_and_counts_no_gold(tmp_path: Path) -> None:
    path = write(tmp_path / "snli.jsonl",
                 '{"sentence1": "P", "sentence2": "E", "gold_label": "entailment"}\n'
                 '{"sentence1": "P", "sentence2": "X", "gold_label": "-"}\n\n'
                 '{"sentence1": "P", "sentence2": "C", "gold_label": "contradiction"}\n')
    result = read_nli_jsonl(path)
    assert nli_triplets(result.pairs) == [("P", "E", "C")]
    assert result.skipped == 2 and len(result.notes) == 2


@pytest.mark.parametrize(("line", "expected"), [
    ("{not json\n", "one JSON object a line"),
    ('{"sentence1": "P", "gold_label": "neutral"}\n', "missing sentence2"),
    ('{"sentence1": "P", "sentence2": "H", "gold_label": "maybe"}\n', "expected a label among"),
])
def test_nli_jsonl_errors(tmp_path: Path, line: str, expected: str) -> None:
    path = write(tmp_path / "mnli.jsonl", '{"sentence1": "P", "sentence2": "H", "gold_label": "neutral"}\n' + line)
    message = data_error(read_nli_jsonl, path)
    assert f"{path}:2" in message and expected in message


def test_labelled_reader(tmp_path: Path) -> None:
    path = write(tmp_path / "intents.csv", 'sentence,label\n"Hi, there",greet\n\nbye,leave\n')
    result = read_labelled(path)
    assert result.sentences == ["Hi, there", "bye"] and result.labels == ["greet", "leave"]
    assert result.skipped == 1
    bad = write(tmp_path / "bad.tsv", "a\tx\nb\ty\tz\n")
    message = data_error(read_labelled, bad)
    assert f"{bad}:2" in message and "2 columns" in message


def test_premise_classes_pair_anchor_and_positive() -> None:
    sentences, labels = nli_premise_classes([("p", "e", "c"), ("q", "f", "d")])
    assert sentences == ["p", "e", "q", "f"] and labels == [0, 0, 1, 1]
