"""End to end: a real tiny-BERT run launched from the launch form through the real
`trainers.run` worker, watched on the live charts, stopped from the runs table.

Slow (the worker imports torch and trains for real on the CPU), so marked `slow`.
The UI process itself still never imports torch; only this test does, after the
app has exited, to load the checkpoint the stop left behind.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from simcse_tui.app import SimcseApp
from simcse_tui.runs.model import Status
from simcse_tui.screens.live.live_screen import LiveScreen
from simcse_tui.screens.runs.launch_form import LaunchForm
from trainers.events import read_events

pytestmark = pytest.mark.slow


def test_launch_watch_and_stop_a_real_tiny_run(tmp_path: Path, monkeypatch, tiny_model: Path,
                                               small_corpus: Path, data_dir: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    presets = tmp_path / "presets"
    presets.mkdir()
    # Keys the form does not show travel with the preset: small batches, few STS-B pairs, a step event each step.
    (presets / "tiny.toml").write_text(
        f'objective = "unsup-simcse"\nmax_steps = 5000\nbatch_size = 8\nmax_seq_length = 16\n'
        f'eval_every = 4\neval_max_pairs = 64\nlog_every = 1\nsave_every = 0\ndevice = "cpu"\n'
        f'num_threads = 1\ndata_dir = "{data_dir}"\n', encoding="utf-8")
    app = SimcseApp(tmp_path / "runs", poll_interval=None, redraw_interval=0.0, presets_dir=presets)

    async def scenario() -> Path:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            form = app.screen.query_one(LaunchForm)
            form.query_one("#preset", Select).value = "tiny"
            await pilot.pause()
            form.query_one("#field-model", Input).value = str(tiny_model)
            form.query_one("#field-train_file", Input).value = str(small_corpus)
            await pilot.pause()
            assert form.is_valid, form.errors
            form.submit()
            await pilot.pause()

            def has_steps_and_an_eval() -> bool:
                app.poll_runs()
                runs = app.workbench.runs()
                return bool(runs) and len(runs[0].series["loss"]) >= 2 and len(runs[0].series["stsb"]) >= 1

            deadline = time.monotonic() + 240
            while not has_steps_and_an_eval():
                assert time.monotonic() < deadline, "the worker wrote no step and eval in time"
                assert app.workbench.runs()[0].status != Status.FAILED, app.workbench.runs()[0].failure
                await pilot.pause(0.1)
            run = app.workbench.runs()[0]
            await pilot.press("2")
            await pilot.pause()
            live = app.screen
            assert isinstance(live, LiveScreen)
            assert live.last_drawn_step(str(run.path)) > 0  # the loss chart got the steps
            assert live.chart("plane").draws and live.chart("stsb").draws
            await pilot.press("1")
            await pilot.pause()
            assert app.screen.table.selected_key == str(run.path)
            await pilot.press("s")
            assert app.workbench.launcher.wait(run.path, timeout=120) == 0
            app.poll_runs()
            await pilot.pause()
            assert run.status == Status.STOPPED
            return run.path

    run_dir = asyncio.run(scenario())
    stopped = [e for e in read_events(run_dir / "events.jsonl") if e["kind"] == "run_stopped"]
    assert len(stopped) == 1 and stopped[0]["checkpoint"]
    checkpoint = Path(stopped[0]["checkpoint"])
    if not checkpoint.is_absolute():
        checkpoint = run_dir / checkpoint
    from transformers import AutoModel  # the test may import torch; the UI never does

    model = AutoModel.from_pretrained(checkpoint)
    assert model.config.hidden_size > 0
