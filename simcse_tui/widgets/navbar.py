"""The top line of every screen: the app's name and a clickable tab per screen."""

from __future__ import annotations

from textual.app import RenderResult
from textual.content import Content
from textual.widget import Widget

# (mode, key, label) in the order of the number keys.
SCREENS = (("runs", "1", "Runs"), ("live", "2", "Live"), ("query", "3", "Query"), ("sts", "4", "STS"))


class NavBar(Widget):
    """Shows which screen is current; click a name (or press its number) to switch."""

    DEFAULT_CSS = """
    NavBar {
        height: 1;
        dock: top;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def render(self) -> RenderResult:
        parts = [Content.from_markup("[b $accent] simcse-tui [/]")]
        for mode, key, label in SCREENS:
            if mode == self.current:
                parts.append(Content.from_markup(f"[reverse b] {key} {label} [/]"))
            else:
                parts.append(Content.from_markup(f"[@click=app.switch_mode('{mode}')] [dim]{key}[/] {label} [/]"))
        return Content(" ").join(parts)
