"""A one-line progress bar for long worker requests (embedding a corpus, scoring a set); hidden when idle."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from simcse_tui.embedding_client import Progress


class TaskProgress(Horizontal):
    """Shows the latest progress line of a request while it runs."""

    DEFAULT_CSS = """
    TaskProgress { height: 1; display: none; }
    TaskProgress.-busy { display: block; }
    TaskProgress ProgressBar { width: 50; }
    TaskProgress Label { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        # A total from the start: a bar without one animates, and never settles for a snapshot.
        yield ProgressBar(total=1, show_eta=False)
        yield Label("", markup=False)

    def show(self, progress: Progress) -> None:
        self.query_one(ProgressBar).update(total=max(1, progress.total), progress=progress.done)
        counts = f" {progress.done}/{progress.total}" if progress.total else ""
        self.query_one(Label).update(f" {progress.what}{counts}")
        self.add_class("-busy")

    def hide(self) -> None:
        self.remove_class("-busy")
