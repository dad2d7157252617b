"""Where the data lives: the data folder's resolution order and the `{data}` placeholder.

The data folder holds the standard layout (`sts/`, `sick/`, `nli/`, `unlabeled/`)
that every reader here expects. It is, in order: the folder the user named
(`--data-dir` or the config's `data_dir`), then `$SIMCSE_TUI_DATA`, then the
user data folder where `simcse-tui data download` writes its copies. A place
the user named explicitly must exist; we never fall through past a typo to a
different folder.

This module reads no data and downloads nothing. Standard library only.
"""

from __future__ import annotations

import os
from pathlib import Path

from trainers.data.lines import DOWNLOAD_HINT
from trainers.errors import DataError

ENV_VAR = "SIMCSE_TUI_DATA"
PLACEHOLDER = "{data}"


def user_data_dir() -> Path:
    """`$XDG_DATA_HOME/simcse-tui/data`, or `~/.local/share/simcse-tui/data` (may not exist yet)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base).expanduser() / "simcse-tui" / "data"


def resolve_data_dir(explicit: str | None = None) -> Path:
    """The data folder: `explicit`, else $SIMCSE_TUI_DATA, else `user_data_dir()`.

    An empty string counts as not given (the config's default). Raises
    DataError naming every place tried when no folder exists.
    """
    if explicit:
        return _must_exist(Path(explicit).expanduser(), "--data-dir / data_dir")
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return _must_exist(Path(from_env).expanduser(), f"${ENV_VAR}")
    user = user_data_dir()
    if user.is_dir():
        return user
    raise DataError(
        f"no data folder found: tried --data-dir / data_dir (not given), ${ENV_VAR} (not set) "
        f"and the user data folder {user} (does not exist)",
        DOWNLOAD_HINT,
    )


def _must_exist(path: Path, named_by: str) -> Path:
    if not path.is_dir():
        what = "is not a folder" if path.exists() else "does not exist"
        raise DataError(f"data folder {path} (from {named_by}) {what}; "
                        "expected a folder holding sts/, sick/, nli/ or unlabeled/", DOWNLOAD_HINT)
    return path


def expand_data_path(template: str, data_dir: Path | None = None) -> str:
    """Replace `{data}` in `template` with the data folder (resolved if `data_dir` is None).

    Only the literal `{data}` is replaced; other braces are left alone, so a
    path holding `{` never breaks. Raises DataError when `{data}` is used and
    no data folder can be found.
    """
    if PLACEHOLDER not in template:
        return template
    if data_dir is None:
        try:
            data_dir = resolve_data_dir()
        except DataError as err:
            raise DataError(f"{template!r} uses {PLACEHOLDER}, but {err.message}", err.hint) from None
    return template.replace(PLACEHOLDER, str(data_dir))
