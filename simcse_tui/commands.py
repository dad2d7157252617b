"""Command palette entries (ctrl+p) for the main actions: launch, stop, resume, export,
open a run folder, switch the checkpoint, go to a screen, show a worker log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from simcse_tui.dialogs.log_viewer import LogViewer
from simcse_tui.runs.model import Status
from simcse_tui.runs.watcher import LOG_FILE
from simcse_tui.screens.base import notify_error
from trainers.errors import SimcseError

if TYPE_CHECKING:
    from simcse_tui.app import SimcseApp

Command = tuple[str, str, Callable[[], object]]  # (title, help, callback)


class WorkbenchCommands(Provider):
    """The app's own commands, rebuilt from the current runs each time the palette opens."""

    @property
    def simcse_app(self) -> SimcseApp:
        return cast("SimcseApp", self.app)

    def _commands(self) -> Iterator[Command]:
        app = self.simcse_app
        workbench = app.workbench
        yield "Launch a run", "Go to the launch form", self._launch_form
        yield "Export a checkpoint", "For transformers and sentence-transformers", app.action_export
        yield "Open a run folder", "Watch a run written elsewhere (e.g. by torchrun)", app.action_open_run
        for mode, title in (("runs", "Runs"), ("live", "Live charts"), ("query", "Query"), ("sts", "STS")):
            yield f"Go to {title}", f"Switch to the {title.lower()} screen", partial(app.switch_mode, mode)
        for run in workbench.runs():
            key = str(run.path)
            if run.status in (Status.RUNNING, Status.STARTING, Status.STALLED):
                yield f"Stop run {run.run_id}", "SIGTERM: finish the step, checkpoint, stop", partial(self._stop, key)
            if run.status in (Status.STOPPED, Status.FAILED, Status.STALLED):
                yield f"Resume run {run.run_id}", "Continue from its checkpoint", partial(self._resume, key)
            yield (f"Worker log of {run.run_id}", "stdout and stderr of its worker",
                   partial(app.push_screen, LogViewer(run.path / LOG_FILE)))
        for checkpoint in workbench.checkpoints():
            yield (f"Switch checkpoint to {checkpoint.label}", "Use it as checkpoint A for query and STS",
                   partial(self._switch_checkpoint, checkpoint.spec))

    def _launch_form(self) -> None:
        self.simcse_app.switch_mode("runs")
        self.simcse_app.call_after_refresh(self.simcse_app.screen.run_action, "new_run")

    def _stop(self, key: str) -> None:
        try:
            self.simcse_app.workbench.stop(key)
        except SimcseError as exc:
            notify_error(self.screen, exc)

    def _resume(self, key: str) -> None:
        try:
            self.simcse_app.workbench.resume(key)
        except SimcseError as exc:
            notify_error(self.screen, exc)

    def _switch_checkpoint(self, spec: str) -> None:
        settings = self.simcse_app.workbench.settings
        for chosen in (settings.query_checkpoints, settings.sts_checkpoints):
            chosen[:1] = [spec]
        self.simcse_app.save_settings()
        self.simcse_app.switch_mode("query")

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            if title.startswith(("Launch", "Export", "Open", "Go to")):
                yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
