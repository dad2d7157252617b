"""The training worker as a real subprocess on the tiny model: finish, SIGTERM, SIGKILL, --resume.

Three runs of one config start together (to share the two CPU cores' wall time):
one runs to the end, one gets SIGTERM after step 5, one gets SIGKILL after its
step-10 checkpoint. The stopped one is then resumed and must retrace the
uninterrupted run exactly (losses, evaluation, final weights); the killed one is
resumed from its last complete checkpoint. mirror-bert with dropout 0.1 draws
from both random streams a resume must restore: torch's (dropout) and the
trainer's generator (span positions).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from trainers import rundir
from trainers.checkpoint import latest_checkpoint, load_trainer_state
from trainers.config import load_config
from trainers.encoder import load_encoder
from trainers.events import TERMINAL_KINDS, EventTail

pytestmark = pytest.mark.slow

CONFIG = {"objective": "mirror-bert", "loss": "info_nce", "temperature": 0.04, "dropout": 0.1, "max_steps": 30,
          "save_every": 10, "eval_every": 10, "keep_checkpoints": 2, "learning_rate": 1e-4}


def _steps(events: list[dict], after: int = -1) -> dict[int, float]:
    """step -> loss, from the step events after the `after`-th run_started (default: the last)."""
    starts = [i for i, e in enumerate(events) if e["kind"] == "run_started"]
    return {e["step"]: e["loss"] for e in events[starts[after]:] if e["kind"] == "step"}


@pytest.fixture(scope="module")
def runs(start_worker, tmp_path_factory):
    root = tmp_path_factory.mktemp("lifecycle")
    whole = start_worker(root / "whole", **CONFIG)
    termed = start_worker(root / "termed", **CONFIG)
    killed = start_worker(root / "killed", **{**CONFIG, "max_steps": 1000})  # never ends by itself

    termed.wait_for(lambda e: e["kind"] == "step" and e["step"] >= 5)
    os.kill(termed.process.pid, signal.SIGTERM)
    killed.wait_for(lambda e: e["kind"] == "checkpoint" and e["step"] == 10)
    killed.wait_for(lambda e: e["kind"] == "step" and e["step"] >= 12)
    os.kill(killed.process.pid, signal.SIGKILL)
    codes = {"whole": whole.wait(), "termed": termed.wait(), "killed": killed.wait()}
    # The resumed run will prune the stop's checkpoint: keep a copy of it as it was left.
    stopped = [e for e in termed.events() if e["kind"] == "run_stopped"]
    stop_copy = root / "stop-checkpoint"
    if stopped:
        shutil.copytree(stopped[0]["checkpoint"], stop_copy)
    killed_events = killed.events()
    # The newest complete checkpoint on disk: usually step 10, but the kill may have come later,
    # even between a checkpoint's rename and its event.
    saved = rundir.step_of(latest_checkpoint(killed.run_dir).name)
    with open(killed.run_dir / "events.jsonl", "ab") as handle:  # as if the kill had cut a record in half
        handle.write(b'{"v": 1, "kind": "step", "run": "killed", "t": 17')

    resumed = start_worker(termed.run_dir, "--resume", str(termed.run_dir))
    resumed_killed = start_worker(killed.run_dir, "--resume", str(killed.run_dir), max_steps=saved + 4)
    codes |= {"resumed": resumed.wait(), "resumed_killed": resumed_killed.wait()}
    return {"whole": whole, "termed": termed, "killed": killed, "codes": codes, "killed_events": killed_events,
            "killed_saved": saved, "stop_copy": stop_copy}


def test_a_finished_run_writes_valid_events_from_run_started_to_run_finished(runs) -> None:
    whole = runs["whole"]
    assert runs["codes"]["whole"] == 0, whole.log_text()
    tail = EventTail(whole.run_dir / "events.jsonl")
    events = tail.read_new().events
    assert tail.skipped == 0 and tail.offset == (whole.run_dir / "events.jsonl").stat().st_size
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished" and kinds.count("run_started") == 1
    assert sorted(_steps(events)) == list(range(1, 31))
    assert [e["step"] for e in events if e["kind"] == "eval"] == [0, 10, 20, 30]
    assert [e["step"] for e in events if e["kind"] == "checkpoint"] == [10, 20, 30]
    started = events[0]
    assert started["world_size"] == 1 and started["device"] == "cpu" and started["max_steps"] == 30
    assert started["parameters"] > 0 and "resumed_from" not in started
    assert load_config(whole.run_dir / "config.toml").objective == "mirror-bert"
    best = rundir.read_pointer(whole.run_dir, rundir.BEST)
    assert events[-1]["best_checkpoint"] == str(best)
    on_disk = [p.name for p in rundir.list_checkpoints(whole.run_dir)]
    assert on_disk[-2:] == ["step-000020", "step-000030"] and best.name in on_disk and len(on_disk) <= 3


def test_sigterm_mid_run_stops_with_a_checkpoint_of_that_step_and_exit_0(runs) -> None:
    termed = runs["termed"]
    assert runs["codes"]["termed"] == 0, termed.log_text()
    events = termed.events()
    first_run = events[:[e["kind"] for e in events].index("run_stopped") + 1]
    stopped = first_run[-1]
    assert 5 <= stopped["step"] < 30
    assert max(_steps(first_run, after=0)) == stopped["step"]  # the step in progress was finished, no more
    assert Path(stopped["checkpoint"]).name == rundir.step_dir_name(stopped["step"])
    copy = runs["stop_copy"]  # the checkpoint as the stop left it (the resume has pruned it since)
    state, _ = load_trainer_state(copy)
    assert state.step == stopped["step"] and state.sampler_batch == stopped["step"]
    load_encoder(str(copy))


def test_resume_after_sigterm_retraces_the_uninterrupted_run(runs) -> None:
    assert runs["codes"]["resumed"] == 0, runs["termed"].log_text()
    events, reference = runs["termed"].events(), runs["whole"].events()
    stop = next(e for e in events if e["kind"] == "run_stopped")["step"]
    started = [e for e in events if e["kind"] == "run_started"]
    assert len(started) == 2 and started[1]["resumed_from"] == stop
    assert events[-1]["kind"] == "run_finished"

    resumed, whole = _steps(events), _steps(reference)
    assert sorted(resumed) == list(range(stop + 1, 31))  # continues at the right step, to the end
    for step, loss in resumed.items():
        assert abs(loss - whole[step]) <= 1e-5, (step, loss, whole[step])
    evals = {e["step"]: e["stsb_dev_spearman"] for e in events if e["kind"] == "eval" and e["step"] > stop}
    for step, score in evals.items():
        assert abs(score - next(e["stsb_dev_spearman"] for e in reference
                                if e["kind"] == "eval" and e["step"] == step)) <= 1e-4
    final = load_file(runs["termed"].run_dir / "checkpoints" / "step-000030" / "model.safetensors")
    expected = load_file(runs["whole"].run_dir / "checkpoints" / "step-000030" / "model.safetensors")
    assert final.keys() == expected.keys()
    assert max((final[k] - expected[k]).abs().max().item() for k in final) <= 1e-5


def test_sigkill_leaves_the_previous_checkpoint_loadable_and_the_events_readable(runs) -> None:
    killed = runs["killed"]
    assert runs["codes"]["killed"] == -signal.SIGKILL
    events = runs["killed_events"]
    assert all(e["kind"] not in TERMINAL_KINDS for e in events)  # no chance to say goodbye
    saved = runs["killed_saved"]
    assert max(_steps(events)) >= saved >= 10
    assert not any(e["kind"] == "checkpoint" and e["step"] > saved for e in events)
    checkpoint = killed.run_dir / "checkpoints" / rundir.step_dir_name(saved)
    state, tensors = load_trainer_state(checkpoint)
    assert state.step == saved and set(tensors) >= {"optimizer", "scheduler", "rng", "generator"}
    encoder = load_encoder(str(checkpoint))
    assert all(torch.isfinite(p).all() for p in encoder.parameters())


def test_resume_after_sigkill_starts_from_the_last_complete_checkpoint(runs) -> None:
    killed = runs["killed"]
    assert runs["codes"]["resumed_killed"] == 0, killed.log_text()
    tail = EventTail(killed.run_dir / "events.jsonl")
    events = tail.read_new().events
    assert tail.skipped == 1  # the half record; the resumed run's records after it all read
    saved = runs["killed_saved"]
    started = [e for e in events if e["kind"] == "run_started"]
    assert len(started) == 2 and started[1]["resumed_from"] == saved and started[1]["max_steps"] == saved + 4
    assert sorted(_steps(events)) == list(range(saved + 1, saved + 5)) and events[-1]["kind"] == "run_finished"
    assert load_config(killed.run_dir / "config.toml").max_steps == saved + 4  # the resumed run's overrides
    latest = latest_checkpoint(killed.run_dir)
    assert latest.name == rundir.step_dir_name(saved + 4)
    assert json.loads((latest / "trainer_state.json").read_text())["step"] == saved + 4
