"""Pilot tests driving every screen of the app, fed by the recorded runs through the real reader.

The runs are copies of tests/fixtures/runs in tmp_path; tests append lines to
their events files and call `app.poll_runs()` (the polling thread is off), so
nothing depends on timing. The training worker, the embedding worker and the
exporter are small fake scripts; waiting is only ever for those subprocesses
(`until`, which pauses the pilot), never a sleep.
"""

from __future__ import annotations

import asyncio
import functools
import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label, Select

from simcse_tui.app import SimcseApp
from simcse_tui.commands import WorkbenchCommands
from simcse_tui.dialogs.confirm import ConfirmDialog
from simcse_tui.dialogs.export import ExportDialog, describe_output_line
from simcse_tui.dialogs.help import HelpScreen
from simcse_tui.dialogs.path_prompt import PathDialog
from simcse_tui.dialogs.run_report import RunReportDialog
from simcse_tui.screens.live.live_screen import LiveScreen
from simcse_tui.screens.query.hits_table import HitsTable
from simcse_tui.screens.query.query_screen import QueryScreen
from simcse_tui.screens.runs.launch_form import LaunchForm
from simcse_tui.screens.runs.runs_screen import RunsScreen
from simcse_tui.screens.sts.sts_screen import StsScreen
from simcse_tui.settings import load_settings, settings_path
from simcse_tui.widgets.navbar import NavBar
from trainers.events import make_event, read_events

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "runs"
FAKE_WORKER = (sys.executable, str(HERE / "fixtures" / "fake_worker.py"))
FAKE_SERVE = (sys.executable, str(HERE / "fixtures" / "fake_serve.py"))
# The exporter's stand-in: prints its arguments, writes a file into OUT_DIR (argv[2]).
FAKE_EXPORT = (sys.executable, "-c", (
    "import sys, pathlib; print('export', *sys.argv[1:]); out = pathlib.Path(sys.argv[2]); "
    "out.mkdir(parents=True, exist_ok=True); (out / 'config.json').write_text('{}'); print('done')"))
FINISHED = "20231114-221320-unsup-simcse-a1b2c3"
RUNNING = "20231115-091500-sup-simcse-d4e5f6"
FAILED = "20231115-101000-mirror-bert-0a0b0c"
MALFORMED = "20231115-103000-unsup-simcse-badf00"
RUNNING_LAST_T = 1_700_040_154.0
SIZE = (120, 40)


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings go to tmp_path, never to the real user's config folder; no data folder (demo corpus)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("SIMCSE_TUI_DATA", raising=False)
    return tmp_path / "config"


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    target = tmp_path / "runs"
    shutil.copytree(FIXTURES, target)
    return target


def pilot_test(test: Callable[..., object]) -> Callable[..., None]:
    """Run an async test body in a fresh event loop (no async pytest plugin needed)."""

    @functools.wraps(test)
    def run(*args: object, **kwargs: object) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def make_app(runs_dir: Path, **overrides) -> SimcseApp:
    options = dict(clock=lambda: RUNNING_LAST_T + 5, poll_interval=None, redraw_interval=0.0,
                   worker_argv=FAKE_WORKER, serve_argv=FAKE_SERVE, export_argv=FAKE_EXPORT,
                   presets_dir=runs_dir.parent / "presets")
    options.update(overrides)
    return SimcseApp(runs_dir, **options)


async def poll(app: SimcseApp, pilot: Pilot) -> None:
    app.poll_runs()
    await pilot.pause()


async def until(pilot: Pilot, condition: Callable[[], object], timeout: float = 20.0) -> None:
    """Let the app run until `condition()` holds: for replies from the fake subprocesses."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for a worker subprocess")
        await pilot.pause(0.02)


def append_step(runs_dir: Path, run: str, step: int, t: float) -> None:
    line = json.dumps(make_event("step", run, t=t, step=step, epoch=0.3, loss=0.2, lr=1e-5, grad_norm=1.0,
                                 sentences_per_s=250.0))
    with open(runs_dir / run / "events.jsonl", "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def cell(screen: RunsScreen, run: str, column: str) -> str:
    return str(screen.table.get_cell(str(screen.workbench.runs_dir / run), column))


# -- runs screen -----------------------------------------------------------------------


@pilot_test
async def test_runs_screen_lists_the_recorded_runs_with_status_step_and_score(runs_dir: Path) -> None:
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        assert screen.table.row_count == 4
        assert cell(screen, RUNNING, "status") == "running"
        assert cell(screen, RUNNING, "step") == "600/2000"
        assert cell(screen, FAILED, "status") == "failed"
        assert cell(screen, FINISHED, "stsb") == "83.26"
        assert len(cell(screen, FINISHED, "loss")) == 10  # the sparkline
        assert MALFORMED in str(screen.details.render())  # the first row is highlighted


@pilot_test
async def test_appended_events_show_up_after_the_next_poll(runs_dir: Path) -> None:
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        append_step(runs_dir, RUNNING, 610, RUNNING_LAST_T + 1)
        await poll(app, pilot)
        assert cell(app.screen, RUNNING, "step") == "610/2000"


@pilot_test
async def test_malformed_lines_are_shown_as_a_warning_never_a_crash(runs_dir: Path) -> None:
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        details = str(app.screen.details.render())
        assert "5 warning(s), 4 malformed line(s) skipped" in details
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunReportDialog)
        assert "events.jsonl:6: skipped, not JSON" in "\n".join(app.screen.warnings)
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)


@pilot_test
async def test_a_run_folder_deleted_while_watched_turns_missing(runs_dir: Path) -> None:
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        shutil.rmtree(runs_dir / RUNNING)
        await poll(app, pilot)
        assert cell(app.screen, RUNNING, "status") == "missing"
        await pilot.press("2")  # the app keeps working
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)


@pilot_test
async def test_a_failed_run_shows_its_message_and_hint_in_a_modal(runs_dir: Path) -> None:
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, RunReportDialog)
        assert dialog.failure.message.startswith("CUDA out of memory")
        hint = dialog.query_one("#hint").render()
        assert "lower batch_size" in str(hint)


@pilot_test
async def test_the_launch_form_checks_each_value_as_you_type(runs_dir: Path) -> None:
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        form = app.screen.query_one(LaunchForm)
        launch = form.query_one("#launch", Button)
        field = form.query_one("#field-batch_size", Input)
        field.focus()
        field.value = ""
        await pilot.press(*"abc")
        await pilot.pause()
        error = form.query_one("#error-batch_size", Label)
        assert "key 'batch_size' must be an integer" in str(error.render())
        assert error.has_class("-shown") and launch.disabled
        field.value = ""
        await pilot.press("3", "2")
        await pilot.pause()
        assert not error.has_class("-shown") and not launch.disabled
        assert form.values()["batch_size"] == 32
        form.query_one("#field-objective", Select).value = "labelled"  # needs a label-aware loss
        await pilot.pause()
        assert "objective 'labelled' needs a label-aware loss" in form.errors[""]
        assert launch.disabled


@pilot_test
async def test_a_preset_fills_the_form_and_launches_its_other_keys_too(runs_dir: Path) -> None:
    presets = runs_dir.parent / "presets"
    presets.mkdir()
    (presets / "mirror.toml").write_text('objective = "mirror-bert"\ntemperature = 0.04\nspan_length = 3\n',
                                         encoding="utf-8")
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        form = app.screen.query_one(LaunchForm)
        form.query_one("#preset", Select).value = "mirror"
        await pilot.pause()
        assert form.query_one("#field-objective", Select).value == "mirror-bert"
        assert form.query_one("#field-temperature", Input).value == "0.04"
        assert form.values()["span_length"] == 3 and form.is_valid


@pilot_test
async def test_launching_from_the_form_then_stopping_from_the_table(runs_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_WORKER_MODE", "wait")
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        app.screen.query_one(LaunchForm).submit()
        await pilot.pause()
        app.poll_runs()
        new = [run for run in app.workbench.runs() if run.run_id not in (FINISHED, RUNNING, FAILED, MALFORMED)]
        assert len(new) == 1
        run = new[0]
        await until(pilot, lambda: (run.path / "child.pid").exists())  # its SIGTERM handler is set
        await poll(app, pilot)
        assert cell(app.screen, run.run_id, "status") == "running"
        assert app.screen.table.selected_key == str(run.path)  # the new run is highlighted
        await pilot.press("s")
        assert app.workbench.launcher.wait(run.path, timeout=30) == 0
        await poll(app, pilot)
        assert cell(app.screen, run.run_id, "status") == "stopped"
        assert [e["kind"] for e in read_events(run.path / "events.jsonl")][-1] == "run_stopped"


@pilot_test
async def test_a_launched_run_that_fails_pops_its_report_and_the_ui_keeps_working(runs_dir, monkeypatch):
    monkeypatch.setenv("FAKE_WORKER_MODE", "fail")
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        app.screen.query_one(LaunchForm).submit()
        await pilot.pause()

        def report_shown() -> bool:
            app.poll_runs()
            return isinstance(app.screen, RunReportDialog)

        await until(pilot, report_shown)
        assert app.screen.failure.message == "the data file has no sentences"
        assert "point train_file at a text file" in app.screen.failure.hint
        await pilot.press("escape")
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)


# -- live screen -----------------------------------------------------------------------


@pilot_test
async def test_live_charts_draw_every_metric_and_redraw_only_what_changed(runs_dir: Path) -> None:
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        assert len(app.workbench.chart_runs) == 4
        charts = ("loss", "plane", "lr", "stsb", "alignment", "uniformity")
        before = {name: screen.chart(name).draws for name in charts}
        assert all(before.values())
        key = str(runs_dir / RUNNING)
        assert screen.last_drawn_step(key) == 600
        append_step(runs_dir, RUNNING, 610, RUNNING_LAST_T + 1)
        await poll(app, pilot)
        after = {name: screen.chart(name).draws for name in charts}
        assert screen.last_drawn_step(key) == 610
        assert [n for n in charts if after[n] != before[n]] == ["loss", "lr"]  # no eval: the rest stay


@pilot_test
async def test_x_axis_and_smoothing_change_and_are_remembered(runs_dir: Path) -> None:
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await pilot.press("2", "x", "right_square_bracket")
        await pilot.pause()
        settings, problem = load_settings(settings_path())
        assert problem is None and settings.x_axis == "time" and settings.smoothing == pytest.approx(0.65)
        assert "minutes" in str(app.screen.chart("loss").plt.build())


@pilot_test
async def test_unticking_a_run_takes_it_off_the_charts(runs_dir: Path) -> None:
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        app.screen.picker.deselect(str(runs_dir / FAILED))
        await pilot.pause()
        assert str(runs_dir / FAILED) not in app.workbench.chart_runs
        assert len(app.workbench.chart_runs) == 3


# -- query panel -----------------------------------------------------------------------


async def open_query(app: SimcseApp, pilot: Pilot) -> QueryScreen:
    await poll(app, pilot)
    await pilot.press("3")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, QueryScreen)
    await until(pilot, lambda: "ready" in str(screen.status.render()))
    return screen


def first_hit(screen: QueryScreen, table: str = "#hits-a") -> str:
    hits = screen.query_one(table, HitsTable)
    return str(hits.get_row_at(0)[-1]) if hits.row_count else ""


@pilot_test
async def test_query_ranks_the_corpus_and_compares_two_checkpoints(runs_dir: Path) -> None:
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_query(app, pilot)
        screen.query_input.value = "a man plays the guitar"
        await pilot.press("enter")
        await until(pilot, lambda: screen.query_one("#hits-a", HitsTable).row_count == 10)
        assert first_hit(screen) == "A man is playing a guitar."
        specs = [c.spec for c in app.workbench.checkpoints()]
        screen.picker.select_b.value = specs[1]
        await until(pilot, lambda: screen.query_one("#hits-b", HitsTable).row_count == 10)
        assert screen.query_one("#column-b").has_class("-shown")
        markers = [str(row[2]) for row in (screen.query_one("#hits-b", HitsTable).get_row_at(i)
                                           for i in range(10))]
        assert all(m == "=" or m == "new" or m[0] in "↑↓" for m in markers)
        assert load_settings(settings_path())[0].query_checkpoints == [specs[0], specs[1]]


@pilot_test
async def test_stale_query_replies_are_dropped(runs_dir: Path) -> None:
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_query(app, pilot)
        screen.query_input.value = "stock market"
        await pilot.press("enter")
        await until(pilot, lambda: screen.shown_seq == screen.seq and first_hit(screen))
        shown = first_hit(screen)
        assert shown == "The stock market fell sharply on Monday."
        stale = [{"index": 99, "sentence": "a stale reply", "score": 1.0}]
        screen.post_message(QueryScreen.Ranked(screen.seq - 1, screen.picker.chosen,
                                               [{"hits": stale, "elapsed_ms": 1.0}]))
        await pilot.pause()
        assert first_hit(screen) == shown
        screen.query_input.value = ""
        await pilot.press(*"a cat sleeps")  # keystrokes in a burst: replies to the prefixes are dropped
        await until(pilot, lambda: screen.shown_seq == screen.seq and first_hit(screen) != shown)
        assert first_hit(screen) == "A cat is sleeping on a warm windowsill."
        assert screen.query_input.value == "a cat sleeps"


@pilot_test
async def test_a_crashed_embedding_worker_is_reported_and_the_next_query_restarts_it(runs_dir: Path) -> None:
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_query(app, pilot)
        await pilot.press(*"crash!")  # queried as typed: no enter needed
        await until(pilot, lambda: screen.status.has_class("-error"))
        assert "exited with code 3 while answering 'rank'" in str(screen.status.render())
        screen.query_input.value = "a woman slices an onion"
        await pilot.press("enter")
        await until(pilot, lambda: first_hit(screen) == "A woman is slicing an onion.")
        assert app.workbench.embedder.starts == 2


@pilot_test
async def test_a_corpus_file_loads_with_progress_and_is_queried(runs_dir: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("".join(f"line number {i} about topic {i % 7}\n" for i in range(30)), encoding="utf-8")
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_query(app, pilot)
        shown: list[str] = []
        original = screen.progress.show
        screen.progress.show = lambda p: (shown.append(f"{p.done}/{p.total}"), original(p))
        await pilot.press("escape", "c")
        await pilot.pause()
        assert isinstance(app.screen, PathDialog)
        app.screen.query_one(Input).value = str(corpus)
        await pilot.press("enter")
        await until(pilot, lambda: "corpus.txt (30 sentences) ready" in str(screen.status.render()))
        assert "30/30" in shown  # the progress bar followed the embedding
        screen.query_input.value = "topic 3"
        await pilot.press("enter")
        await until(pilot, lambda: "topic 3" in first_hit(screen))


# -- STS panel -----------------------------------------------------------------------


@pilot_test
async def test_sts_panel_scores_a_pair_and_browses_a_set_by_error(runs_dir: Path) -> None:
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await pilot.press("4")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StsScreen)
        screen.query_one("#s1", Input).value = "A cat sleeps."
        screen.query_one("#s2", Input).value = "A cat sleeps."
        screen.score_pair()
        await until(pilot, lambda: "A: 1.0000" in str(screen.query_one("#pair-scores").render()))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.pairs.row_count == 12)
        assert "Spearman x100 A" in str(screen.query_one("#spearman").render())
        errors = [abs(float(str(screen.pairs.get_row_at(i)[3]))) for i in range(12)]
        assert errors == sorted(errors, reverse=True)  # by |rank error| by default
        await pilot.press("escape", "g")
        assert str(screen.pairs.get_row_at(0)[1]) == "4.80"


# -- export, help, palette, theme ----------------------------------------------------------


@pilot_test
async def test_export_refuses_a_non_empty_folder_unless_confirmed(runs_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "exported"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#out-dir", Input).value = str(out)
        dialog.action_export()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.click("#cancel")
        await pilot.pause()
        assert "not exported" in str(dialog.result.render())
        dialog.action_export()
        await pilot.pause()
        await pilot.click("#confirm")
        await until(pilot, lambda: "exported to" in str(dialog.result.render()))
        output = "\n".join(dialog.output.lines)
        assert "--overwrite" in output and str(out) in output and "done" in output


@pilot_test
async def test_help_and_command_palette_entries(runs_dir: Path) -> None:
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        provider = WorkbenchCommands(app.screen)
        titles = [hit.text async for hit in provider.search("run")]
        assert f"Stop run {RUNNING}" in titles and f"Resume run {FAILED}" in titles
        assert "Launch a run" in titles and "Open a run folder" in titles
        switch = [hit async for hit in provider.search("switch checkpoint")]
        assert switch
        discovered = [hit.text async for hit in provider.discover()]
        assert "Export a checkpoint" in discovered


@pilot_test
async def test_the_theme_is_remembered_across_sessions(runs_dir: Path) -> None:
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "nord"
        await pilot.pause()
    settings = load_settings(settings_path())[0]
    assert settings.theme == "nord" and settings.runs_dir == str(runs_dir.resolve())
    again = make_app(runs_dir)
    async with again.run_test(size=SIZE):
        assert again.theme == "nord"


@pilot_test
async def test_opening_a_run_folder_written_elsewhere(runs_dir: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "cluster" / "torchrun-job-17"
    shutil.copytree(runs_dir / FINISHED, elsewhere)
    app = make_app(tmp_path / "empty-runs")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await pilot.pause()
        app.screen.query_one(Input).value = str(elsewhere)
        await pilot.press("enter")
        await poll(app, pilot)
        assert [run.run_id for run in app.workbench.runs()] == ["torchrun-job-17"]
        assert app.screen.table.row_count == 1


def test_the_exporters_events_are_shown_in_words() -> None:
    finished = make_event("run_finished", "export", step=0, best_stsb_dev_spearman=None, best_checkpoint="c",
                          message="exported c to out (loads in transformers and sentence-transformers)")
    failed = make_event("run_failed", "export", message="out is not empty", traceback="",
                        hint="pass --overwrite")
    assert describe_output_line(json.dumps(finished)).startswith("exported c to out")
    assert describe_output_line(json.dumps(failed)) == "failed: out is not empty\n  what to do: pass --overwrite"
    assert describe_output_line("plain text") == "plain text"


def test_a_data_folder_from_the_environment_offers_its_corpora(runs_dir: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert [corpus for _, corpus in make_app(runs_dir).workbench.corpora()] == ["demo"]
    monkeypatch.setenv("SIMCSE_TUI_DATA", str(tmp_path))
    app = make_app(runs_dir)
    assert app.workbench.data_dir == tmp_path
    assert [corpus for _, corpus in app.workbench.corpora()] == ["wiki", "stsb", "demo"]


@pilot_test
async def test_the_mouse_switches_screens_from_the_top_line(runs_dir: Path) -> None:
    app = make_app(runs_dir)
    async with app.run_test(size=SIZE) as pilot:
        await poll(app, pilot)
        await pilot.click(NavBar, offset=(25, 0))  # " 2 Live "
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
        await pilot.click(NavBar, offset=(16, 0))  # " 1 Runs "
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
