"""The live screen's plotext charts: a metric over steps or time, and the alignment-uniformity plane.

A chart draws the traces it is handed and nothing else; the live screen
decides when (on its redraw timer, never per event). `draw_traces` is the one
drawing routine, shared with the bench hooks so they time what users see.
"""

from __future__ import annotations

from textual_plotext import Plot, PlotextPlot

from simcse_tui.screens.live.traces import Trace

# Cells a chart loses to its y tick labels and frame; the rest is plot area.
Y_TICKS_WIDTH = 9


def draw_traces(plt: Plot, traces: list[Trace], *, title: str, xlabel: str = "",
                ylabel: str = "") -> None:
    """Replace the figure's data with `traces`."""
    plt.clear_data()
    plt.title(title if traces else f"{title} · waiting for data")
    plt.xlabel(xlabel)
    plt.ylabel(ylabel)
    for trace in traces:
        if trace.scatter:
            plt.scatter(trace.x, trace.y, color=trace.colour, marker=trace.marker)
        else:
            plt.plot(trace.x, trace.y, color=trace.colour, marker=trace.marker)


class LiveChart(PlotextPlot):
    """One chart of the live screen."""

    DEFAULT_CSS = """
    LiveChart {
        height: 1fr;
        width: 1fr;
        min-height: 8;
    }
    """

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.draws = 0  # how many times data was handed in (tests and the bench read it)

    @property
    def columns(self) -> int:
        """Plot-area width in cells: the downsampling target."""
        return max(8, self.size.width - Y_TICKS_WIDTH)

    def draw(self, traces: list[Trace], *, title: str | None = None, xlabel: str = "",
             ylabel: str = "") -> None:
        draw_traces(self.plt, traces, title=title or self.title, xlabel=xlabel, ylabel=ylabel)
        self.draws += 1
        self.refresh()
