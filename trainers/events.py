"""Event schema v1: the contract between a training worker and whoever watches it.

A worker appends one JSON object a line to `events.jsonl` in its run directory
and flushes after every record, so a reader sees whole lines as soon as they
are written and a kill at any moment leaves at most one partial last line.

Every record is ``{"v": 1, "kind": ..., "run": ..., "t": <unix seconds>, ...}``
with scalar fields only (str, int, float, bool or null). A record's type is its
``kind``, never guessed from which keys it has.

This module uses the standard library alone: the UI imports it (and nothing
else from `trainers`) to read runs without importing torch. It does not decide
what a run *means* (status, best score); the UI's run model does that.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainers.errors import EventSchemaError

SCHEMA_VERSION = 1
EVENTS_FILE = "events.jsonl"

Scalar = str | int | float | bool | None

_NUM = (int, float)
_STR = (str,)
_OPT_NUM = (int, float, type(None))
_OPT_STR = (str, type(None))

# kind -> {required field: accepted types}. Extra scalar fields are allowed
# (per-task scores on `eval`, for instance) so the schema can grow without a
# version bump; removing or retyping a field needs v2.
KINDS: dict[str, dict[str, tuple[type, ...]]] = {
    "run_started": {
        "objective": _STR,
        "loss": _STR,
        "model": _STR,
        "device": _STR,
        "world_size": (int,),
        "parameters": (int,),
        "max_steps": (int,),
        "batch_size": (int,),
    },
    "step": {
        "step": (int,),
        "epoch": _NUM,
        "loss": _NUM,
        "lr": _NUM,
        "grad_norm": _NUM,
        "sentences_per_s": _NUM,
    },
    "eval": {
        "step": (int,),
        "stsb_dev_spearman": _NUM,
        "alignment": _NUM,
        "uniformity": _NUM,
    },
    "checkpoint": {"step": (int,), "path": _STR, "is_best": (bool,)},
    "warning": {"message": _STR},
    "run_failed": {"message": _STR, "traceback": _STR, "hint": _STR},
    "run_stopped": {"step": (int,), "checkpoint": _OPT_STR},
    "run_finished": {"step": (int,), "best_stsb_dev_spearman": _OPT_NUM, "best_checkpoint": _OPT_STR},
    # Long work outside training (embedding a corpus, running the eval suite).
    "progress": {"task": _STR, "done": (int,), "total": (int,)},
    # One task's score from the evaluation suite.
    "task_result": {"task": _STR, "spearman": _NUM, "pairs": (int,)},
}

TERMINAL_KINDS = frozenset({"run_failed", "run_stopped", "run_finished"})


def make_event(kind: str, run: str, **fields: Scalar) -> dict[str, Any]:
    """Build and validate one record; `t` is filled in with the current time."""
    record: dict[str, Any] = {"v": SCHEMA_VERSION, "kind": kind, "run": run, "t": time.time()}
    record.update(fields)
    return validate_event(record)


def validate_event(record: Any) -> dict[str, Any]:
    """Return `record` if it follows schema v1, else raise `EventSchemaError` saying why."""
    if not isinstance(record, dict):
        raise EventSchemaError(f"an event must be a JSON object, got {type(record).__name__}")
    version = record.get("v")
    if type(version) is not int or version != SCHEMA_VERSION:  # true and 1.0 equal 1, yet are not v1
        raise EventSchemaError(
            f"event schema version {version!r} is not supported (this build reads v{SCHEMA_VERSION})",
            hint="upgrade simcse-tui to read runs written by a newer worker",
        )
    kind = record.get("kind")
    if kind not in KINDS:
        raise EventSchemaError(f"unknown event kind {kind!r}")
    if not isinstance(record.get("run"), str):
        raise EventSchemaError(f"{kind}: 'run' must be a string")
    if not isinstance(record.get("t"), _NUM) or isinstance(record.get("t"), bool):
        raise EventSchemaError(f"{kind}: 't' must be unix seconds")
    for name, types in KINDS[kind].items():
        if name not in record:
            raise EventSchemaError(f"{kind}: missing field {name!r}")
        value = record[name]
        if isinstance(value, bool) and bool not in types:
            raise EventSchemaError(f"{kind}: field {name!r} must be {_type_names(types)}, got bool")
        if not isinstance(value, types):
            raise EventSchemaError(
                f"{kind}: field {name!r} must be {_type_names(types)}, got {type(value).__name__}"
            )
    for name, value in record.items():
        if not isinstance(value, (str, int, float, bool, type(None))):
            raise EventSchemaError(f"{kind}: field {name!r} is not a scalar")
        # NaN/inf parse as JSON extensions in Python; only a step's loss may carry one (divergence).
        if isinstance(value, float) and not math.isfinite(value) and kind != "step":
            raise EventSchemaError(f"{kind}: field {name!r} is not finite")
    return record


def _type_names(types: tuple[type, ...]) -> str:
    return " or ".join("null" if t is type(None) else t.__name__ for t in types)


class EventWriter:
    """Appends validated records to `events.jsonl`, one line each, flushed per write.

    A file left ending mid-line (a worker killed while writing, then resumed)
    gets its newline first, so the partial record stays one skipped line and
    the next record is not glued onto it.
    """

    def __init__(self, path: str | os.PathLike[str], run: str) -> None:
        self.path = Path(path)
        self.run = run
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the writer
        if _ends_mid_line(self.path):
            self._file.write("\n")
            self._file.flush()

    def write(self, kind: str, **fields: Scalar) -> dict[str, Any]:
        record = make_event(kind, self.run, **fields)
        self._file.write(json.dumps(record, allow_nan=True) + "\n")
        self._file.flush()
        return record

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> EventWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ends_mid_line(path: Path) -> bool:
    with open(path, "rb") as handle:
        if handle.seek(0, os.SEEK_END) == 0:
            return False
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) != b"\n"


@dataclass
class ReadResult:
    """What one `EventTail.read_new()` call found."""

    events: list[dict[str, Any]] = field(default_factory=list)
    # Human-readable problems: "events.jsonl:17: unknown event kind 'foo'".
    warnings: list[str] = field(default_factory=list)
    # True when the file vanished or was replaced since the last read.
    reset: bool = False
    missing: bool = False


class EventTail:
    """Reads an events file incrementally by byte offset.

    A partial last line (the writer is mid-write, or was killed there) is kept
    and completed on the next read. Malformed lines are skipped and reported in
    `warnings` with their line number; nothing here ever raises for bad content.
    Lines longer than `max_line_bytes` are skipped as malformed.
    """

    def __init__(self, path: str | os.PathLike[str], max_line_bytes: int = 1 << 20) -> None:
        self.path = Path(path)
        self.max_line_bytes = max_line_bytes
        self.offset = 0
        self.line_number = 0
        self.skipped = 0
        self._partial = b""
        self._overlong = False  # inside a line already skipped as too long: drop bytes up to its end
        self._inode: int | None = None

    def read_new(self, max_bytes: int = 8 << 20) -> ReadResult:
        result = ReadResult()
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            result.missing = True
            return result
        if self._inode is not None and (stat.st_ino != self._inode or stat.st_size < self.offset):
            self._restart()
            result.reset = True
        self._inode = stat.st_ino
        if stat.st_size == self.offset:
            return result
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            chunk = handle.read(max_bytes)
        self.offset += len(chunk)
        data = self._partial + chunk
        if self._overlong:
            end = data.find(b"\n")
            if end < 0:
                self._partial = b""
                return result
            data, self._overlong = data[end + 1:], False
        lines = data.split(b"\n")
        self._partial = lines.pop()
        for raw in lines:
            self.line_number += 1
            self._parse(raw, result)
        if len(self._partial) > self.max_line_bytes:
            # Counted once now; its remaining bytes are dropped as they arrive.
            self.line_number += 1
            self._skip(result, f"line longer than {self.max_line_bytes} bytes")
            self._partial, self._overlong = b"", True
        return result

    def _parse(self, raw: bytes, result: ReadResult) -> None:
        if not raw.strip():
            return
        if len(raw) > self.max_line_bytes:
            self._skip(result, f"line longer than {self.max_line_bytes} bytes")
            return
        try:
            record = json.loads(raw.decode("utf-8"))
            result.events.append(validate_event(record))
        except UnicodeDecodeError:
            self._skip(result, "not UTF-8 text")
        except json.JSONDecodeError as exc:
            self._skip(result, f"not JSON ({exc.msg})")
        except ValueError as exc:  # e.g. an integer too long to convert
            self._skip(result, f"not readable JSON ({exc})")
        except EventSchemaError as exc:
            self._skip(result, exc.message)
        except RecursionError:
            self._skip(result, "nested too deeply")

    def _skip(self, result: ReadResult, why: str) -> None:
        self.skipped += 1
        result.warnings.append(f"{self.path.name}:{self.line_number}: skipped, {why}")

    def _restart(self) -> None:
        self.offset = 0
        self.line_number = 0
        self._partial = b""
        self._overlong = False


def read_events(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """All valid events of a finished file (malformed lines skipped)."""
    tail = EventTail(path)
    while True:
        offset = tail.offset
        result = tail.read_new()
        yield from result.events
        if tail.offset == offset:
            return
