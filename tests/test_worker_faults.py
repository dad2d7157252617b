"""Faults in a real worker subprocess: NaN loss, out of memory, a full disk, a bad config.

Each ends in a final `run_failed` event carrying a hint that says what to do,
a non-zero exit status, and the last good checkpoint intact. NaN, OOM and the
full disk are injected through the test-only `SIMCSE_TUI_FAULT` hook (see
`trainers.loop.Faults`): no config of the tiny model diverges on demand (the
config refuses nan and inf values), and memory and disk cannot be exhausted
safely on a shared machine. The four workers run at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from trainers import rundir
from trainers.checkpoint import latest_checkpoint
from trainers.encoder import load_encoder
from trainers.events import EventTail

pytestmark = pytest.mark.slow

CONFIGS = Path(__file__).parent / "fixtures" / "configs"


@pytest.fixture(scope="module")
def failed(start_worker, tmp_path_factory):
    """name -> (exit status, events, run folder, log) of each faulty run."""
    root = tmp_path_factory.mktemp("faults")
    common = {"max_steps": 20, "save_every": 2, "eval_every": 0}
    workers = {
        "nan": start_worker(root / "nan", fault="nan_at_step:5", **common),
        "oom": start_worker(root / "oom", fault="oom_at_step:3", **common),
        "disk": start_worker(root / "disk", fault="enospc_at_step:4", **common),
        "config": start_worker(root / "config", "--config", str(CONFIGS / "out_of_range.toml")),
    }
    results = {}
    for name, worker in workers.items():
        code = worker.wait()
        tail = EventTail(worker.run_dir / "events.jsonl")
        events = tail.read_new().events
        assert tail.skipped == 0, worker.log_text()
        results[name] = (code, events, worker.run_dir, worker.log_text())
    return results


def _failure(result) -> dict:
    code, events, _, log = result
    assert events and events[-1]["kind"] == "run_failed", log
    assert sum(e["kind"] == "run_failed" for e in events) == 1
    return events[-1]


def _steps_saved(run_dir: Path) -> list[int]:
    return [rundir.step_of(p.name) for p in rundir.list_checkpoints(run_dir)]


def test_a_nan_loss_fails_with_the_learning_rate_hint_and_keeps_the_last_good_checkpoint(failed) -> None:
    code, events, run_dir, log = failed["nan"]
    event = _failure(failed["nan"])
    assert code == 2, log
    assert event["message"] == "the loss became nan at step 5; the last good checkpoint is kept"
    assert "lower learning_rate" in event["hint"] and event["title"] == "Training diverged"
    assert _steps_saved(run_dir) == [2, 4]  # nothing written from the poisoned step on
    assert latest_checkpoint(run_dir).name == "step-000004"
    encoder = load_encoder(str(latest_checkpoint(run_dir)))
    assert all(torch.isfinite(p).all() for p in encoder.parameters())
    assert [e["step"] for e in events if e["kind"] == "step"] == [1, 2, 3, 4]  # the NaN never became a point


def test_out_of_memory_in_the_forward_fails_with_the_cached_batch_hint(failed) -> None:
    code, events, run_dir, log = failed["oom"]
    event = _failure(failed["oom"])
    assert code == 1, log
    assert event["message"].startswith("OutOfMemoryError: CUDA out of memory")
    assert "lower batch_size" in event["hint"] and "cached_chunk_size" in event["hint"]
    assert "embeddings = self.model(**batch)" in event["traceback"]  # raised from the encoder's forward
    assert _steps_saved(run_dir) == [2]
    load_encoder(str(latest_checkpoint(run_dir)))


def test_a_full_disk_while_saving_keeps_the_previous_checkpoint_and_says_so(failed) -> None:
    code, events, run_dir, log = failed["disk"]
    event = _failure(failed["disk"])
    assert code == 2, log
    assert event["message"].startswith("writing checkpoint step-000004 failed: No space left on device")
    assert event["message"].endswith("the previous checkpoint is intact")
    assert event["hint"].startswith("the disk is full") and event["title"] == "Checkpoint could not be written"
    assert _steps_saved(run_dir) == [2]
    assert not list((run_dir / "checkpoints").glob(".tmp-*"))  # the partial write was removed
    assert rundir.read_pointer(run_dir, rundir.LATEST).name == "step-000002"
    assert latest_checkpoint(run_dir).name == "step-000002"
    load_encoder(str(latest_checkpoint(run_dir)))
    assert not [e for e in events if e["kind"] == "checkpoint" and e["step"] == 4]


def test_a_bad_config_fails_with_exit_2_naming_the_file_and_the_key(failed) -> None:
    code, events, run_dir, log = failed["config"]
    event = _failure(failed["config"])
    assert code == 2, log
    assert event["message"].startswith(f"{CONFIGS / 'out_of_range.toml'}: key 'learning_rate' must be")
    assert event["title"] == "Invalid configuration"
    assert [e["kind"] for e in events] == ["run_failed"]
    assert not (run_dir / "checkpoints").exists()
