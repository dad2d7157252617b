"""The live screen: loss, learning rate, STS-B dev, alignment, uniformity and the
alignment-uniformity plane for the ticked runs, overlaid in each run's colour.

Charts redraw on the screen's timer (see `screens.base`), and each chart only
when what it shows changed: a step event redraws loss and learning rate, an
eval redraws the other four. Series are downsampled to the chart's width first.
"""

from __future__ import annotations

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.reactive import var
from textual.widgets import Footer, SelectionList

from simcse_tui.runs.model import RunState
from simcse_tui.screens.base import REDRAW_INTERVAL_S, WorkbenchScreen
from simcse_tui.screens.live.charts import LiveChart
from simcse_tui.screens.live.sidebar import ChartControls, RunPicker, Sidebar
from simcse_tui.screens.live.traces import (
    X_AXES,
    RunSeries,
    metric_traces,
    plane_traces,
    scale_traces,
    snapshot_runs,
)
from simcse_tui.widgets.navbar import NavBar
from simcse_tui.workbench import Workbench

# (chart id, title); the grid fills row by row, two charts a row.
CHARTS = (
    ("loss", "loss"),
    ("plane", "alignment vs uniformity, lower-left better"),
    ("lr", "learning rate"),
    ("stsb", "STS-B dev Spearman"),
    ("alignment", "alignment (lower is better)"),
    ("uniformity", "uniformity (lower is better)"),
)
STEP_CHARTS = ("loss", "lr")
MAX_DEFAULT_CHARTED = 4
SMOOTHING_STEP = 0.05


class LiveScreen(WorkbenchScreen):
    """Charts of the ticked runs, their progress, smoothing and x-axis controls."""

    BINDINGS = [
        Binding("x", "toggle_x_axis", "Step/time", tooltip="Plot against step or wall time (minutes)",
                id="x-axis"),
        Binding("left_square_bracket", "smoothing(-1)", "Less smooth", key_display="[",
                tooltip="Less EMA smoothing of the loss", id="smooth-less"),
        Binding("right_square_bracket", "smoothing(1)", "More smooth", key_display="]",
                tooltip="More EMA smoothing of the loss", id="smooth-more"),
    ]

    DEFAULT_CSS = """
    LiveScreen #charts { grid-size: 2 3; grid-gutter: 0 1; }
    """

    smoothing: var[float] = var(0.6, init=False)
    """EMA weight of the loss chart: 0 draws the raw loss only, 0.99 is very smooth."""
    x_axis: var[str] = var("step", init=False)
    """"step", or "time" (minutes since each run's first event)."""

    picker = getters.query_one("#run-picker", RunPicker)
    sidebar = getters.query_one(Sidebar)
    controls = getters.query_one(ChartControls)

    def __init__(self, workbench: Workbench, *, redraw_interval: float = REDRAW_INTERVAL_S) -> None:
        super().__init__(workbench, redraw_interval=redraw_interval)
        self._signatures: dict[str, tuple[object, ...]] = {}
        self._drawn_steps: dict[str, int] = {}
        self.set_reactive(LiveScreen.smoothing, self.validate_smoothing(workbench.settings.smoothing))
        self.set_reactive(LiveScreen.x_axis, self.validate_x_axis(workbench.settings.x_axis))

    def compose(self) -> ComposeResult:
        yield NavBar("live")
        with Horizontal():
            yield Sidebar(self.smoothing, self.x_axis)
            with Grid(id="charts"):
                for chart_id, title in CHARTS:
                    yield LiveChart(title, id=f"chart-{chart_id}")
        yield Footer()

    def validate_smoothing(self, smoothing: float) -> float:
        return round(min(0.99, max(0.0, smoothing)), 2)

    def validate_x_axis(self, x_axis: str) -> str:
        return x_axis if x_axis in X_AXES else "step"

    def watch_smoothing(self, smoothing: float) -> None:
        self.workbench.settings.smoothing = smoothing
        self._controls_changed()

    def watch_x_axis(self, x_axis: str) -> None:
        self.workbench.settings.x_axis = x_axis
        self._controls_changed()

    def _controls_changed(self) -> None:
        self.controls.set_values(self.smoothing, self.x_axis)
        self.save_settings()
        self.refresh_view()

    def chart(self, chart_id: str) -> LiveChart:
        return self.query_one(f"#chart-{chart_id}", LiveChart)

    def last_drawn_step(self, key: str) -> int:
        """The last step of `key`'s loss the loss chart has drawn (-1: none); for tests and benches."""
        return self._drawn_steps.get(key, -1)

    # -- drawing -------------------------------------------------------------------

    def refresh_view(self) -> None:
        runs = self.workbench.runs()
        self._default_selection(runs)
        by_key = {str(run.path): run for run in runs}
        charted = [by_key[key] for key in self.workbench.chart_runs if key in by_key]
        with self.workbench.watcher.lock:
            self.picker.show_runs(runs, self.workbench.colours, self.workbench.chart_runs)
            self.sidebar.show_progress(charted, self.workbench.colours)
            stale = self._stale_charts(charted)
        if stale:
            self._draw(charted, stale)

    def _default_selection(self, runs: list[RunState]) -> None:
        """First time: chart the newest runs that have something to show."""
        if not self.workbench.chart_runs:
            with_data = [str(run.path) for run in runs if len(run.series["loss"])]
            self.workbench.chart_runs[:] = with_data[:MAX_DEFAULT_CHARTED]

    def _stale_charts(self, charted: list[RunState]) -> list[str]:
        """Charts whose inputs changed since they were drawn (caller holds the watcher lock)."""
        keys = tuple(str(run.path) for run in charted)
        steps = tuple((len(run.series["loss"]), run.series["loss"].steps[-1:]) for run in charted)
        evals = tuple((len(run.series["stsb"]), run.series["stsb"].steps[-1:]) for run in charted)
        stale = []
        for chart_id, _ in CHARTS:
            width = self.chart(chart_id).size.width
            data = steps if chart_id in STEP_CHARTS else evals
            smoothing = self.smoothing if chart_id == "loss" else None
            signature = (keys, data, self.x_axis, smoothing, width)
            if self._signatures.get(chart_id) != signature:
                self._signatures[chart_id] = signature
                stale.append(chart_id)
        return stale

    def _draw(self, charted: list[RunState], stale: list[str]) -> None:
        snaps = snapshot_runs(self.workbench.watcher, charted, self.workbench.colours, self.smoothing)
        xlabel = "step" if self.x_axis == "step" else "minutes"
        for chart_id in stale:
            chart = self.chart(chart_id)
            if chart_id == "plane":
                chart.draw(plane_traces(snaps), xlabel="uniformity", ylabel="alignment")
                continue
            smoothing = self.smoothing if chart_id == "loss" else 0.0
            traces = metric_traces(snaps, chart_id, self.x_axis, chart.columns, smoothing)
            title = f"loss (EMA {self.smoothing:.2f})" if chart_id == "loss" and smoothing else None
            if chart_id == "lr":
                traces, exponent = scale_traces(traces)
                title = f"learning rate (x1e{exponent})" if exponent else None
            chart.draw(traces, title=title, xlabel=xlabel)
            if chart_id == "loss":
                self._remember_steps(snaps)

    def _remember_steps(self, snaps: list[RunSeries]) -> None:
        for snap in snaps:
            steps = snap.series["loss"].steps
            self._drawn_steps[snap.key] = steps[-1] if steps else -1

    def on_resize(self) -> None:
        self._signatures.clear()
        self.call_after_refresh(self.refresh_view)

    # -- controls ------------------------------------------------------------------

    @on(SelectionList.SelectedChanged, "#run-picker")
    def _picked(self, event: SelectionList.SelectedChanged[str]) -> None:
        selected = set(event.selection_list.selected)
        order = [str(run.path) for run in self.workbench.runs()]
        self.workbench.chart_runs[:] = [key for key in order if key in selected]
        self.refresh_view()

    @on(ChartControls.Changed)
    def _controls_clicked(self, event: ChartControls.Changed) -> None:
        self.smoothing, self.x_axis = event.smoothing, event.x_axis

    def action_toggle_x_axis(self) -> None:
        """Plot against step or against wall time."""
        self.x_axis = "time" if self.x_axis == "step" else "step"

    def action_smoothing(self, direction: int) -> None:
        """Change the EMA smoothing of the loss by one notch."""
        self.smoothing = self.smoothing + direction * SMOOTHING_STEP
