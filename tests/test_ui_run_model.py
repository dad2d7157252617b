"""The UI's run model, fed by the recorded fixture runs through the real tailing reader.

No Textual and no torch: the watcher, the fold into RunState, checkpoints,
presets, settings, downsampling and the small formatting rules.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from simcse_tui.format import duration, rank_change, short_run_id, sparkline
from simcse_tui.runs.checkpoints import best_folder, checkpoint_choices, run_checkpoints
from simcse_tui.runs.model import RunState, Series, Status
from simcse_tui.runs.presets import load_presets
from simcse_tui.runs.watcher import RunWatcher
from simcse_tui.screens.live.downsample import minmax_downsample, stride_downsample
from simcse_tui.screens.live.traces import Trace, scale_traces
from simcse_tui.screens.query.hits_table import rank_changes
from simcse_tui.screens.sts.pairs_table import average_ranks, rank_errors
from simcse_tui.settings import Settings, load_settings, save_settings, settings_path
from trainers.events import make_event

FIXTURES = Path(__file__).parent / "fixtures" / "runs"
FINISHED = "20231114-221320-unsup-simcse-a1b2c3"
RUNNING = "20231115-091500-sup-simcse-d4e5f6"
FAILED = "20231115-101000-mirror-bert-0a0b0c"
MALFORMED = "20231115-103000-unsup-simcse-badf00"
RUNNING_LAST_T = 1_700_040_154.0  # the last event of the running fixture (make_runs.RUNNING_LAST_T)


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    target = tmp_path / "runs"
    shutil.copytree(FIXTURES, target)
    return target


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def watcher_for(runs_dir: Path, clock: Clock | None = None, **kwargs) -> RunWatcher:
    return RunWatcher(runs_dir, clock=clock or Clock(RUNNING_LAST_T + 5), **kwargs)


def by_id(watcher: RunWatcher) -> dict[str, RunState]:
    return {run.run_id: run for run in watcher.runs()}


def append(path: Path, *lines: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("".join(lines))


def step_line(run: str, step: int, t: float, loss: float = 0.5) -> str:
    return json.dumps(make_event("step", run, t=t, step=step, epoch=0.5, loss=loss, lr=1e-5, grad_norm=1.0,
                                 sentences_per_s=200.0)) + "\n"


def test_fixture_runs_fold_into_their_statuses(runs_dir: Path) -> None:
    watcher = watcher_for(runs_dir)
    changed = watcher.poll()
    runs = by_id(watcher)
    assert len(changed) == 4
    assert [r.run_id for r in watcher.runs()] == [MALFORMED, FAILED, RUNNING, FINISHED]
    assert runs[FINISHED].status == Status.FINISHED and runs[FINISHED].step == 1000
    assert runs[RUNNING].status == Status.RUNNING and runs[RUNNING].max_steps == 2000
    assert runs[FAILED].status == Status.FAILED
    assert runs[FAILED].failure.hint.startswith("lower batch_size")
    assert runs[MALFORMED].status == Status.STOPPED
    assert runs[RUNNING].objective == "sup-simcse" and runs[RUNNING].model == "all-MiniLM-L6-v2"
    assert len(runs[FINISHED].series["loss"]) == 100 and len(runs[FINISHED].series["stsb"]) == 10
    assert runs[FINISHED].best_stsb == pytest.approx(max(runs[FINISHED].series["stsb"].values), abs=1e-4)
    assert watcher.poll() == []  # nothing new: nothing changed


def test_malformed_lines_are_counted_and_kept_as_warnings(runs_dir: Path) -> None:
    watcher = watcher_for(runs_dir)
    watcher.poll()
    run = by_id(watcher)[MALFORMED]
    assert run.skipped_lines == 4
    assert run.warning_count == 5  # the four skipped lines and one worker warning
    text = "\n".join(run.warnings)
    assert "not JSON" in text and "version 2" in text and "'mystery'" in text
    assert "events.jsonl:6:" in text  # the line number, so the user can find it
    assert len(run.series["loss"]) == 20  # the valid lines around them all count


def test_appended_lines_are_read_on_the_next_poll_and_a_partial_line_waits(runs_dir: Path) -> None:
    watcher = watcher_for(runs_dir)
    watcher.poll()
    events = runs_dir / RUNNING / "events.jsonl"
    line = step_line(RUNNING, 610, RUNNING_LAST_T + 2.5)
    append(events, line[:40])
    assert watcher.poll() == []
    assert by_id(watcher)[RUNNING].step == 600
    append(events, line[40:])
    changed = watcher.poll()
    assert [run.run_id for run in changed] == [RUNNING]
    assert changed[0].step == 610 and changed[0].series["loss"].steps[-1] == 610


def test_a_run_launched_later_is_discovered(runs_dir: Path) -> None:
    watcher = watcher_for(runs_dir)
    watcher.poll()
    new = runs_dir / "20231116-000000-unsup-simcse-0f0f0f"
    new.mkdir()
    (new / "config.toml").write_text('objective = "unsup-simcse"\nmax_steps = 50\n', encoding="utf-8")
    changed = watcher.poll()
    assert [run.run_id for run in changed] == [new.name]
    assert changed[0].status == Status.STARTING and changed[0].max_steps == 50


def test_a_deleted_run_folder_turns_missing_without_crashing(runs_dir: Path) -> None:
    watcher = watcher_for(runs_dir)
    watcher.poll()
    shutil.rmtree(runs_dir / RUNNING)
    changed = watcher.poll()
    assert [run.run_id for run in changed] == [RUNNING]
    assert by_id(watcher)[RUNNING].status == Status.MISSING
    shutil.rmtree(runs_dir)  # the whole runs folder, too
    watcher.poll()
    assert {run.status for run in watcher.runs()} == {Status.MISSING}


def test_a_silent_run_stalls_and_wakes_up_with_its_next_event(runs_dir: Path) -> None:
    clock = Clock(RUNNING_LAST_T + 5)
    watcher = watcher_for(runs_dir, clock, stall_after_s=120)
    watcher.poll()
    clock.now = RUNNING_LAST_T + 121
    watcher.poll()
    run = by_id(watcher)[RUNNING]
    assert run.status == Status.STALLED and "no event for 121 s" in run.stall_reason
    assert by_id(watcher)[FINISHED].status == Status.FINISHED  # terminal runs never stall
    append(runs_dir / RUNNING / "events.jsonl", step_line(RUNNING, 610, clock.now))
    watcher.poll()
    assert by_id(watcher)[RUNNING].status == Status.RUNNING


def test_a_run_whose_worker_is_gone_is_stalled_at_once(runs_dir: Path) -> None:
    watcher = watcher_for(runs_dir, worker_alive=lambda path: False if path.name == RUNNING else None)
    watcher.poll()
    run = by_id(watcher)[RUNNING]
    assert run.status == Status.STALLED and "worker process exited" in run.stall_reason


def test_failure_callback_fires_for_live_runs_not_for_old_failures(runs_dir: Path) -> None:
    failed: list[str] = []
    watcher = watcher_for(runs_dir, on_failed=lambda run: failed.append(run.run_id))
    watcher.poll()
    assert failed == []  # the failed fixture failed before we looked
    append(runs_dir / RUNNING / "events.jsonl", json.dumps(make_event(
        "run_failed", RUNNING, t=RUNNING_LAST_T + 1, message="boom", traceback="", hint="retry")) + "\n")
    watcher.poll()
    assert failed == [RUNNING]


def test_a_replaced_events_file_is_read_again_from_the_start(runs_dir: Path) -> None:
    watcher = watcher_for(runs_dir, Clock(1_700_000_010.0))  # just after the finished run's start
    watcher.poll()
    events = runs_dir / FINISHED / "events.jsonl"
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    events.unlink()
    events.write_text("".join(lines[:3]), encoding="utf-8")
    watcher.poll()
    run = by_id(watcher)[FINISHED]
    assert len(run.series["loss"]) == 2 and run.status == Status.RUNNING
    assert "read again from the start" in run.warnings[-1]


def test_opened_folders_are_watched_too(tmp_path: Path, runs_dir: Path) -> None:
    elsewhere = tmp_path / "cluster" / "run-from-torchrun"
    shutil.copytree(runs_dir / FINISHED, elsewhere)
    watcher = RunWatcher(tmp_path / "empty-runs", [elsewhere], clock=Clock(0))
    watcher.poll()
    assert [run.run_id for run in watcher.runs()] == ["run-from-torchrun"]


def test_series_rewinds_when_a_resumed_run_repeats_steps() -> None:
    series = Series()
    for step in (10, 20, 30):
        series.append(step, float(step), float(step))
    series.append(20, 99.0, 5.0)
    assert series.steps == [10, 20] and series.values == [10.0, 5.0]


def test_ema_is_debiased_and_extended_incrementally() -> None:
    series = Series()
    series.append(1, 0.0, 4.0)
    assert series.ema(0.9) == [pytest.approx(4.0)]  # debiased: no pull towards zero
    series.append(2, 0.0, 2.0)
    expected = (0.9 * 0.1 * 4.0 + 0.1 * 2.0) / (1 - 0.9**2)
    assert series.ema(0.9)[-1] == pytest.approx(expected)
    assert series.ema(0.0) == [4.0, 2.0]


def test_eta_follows_the_recent_step_rate() -> None:
    run = RunState(path=Path("x"), run_id="x")
    run.apply(make_event("run_started", "x", t=0.0, objective="unsup-simcse", loss="info_nce", model="m",
                         device="cpu", world_size=1, parameters=1, max_steps=100, batch_size=2))
    for step in (10, 20, 30):
        run.apply(make_event("step", "x", t=float(step), step=step, epoch=0.1, loss=1.0, lr=1e-5,
                             grad_norm=1.0, sentences_per_s=10.0))
    assert run.eta_s == pytest.approx(70.0)  # 70 steps left at one step a second


def test_checkpoints_best_and_latest_and_base_models(runs_dir: Path) -> None:
    finished = run_checkpoints(runs_dir / FINISHED, FINISHED)
    assert [c.kind for c in finished] == ["best", "latest"]
    assert finished[0].step == 900 and finished[1].step == 1000
    running = run_checkpoints(runs_dir / RUNNING, RUNNING)
    assert [c.kind for c in running] == ["best"]  # best is the latest: listed once
    choices = checkpoint_choices([(runs_dir / FINISHED, FINISHED, "all-MiniLM-L6-v2"),
                                  (runs_dir / FAILED, FAILED, "bert-base-uncased")])
    assert [c.spec for c in choices if c.kind == "base"] == ["base:all-MiniLM-L6-v2", "base:bert-base-uncased"]


def test_a_best_pointer_never_leads_out_of_the_checkpoints_folder(runs_dir: Path) -> None:
    (runs_dir / FINISHED / "checkpoints" / "best").write_text("../../../etc\n", encoding="utf-8")
    assert best_folder(runs_dir / FINISHED) is None


def test_presets_load_valid_files_and_report_broken_ones(tmp_path: Path) -> None:
    (tmp_path / "a-good.toml").write_text('objective = "mirror-bert"\ntemperature = 0.04\n', encoding="utf-8")
    (tmp_path / "b-bad.toml").write_text("batch_size = 1\n", encoding="utf-8")
    presets, problems = load_presets(tmp_path)
    assert [p.name for p in presets] == ["a-good"] and presets[0].values["temperature"] == 0.04
    assert len(problems) == 1 and "b-bad.toml" in problems[0] and "batch_size" in problems[0]
    assert load_presets(tmp_path / "none") == ([], [])


def test_settings_live_in_xdg_config_home_and_survive_a_round_trip(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert settings_path() == tmp_path / "simcse-tui" / "settings.toml"
    settings = Settings(theme="nord", smoothing=0.8, x_axis="time", query_checkpoints=["base:m"])
    save_settings(settings)
    assert load_settings() == (settings, None)


def test_broken_settings_fall_back_to_defaults_and_say_which_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('smoothing = "lots"\nx_axis = "epoch"\ncolour = 1\n', encoding="utf-8")
    settings, problem = load_settings(path)
    assert settings.smoothing == Settings().smoothing and settings.x_axis == "step"
    assert str(path) in problem and "'smoothing'" in problem and "'colour'" in problem
    path.write_text("not toml [", encoding="utf-8")
    assert load_settings(path)[0] == Settings()


def test_minmax_downsampling_keeps_spikes_in_time_order() -> None:
    x = np.arange(10_000, dtype=float)
    y = np.zeros(10_000)
    y[5_003] = 9.0
    dx, dy = minmax_downsample(x, y, 100)
    assert len(dx) <= 200 and dy.max() == 9.0 and 5_003.0 in dx
    assert np.all(np.diff(dx) >= 0)
    sx, sy = stride_downsample(x, y, 50)
    assert len(sx) == 50 and sx[0] == 0 and sx[-1] == 9_999


def test_scaling_keeps_learning_rate_ticks_short() -> None:
    traces, exponent = scale_traces([Trace([0.0, 1.0], [3e-5, 1.5e-5], (1, 2, 3))])
    assert exponent == -5 and traces[0].y == pytest.approx([3.0, 1.5])


def test_rank_changes_and_rank_errors() -> None:
    a = [{"index": 1}, {"index": 2}, {"index": 3}]
    b = [{"index": 3}, {"index": 1}, {"index": 9}]
    assert rank_changes(a, b) == ["↑2", "↓1", "new"]
    assert average_ranks([3.0, 1.0, 3.0]) == [2.5, 1.0, 2.5]
    assert rank_errors([1.0, 2.0, 3.0], [0.3, 0.2, 0.1]) == [2.0, 0.0, -2.0]


def test_formatting_rules() -> None:
    assert short_run_id(RUNNING) == "11-15 09:15 d4e5f6"
    assert short_run_id("run-from-torchrun-on-a-long-named-cluster") == "run-from-torchrun-o…"
    assert duration(350) == "5m50s" and duration(7500) == "2h05m" and duration(None) == "–"
    assert sparkline([3, 2, 1], 3) == "█▅▁"
    assert rank_change(None, 1) == "new" and rank_change(4, 4) == "="
