"""The checkpoints a user can pick: each run's best and latest, and the base models.

A run keeps `checkpoints/step-NNNNNN/` folders (written under a temporary name
and renamed into place, so a folder with that name is complete) and
`checkpoints/best`: a small text file naming the best folder ("step-000500");
a symlink or folder called `best` is accepted too. The embedding worker and
the exporter take a checkpoint folder path, or "base:<model id or path>" for
the untrained base model named in the run's config.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from trainers.config import DEFAULT_MODEL

CHECKPOINTS_DIR = "checkpoints"
BEST_POINTER = "best"
STEP_DIR = re.compile(r"^step-(\d+)$")
BASE_PREFIX = "base:"


@dataclass(frozen=True)
class Checkpoint:
    """One pickable checkpoint."""

    spec: str  # what the embedding worker and the exporter take: a folder, or base:<model>
    label: str  # what a picker shows
    kind: str  # "best", "latest" or "base"
    run_id: str | None = None
    step: int | None = None


def base_spec(model: str | None) -> str:
    return BASE_PREFIX + (model or DEFAULT_MODEL)


def step_folders(run_dir: Path) -> list[tuple[int, Path]]:
    """(step, folder) of every complete step checkpoint, oldest first."""
    try:
        children = list((run_dir / CHECKPOINTS_DIR).iterdir())
    except OSError:
        return []
    found = []
    for child in children:
        match = STEP_DIR.match(child.name)
        if match and child.is_dir():
            found.append((int(match.group(1)), child))
    return sorted(found)


def best_folder(run_dir: Path) -> Path | None:
    """The folder `checkpoints/best` points at, if it exists."""
    pointer = run_dir / CHECKPOINTS_DIR / BEST_POINTER
    if pointer.is_dir():  # a symlink to the folder, or a folder
        return pointer.resolve()
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not STEP_DIR.match(name):  # never follow a pointer out of the checkpoints folder
        return None
    folder = run_dir / CHECKPOINTS_DIR / name
    return folder if folder.is_dir() else None


def run_checkpoints(run_dir: Path, run_id: str) -> list[Checkpoint]:
    """A run's best and latest checkpoints (one entry when they are the same)."""
    steps = step_folders(run_dir)
    best = best_folder(run_dir)
    found: list[Checkpoint] = []
    if best is not None:
        step = _step_of(best)
        found.append(Checkpoint(str(best), f"{run_id} best @{step}", "best", run_id, step))
    if steps:
        step, latest = steps[-1]
        if best is None or latest.resolve() != best.resolve():
            found.append(Checkpoint(str(latest), f"{run_id} latest @{step}", "latest", run_id, step))
    return found


def checkpoint_choices(runs: Iterable[tuple[Path, str, str | None]]) -> list[Checkpoint]:
    """Every run's best and latest, then each distinct base model once.

    `runs` yields (run folder, run id, model) with the model from the run's
    config (None: the default model).
    """
    choices: list[Checkpoint] = []
    bases: dict[str, Checkpoint] = {}
    for run_dir, run_id, model in runs:
        choices.extend(run_checkpoints(run_dir, run_id))
        spec = base_spec(model)
        bases.setdefault(spec, Checkpoint(spec, f"base {model or DEFAULT_MODEL}", "base"))
    default = base_spec(None)
    bases.setdefault(default, Checkpoint(default, f"base {DEFAULT_MODEL}", "base"))
    return choices + list(bases.values())


def _step_of(folder: Path) -> int | None:
    match = STEP_DIR.match(folder.name)
    return int(match.group(1)) if match else None
