"""Two checkpoint selects, A and (optionally) B, shared by the query and STS panels."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Label, Select

from simcse_tui.runs.checkpoints import Checkpoint


class CheckpointPicker(Horizontal):
    """Checkpoint A (always set) and B (optional, to compare side by side)."""

    DEFAULT_CSS = """
    CheckpointPicker { height: 1; margin-bottom: 1; }
    CheckpointPicker > Label { width: auto; padding: 0 1; text-style: bold; }
    CheckpointPicker > Select { width: 1fr; }
    """

    class Changed(Message):
        """The user picked another checkpoint for A or B."""

        def __init__(self, chosen: list[str]) -> None:
            super().__init__()
            self.chosen = chosen

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._specs: tuple[str, ...] = ()
        self._labels: dict[str, str] = {}
        self._announced: list[str] = []

    def compose(self) -> ComposeResult:
        yield Label("A")
        yield Select[str]([], prompt="no checkpoint yet", id="checkpoint-a", compact=True)
        yield Label("B")
        yield Select[str]([], prompt="none (compare with…)", id="checkpoint-b", compact=True)

    @property
    def select_a(self) -> Select[str]:
        return self.query_one("#checkpoint-a", Select)

    @property
    def select_b(self) -> Select[str]:
        return self.query_one("#checkpoint-b", Select)

    @property
    def chosen(self) -> list[str]:
        """[A] or [A, B] as checkpoint specs; [] while there is none."""
        picked = [self.select_a.value, self.select_b.value]
        return [str(spec) for spec in picked if isinstance(spec, str)]

    def label(self, spec: str) -> str:
        return self._labels.get(spec, spec)

    def set_choices(self, checkpoints: list[Checkpoint], wanted: list[str]) -> None:
        """Offer `checkpoints`; pick `wanted` (A, B) where offered, else keep, else the first."""
        specs = tuple(c.spec for c in checkpoints)
        if specs == self._specs:
            return
        current = self.chosen or list(wanted)
        self._specs = specs
        self._labels = {c.spec: c.label for c in checkpoints}
        options = [(c.label, c.spec) for c in checkpoints]
        self.select_a.set_options(options)
        self.select_b.set_options(options)
        a = current[0] if current and current[0] in specs else (specs[0] if specs else None)
        b = current[1] if len(current) > 1 and current[1] in specs else None
        if a is not None:
            self.select_a.value = a
        if b is not None:
            self.select_b.value = b
        self._announced = self.chosen  # setting choices is not the user choosing

    @on(Select.Changed)
    def _changed(self, event: Select.Changed) -> None:
        event.stop()
        if self.chosen != self._announced:
            self._announced = self.chosen
            self.post_message(self.Changed(self.chosen))
