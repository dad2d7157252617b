"""Why a run failed (message, hint, traceback) and what went wrong while reading it (warnings)."""

from __future__ import annotations

import threading

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Collapsible, Label, Static

from simcse_tui.dialogs.log_viewer import LogViewer
from simcse_tui.runs.model import Failure, RunState
from simcse_tui.runs.watcher import LOG_FILE


class RunReportDialog(ModalScreen[str | None]):
    """Dismisses with "log" when the user asks for the worker log, else None."""

    BINDINGS = [
        Binding("escape", "close", "Close", tooltip="Back to where you were"),
        Binding("l", "open_log", "Worker log", tooltip="Show the worker's stdout and stderr"),
    ]

    DEFAULT_CSS = """
    RunReportDialog { align: center middle; }
    RunReportDialog > Vertical {
        width: 90%; max-width: 110; height: auto; max-height: 90%; padding: 1 2;
        border: thick $error; background: $surface;
    }
    RunReportDialog.-ok > Vertical { border: thick $warning; }
    RunReportDialog #heading { text-style: bold; margin-bottom: 1; }
    RunReportDialog #message { margin-bottom: 1; }
    RunReportDialog #hint { color: $success; margin-bottom: 1; }
    RunReportDialog VerticalScroll { height: auto; max-height: 16; }
    RunReportDialog Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    RunReportDialog Button { margin-left: 2; }
    """

    def __init__(self, run_id: str, failure: Failure | None, warnings: list[str],
                 warning_count: int) -> None:
        super().__init__()
        self.run_id = run_id
        self.failure = failure
        self.warnings = warnings
        self.warning_count = warning_count

    def compose(self) -> ComposeResult:
        with Vertical():
            if self.failure is not None:
                yield Label(f"Run {self.run_id} failed", id="heading")
                yield Static(self.failure.message, id="message", markup=False)
                if self.failure.hint:
                    yield Static(f"What to do: {self.failure.hint}", id="hint", markup=False)
                if self.failure.traceback:
                    with Collapsible(title="Traceback", collapsed=True):
                        yield Static(self.failure.traceback, markup=False)
            else:
                yield Label(f"Run {self.run_id}", id="heading")
            if self.warnings:
                shown = len(self.warnings)
                more = f" (the last {shown} shown)" if self.warning_count > shown else ""
                yield Label(f"{self.warning_count} warning(s){more}:")
                with VerticalScroll():
                    yield Static("\n".join(self.warnings), markup=False)
            elif self.failure is None:
                yield Label("Nothing went wrong.")
            with Horizontal():
                yield Button("Worker log", id="log")
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.set_class(self.failure is None, "-ok")
        self.query_one("#close", Button).focus()

    @on(Button.Pressed, "#log")
    def action_open_log(self) -> None:
        """Close this and show the worker log."""
        self.dismiss("log")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        """Close the report."""
        self.dismiss(None)


def show_run_report(app: App[object], run: RunState, lock: threading.RLock) -> None:
    """Push the report of `run` (read under the watcher's `lock`); open its log if asked to."""
    with lock:
        dialog = RunReportDialog(run.run_id, run.failure, list(run.warnings), run.warning_count)
    log_path = run.path / LOG_FILE

    def closed(choice: str | None) -> None:
        if choice == "log":
            app.push_screen(LogViewer(log_path))

    app.push_screen(dialog, closed)
