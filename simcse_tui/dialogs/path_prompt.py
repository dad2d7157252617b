"""Asks for a path (a run folder to open, a corpus file to load), checking it exists."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class PathDialog(ModalScreen[Path | None]):
    """Dismisses with an existing path of the wanted kind, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without choosing")]

    DEFAULT_CSS = """
    PathDialog { align: center middle; }
    PathDialog > Vertical {
        width: 80; height: auto; padding: 1 2;
        border: thick $accent; background: $surface;
    }
    PathDialog #problem { color: $error; height: auto; }
    PathDialog Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    PathDialog Button { margin-left: 2; }
    """

    def __init__(self, title: str, *, want: str = "any", placeholder: str = "", value: str = "") -> None:
        """`want`: "file", "dir" or "any"."""
        super().__init__()
        self.title_text = title
        self.want = want
        self.placeholder = placeholder
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield Input(self.value, placeholder=self.placeholder, id="path")
            yield Label("", id="problem")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Open", id="open", variant="primary")

    @on(Input.Submitted)
    @on(Button.Pressed, "#open")
    def _submitted(self) -> None:
        text = self.query_one("#path", Input).value.strip()
        path = Path(text).expanduser()
        problem = self._problem(path) if text else "type a path"
        if problem:
            self.query_one("#problem", Label).update(problem)
            return
        self.dismiss(path)

    def _problem(self, path: Path) -> str | None:
        if not path.exists():
            return f"{path} does not exist"
        if self.want == "file" and not path.is_file():
            return f"{path} is not a file"
        if self.want == "dir" and not path.is_dir():
            return f"{path} is not a folder"
        return None

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close the dialog without a path."""
        self.dismiss(None)
