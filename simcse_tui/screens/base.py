"""What every main screen shares: the workbench, and redrawing at most a few times a second.

The watcher reports after each poll that changed something; the app bumps
`Workbench.revision` and tells the current screen. A screen redraws at once
if it has not redrawn for `redraw_interval` seconds, and otherwise on its
timer, so a flood of events costs a few redraws a second, never one per event.
Hidden screens do nothing until they are shown again.
"""

from __future__ import annotations

import time

from textual.screen import Screen
from textual.widget import Widget

from simcse_tui.workbench import Workbench
from trainers.errors import SimcseError

REDRAW_INTERVAL_S = 0.25  # 4 Hz


class WorkbenchScreen(Screen[None]):
    """A main screen (one of the app's modes)."""

    def __init__(self, workbench: Workbench, *, redraw_interval: float = REDRAW_INTERVAL_S) -> None:
        super().__init__()
        self.workbench = workbench
        self.redraw_interval = redraw_interval
        self._seen_revision = -1
        self._last_redraw = 0.0

    def on_mount(self) -> None:
        if self.redraw_interval > 0:
            self.set_interval(self.redraw_interval, self._redraw_if_stale)

    def on_screen_resume(self) -> None:
        self._seen_revision = -1  # whatever happened while hidden: draw it now
        self.call_after_refresh(self._redraw_if_stale)

    def runs_changed(self) -> None:
        """Called by the app after a poll changed something."""
        if time.monotonic() - self._last_redraw >= self.redraw_interval:
            self._redraw_if_stale()

    def _redraw_if_stale(self) -> None:
        if not self.is_current or self._seen_revision == self.workbench.revision:
            return
        self._seen_revision = self.workbench.revision
        self._last_redraw = time.monotonic()
        self.refresh_view()

    def refresh_view(self) -> None:
        """Show the workbench's current state; subclasses draw their regions."""

    def save_settings(self) -> None:
        """Persist the settings; say so (without failing) if the file cannot be written."""
        try:
            self.workbench.save_settings()
        except SimcseError as exc:
            notify_error(self, exc)


def notify_error(node: Widget, exc: SimcseError) -> None:
    """Show a `SimcseError` as an error notification: what happened and what to do."""
    message = exc.message + (f"\n{exc.hint}" if exc.hint else "")
    node.notify(message, title=exc.title, severity="error", timeout=10, markup=False)
