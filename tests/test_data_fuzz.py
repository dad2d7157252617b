"""Every data reader, fed generated files: a clear `path:line` error or an honest count, never a traceback.

Files are built line by line from well-formed rows of the reader's format mixed
with the usual damage: blank lines, wrong column counts, bytes that are not
UTF-8, scores out of range (and nan/inf), CSV quotes and commas, CRLF endings,
a missing final newline. Each reader must then either

- return, with every line accounted for (rows kept + rows skipped = lines), or
- raise `DataError` whose message starts with the file's path, carries a line
  number inside the file, and says what was `expected`.

Any other exception fails the test: that is what the user would have seen as a
traceback. `EXAMPLES` generated files per reader (the README quotes the figure).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trainers.data.nli import read_labelled, read_nli_jsonl, read_snli_senteval_pairs
from trainers.data.sts import (
    SENTEVAL_SICK_HEADER,
    SICK_HEADER,
    read_semeval_sts,
    read_sick,
    read_sick_senteval,
    read_stsb,
)
from trainers.data.text import read_sentence_file, read_table
from trainers.errors import DataError

EXAMPLES = 200
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

words = st.text(st.characters(codec="utf-8", exclude_characters="\t\n\r"), min_size=1, max_size=12)
sentence = st.lists(words, min_size=1, max_size=4).map(" ".join)
score_0_5 = st.floats(0, 5).map(lambda x: f"{x:.2f}")
bad_score = st.sampled_from(["-0.5", "5.01", "nan", "inf", "-inf", "", "high", "1e9", "4,5"])
blank = st.sampled_from([b"", b"  ", b"\t"])
garbage = st.binary(min_size=1, max_size=20)
not_utf8 = st.sampled_from([b"\xff\xfe bad", b"caf\xe9", b"\x80", b"ok \xc3("])


def _cells(strategy: st.SearchStrategy, low: int = 0, high: int = 9) -> st.SearchStrategy[bytes]:
    return st.lists(strategy, min_size=low, max_size=high).map(lambda c: "\t".join(c).encode())


def _file(good: st.SearchStrategy[bytes], *bad: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    """Mostly good lines, some damaged ones, then a line ending style and maybe no final newline."""
    line = st.one_of(good, good, good, blank, garbage, not_utf8, *bad)
    return st.tuples(st.lists(line, max_size=12), st.sampled_from([b"\n", b"\r\n"]), st.booleans()).map(
        lambda t: t[1].join(t[0]) + (t[1] if t[2] and t[0] else b""))


def _lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _clear(read: Callable[[], object], files: list[Path], lines: int) -> object | None:
    """The reader's result, or None after checking its DataError names a file, a line and the expectation."""
    try:
        return read()
    except DataError as err:
        text = str(err)
        named = [f for f in files if text.startswith(str(f))]
        assert named, f"error does not start with the file's path: {text}"
        line = re.match(re.escape(str(named[0])) + r":(\d+)", text)
        if line:
            assert 1 <= int(line.group(1)) <= lines + 1, text
        assert "expected" in text, text
        return None


def _write(folder: str, name: str, data: bytes) -> Path:
    path = Path(folder) / name
    path.write_bytes(data)
    return path


stsb_row = st.tuples(st.sampled_from(["main-news", "main-captions"]), score_0_5, sentence, sentence).map(
    lambda r: f"{r[0]}\tfile\t2012\t0001\t{r[1]}\t{r[2]}\t{r[3]}".encode())
stsb_bad_score = st.tuples(bad_score, sentence, sentence).map(
    lambda r: f"g\tf\t2012\t1\t{r[0]}\t{r[1]}\t{r[2]}".encode())


@FUZZ
@given(_file(stsb_row, stsb_bad_score, _cells(sentence)))
def test_stsb_reader(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, "sts-dev.csv", data)
        result = _clear(lambda: read_stsb(path), [path], _lines(data))
        if result is not None:
            assert len(result) + result.skipped == _lines(data)
            assert all(0 <= s <= 5 for s in result.scores)


@FUZZ
@given(_file(st.tuples(sentence, sentence).map(lambda p: f"{p[0]}\t{p[1]}".encode()), _cells(sentence)),
       _file(score_0_5.map(str.encode), bad_score.map(str.encode)))
def test_semeval_reader(inputs: bytes, golds: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        files = [_write(folder, "STS.input.headlines.txt", inputs), _write(folder, "STS.gs.headlines.txt", golds)]
        result = _clear(lambda: read_semeval_sts(folder, 2013), [*files, Path(folder)],
                        max(_lines(inputs), _lines(golds)))
        if result is not None:  # FNWN, OnWN and SMT are missing: only headlines is read
            assert len(result) + result.skipped == _lines(inputs) == _lines(golds)


def _sick_row(columns: int, split_column: int | None) -> st.SearchStrategy[bytes]:
    def row(r) -> bytes:
        cells = ["1", r[0], r[1], "NEUTRAL", r[2], "A_neutral_B", "B_neutral_A", r[0], r[1], "FLICKR", "FLICKR",
                 r[3]][:columns]
        if split_column is None:
            cells = ["1", r[0], r[1], r[2], "NEUTRAL"]
        return "\t".join(cells).encode()
    score = st.one_of(st.floats(1, 5).map(lambda x: f"{x:.1f}"), bad_score)
    return st.tuples(sentence, sentence, score, st.sampled_from(["TRAIN", "TRIAL", "TEST"])).map(row)


@FUZZ
@given(st.booleans(), _file(_sick_row(12, 11), _cells(sentence, 10, 13)))
def test_sick_release_reader(with_header: bool, body: bytes) -> None:
    data = ("\t".join(SICK_HEADER) + "\n").encode() + body if with_header else body
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, "SICK.txt", data)
        result = _clear(lambda: read_sick(path, "TEST"), [path], _lines(data))
        if result is not None:
            assert all(1 <= s <= 5 for s in result.scores)


@FUZZ
@given(_file(_sick_row(5, None), _cells(sentence, 3, 7)))
def test_sick_senteval_reader(body: bytes) -> None:
    data = ("\t".join(SENTEVAL_SICK_HEADER) + "\n").encode() + body
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, "SICK_test_annotated.txt", data)
        result = _clear(lambda: read_sick_senteval(path), [path], _lines(data))
        if result is not None:
            assert len(result) + result.skipped == _lines(data) - 1


label = st.sampled_from(["entailment", "contradiction", "neutral"]).map(str.encode)


@FUZZ
@given(_file(sentence.map(str.encode)), _file(sentence.map(str.encode)),
       _file(label, st.sampled_from([b"entails", b"-", b"0"])))
def test_snli_senteval_reader(premises: bytes, hypotheses: bytes, labels: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        files = [_write(folder, "s1.dev", premises), _write(folder, "s2.dev", hypotheses),
                 _write(folder, "labels.dev", labels)]
        result = _clear(lambda: read_snli_senteval_pairs(folder, "dev"), files,
                        max(_lines(premises), _lines(hypotheses), _lines(labels)))
        if result is not None:  # this reader skips nothing: every line is one pair
            assert len(result) == _lines(premises)


jsonl_row = st.tuples(sentence, sentence, st.sampled_from(["entailment", "neutral", "contradiction", "-"])).map(
    lambda r: json.dumps({"sentence1": r[0], "sentence2": r[1], "gold_label": r[2]}).encode())
jsonl_bad = st.sampled_from([b'{"sentence1": "a"}', b"[1, 2]", b'{"gold_label": "x", "sentence1": 1, "sentence2": 2}',
                             b"{not json", b"1" * 5000, b"[" * 5000, b'"just a string"'])


@FUZZ
@given(_file(jsonl_row, jsonl_bad))
def test_nli_jsonl_reader(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, "snli_1.0_dev.jsonl", data)
        result = _clear(lambda: read_nli_jsonl(path), [path], _lines(data))
        if result is not None:
            assert len(result.pairs) + result.skipped == _lines(data)


csv_cell = st.one_of(sentence, st.text(st.sampled_from('ab ,"\''), min_size=1, max_size=8))


def _csv_line(cells: list[str]) -> bytes:
    return ",".join('"' + c.replace('"', '""') + '"' if ("," in c or '"' in c) else c for c in cells).encode()


raw_quotes = st.sampled_from([b'a,"b', b'"unclosed', b'x,"y"z', b'"a""b",c'])


@FUZZ
@given(st.integers(1, 3), st.data())
def test_csv_training_table_reader(columns: int, data) -> None:
    good = st.lists(csv_cell, min_size=columns, max_size=columns).map(_csv_line)
    content = data.draw(_file(good, st.lists(csv_cell, min_size=1, max_size=5).map(_csv_line), raw_quotes))
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, "train.csv", content)
        result = _clear(lambda: read_table(path), [path], _lines(content))
        if result is not None:
            assert 1 <= len(result.columns) <= 3
            assert all(len(row) == len(result.columns) and all(c.strip() for c in row) for row in result.rows)


@FUZZ
@given(st.integers(1, 3), st.data())
def test_tsv_training_table_reader(columns: int, data) -> None:
    content = data.draw(_file(_cells(sentence, columns, columns), _cells(sentence, 0, 5)))
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, "train.tsv", content)
        result = _clear(lambda: read_table(path), [path], _lines(content))
        if result is not None:  # no header names among generated sentences is not guaranteed: allow one
            accounted = len(result.rows) + result.skipped
            assert accounted in (_lines(content), _lines(content) - 1)


@FUZZ
@given(_file(_cells(sentence, 2, 2), _cells(sentence, 1, 4), st.just(b"sentence\tlabel")))
def test_labelled_reader(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, "labelled.tsv", data)
        result = _clear(lambda: read_labelled(path), [path], _lines(data))
        if result is not None:
            assert len(result.sentences) == len(result.labels) > 0


@FUZZ
@given(_file(sentence.map(str.encode)))
def test_sentence_file_reader(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, "wiki.txt", data)
        result = _clear(lambda: read_sentence_file(path), [path], _lines(data))
        if result is not None:
            assert len(result.sentences) + result.skipped == _lines(data)
            assert all(s.strip() and "\n" not in s for s in result.sentences)
