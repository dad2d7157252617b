"""Event schema v1 and the tailing reader: whole records only, bad lines skipped and counted, never a crash."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainers.errors import EventSchemaError
from trainers.events import (
    KINDS,
    SCHEMA_VERSION,
    EventTail,
    EventWriter,
    make_event,
    read_events,
    validate_event,
)

STEP = {"step": 3, "epoch": 0.5, "loss": 1.25, "lr": 3e-5, "grad_norm": 2.0, "sentences_per_s": 100.0}


def _line(kind: str = "step", **fields) -> bytes:
    record = make_event(kind, "r", **(fields or STEP))
    return (json.dumps(record) + "\n").encode()


# ----- make_event / validate_event --------------------------------------------------------------


def test_make_event_fills_the_envelope_and_keeps_the_fields() -> None:
    record = make_event("warning", "run-1", message="careful", extra=1)
    assert record["v"] == SCHEMA_VERSION and record["kind"] == "warning" and record["run"] == "run-1"
    assert isinstance(record["t"], float) and record["message"] == "careful" and record["extra"] == 1


def test_every_kind_can_be_made_from_its_required_fields() -> None:
    samples = {(int,): 1, (int, float): 1.5, (str,): "x", (bool,): True,
               (int, float, type(None)): None, (str, type(None)): None}
    for kind, fields in KINDS.items():
        validate_event(make_event(kind, "r", **{name: samples[types] for name, types in fields.items()}))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"v": 2}, "event schema version 2 is not supported (this build reads v1)"),
        ({"v": True}, "event schema version True is not supported"),
        ({"v": "1"}, "event schema version '1' is not supported"),
        ({"v": 1.0}, "event schema version 1.0 is not supported"),
        ({"kind": "explosion"}, "unknown event kind 'explosion'"),
        ({"run": 7}, "step: 'run' must be a string"),
        ({"t": "now"}, "step: 't' must be unix seconds"),
        ({"step": 3.5}, "step: field 'step' must be int, got float"),
        ({"step": True}, "step: field 'step' must be int, got bool"),
        ({"loss": "low"}, "step: field 'loss' must be int or float, got str"),
        ({"extra": [1, 2]}, "step: field 'extra' is not a scalar"),
    ],
)
def test_validate_event_says_what_is_wrong(change: dict, message: str) -> None:
    record = {"v": 1, "kind": "step", "run": "r", "t": 1.0, **STEP, **change}
    with pytest.raises(EventSchemaError) as info:
        validate_event(record)
    assert message in str(info.value)


def test_a_missing_field_and_a_non_object_are_rejected() -> None:
    with pytest.raises(EventSchemaError, match="checkpoint: missing field 'is_best'"):
        make_event("checkpoint", "r", step=1, path="p")
    with pytest.raises(EventSchemaError, match="must be a JSON object, got list"):
        validate_event([1])


def test_only_a_step_loss_may_be_non_finite() -> None:
    assert math.isnan(make_event("step", "r", **{**STEP, "loss": float("nan")})["loss"])
    with pytest.raises(EventSchemaError, match="field 'stsb_dev_spearman' is not finite"):
        make_event("eval", "r", step=1, stsb_dev_spearman=float("inf"), alignment=0.1, uniformity=-1.0)


def test_an_unknown_version_says_how_to_fix_it() -> None:
    with pytest.raises(EventSchemaError) as info:
        validate_event({"v": 9, "kind": "step"})
    assert "upgrade simcse-tui" in info.value.hint


# ----- the writer and the tail ----------------------------------------------------------------


def test_the_writer_flushes_each_record_so_a_tail_sees_it_at_once(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    tail = EventTail(path)
    assert tail.read_new().missing
    with EventWriter(path, run="r") as writer:
        writer.write("warning", message="one")
        assert [e["message"] for e in tail.read_new().events] == ["one"]
        writer.write("warning", message="two")
        assert [e["message"] for e in tail.read_new().events] == ["two"]
        assert tail.offset == path.stat().st_size


def test_a_partial_last_line_is_kept_and_completed_on_the_next_read(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    line = _line()
    path.write_bytes(_line("warning", message="first") + line[:20])
    tail = EventTail(path)
    result = tail.read_new()
    assert [e["kind"] for e in result.events] == ["warning"] and not result.warnings
    assert tail.read_new().events == []  # nothing new: the partial stays pending
    with open(path, "ab") as handle:
        handle.write(line[20:])
    result = tail.read_new()
    assert [e["step"] for e in result.events] == [3] and not result.warnings
    assert tail.line_number == 2


def test_malformed_lines_are_skipped_counted_and_reported_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    good = _line()
    lines = [
        good,                                              # 1
        good[:30] + b"\n",                                 # 2 truncated (a kill mid-write, then more appended)
        b"\xff\xfe\x00garbage\n",                          # 3 not UTF-8
        _line().replace(b'"step", "run"', b'"boom", "run"'),  # 4 unknown kind
        _line().replace(b'"v": 1', b'"v": 2'),             # 5 unknown version
        _line(**STEP, pad="x" * 300),                      # 6 valid, but longer than a small limit
        b"1" * 5000 + b"\n",                               # 7 an integer too long to convert
        b"[" * 100_000 + b"\n",                            # 8 longer still (and nested too deeply)
        b"\n",                                             # 9 blank: ignored, not counted
        b"[1, 2]\n",                                       # 10 not an object
        good,                                              # 11
    ]
    path.write_bytes(b"".join(lines))
    tail = EventTail(path, max_line_bytes=200_000)
    tail_small = EventTail(path, max_line_bytes=200)
    result = tail.read_new()
    assert [e["kind"] for e in result.events] == ["step", "step", "step"]  # lines 1, 6 and 11
    assert tail.skipped == 7
    numbers = [w.split(":")[1] for w in result.warnings]
    assert numbers == ["2", "3", "4", "5", "7", "8", "10"]
    assert all(w.startswith("events.jsonl:") for w in result.warnings)
    assert "unknown event kind 'boom'" in result.warnings[2]
    assert "event schema version 2 is not supported" in result.warnings[3]
    small = tail_small.read_new()
    assert "events.jsonl:6: skipped, line longer than 200 bytes" in small.warnings
    assert len(small.events) == 2 and tail_small.skipped == 8


def test_a_huge_line_arriving_in_pieces_is_one_skip_and_later_line_numbers_stay_right(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(_line())
    tail = EventTail(path, max_line_bytes=300)
    assert len(tail.read_new().events) == 1
    for _ in range(5):  # a 1,000-byte line written 200 bytes at a time
        with open(path, "ab") as handle:
            handle.write(b"y" * 200)
        tail.read_new()
    with open(path, "ab") as handle:
        handle.write(b"y\n" + _line("warning", message="after"))
    result = tail.read_new()
    assert [e["kind"] for e in result.events] == ["warning"]
    assert tail.skipped == 1 and tail.line_number == 3


def test_a_replaced_or_truncated_file_resets_the_tail(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(_line() + _line())
    tail = EventTail(path)
    assert len(tail.read_new().events) == 2
    replacement = tmp_path / "new.jsonl"
    replacement.write_bytes(_line("warning", message="fresh"))
    os.replace(replacement, path)  # a new inode: a new run wrote its file in place
    result = tail.read_new()
    assert result.reset and [e["kind"] for e in result.events] == ["warning"] and tail.line_number == 1
    path.write_bytes(b"")  # same inode, shorter than the offset
    result = tail.read_new()
    assert result.reset and result.events == [] and tail.offset == 0
    path.unlink()
    assert tail.read_new().missing


def test_read_events_reads_a_whole_file_and_ends_on_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n" * 10 + _line() + b"not json\n" + _line())
    assert len(list(read_events(path))) == 2
    path.write_bytes(b"\n\n\n")
    assert list(read_events(path)) == []


# ----- fuzzing ---------------------------------------------------------------------------------

VALID_LINES = st.sampled_from([
    _line(), _line("warning", message="w"), _line("checkpoint", step=2, path="/x", is_best=False),
    _line("run_failed", message="m", traceback="", hint="h"),
])
ODD_LINES = st.sampled_from([b"\n", b"9" * 5000 + b"\n", b"[" * 5000 + b"\n", b'{"v": 1e999}\n'])
PIECES = st.lists(st.one_of(VALID_LINES, st.binary(max_size=60), ODD_LINES), max_size=25)


def _expected(data: bytes) -> tuple[list[dict], int]:
    """What an ideal reader returns for `data`: valid complete lines, and the number of bad ones."""
    events, bad = [], 0
    for raw in data.split(b"\n")[:-1]:
        if not raw.strip():
            continue
        try:
            events.append(validate_event(json.loads(raw.decode("utf-8"))))
        except (ValueError, EventSchemaError, RecursionError):
            bad += 1
    return events, bad


@settings(max_examples=200, deadline=None)
@given(PIECES, st.lists(st.integers(1, 120), max_size=30))
def test_the_tail_never_raises_and_reads_every_valid_line_once_however_the_bytes_arrive(
        pieces: list[bytes], cuts: list[int]) -> None:
    data = b"".join(pieces)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.jsonl"
        path.write_bytes(b"")
        tail, events, warnings, position = EventTail(path), [], [], 0
        for size in [*cuts, len(data)]:  # append in random chunks, reading after each
            with open(path, "ab") as handle:
                handle.write(data[position:position + size])
            position += size
            result = tail.read_new(max_bytes=max(1, size // 2 + 1))
            events += result.events
            warnings += result.warnings
        while tail.offset < len(data):  # drain what the byte limit left
            result = tail.read_new()
            events += result.events
            warnings += result.warnings
    want_events, want_bad = _expected(data)
    assert [(e["kind"], e.get("step")) for e in events] == [(e["kind"], e.get("step")) for e in want_events]
    assert tail.skipped == want_bad == len(warnings)


def test_a_writer_reopening_a_file_cut_mid_line_starts_a_new_line(tmp_path: Path) -> None:
    # A worker killed mid-write, then resumed: its first record must not be glued to the fragment.
    path = tmp_path / "events.jsonl"
    path.write_bytes(_line() + _line()[:25])
    with EventWriter(path, run="r") as writer:
        writer.write("warning", message="resumed")
    tail = EventTail(path)
    result = tail.read_new()
    assert [e["kind"] for e in result.events] == ["step", "warning"] and tail.skipped == 1
    with EventWriter(path, run="r") as writer:  # a whole last line: nothing added
        writer.write("warning", message="again")
    assert path.read_bytes().count(b"\n\n") == 0
