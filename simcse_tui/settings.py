"""User settings that outlive a session, kept in `$XDG_CONFIG_HOME/simcse-tui/settings.toml`.

What is kept: the theme, the runs folder last used, the loss smoothing, the
chart x axis, and the checkpoints last picked in the query and STS panels. A
missing file gives the defaults; a broken file gives the defaults and a
message saying which file and what is wrong (the app shows it), and is
replaced on the next save. Writes go to a temporary file renamed into place.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from simcse_tui.errors import SettingsError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

SETTINGS_FILE = "settings.toml"
X_AXES = ("step", "time")


def settings_path() -> Path:
    """`$XDG_CONFIG_HOME/simcse-tui/settings.toml`, `~/.config/...` when the variable is unset."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "simcse-tui" / SETTINGS_FILE


@dataclass
class Settings:
    """Everything the app remembers between sessions."""

    theme: str = "textual-dark"
    runs_dir: str = ""  # the runs folder last opened (the CLI may default to it); empty: none yet
    smoothing: float = 0.6  # EMA weight of the loss chart, 0 (raw) to 0.99
    x_axis: str = "step"  # "step" or "time" (minutes since the run's first event)
    query_checkpoints: list[str] = field(default_factory=list)  # [A] or [A, B], checkpoint specs
    sts_checkpoints: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def load_settings(path: Path | None = None) -> tuple[Settings, str | None]:
    """The saved settings, and a problem message when the file could not be used."""
    path = path or settings_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings(), None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Settings(), f"{path}: cannot be read ({exc}); using the defaults"
    return _from_mapping(data, path)


def _from_mapping(data: dict[str, Any], path: Path) -> tuple[Settings, str | None]:
    settings, problems = Settings(), []
    defaults = settings.to_dict()
    for key, value in data.items():
        if key not in defaults:
            problems.append(f"unknown key {key!r}")
        elif not _same_kind(value, defaults[key]):
            problems.append(f"key {key!r} must be a {type(defaults[key]).__name__}")
        else:
            setattr(settings, key, value)
    settings.smoothing = min(0.99, max(0.0, float(settings.smoothing)))
    if settings.x_axis not in X_AXES:
        problems.append(f"key 'x_axis' must be one of {', '.join(X_AXES)}")
        settings.x_axis = "step"
    problem = f"{path}: {'; '.join(problems)}; ignored" if problems else None
    return settings, problem


def _same_kind(value: Any, default: Any) -> bool:
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, list):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return type(value) is type(default)


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write the settings atomically; raise `SettingsError` naming the file if that fails."""
    path = path or settings_path()
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(tomli_w.dumps(settings.to_dict()), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be written ({exc.strerror or exc})",
                            hint="check the folder's permissions, or set XDG_CONFIG_HOME") from exc
