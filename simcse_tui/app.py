"""The Textual app: four screens (runs, live, query, STS) over one shared workbench.

Start it from code with `run_app(runs_dir, open_dirs, data_dir)`, or build
`SimcseApp(...)` yourself (tests pass a fixed clock, a temporary settings
file, fake worker commands and `poll_interval=None` to drive polling by hand).

The app owns the thread that polls run folders: the watcher's callbacks post
`RunsPolled` (coalescing: a backlog of polls collapses to one) and
`RunFailed`; the handler bumps the workbench's revision and lets the current
screen redraw (at most a few times a second). Screens other than the runs
screen are built the first time they are shown, and dialogs are imported when
first opened, so the first frame imports neither plotext, numpy nor markdown.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from textual import on
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.worker import get_current_worker

from simcse_tui.embedding_client import DATA_ENV, SERVE_ARGV, EmbeddingClient
from simcse_tui.runs.launcher import WORKER_ARGV, Launcher
from simcse_tui.runs.presets import default_presets_dir
from simcse_tui.runs.watcher import DEFAULT_STALL_AFTER_S, RunWatcher
from simcse_tui.screens.base import REDRAW_INTERVAL_S, WorkbenchScreen, notify_error
from simcse_tui.settings import load_settings
from simcse_tui.workbench import EXPORT_ARGV, Workbench
from trainers.errors import SimcseError

POLL_INTERVAL_S = 0.25


class SimcseApp(App[None]):
    """simcse-tui: launch, watch, query, score and export contrastive sentence encoders."""

    TITLE = "simcse-tui"
    DEFAULT_MODE = "runs"
    COMMANDS = App.COMMANDS | {lambda: _workbench_commands()}

    BINDINGS = [
        Binding("1", "switch_mode('runs')", "Runs", tooltip="Runs, launch form, stop and resume", id="go-runs"),
        Binding("2", "switch_mode('live')", "Live", tooltip="Live charts and the alignment-uniformity plane",
                id="go-live"),
        Binding("3", "switch_mode('query')", "Query", tooltip="Nearest sentences under one or two checkpoints",
                id="go-query"),
        Binding("4", "switch_mode('sts')", "STS", tooltip="Sentence-pair similarity and STS sets",
                id="go-sts"),
        Binding("e", "export", "Export", tooltip="Export a checkpoint for transformers / sentence-transformers",
                id="export"),
        Binding("o", "open_run", "Open run", tooltip="Watch a run folder written elsewhere (e.g. torchrun)",
                id="open-run", show=False),
        Binding("question_mark,f1", "help", "Help", key_display="?", tooltip="Keys and concepts", id="help"),
        Binding("ctrl+t", "change_theme", "Theme", tooltip="Change the colour theme (remembered)",
                id="theme", show=False),
    ]

    class RunsPolled(Message):
        """A poll found changes; a burst of these collapses to the latest."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, SimcseApp.RunsPolled)

    class RunFailed(Message):
        """A run watched live (or launched here) has just failed."""

        def __init__(self, run_dir: Path) -> None:
            super().__init__()
            self.run_dir = run_dir

    def __init__(
        self,
        runs_dir: Path,
        open_dirs: Iterable[Path] = (),
        data_dir: Path | None = None,
        *,
        settings_file: Path | None = None,
        clock: Callable[[], float] = time.time,
        poll_interval: float | None = POLL_INTERVAL_S,
        redraw_interval: float = REDRAW_INTERVAL_S,
        stall_after_s: float = DEFAULT_STALL_AFTER_S,
        worker_argv: Sequence[str] = WORKER_ARGV,
        serve_argv: Sequence[str] = SERVE_ARGV,
        export_argv: Sequence[str] = EXPORT_ARGV,
        presets_dir: Path | None = None,
    ) -> None:
        super().__init__()
        runs_dir = Path(runs_dir).expanduser().resolve()
        if data_dir is None and os.environ.get(DATA_ENV):
            data_dir = Path(os.environ[DATA_ENV])  # the worker would use it anyway: offer its corpora
        settings, self._settings_problem = load_settings(settings_file)
        self._remember_runs_dir = settings.runs_dir != str(runs_dir)
        settings.runs_dir = str(runs_dir)
        launcher = Launcher(runs_dir, worker_argv)
        watcher = RunWatcher(
            runs_dir, open_dirs, stall_after_s=stall_after_s, clock=clock, worker_alive=launcher.is_alive,
            on_changed=lambda _changed: self.post_message(self.RunsPolled()),
            on_failed=lambda run: self.post_message(self.RunFailed(run.path)),
        )
        self.workbench = Workbench(
            runs_dir=runs_dir, data_dir=data_dir, watcher=watcher, launcher=launcher,
            embedder=EmbeddingClient(serve_argv, log_path=runs_dir / "serve.log", data_dir=data_dir),
            settings=settings, settings_file=settings_file, clock=clock,
            presets_dir=presets_dir if presets_dir is not None else default_presets_dir(),
            export_argv=tuple(export_argv),
        )
        self.poll_interval = poll_interval
        self.redraw_interval = redraw_interval
        self._stop_polling = threading.Event()
        for mode, factory in self._mode_factories().items():
            self.add_mode(mode, factory)
        if settings.theme in self.available_themes:
            self.theme = settings.theme

    def _mode_factories(self) -> dict[str, Callable[[], Screen]]:
        def runs() -> Screen:
            from simcse_tui.screens.runs.runs_screen import RunsScreen
            return RunsScreen(self.workbench, redraw_interval=self.redraw_interval)

        def live() -> Screen:
            from simcse_tui.screens.live.live_screen import LiveScreen
            return LiveScreen(self.workbench, redraw_interval=self.redraw_interval)

        def query() -> Screen:
            from simcse_tui.screens.query.query_screen import QueryScreen
            return QueryScreen(self.workbench, redraw_interval=self.redraw_interval)

        def sts() -> Screen:
            from simcse_tui.screens.sts.sts_screen import StsScreen
            return StsScreen(self.workbench, redraw_interval=self.redraw_interval)

        return {"runs": runs, "live": live, "query": query, "sts": sts}

    # -- life cycle ----------------------------------------------------------------

    def on_mount(self) -> None:
        if self._settings_problem:
            self.notify(self._settings_problem, title="Settings", severity="warning", markup=False)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self._remember_runs_dir:
            self.save_settings()
        if self.poll_interval is not None:
            self.run_worker(self._poll_forever, thread=True, group="watch", name="run watcher")

    def on_unmount(self) -> None:
        self._stop_polling.set()
        self.workbench.embedder.close()

    def poll_runs(self) -> None:
        """Poll the run folders once, now, on this thread (tests call this instead of waiting)."""
        self.workbench.watcher.poll()

    def _poll_forever(self) -> None:
        """Thread worker: poll, wait, repeat; never touches a widget (the callbacks post messages)."""
        worker = get_current_worker()
        while not worker.is_cancelled and not self._stop_polling.is_set():
            try:
                self.workbench.watcher.poll()
            except OSError as exc:  # a folder that cannot be read must not end the watching
                self.call_from_thread(self.notify, f"reading runs failed: {exc}", severity="error")
            self._stop_polling.wait(self.poll_interval)

    @on(RunsPolled)
    def _runs_polled(self) -> None:
        self.workbench.revision += 1
        if isinstance(self.screen, WorkbenchScreen):
            self.screen.runs_changed()

    @on(RunFailed)
    def _run_failed(self, event: RunFailed) -> None:
        from simcse_tui.dialogs.run_report import show_run_report

        run = self.workbench.watcher.get(event.run_dir)
        if run is not None:
            show_run_report(self, run, self.workbench.watcher.lock)

    def _theme_changed(self, _theme: object) -> None:
        self.workbench.settings.theme = self.theme
        self.save_settings()

    def save_settings(self) -> None:
        """Persist the settings, telling the user if that is not possible."""
        try:
            self.workbench.save_settings()
        except SimcseError as exc:
            notify_error(self.screen, exc)

    # -- actions ---------------------------------------------------------------------

    def action_help(self) -> None:
        """Show the help screen."""
        from simcse_tui.dialogs.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_export(self, checkpoint: str | None = None) -> None:
        """Open the export dialog (on the query panel's checkpoint A unless told otherwise)."""
        from simcse_tui.dialogs.export import ExportDialog

        # The exporter takes checkpoint folders (a base model is already exported as it is).
        choices = [c for c in self.workbench.checkpoints() if c.kind != "base"]
        if not choices:
            self.notify("No run has written a checkpoint yet.", title="Nothing to export", severity="warning")
            return
        if checkpoint is None and self.workbench.settings.query_checkpoints:
            checkpoint = self.workbench.settings.query_checkpoints[0]
        self.push_screen(ExportDialog(choices, self.workbench.export_argv, selected=checkpoint))

    def action_open_run(self) -> None:
        """Ask for a run folder (or a folder of runs) to watch too."""
        from simcse_tui.dialogs.path_prompt import PathDialog

        def chosen(folder: Path | None) -> None:
            if folder is not None:
                self.workbench.open_dir(folder)
                self.notify(f"Watching {folder}", title="Opened")

        self.push_screen(PathDialog("Open a run folder, or a folder of run folders", want="dir",
                                    placeholder="/path/to/runs/20240101-120000-unsup-simcse-1a2b3c"), chosen)


def _workbench_commands() -> type:
    """The command palette provider, imported when the palette first opens."""
    from simcse_tui.commands import WorkbenchCommands

    return WorkbenchCommands


def run_app(runs_dir: Path, open_dirs: Iterable[Path] = (), data_dir: Path | None = None) -> None:
    """Run the app in this terminal until the user quits."""
    SimcseApp(runs_dir, list(open_dirs), data_dir).run()
