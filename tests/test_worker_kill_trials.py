"""Kill one real worker again and again, at random moments, and resume it each time.

One run folder lives through a chain of trials. Each trial starts the worker
(fresh the first time, `--resume` after), then either

- `kill -9` it at a random moment once it is running, or the moment a checkpoint's
  temporary folder appears (so the kill lands inside the write), or
- SIGTERMs it at a random moment, which must end in `run_stopped`, exit 0 and a
  checkpoint of the step it stopped at.

After every trial: the newest complete checkpoint loads (weights and training
state), it is at least as new as every checkpoint the worker announced (no
finished checkpoint is ever lost), `events.jsonl` parses up to its last complete
line, and the next `--resume` starts exactly from that checkpoint. The chain
ends with a resume that runs to `run_finished`.

A checkpoint every step (`save_every=1`) on the tiny model makes saving a large
share of the worker's time, so the random kills land in writes too; the test
counts how many did (a temporary folder left behind) and requires some.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from pathlib import Path

import pytest
import torch

from trainers import rundir
from trainers.checkpoint import latest_checkpoint, load_trainer_state
from trainers.encoder import load_encoder
from trainers.events import TERMINAL_KINDS, EventTail, validate_event

pytestmark = pytest.mark.slow

KILLS, TERMS = 20, 6
CONFIG = {"objective": "unsup-simcse", "max_steps": 100_000, "save_every": 1, "eval_every": 0,
          "keep_checkpoints": 2, "selection_metric": "loss"}


def _plan() -> list[str]:
    """The trial kinds, shuffled with a fixed seed: 'kill', 'kill-in-save' and 'term'."""
    kinds = ["kill", "kill-in-save"] * (KILLS // 2) + ["term"] * TERMS
    random.Random(0).shuffle(kinds)
    return kinds


def _wait_for_temporary(worker, folder: Path, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and worker.process.poll() is None:
        if any(folder.glob(".tmp-step-*")):
            return True
        time.sleep(0.0005)
    return False


def _complete_lines_parse(path: Path) -> int:
    """Every line up to the last newline is a valid event; returns how many there are."""
    data = path.read_bytes()
    lines = [line for line in data[: data.rfind(b"\n") + 1].split(b"\n") if line.strip()]
    for line in lines:
        validate_event(json.loads(line))  # raises on a line that does not parse
    return len(lines)


def _load(checkpoint: Path | None) -> dict | None:
    """Load a checkpoint the way `--resume` and export do, now (later saves prune it)."""
    if checkpoint is None:
        return None
    state, tensors = load_trainer_state(checkpoint)
    encoder = load_encoder(str(checkpoint))
    return {"step": state.step, "tensors": set(tensors),
            "finite": all(torch.isfinite(p).all().item() for p in encoder.parameters())}


def _announced_checkpoints(path: Path) -> list[int]:
    return [e["step"] for e in EventTail(path).read_new().events if e["kind"] == "checkpoint"]


@pytest.fixture(scope="module")
def chain(start_worker, tmp_path_factory):
    """Run the chain of trials; returns the per-trial records and the run folder."""
    run_dir = tmp_path_factory.mktemp("kill-trials") / "run"
    events_file, checkpoints = run_dir / "events.jsonl", run_dir / rundir.CHECKPOINTS
    records, rng = [], random.Random(1)
    for number, kind in enumerate(_plan()):
        saved_before = latest_checkpoint(run_dir) if run_dir.exists() else None
        if saved_before is None:
            worker = start_worker(run_dir, **CONFIG)
        else:
            worker = start_worker(run_dir, "--resume", str(run_dir))
        started = worker.wait_for(lambda e: e["kind"] == "run_started")
        if saved_before is None:  # nothing to resume from yet: let the first checkpoint land
            worker.wait_for(lambda e: e["kind"] == "checkpoint")
        in_save = False
        if kind == "kill-in-save":
            in_save = _wait_for_temporary(worker, checkpoints)
            time.sleep(rng.uniform(0.0, 0.02))
        else:
            time.sleep(rng.uniform(0.0, 1.5))
        os.kill(worker.process.pid, signal.SIGTERM if kind == "term" else signal.SIGKILL)
        code = worker.wait(timeout=120)
        records.append({"number": number, "kind": kind, "code": code, "started": started,
                        "events": worker.own_events(),
                        "resumed_from": None if saved_before is None else rundir.step_of(saved_before.name),
                        "temporary_left": any(checkpoints.glob(".tmp-step-*")), "aimed_at_save": in_save,
                        "latest": latest_checkpoint(run_dir), "loaded": _load(latest_checkpoint(run_dir)),
                        "announced": _announced_checkpoints(events_file),
                        "lines": _complete_lines_parse(events_file), "log": worker.log_text()})
    saved = rundir.step_of(latest_checkpoint(run_dir).name)
    last = start_worker(run_dir, "--resume", str(run_dir), max_steps=saved + 3)
    code = last.wait(timeout=180)
    summary = {kind: sum(r["kind"] == kind for r in records) for kind in ("kill", "kill-in-save", "term")}
    summary["temporary_left"] = sum(r["temporary_left"] for r in records)
    print(f"\nkill trials: {json.dumps(summary)}")  # the figures quoted in the README (run with -s)
    return {"records": records, "run_dir": run_dir, "final": (code, last.own_events(), saved, last.log_text())}


def test_after_every_kill_the_newest_complete_checkpoint_loads_and_none_is_lost(chain) -> None:
    for record in chain["records"]:
        loaded = record["loaded"]
        assert loaded is not None, record["log"]
        assert loaded["step"] == rundir.step_of(record["latest"].name)
        assert loaded["tensors"] >= {"optimizer", "scheduler", "rng", "generator"} and loaded["finite"]
        # Every checkpoint the worker announced was complete on disk, so the newest on disk is at least that new.
        assert loaded["step"] >= max(record["announced"]), (record["number"], record["kind"])


def test_every_resume_starts_from_the_newest_complete_checkpoint(chain) -> None:
    records = chain["records"]
    for before, after in zip(records, records[1:], strict=False):
        expected = rundir.step_of(before["latest"].name)
        assert after["resumed_from"] == expected
        assert after["started"]["resumed_from"] == expected, after["log"]
        steps = [e["step"] for e in after["events"] if e["kind"] == "step"]
        assert not steps or steps[0] == expected + 1  # continues at the next step, nothing repeated or skipped


def test_kill_9_ends_without_a_goodbye_and_events_parse_to_the_last_complete_line(chain) -> None:
    kills = [r for r in chain["records"] if r["kind"] != "term"]
    assert len(kills) == KILLS
    for record in kills:
        assert record["code"] == -signal.SIGKILL
        assert not any(e["kind"] in TERMINAL_KINDS for e in record["events"])
        assert record["lines"] > 0
    # The kills aimed at a save found one under way, and some of them left its half-written folder behind.
    aimed = [r for r in kills if r["kind"] == "kill-in-save"]
    assert sum(r["aimed_at_save"] for r in aimed) >= len(aimed) - 1
    assert sum(r["temporary_left"] for r in kills) >= 3


def test_sigterm_at_any_moment_stops_cleanly_with_a_fresh_checkpoint(chain) -> None:
    terms = [r for r in chain["records"] if r["kind"] == "term"]
    assert len(terms) == TERMS
    for record in terms:
        assert record["code"] == 0, record["log"]
        stopped = record["events"][-1]
        assert stopped["kind"] == "run_stopped", record["log"]
        assert Path(stopped["checkpoint"]).name == rundir.step_dir_name(stopped["step"])
        assert record["latest"].name == rundir.step_dir_name(stopped["step"])


def test_the_chain_finishes_after_all_its_interruptions(chain) -> None:
    code, events, saved, log = chain["final"]
    assert code == 0, log
    assert events[0]["kind"] == "run_started" and events[0]["resumed_from"] == saved
    assert [e["step"] for e in events if e["kind"] == "step"] == [saved + 1, saved + 2, saved + 3]
    assert events[-1]["kind"] == "run_finished"
    assert not any(chain["run_dir"].joinpath(rundir.CHECKPOINTS).glob(".tmp-*"))  # swept by the saves
