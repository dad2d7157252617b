"""Launch presets: every `*.toml` in the project's `assets/configs/` folder.

A preset is a flat TOML config (the same format as a run's `config.toml`),
checked by `trainers.config` when loaded; a preset that does not validate is
left out and reported, never half-applied. No folder or no files: no presets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainers.config import from_mapping, load_toml
from trainers.errors import ConfigError


def default_presets_dir() -> Path:
    """`assets/configs/` of the source tree this package runs from."""
    return Path(__file__).resolve().parents[2] / "assets" / "configs"


@dataclass(frozen=True)
class Preset:
    """A named set of config values for the launch form."""

    name: str
    values: dict[str, Any]
    path: Path


def load_presets(folder: Path | None) -> tuple[list[Preset], list[str]]:
    """The valid presets in `folder`, sorted by name, and one problem line per invalid one."""
    if folder is None or not folder.is_dir():
        return [], []
    presets, problems = [], []
    for path in sorted(folder.glob("*.toml")):
        try:
            values = load_toml(path)
            from_mapping(values, source=str(path))
        except ConfigError as exc:
            problems.append(exc.message)
            continue
        presets.append(Preset(path.stem, values, path))
    return presets, problems
