"""The training loop in-process on the tiny model: best pointer, pruning, stops at awkward moments, NaN.

Evaluation scores are scripted (the real STS-B scorer is replaced) so that which
checkpoint is best is known in advance. Signals are real: the test sends
SIGTERM to its own process from inside evaluation or a checkpoint write.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest
import torch

import trainers.checkpoint
import trainers.loop
from trainers import rundir
from trainers.checkpoint import load_trainer_state
from trainers.encoder import load_encoder
from trainers.events import read_events
from trainers.loop import NonFiniteLoss


@pytest.fixture
def restore_signals():
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def _scripted_eval(monkeypatch, trainer, scores: dict[int, float], term_at: int | None = None) -> None:
    """Replace STS-B dev scoring: step -> score, and SIGTERM to ourselves while scoring `term_at`."""

    def fake_dev_metrics(encoder, dev_set):  # noqa: ARG001
        if trainer.step == term_at:
            os.kill(os.getpid(), signal.SIGTERM)
        return {"stsb_dev_spearman": scores[trainer.step], "alignment": 0.5, "uniformity": -1.0}

    monkeypatch.setattr(trainers.loop, "dev_metrics", fake_dev_metrics)


def _events(run_dir: Path, kind: str | None = None) -> list[dict]:
    return [e for e in read_events(run_dir / "events.jsonl") if kind is None or e["kind"] == kind]


def _names(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def test_best_moves_only_on_improvement_and_pruning_never_removes_it(make_trainer, data_dir, tmp_path,
                                                                     monkeypatch) -> None:
    run_dir = tmp_path / "run"
    trainer = make_trainer(run_dir, max_steps=10, eval_every=2, save_every=1, keep_checkpoints=2,
                           selection_metric="stsb_dev_spearman", data_dir=str(data_dir), eval_max_pairs=10)
    _scripted_eval(monkeypatch, trainer, {0: 99.0, 2: 50.0, 4: 70.0, 6: 60.0, 8: 65.0, 10: 40.0})
    history = []  # after each save: (step, best pointer, step folders on disk)
    real_save = trainers.loop.save_checkpoint

    def recording_save(run_dir, encoder, state, *args, **kwargs):
        path = real_save(run_dir, encoder, state, *args, **kwargs)
        best = rundir.read_pointer(run_dir, rundir.BEST)
        history.append((state.step, best.name if best else None, _names(rundir.list_checkpoints(run_dir))))
        return path

    monkeypatch.setattr(trainers.loop, "save_checkpoint", recording_save)
    assert trainer.run() == 0

    assert [step for step, _, _ in history] == list(range(1, 11))
    pointers = [best for _, best, _ in history]
    assert pointers == [None] + ["step-000002"] * 2 + ["step-000004"] * 7  # step 0 never counts
    for _, best, on_disk in history:
        assert best is None or best in on_disk
        assert len(on_disk) <= 3  # keep_checkpoints newest + the best
    assert _names(rundir.list_checkpoints(run_dir)) == ["step-000004", "step-000009", "step-000010"]
    flags = [(e["step"], e["is_best"]) for e in _events(run_dir, "checkpoint")]
    assert [step for step, best in flags if best] == [2, 4]
    finished = _events(run_dir)[-1]
    assert finished["kind"] == "run_finished" and finished["best_stsb_dev_spearman"] == 70.0
    assert finished["best_checkpoint"].endswith("step-000004")
    assert load_trainer_state(run_dir / "checkpoints" / "step-000004")[0].best_score == 70.0


@pytest.mark.parametrize(("scores", "term_at"), [({0: 1.0, 3: 50.0}, 3), ({0: 1.0, 3: 50.0, 6: 40.0}, 6)],
                         ids=["during-a-best-eval", "during-a-worse-eval"])
def test_sigterm_during_evaluation_stops_right_after_it(make_trainer, data_dir, tmp_path, monkeypatch,
                                                        restore_signals, scores: dict, term_at: int) -> None:
    run_dir = tmp_path / "run"
    trainer = make_trainer(run_dir, max_steps=50, eval_every=3, selection_metric="stsb_dev_spearman",
                           data_dir=str(data_dir), eval_max_pairs=10)
    _scripted_eval(monkeypatch, trainer, scores, term_at=term_at)
    trainer.install_signal_handlers()
    assert trainer.run() == 0

    events = _events(run_dir)
    stopped = events[-1]
    assert stopped["kind"] == "run_stopped" and stopped["step"] == term_at  # not a step later
    checkpoints = _events(run_dir, "checkpoint")
    assert [e["step"] for e in checkpoints][-1] == term_at
    assert len({e["step"] for e in checkpoints}) == len(checkpoints)  # a step is never written twice
    assert stopped["checkpoint"] == checkpoints[-1]["path"]
    assert checkpoints[-1]["is_best"] == (term_at == 3)
    load_encoder(stopped["checkpoint"])
    assert load_trainer_state(Path(stopped["checkpoint"]))[0].step == term_at


def test_sigterm_while_a_checkpoint_is_written_finishes_it_then_stops(make_trainer, tmp_path, monkeypatch,
                                                                      restore_signals) -> None:
    run_dir = tmp_path / "run"
    trainer = make_trainer(run_dir, max_steps=50, save_every=4)
    real_save_encoder = trainers.checkpoint.save_encoder
    sent = []

    def save_encoder_then_term(encoder, folder):
        real_save_encoder(encoder, folder)  # the weights are in the temporary folder, the state is not
        if not sent:  # once: a second SIGTERM means "stop waiting" (KeyboardInterrupt)
            sent.append(folder)
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(trainers.checkpoint, "save_encoder", save_encoder_then_term)
    trainer.install_signal_handlers()
    assert trainer.run() == 0

    stopped = _events(run_dir)[-1]
    assert stopped["kind"] == "run_stopped" and stopped["step"] == 4
    assert Path(stopped["checkpoint"]).name == "step-000004"
    assert _names(rundir.list_checkpoints(run_dir)) == ["step-000004"]
    assert not list((run_dir / "checkpoints").glob(".tmp-*"))
    state, tensors = load_trainer_state(Path(stopped["checkpoint"]))
    assert state.step == 4 and state.sampler_batch == 4 and "optimizer" in tensors
    load_encoder(stopped["checkpoint"])


def test_a_nan_loss_is_never_checkpointed(make_trainer, tmp_path, monkeypatch) -> None:
    # NaN at step 5, not logged until step 10: the save due at step 6 must refuse the poisoned weights.
    monkeypatch.setenv("SIMCSE_TUI_FAULT", "nan_at_step:5")
    run_dir = tmp_path / "run"
    trainer = make_trainer(run_dir, max_steps=20, save_every=3, log_every=10)
    with pytest.raises(NonFiniteLoss) as info:
        trainer.run()
    assert "non-finite before step 6" in info.value.message and "learning_rate" in info.value.hint
    assert _names(rundir.list_checkpoints(run_dir)) == ["step-000003"]
    encoder = load_encoder(str(run_dir / "checkpoints" / "step-000003"))
    assert all(torch.isfinite(p).all() for p in encoder.parameters())
    assert not any(torch.isfinite(p).all() for p in trainer.encoder.parameters() if p.grad is not None)


def test_an_infinite_gradient_is_never_checkpointed(make_trainer, tmp_path, monkeypatch) -> None:
    # Step 6's loss is finite but its gradient is not: clipping turns that into NaN weights,
    # which the save due at step 6 must refuse although no NaN loss was ever seen.
    run_dir = tmp_path / "run"
    trainer = make_trainer(run_dir, max_steps=20, save_every=3, log_every=10)
    real_optimizer_step = trainer.optimizer_step

    def poisoned_optimizer_step():
        if trainer.step == 5:  # computing step 6
            next(trainer.encoder.parameters()).grad.view(-1)[0] = float("inf")
        return real_optimizer_step()

    monkeypatch.setattr(trainer, "optimizer_step", poisoned_optimizer_step)
    with pytest.raises(NonFiniteLoss, match="non-finite before step 6"):
        trainer.run()
    assert _names(rundir.list_checkpoints(run_dir)) == ["step-000003"]


def test_a_bad_fault_spec_is_refused(make_trainer, monkeypatch) -> None:
    monkeypatch.setenv("SIMCSE_TUI_FAULT", "nan_at:five")
    with pytest.raises(trainers.loop.SimcseError, match="SIMCSE_TUI_FAULT: cannot read 'nan_at:five'"):
        make_trainer()


def test_resume_with_the_mlm_auxiliary_loss_retraces_the_uninterrupted_run(make_trainer, tmp_path) -> None:
    """The MLM head is not part of the exported encoder, but a resume must pick it up where it was."""
    from trainers.config import from_mapping
    from trainers.distributed import World
    from trainers.loop import Trainer

    settings = {"max_steps": 6, "save_every": 3, "mlm_weight": 0.1, "dropout": 0.1}
    whole = make_trainer(tmp_path / "whole", **settings)
    assert whole.run() == 0
    # As if the run had stopped at step 3: a folder holding only that checkpoint, resumed to the end.
    split = tmp_path / "split"
    shutil.copytree(tmp_path / "whole" / "checkpoints" / "step-000003", split / "checkpoints" / "step-000003")
    resumed = Trainer(from_mapping(whole.config.to_dict()), split, World(), resume=True)
    assert resumed.run() == 0

    expected = {e["step"]: e["loss"] for e in _events(tmp_path / "whole", "step")}
    got = {e["step"]: e["loss"] for e in _events(split, "step")}
    assert sorted(got) == [4, 5, 6]
    for step, loss in got.items():
        assert abs(loss - expected[step]) <= 1e-5, (step, loss, expected[step])
    _, tensors = load_trainer_state(split / "checkpoints" / "step-000006")
    assert "mlm_head" in tensors
