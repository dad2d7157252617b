"""The worker's log (stdout and stderr of a run's worker), following it as it grows."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Log

# Show at most this much of the end of a long log when opening it.
TAIL_BYTES = 256 * 1024
FOLLOW_INTERVAL_S = 0.5


class LogViewer(ModalScreen[None]):
    """Shows the end of a log file and appends what is written while it is open."""

    BINDINGS = [Binding("escape,q", "close", "Close", tooltip="Back to where you were")]

    DEFAULT_CSS = """
    LogViewer { align: center middle; }
    LogViewer > Vertical {
        width: 95%; height: 90%; padding: 0 1;
        border: thick $accent; background: $surface;
    }
    LogViewer #path { color: $text-muted; }
    LogViewer Log { height: 1fr; }
    LogViewer Horizontal { height: auto; align-horizontal: right; }
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._offset = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(str(self.path), id="path", markup=False)
            yield Log(highlight=False, id="log")
            with Horizontal():
                yield Button("Close", id="close", variant="primary")

    @property
    def log_widget(self) -> Log:
        return self.query_one("#log", Log)

    def on_mount(self) -> None:
        try:
            size = self.path.stat().st_size
        except OSError:
            self.log_widget.write_line(f"{self.path} does not exist yet: the worker has written nothing.")
            size = 0
        if size == 0 and self.path.exists():
            self.log_widget.write_line(f"{self.path.name} is empty so far: the worker has printed nothing "
                                       "(its progress is in events.jsonl). New output appears here.")
        self._offset = max(0, size - TAIL_BYTES)
        self.follow()
        self.set_interval(FOLLOW_INTERVAL_S, self.follow)

    def follow(self) -> None:
        """Append what was written since the last read."""
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except OSError:
            return
        if data:
            self._offset += len(data)
            self.log_widget.write(data.decode("utf-8", errors="replace"))

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        """Close the log."""
        self.dismiss(None)
