"""Sentence files and CSV/TSV training tables: what is read, what is skipped and counted, and each error."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainers.data.text import read_sentence_file, read_sentences, read_table
from trainers.errors import DataError


def data_error(fn, *args) -> str:
    with pytest.raises(DataError) as info:
        fn(*args)
    return info.value.message


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


# ---------------------------------------------------------------- sentences

def test_blank_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    path = write(tmp_path / "wiki.txt", "one\n\n  \ntwo\r\n\nthree")
    result = read_sentence_file(path)
    assert result.sentences == ["one", "two", "three"]
    assert result.skipped == 3 and result.notes == ("wiki.txt: skipped 3 blank lines",)
    assert read_sentences(path) == ["one", "two", "three"]


def test_only_newline_splits_a_sentence(tmp_path: Path) -> None:
    # str.splitlines would cut these sentences at U+2028 and U+0085.
    path = write(tmp_path / "s.txt", "\ufeffa\u2028b\nc\x85d\n")
    assert read_sentences(path) == ["a\u2028b", "c\x85d"]


def test_non_utf8_names_line_and_byte_offset(tmp_path: Path) -> None:
    path = write(tmp_path / "s.txt", b"fine\nna\xefve\xff\n")
    message = data_error(read_sentences, path)
    assert f"{path}:2" in message and "expected UTF-8" in message and "byte offset 7" in message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert "no such file" in data_error(read_sentences, tmp_path / "nope.txt")
    assert "is a folder" in data_error(read_sentences, tmp_path)


# ---------------------------------------------------------------- tables

def test_csv_quoted_commas_quotes_and_newlines(tmp_path: Path) -> None:
    path = write(tmp_path / "nli.csv",
                 'sent0,sent1,hard_neg\n'
                 '"A man, a plan","He said ""hi""",plain\n'
                 '"two\nlines",b,c\n'
                 'x,y,z\n')
    table = read_table(path)
    assert table.columns == ("sent0", "sent1", "hard_neg")
    assert table.rows == [("A man, a plan", 'He said "hi"', "plain"), ("two\nlines", "b", "c"), ("x", "y", "z")]
    assert table.skipped == 0


def test_csv_without_header_gets_simcse_names(tmp_path: Path) -> None:
    table = read_table(write(tmp_path / "pairs.csv", "a,b\nc,d\n"))
    assert table.columns == ("sent0", "sent1") and table.rows == [("a", "b"), ("c", "d")]


def test_tsv_split_on_tabs_only(tmp_path: Path) -> None:
    table = read_table(write(tmp_path / "t.tsv", 'text\n"quoted, kept"\n\nplain\n'))
    assert table.columns == ("text",) and table.rows == [('"quoted, kept"',), ("plain",)]
    assert table.skipped == 1


def test_inconsistent_column_count_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.csv", "sent0,sent1\na,b\n\n\"multi\nline\",b\nc,d,e\n")
    message = data_error(read_table, path)
    assert f"{path}:6" in message and "expected 2 columns (sent0, sent1) like the first row, got 3" in message


def test_too_many_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "wide.tsv", "a\tb\tc\td\n")
    message = data_error(read_table, path)
    assert f"{path}:1" in message and "expected 1 to 3 columns" in message and "got 4" in message


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.csv", "\n\n")
    message = data_error(read_table, path)
    assert f"{path}:1" in message and "no rows" in message


def test_empty_cells_are_skipped_and_counted(tmp_path: Path) -> None:
    table = read_table(write(tmp_path / "gaps.csv", "a,b\n,c\nd,\ne,f\n"))
    assert table.rows == [("a", "b"), ("e", "f")] and table.skipped == 2
    assert table.notes == ("gaps.csv: skipped 2 rows with an empty cell",)


def test_malformed_csv_quote(tmp_path: Path) -> None:
    path = write(tmp_path / "q.csv", 'a,b\nc,"d"e\n')
    message = data_error(read_table, path)
    assert f"{path}:2" in message and "well-formed CSV" in message


def test_non_utf8_csv(tmp_path: Path) -> None:
    path = write(tmp_path / "l1.csv", b"a,b\ncaf\xe9,x\n")
    message = data_error(read_table, path)
    assert f"{path}:2" in message and "byte offset 7" in message


def test_unknown_suffix(tmp_path: Path) -> None:
    path = write(tmp_path / "data.xlsx", "a")
    assert "expected a .csv or .tsv file" in data_error(read_table, path)
