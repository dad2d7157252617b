"""The runs screen: every run, the highlighted run's details and actions, and the launch form."""

from __future__ import annotations

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.lazy import Lazy
from textual.widgets import Button, DataTable, Footer

from simcse_tui.dialogs.log_viewer import LogViewer
from simcse_tui.dialogs.run_report import show_run_report
from simcse_tui.runs.model import RunState
from simcse_tui.runs.presets import load_presets
from simcse_tui.runs.watcher import LOG_FILE
from simcse_tui.screens.base import REDRAW_INTERVAL_S, WorkbenchScreen, notify_error
from simcse_tui.screens.runs.launch_form import LaunchForm
from simcse_tui.screens.runs.run_actions import RunActions
from simcse_tui.screens.runs.run_details import RunDetails
from simcse_tui.screens.runs.runs_table import RunsTable
from simcse_tui.widgets.navbar import NavBar
from simcse_tui.workbench import Workbench
from trainers.errors import SimcseError


class RunsScreen(WorkbenchScreen):
    """Runs table, details, run actions and the launch form."""

    BINDINGS = [
        Binding("s", "stop", "Stop", tooltip="Stop the highlighted run gracefully (SIGTERM)", id="stop"),
        Binding("r", "resume", "Resume", tooltip="Resume the highlighted run from its checkpoint", id="resume"),
        Binding("l", "log", "Log", tooltip="Show the worker log of the highlighted run", id="log"),
        Binding("w", "watch", "Watch", tooltip="Show the highlighted run on the live charts", id="watch"),
        Binding("n", "new_run", "New run", tooltip="Go to the launch form", id="new-run"),
        Binding("escape", "leave_field", "Leave field", show=False),
    ]

    DEFAULT_CSS = """
    RunsScreen #runs-left { width: 1fr; }
    """

    table = getters.query_one("#runs-table", RunsTable)
    details = getters.query_one("#run-details", RunDetails)
    actions = getters.query_one("#run-actions", RunActions)

    def __init__(self, workbench: Workbench, *, redraw_interval: float = REDRAW_INTERVAL_S) -> None:
        super().__init__(workbench, redraw_interval=redraw_interval)
        self._just_launched: str | None = None

    def compose(self) -> ComposeResult:
        yield NavBar("runs")
        with Horizontal():
            with Vertical(id="runs-left"):
                yield RunsTable(id="runs-table")
                yield RunDetails(id="run-details")
                yield RunActions(id="run-actions")
            presets, problems = load_presets(self.workbench.presets_dir)
            # Mounted just after the first frame: the table shows up sooner.
            yield Lazy(LaunchForm(presets, problems, id="launch-form"))
        yield Footer()

    # -- regions ---------------------------------------------------------------------

    @property
    def selected_run(self) -> RunState | None:
        key = self.table.selected_key
        return self.workbench.run(key) if key else None

    def on_mount(self) -> None:
        self.table.focus()
        self.refresh_view()

    def refresh_view(self) -> None:
        with self.workbench.watcher.lock:  # the watcher thread must not change a run mid-row
            self.table.show_runs(self.workbench.runs(), self.workbench.colours)
        if self._just_launched is not None and self.table.select_run(self._just_launched):
            self._just_launched = None
        self._show_selected()

    def _show_selected(self) -> None:
        run = self.selected_run
        with self.workbench.watcher.lock:
            self.details.show(run, self.workbench.clock())
            status = run.status if run else None
        self.actions.show_for(status)

    @on(DataTable.RowHighlighted, "#runs-table")
    def _row_highlighted(self) -> None:
        self._show_selected()

    @on(DataTable.RowSelected, "#runs-table")
    @on(Button.Pressed, "#report")
    def action_report(self) -> None:
        """Show the highlighted run's failure (message, hint, traceback) and warnings."""
        run = self.selected_run
        if run is not None:
            show_run_report(self.app, run, self.workbench.watcher.lock)

    # -- actions ---------------------------------------------------------------------

    @on(Button.Pressed, "#stop")
    def action_stop(self) -> None:
        """Stop the highlighted run: SIGTERM to its worker's process group."""
        run = self.selected_run
        if run is None:
            return
        try:
            pid = self.workbench.stop(str(run.path))
        except SimcseError as exc:
            notify_error(self, exc)
            return
        self.notify(f"Asked {run.run_id} to stop (SIGTERM to pid {pid}); it finishes its step, "
                    "writes a checkpoint and stops.", title="Stopping")

    @on(Button.Pressed, "#resume")
    def action_resume(self) -> None:
        """Start the highlighted run's worker again from its last checkpoint."""
        run = self.selected_run
        if run is None:
            return
        try:
            pid = self.workbench.resume(str(run.path))
        except SimcseError as exc:
            notify_error(self, exc)
            return
        self.notify(f"Resumed {run.run_id} (pid {pid}).", title="Resuming")

    @on(Button.Pressed, "#log")
    def action_log(self) -> None:
        """Show the highlighted run's worker log."""
        run = self.selected_run
        if run is not None:
            self.app.push_screen(LogViewer(run.path / LOG_FILE))

    @on(Button.Pressed, "#watch")
    def action_watch(self) -> None:
        """Show the highlighted run on the live charts."""
        run = self.selected_run
        if run is not None:
            self.workbench.show_on_charts(str(run.path))
            self.app.switch_mode("live")

    def action_new_run(self) -> None:
        """Focus the launch form."""
        self.query_one("#field-model").focus()

    def action_leave_field(self) -> None:
        """Take the focus back to the runs table (so the single-key bindings work again)."""
        self.table.focus()

    @on(LaunchForm.Submitted)
    def _launch(self, event: LaunchForm.Submitted) -> None:
        try:
            launched = self.workbench.launch(event.values)
        except SimcseError as exc:
            notify_error(self, exc)
            return
        self.notify(f"Started {launched.run_id} (pid {launched.pid}); output goes to its worker.log.",
                    title="Launched")
        self._just_launched = str(launched.path)  # highlighted once the watcher has seen it
        self.table.focus()

