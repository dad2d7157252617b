"""The buttons under the run details: what can be done to the highlighted run right now."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button

from simcse_tui.runs.model import Status

STOPPABLE = (Status.STARTING, Status.RUNNING, Status.STALLED)
RESUMABLE = (Status.STOPPED, Status.FAILED, Status.STALLED)


class RunActions(Horizontal):
    """Stop, resume, log, report and watch; each enabled only when it applies.

    The presses bubble up to the runs screen, which owns the actions (the same
    ones its key bindings run).
    """

    DEFAULT_CSS = """
    RunActions { height: 1; padding: 0 1; }
    RunActions Button { margin-right: 1; min-width: 8; width: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Button("Stop", id="stop", compact=True, tooltip="s: SIGTERM, graceful")
        yield Button("Resume", id="resume", compact=True, tooltip="r: continue from checkpoint")
        yield Button("Log", id="log", compact=True, tooltip="l: worker.log")
        yield Button("Report", id="report", compact=True, tooltip="enter: failure and warnings")
        yield Button("Watch", id="watch", compact=True, tooltip="w: live charts")

    def show_for(self, status: str | None) -> None:
        """Enable what applies to a run in `status` (None: no run highlighted)."""
        self.query_one("#stop", Button).disabled = status not in STOPPABLE
        self.query_one("#resume", Button).disabled = status not in RESUMABLE
        for name in ("log", "report", "watch"):
            self.query_one(f"#{name}", Button).disabled = status is None
