"""Training data per objective, the data folder's resolution, and the Hub path (offline only: tests never download)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from trainers.data.hub import table_from_columns
from trainers.data.paths import ENV_VAR, expand_data_path, resolve_data_dir, user_data_dir
from trainers.data.training import load_training_data, parse_hf_spec
from trainers.errors import DataError

REPO = Path(__file__).resolve().parent.parent


def data_error(fn, *args) -> DataError:
    with pytest.raises(DataError) as info:
        fn(*args)
    return info.value


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- objectives on the real data

def test_unsup_from_the_default_spec(data_dir: Path) -> None:
    data = load_training_data("{data}/unlabeled/wiki1m_head.txt", "unsup-simcse", data_dir)
    assert len(data.anchors) == 11913 and data.positives is None and data.labels is None
    assert data.source == f"{data_dir}/unlabeled/wiki1m_head.txt"


def test_sup_from_the_snli_folder(data_dir: Path) -> None:
    data = load_training_data("{data}/nli/SNLI", "sup-simcse", data_dir)
    assert len(data.anchors) == len(data.positives) == len(data.negatives) == 5864


def test_labelled_from_snli_uses_premise_classes(data_dir: Path) -> None:
    data = load_training_data("{data}/nli/SNLI", "labelled", data_dir)
    assert len(data.anchors) == 2 * 5864 and data.labels[:4] == [0, 0, 1, 1]


# ---------------------------------------------------------------- objectives on small files

def test_unsup_takes_a_tables_first_column_and_says_so(tmp_path: Path) -> None:
    data = load_training_data(str(write(tmp_path / "t.csv", "a,b,c\nd,e,f\n")), "mirror-bert")
    assert data.anchors == ["a", "d"]
    assert any("first column (sent0) only" in note for note in data.notes)


def test_sup_needs_three_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "pairs.csv", "sent0,sent1\na,b\n")
    message = data_error(load_training_data, str(path), "sup-simcse").message
    assert "sup-simcse needs 3 columns (sent0, sent1, hard_neg)" in message
    assert "has 2 column(s) (sent0, sent1)" in message
    text = write(tmp_path / "s.txt", "just a sentence\n")
    assert "has 1 column(s)" in data_error(load_training_data, str(text), "sup-simcse").message


def test_sup_from_a_triplet_csv_and_jsonl(tmp_path: Path) -> None:
    data = load_training_data(str(write(tmp_path / "nli.csv", "sent0,sent1,hard_neg\np,e,c\n")), "sup-simcse")
    assert (data.anchors, data.positives, data.negatives) == (["p"], ["e"], ["c"])
    jsonl = write(tmp_path / "m.jsonl", '{"sentence1": "p", "sentence2": "e", "gold_label": "entailment"}\n'
                                        '{"sentence1": "p", "sentence2": "c", "gold_label": "contradiction"}\n'
                                        '{"sentence1": "p", "sentence2": "?", "gold_label": "-"}\n')
    data = load_training_data(str(jsonl), "sup-simcse")
    assert data.negatives == ["c"] and data.skipped == 1 and data.notes


def test_labelled_maps_labels_to_ints(tmp_path: Path) -> None:
    path = write(tmp_path / "l.tsv", "sentence\tlabel\nhi\tgreet\nbye\tleave\nhello\tgreet\n")
    data = load_training_data(str(path), "labelled")
    assert data.labels == [0, 1, 0] and data.label_names == ("greet", "leave")
    wide = write(tmp_path / "w.csv", "a\n")
    assert "labelled needs (sentence, label) pairs" in data_error(load_training_data, str(wide), "labelled").message


def test_empty_result_and_skips_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "blank.txt", "\n\n")
    error = data_error(load_training_data, str(path), "unsup-simcse")
    assert "no training examples left" in error.message and "skipped 2 blank lines" in error.hint
    data = load_training_data(str(write(tmp_path / "w.txt", "a\n\nb\n")), "unsup-simcse")
    assert data.skipped == 1 and data.notes == ["w.txt: skipped 1 blank line"]


def test_unknown_objective_and_bad_folder(tmp_path: Path) -> None:
    assert "expected one of unsup-simcse" in data_error(load_training_data, "x.txt", "simclr").message
    assert "not SNLI in SentEval's layout" in data_error(load_training_data, str(tmp_path), "sup-simcse").message


def test_hf_spec_parsing() -> None:
    assert parse_hf_spec("hf:stanfordnlp/snli") == ("stanfordnlp/snli", "train")
    assert parse_hf_spec("hf:stanfordnlp/snli:validation") == ("stanfordnlp/snli", "validation")
    assert "expected hf:<dataset id>" in data_error(parse_hf_spec, "hf:").message


# ---------------------------------------------------------------- the data folder

@pytest.fixture
def no_data_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path


def test_resolution_order(no_data_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit, from_env = no_data_env / "explicit", no_data_env / "env"
    explicit.mkdir()
    from_env.mkdir()
    user_data_dir().mkdir(parents=True)
    assert resolve_data_dir() == no_data_env / "xdg" / "simcse-tui" / "data"
    monkeypatch.setenv(ENV_VAR, str(from_env))
    assert resolve_data_dir() == from_env
    assert resolve_data_dir("") == from_env
    assert resolve_data_dir(str(explicit)) == explicit


def test_nothing_found_names_every_place(no_data_env: Path) -> None:
    error = data_error(resolve_data_dir)
    assert "--data-dir" in error.message and ENV_VAR in error.message
    assert str(user_data_dir()) in error.message and "simcse-tui data download" in error.hint


def test_explicit_or_env_typo_is_not_skipped(no_data_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user_data_dir().mkdir(parents=True)
    assert "does not exist" in data_error(resolve_data_dir, str(no_data_env / "typo")).message
    monkeypatch.setenv(ENV_VAR, str(no_data_env / "typo2"))
    assert f"from ${ENV_VAR}" in data_error(resolve_data_dir).message


def test_expand_data_path(no_data_env: Path) -> None:
    assert expand_data_path("{data}/x.txt", Path("/d")) == "/d/x.txt"
    assert expand_data_path("plain/{other}.txt", None) == "plain/{other}.txt"
    error = data_error(expand_data_path, "{data}/x.txt", None)
    assert "'{data}/x.txt' uses {data}" in error.message and "no data folder found" in error.message


# ---------------------------------------------------------------- the Hub

def columns(**data: list) -> tuple[list[str], object]:
    return list(data), data.__getitem__


@pytest.mark.parametrize(("data", "expected_columns", "expected_rows"), [
    ({"text": ["a", "", "b"]}, ("sent0",), [("a",), ("b",)]),
    ({"sent0": ["a"], "sent1": ["b"], "hard_neg": ["c"]}, ("sent0", "sent1", "hard_neg"), [("a", "b", "c")]),
    ({"anchor": ["a"], "positive": ["b"]}, ("sent0", "sent1"), [("a", "b")]),
    ({"sentence": ["a"], "label": [3]}, ("sentence", "label"), [("a", "3")]),
    ({"premise": ["p", "p", "p", "p"], "hypothesis": ["e", "n", "c", "x"], "label": [0, 1, 2, -1]},
     ("sent0", "sent1", "hard_neg"), [("p", "e", "c")]),
])
def test_hub_column_mapping(data: dict, expected_columns: tuple, expected_rows: list) -> None:
    table = table_from_columns(*columns(**data), "hf:x:train")
    assert table.columns == expected_columns and table.rows == expected_rows


def test_hub_unknown_layout() -> None:
    message = data_error(table_from_columns, *columns(sentence1=["a"], sentence2=["b"], score=[1.0]),
                         "hf:mteb/sts12-sts:test").message
    assert "hf:mteb/sts12-sts:test: no known column layout" in message and "sentence1, sentence2, score" in message


def test_hub_offline_error_is_clear(tmp_path: Path) -> None:
    # A fresh interpreter: `datasets` reads the offline switches when it is imported.
    script = textwrap.dedent("""
        import sys
        from trainers.data.download import main
        from trainers.data.training import load_training_data
        from trainers.errors import DataError
        try:
            load_training_data("hf:stanfordnlp/snli:validation", "sup-simcse")
        except DataError as err:
            print("MESSAGE", err.message)
            print("HINT", err.hint)
        print("STATUS", main(["--to", sys.argv[1], "--what", "snli"]))
    """)
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "out")], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert "MESSAGE hf:stanfordnlp/snli:validation: cannot load, offline mode is on" in done.stdout
    assert "HINT" in done.stdout and "local file" in done.stdout
    failed = [json.loads(line) for line in done.stdout.splitlines() if '"run_failed"' in line]
    assert "STATUS 2" in done.stdout and len(failed) == 1
    assert "offline mode is on" in failed[0]["message"]
    assert "--data-dir" in failed[0]["hint"] and "data/downstream" in failed[0]["hint"]
    assert not (tmp_path / "out" / "nli").exists()
