"""From run states to chart traces: what each live chart plots, already downsampled.

`snapshot_runs` copies the series the charts need out of the watcher's states
while holding its lock (the watcher thread keeps appending); everything after
works on those copies. No Textual here: the bench hooks time these functions
and the plotext drawing without an app.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from simcse_tui.colours import RGB, RunColours
from simcse_tui.runs.model import METRICS, RunState, Series
from simcse_tui.runs.watcher import RunWatcher
from simcse_tui.screens.live.downsample import minmax_downsample, stride_downsample

X_AXES = ("step", "time")
# Trajectory points kept on the alignment-uniformity plane (one per eval).
PLANE_POINTS = 200


@dataclass(frozen=True)
class Trace:
    """One line or set of markers on a chart."""

    x: list[float]
    y: list[float]
    colour: RGB
    marker: str = "braille"
    scatter: bool = False


@dataclass
class RunSeries:
    """A run's series, copied out of its state for drawing."""

    key: str
    run_id: str
    first_t: float
    colour: RGB
    faint: RGB
    series: dict[str, Series] = field(default_factory=dict)
    loss_ema: list[float] = field(default_factory=list)


def snapshot_runs(watcher: RunWatcher, runs: Iterable[RunState], colours: RunColours,
                  smoothing: float) -> list[RunSeries]:
    """Copy what the charts need, under the watcher's lock, in a stable order."""
    snapshots = []
    with watcher.lock:
        for run in runs:
            key = str(run.path)
            snap = RunSeries(key, run.run_id, run.first_t or 0.0, colours.rgb(key), colours.faint(key))
            snap.series = {name: run.series[name].copy() for name in METRICS}
            snap.loss_ema = list(run.series["loss"].ema(smoothing)) if smoothing > 0 else []
            snapshots.append(snap)
    return snapshots


def _xy(run: RunSeries, series: Series, x_axis: str) -> tuple[np.ndarray, np.ndarray]:
    if x_axis == "time":
        x = (np.asarray(series.times, dtype=float) - run.first_t) / 60.0  # minutes since the first event
    else:
        x = np.asarray(series.steps, dtype=float)
    return x, np.asarray(series.values, dtype=float)


def metric_traces(runs: list[RunSeries], metric: str, x_axis: str, columns: int,
                  smoothing: float = 0.0) -> list[Trace]:
    """Traces of one metric for every run; the loss gets raw (faint) plus its EMA."""
    traces = []
    for run in runs:
        series = run.series[metric]
        if not len(series):
            continue
        x, y = _xy(run, series, x_axis)
        if metric == "loss" and smoothing > 0 and len(run.loss_ema) == len(y):
            rx, ry = minmax_downsample(x, y, columns)
            traces.append(Trace(rx.tolist(), ry.tolist(), run.faint, marker="dot"))
            ex, ey = stride_downsample(x, np.asarray(run.loss_ema, dtype=float), columns)
            traces.append(Trace(ex.tolist(), ey.tolist(), run.colour))
        else:
            dx, dy = minmax_downsample(x, y, columns)
            traces.append(Trace(dx.tolist(), dy.tolist(), run.colour))
    return traces


def plane_traces(runs: list[RunSeries]) -> list[Trace]:
    """Each run's trajectory in the alignment-uniformity plane, its latest point marked.

    x = uniformity, y = alignment (both lower is better, so lower-left is
    better), one point per evaluation, as in Figure 2 of the SimCSE paper.
    """
    traces = []
    for run in runs:
        uniformity, alignment = run.series["uniformity"], run.series["alignment"]
        n = min(len(uniformity), len(alignment))
        if not n:
            continue
        x = np.asarray(uniformity.values[:n], dtype=float)
        y = np.asarray(alignment.values[:n], dtype=float)
        x, y = stride_downsample(x, y, PLANE_POINTS)
        if n > 1:
            traces.append(Trace(x.tolist(), y.tolist(), run.colour))
        traces.append(Trace([float(x[-1])], [float(y[-1])], run.colour, marker="●", scatter=True))
    return traces


def scale_traces(traces: list[Trace]) -> tuple[list[Trace], int]:
    """Divide every y by a power of ten so tick labels stay short (3e-05 -> 3.0, exponent -5)."""
    peak = max((abs(v) for trace in traces for v in trace.y), default=0.0)
    if peak == 0.0 or 1e-2 <= peak < 1e3:
        return traces, 0
    exponent = math.floor(math.log10(peak))
    factor = 10.0 ** -exponent
    return [replace(trace, y=[v * factor for v in trace.y]) for trace in traces], exponent
