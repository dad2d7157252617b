"""Checkpoints that survive a kill at any moment.

A checkpoint is written whole into `checkpoints/.tmp-step-NNNNNN-<pid>/`, then
renamed to `checkpoints/step-NNNNNN/` (a rename is atomic), and only then do
the `latest`/`best` pointer files move to it. A kill mid-write leaves a
temporary folder that nothing reads (and the next save sweeps away), so the
newest *complete* checkpoint always loads.

Contents: the encoder (model.safetensors, config.json, tokenizer, simcse.json,
mlp.safetensors), `trainer_state.json` (step, epoch, sampler position, best
score, config) and `training_state.pt` (optimizer, scheduler, scaler and RNG
states: tensors and plain containers only, loaded with `weights_only=True`).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from trainers import rundir
from trainers.encoder import SentenceEncoder, save_encoder
from trainers.errors import SimcseError

STATE_FILE = "trainer_state.json"
TENSORS_FILE = "training_state.pt"


class CheckpointWriteError(SimcseError):
    title = "Checkpoint could not be written"


@dataclass
class TrainerState:
    step: int
    epoch: int
    sampler_epoch: int
    sampler_batch: int
    best_score: float | None
    best_step: int | None
    config: dict[str, Any]


def save_checkpoint(run_dir: Path, encoder: SentenceEncoder, state: TrainerState,
                    tensors: dict[str, Any], *, is_best: bool, keep: int,
                    fault: Callable[[Path], None] | None = None) -> Path:
    """Write one checkpoint atomically; move the pointers; prune old step folders.

    `fault` is the fault tests' seam: called with the temporary folder once the
    weights are in it and before the training state is, it raises what a full
    disk would. Real runs pass nothing.
    """
    folder = Path(run_dir) / rundir.CHECKPOINTS
    folder.mkdir(parents=True, exist_ok=True)
    _sweep_temporaries(folder)
    final = folder / rundir.step_dir_name(state.step)
    tmp = folder / f".tmp-{final.name}-{os.getpid()}"
    try:
        save_encoder(encoder, tmp)
        if fault is not None:
            fault(tmp)
        (tmp / STATE_FILE).write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
        torch.save(tensors, tmp / TENSORS_FILE)
        _fsync_tree(tmp)
        _commit(tmp, final)
        rundir.write_pointer(run_dir, rundir.LATEST, final)
        if is_best:
            rundir.write_pointer(run_dir, rundir.BEST, final)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        hint = ("the disk is full: free space (old runs, old checkpoints), then resume"
                if exc.errno == errno.ENOSPC else "check that the run folder is writable, then resume")
        raise CheckpointWriteError(f"writing checkpoint {final.name} failed: {exc.strerror or exc}; "
                                   "the previous checkpoint is intact", hint=hint) from exc
    _prune(run_dir, keep)
    return final


def _commit(tmp: Path, final: Path) -> None:
    """Rename `tmp` into place. Re-saving a step (resuming a finished run) moves the old
    folder aside first rather than deleting it, so no moment leaves neither on disk."""
    if not final.exists():
        os.replace(tmp, final)
        return
    old = final.with_name(f".tmp-old-{final.name}-{os.getpid()}")
    os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def _sweep_temporaries(folder: Path) -> None:
    for path in folder.glob(".tmp-*"):
        shutil.rmtree(path, ignore_errors=True)


def _prune(run_dir: Path, keep: int) -> None:
    """Keep the newest `keep` step folders plus the best one."""
    best = rundir.read_pointer(run_dir, rundir.BEST)
    steps = rundir.list_checkpoints(run_dir)
    for path in steps[:-keep]:
        if best is None or path.resolve() != best.resolve():
            shutil.rmtree(path, ignore_errors=True)


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest complete checkpoint: the `latest` pointer, else the highest step folder."""
    pointed = rundir.read_pointer(run_dir, rundir.LATEST)
    complete = [p for p in rundir.list_checkpoints(run_dir) if (p / STATE_FILE).is_file()]
    if pointed is not None and (pointed / STATE_FILE).is_file():
        newer = [p for p in complete if (rundir.step_of(p.name) or 0) > (rundir.step_of(pointed.name) or 0)]
        return newer[-1] if newer else pointed
    return complete[-1] if complete else None


def load_trainer_state(checkpoint: Path) -> tuple[TrainerState, dict[str, Any]]:
    state = TrainerState(**json.loads((checkpoint / STATE_FILE).read_text(encoding="utf-8")))
    tensors = torch.load(checkpoint / TENSORS_FILE, map_location="cpu", weights_only=True)
    return state, tensors
