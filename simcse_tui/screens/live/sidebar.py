"""The live screen's left column: which runs to chart, their progress, and the chart controls."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Label, ProgressBar, SelectionList
from textual.widgets.selection_list import Selection

from simcse_tui.colours import RunColours
from simcse_tui.format import duration, short_run_id, status_text
from simcse_tui.runs.model import RunState, Status


class RunPicker(SelectionList[str]):
    """Tick the runs to overlay on the charts; each line in the run's colour."""

    DEFAULT_CSS = """
    RunPicker { height: auto; max-height: 12; border: none; padding: 0; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, compact=True)
        self._shown: tuple[str, ...] = ()

    def show_runs(self, runs: list[RunState], colours: RunColours, charted: list[str]) -> None:
        """List `runs` with the charted ones ticked; the list is rebuilt only when runs come or go."""
        keys = tuple(str(run.path) for run in runs)
        if keys != self._shown:
            self._shown = keys
            highlighted = self.highlighted
            self.clear_options()
            self.add_options(
                Selection(Text.assemble(("● ", colours.hex(key)), short_run_id(run.run_id, 26)), key,
                          key in charted)
                for key, run in zip(keys, runs, strict=True)
            )
            if highlighted is not None and highlighted < len(runs):
                self.highlighted = highlighted
            return
        ticked = set(self.selected)
        for key in keys:
            if (key in charted) != (key in ticked):
                (self.select if key in charted else self.deselect)(key)


class RunProgress(Vertical):
    """One charted run: its name, a progress bar, and sentences/s with the ETA."""

    DEFAULT_CSS = """
    RunProgress { height: auto; margin-bottom: 1; }
    RunProgress ProgressBar { height: 1; }
    RunProgress ProgressBar Bar { width: 1fr; }
    RunProgress .stats { color: $text-muted; }
    """

    def __init__(self, key: str, run: RunState, colours: RunColours) -> None:
        super().__init__()
        self.key = key
        self._first = (run, colours)

    def compose(self) -> ComposeResult:
        yield Label("", classes="name")
        # A total from the start: a bar without one animates, and never settles for a snapshot.
        yield ProgressBar(total=1, show_eta=False)
        yield Label("", classes="stats")

    def on_mount(self) -> None:
        self.show(*self._first)

    def show(self, run: RunState, colours: RunColours) -> None:
        if not self.children:  # not composed yet: on_mount shows it
            self._first = (run, colours)
            return
        name = Text.assemble(("● ", colours.hex(self.key)), short_run_id(run.run_id, 26), " ",
                             status_text(run.status))
        self.query_one(".name", Label).update(name)
        bar = self.query_one(ProgressBar)
        bar.update(total=max(1, run.max_steps), progress=min(run.step, max(1, run.max_steps)))
        stats = f"{run.step}/{run.max_steps or '?'}"
        if run.sentences_per_s:
            stats += f" · {run.sentences_per_s:.0f} sent/s"
        if run.status == Status.RUNNING:
            stats += f" · ETA {duration(run.eta_s)}"
        self.query_one(".stats", Label).update(stats)


class ChartControls(Vertical):
    """EMA smoothing of the loss and the x axis; posts `Changed` when either is changed."""

    DEFAULT_CSS = """
    ChartControls { height: auto; border-top: solid $panel-lighten-2; padding-top: 0; }
    ChartControls Horizontal { height: 1; }
    ChartControls Label { width: auto; padding-right: 1; }
    ChartControls Button { min-width: 3; width: auto; margin-right: 1; }
    """

    class Changed(Message):
        """The user asked for other smoothing or another x axis."""

        def __init__(self, smoothing: float, x_axis: str) -> None:
            super().__init__()
            self.smoothing = smoothing
            self.x_axis = x_axis

    def __init__(self, smoothing: float, x_axis: str) -> None:
        super().__init__()
        self.smoothing = smoothing
        self.x_axis = x_axis

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label("smoothing", classes="caption")
            yield Button("−", id="smoother-less", compact=True, tooltip="[: less smoothing")
            yield Label(f"{self.smoothing:.2f}", id="smoothing")
            yield Button("+", id="smoother-more", compact=True, tooltip="]: more smoothing")
        with Horizontal():
            yield Label("x axis", classes="caption")
            yield Button(self.x_axis, id="x-axis", compact=True, tooltip="x: step or wall time (minutes)")

    def set_values(self, smoothing: float, x_axis: str) -> None:
        self.smoothing, self.x_axis = smoothing, x_axis
        self.query_one("#smoothing", Label).update(f"{smoothing:.2f}")
        self.query_one("#x-axis", Button).label = x_axis

    @on(Button.Pressed, "#smoother-less")
    def _less(self) -> None:
        self.post_message(self.Changed(round(max(0.0, self.smoothing - 0.05), 2), self.x_axis))

    @on(Button.Pressed, "#smoother-more")
    def _more(self) -> None:
        self.post_message(self.Changed(round(min(0.99, self.smoothing + 0.05), 2), self.x_axis))

    @on(Button.Pressed, "#x-axis")
    def _toggle_x(self) -> None:
        self.post_message(self.Changed(self.smoothing, "time" if self.x_axis == "step" else "step"))


class Sidebar(Vertical):
    """Run picker, progress of the charted runs, chart controls."""

    DEFAULT_CSS = """
    Sidebar { width: 37; padding: 0 1; border-right: solid $panel-lighten-2; }
    Sidebar .heading { text-style: bold; color: $text-accent; }
    Sidebar #progress { height: 1fr; }
    """

    def __init__(self, smoothing: float, x_axis: str) -> None:
        super().__init__()
        self.smoothing = smoothing
        self.x_axis = x_axis
        self._progress_keys: list[str] = []

    def compose(self) -> ComposeResult:
        yield Label("Runs (tick to chart)", classes="heading")
        yield RunPicker(id="run-picker")
        yield Label("Progress", classes="heading")
        yield VerticalScroll(id="progress")
        yield ChartControls(self.smoothing, self.x_axis)

    def show_progress(self, runs: list[RunState], colours: RunColours) -> None:
        """One progress block per charted run, in chart order."""
        keys = [str(run.path) for run in runs]
        box = self.query_one("#progress", VerticalScroll)
        if keys != self._progress_keys:
            self._progress_keys = keys
            box.remove_children()
            box.mount_all([RunProgress(str(run.path), run, colours) for run in runs])
            return
        for block, run in zip(box.query(RunProgress), runs, strict=False):  # mounting may lag
            block.show(run, colours)
