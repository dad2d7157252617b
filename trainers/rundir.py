"""Run directories: naming, safe paths and the checkpoint layout.

Standard library only, so the UI and the headless CLI can create and inspect
run folders without importing torch.

    runs/<run-id>/
      config.toml        the fully resolved config, written before step 0
      events.jsonl       append-only schema-v1 records
      worker.log         the worker's stdout/stderr
      worker.pid         pid of the worker (its process group leader)
      checkpoints/step-000500/   model.safetensors, config.json, tokenizer, simcse.json, trainer_state.json
      checkpoints/best   a small text file naming the best step folder
      checkpoints/latest a small text file naming the newest complete step folder
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from trainers.errors import UnsafePathError

CHECKPOINTS = "checkpoints"
CONFIG_FILE = "config.toml"
LOG_FILE = "worker.log"
PID_FILE = "worker.pid"
BEST = "best"
LATEST = "latest"
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_STEP_DIR = re.compile(r"^step-(\d{6,})$")


def new_run_id(objective: str, now: float | None = None) -> str:
    """`20261123-091500-unsup-simcse-3fa2`: sortable by time, unique by a random suffix."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now if now is not None else time.time()))
    return f"{stamp}-{objective}-{secrets.token_hex(2)}"


def check_run_id(run_id: str) -> str:
    """A run id is one path component of safe characters; `..`, `/` and absolute paths are refused."""
    if not _RUN_ID.match(run_id) or run_id in (".", "..") or ".." in run_id:
        raise UnsafePathError(f"run id {run_id!r} is not a plain folder name",
                              hint="use letters, digits, '.', '_' and '-' only")
    return run_id


def inside(root: str | os.PathLike[str], candidate: str | os.PathLike[str]) -> Path:
    """Resolve `candidate` and refuse it unless it lies inside `root`."""
    root_path = Path(root).resolve()
    path = Path(candidate)
    resolved = (root_path / path).resolve() if not path.is_absolute() else path.resolve()
    if resolved != root_path and root_path not in resolved.parents:
        raise UnsafePathError(f"{candidate} lies outside {root_path}")
    return resolved


def create_run_dir(runs_root: str | os.PathLike[str], objective: str, run_id: str | None = None) -> Path:
    """Make a fresh run folder; two concurrent launches can never get the same one."""
    root = Path(runs_root)
    root.mkdir(parents=True, exist_ok=True)
    for _ in range(20):
        rid = check_run_id(run_id or new_run_id(objective))
        path = root / rid
        try:
            path.mkdir()
            return path
        except FileExistsError:
            if run_id:
                raise UnsafePathError(f"run folder {path} already exists",
                                      hint="choose another run id, or --resume it") from None
    raise UnsafePathError(f"could not create a unique run folder under {root}")


def step_dir_name(step: int) -> str:
    return f"step-{step:06d}"


def step_of(name: str) -> int | None:
    match = _STEP_DIR.match(name)
    return int(match.group(1)) if match else None


def list_checkpoints(run_dir: str | os.PathLike[str]) -> list[Path]:
    """Complete step checkpoints, oldest first (temporary folders are ignored)."""
    folder = Path(run_dir) / CHECKPOINTS
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_dir() and step_of(p.name) is not None]
    return sorted(found, key=lambda p: step_of(p.name) or 0)


def read_pointer(run_dir: str | os.PathLike[str], name: str = BEST) -> Path | None:
    """The checkpoint a pointer file (`best`, `latest`) names, if it still exists."""
    pointer = Path(run_dir) / CHECKPOINTS / name
    try:
        target = pointer.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if step_of(target) is None:
        return None
    path = pointer.parent / target
    return path if path.is_dir() else None


def write_pointer(run_dir: str | os.PathLike[str], name: str, target: Path) -> None:
    """Atomically point `checkpoints/<name>` at a step folder."""
    folder = Path(run_dir) / CHECKPOINTS
    tmp = folder / f".{name}.tmp"
    tmp.write_text(target.name + "\n", encoding="utf-8")
    os.replace(tmp, folder / name)
