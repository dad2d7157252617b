"""Line-level reading shared by every data reader: UTF-8 checks, `path:line` errors, skip counts.

Every reader in `trainers.data` walks its files through `iter_lines`, so a
missing file, a folder given for a file and bytes that are not UTF-8 are
reported the same way everywhere, with the line and the byte offset. `Skips`
collects what a reader chose to leave out (blank lines, unscored pairs), so
nothing is dropped silently: each result carries the count and a sentence the
trainer can show as a warning.

This module does not parse any format; it only yields lines. Standard library only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from trainers.errors import DataError

DOWNLOAD_HINT = (
    "run `simcse-tui data download`, or pass --data-dir (or set SIMCSE_TUI_DATA) "
    "to a folder with the standard layout, e.g. a SentEval `data/downstream` checkout"
)


def where(path: str | Path, line: int) -> str:
    """The `path:line` prefix every data error starts with."""
    return f"{path}:{line}"


def check_file(path: str | Path, what: str = "a data file", hint: str = "") -> Path:
    """Return `path` as a Path if it is a readable file, else raise a DataError saying what was expected."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder; expected {what}", hint)
    if not path.is_file():
        raise DataError(f"{path}: no such file; expected {what}",
                        hint or "check the path (a relative path starts from the current folder)")
    return path


def iter_lines(path: str | Path, what: str = "a UTF-8 text file") -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, text) for each line, without its line ending.

    Lines are split on '\\n' only (a trailing '\\r' is dropped), never with
    `str.splitlines`, which would also split inside a sentence at U+2028 or
    U+0085. A UTF-8 byte-order mark on the first line is removed.
    """
    path = check_file(path, what)
    offset = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            yield number, _decode(raw, path, number, offset)
            offset += len(raw)


def _decode(raw: bytes, path: Path, number: int, offset: int) -> str:
    body = raw.rstrip(b"\n").removesuffix(b"\r")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        bad = body[err.start:err.start + 4].hex(" ")
        raise DataError(
            f"{where(path, number)}: expected UTF-8 text, found byte(s) {bad} "
            f"at byte offset {offset + err.start} of the file",
            "re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
        ) from None
    return text.removeprefix("\ufeff") if number == 1 else text


# Reasons to skip, as (one, many) so a note reads "skipped 1 blank line" / "skipped 3 blank lines".
BLANK_LINE = ("blank line", "blank lines")


class Skips:
    """Counts what a reader left out, by reason, and words it for a warning event."""

    def __init__(self, source: str | Path) -> None:
        # A file is named by its base name in notes; a string (an hf: spec) stays whole.
        self.source = (source.name or str(source)) if isinstance(source, Path) else source
        self._counts: Counter[tuple[str, str]] = Counter()

    def add(self, reason: tuple[str, str], count: int = 1) -> None:
        """Count `count` items skipped for `reason`, a (singular, plural) pair like BLANK_LINE."""
        self._counts[reason] += count

    @property
    def total(self) -> int:
        return sum(self._counts.values())

    def notes(self) -> tuple[str, ...]:
        """One line per reason, e.g. "wiki.txt: skipped 3 blank lines"."""
        return tuple(f"{self.source}: skipped {n} {one if n == 1 else many}"
                     for (one, many), n in self._counts.items() if n)
