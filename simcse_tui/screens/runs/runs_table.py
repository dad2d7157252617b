"""The table of runs: one row per run folder, updated in place as runs write events."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from simcse_tui.colours import RunColours
from simcse_tui.format import short_run_id, sparkline, spearman_text, status_text
from simcse_tui.runs.model import RunState

# (key, label, width): the most telling columns first, so a narrow terminal cuts the least.
COLUMNS = (
    ("run", "run", 20),
    ("status", "status", 8),
    ("step", "step", 11),
    ("stsb", "STS-B", 6),
    ("loss", "loss", 10),
    ("objective", "objective", 12),
    ("model", "model", 20),
)
SPARK_WIDTH = 10


def run_cells(run: RunState, colours: RunColours) -> dict[str, Text | str]:
    """The cells of one run's row."""
    colour = colours.hex(str(run.path))
    step = f"{run.step}/{run.max_steps}" if run.max_steps else str(run.step)
    return {
        "run": Text.assemble(("● ", colour), short_run_id(run.run_id)),
        "status": status_text(run.status),
        "step": Text(step, justify="right"),
        "stsb": Text(spearman_text(run.best_stsb), justify="right"),
        "loss": Text(sparkline(run.series["loss"].values, SPARK_WIDTH), style=colour),
        "objective": run.objective or "?",
        "model": run.model or "?",
    }


class RunsTable(DataTable[Text | str]):
    """Rows keyed by run folder; only the rows of runs that changed are rewritten."""

    DEFAULT_CSS = """
    RunsTable { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self._versions: dict[str, int] = {}
        self._order: list[str] = []

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    @property
    def selected_key(self) -> str | None:
        """The run folder (as a string) under the cursor."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def select_run(self, key: str) -> bool:
        """Put the cursor on run `key` if it is listed; whether it was."""
        if key not in self._order:
            return False
        self.move_cursor(row=self._order.index(key))
        return True

    def show_runs(self, runs: list[RunState], colours: RunColours) -> None:
        """Show `runs` in this order, keeping the cursor on the same run."""
        order = [str(run.path) for run in runs]
        if order != self._order:
            self._rebuild(runs, colours)
            return
        for run in runs:
            key = str(run.path)
            if self._versions.get(key) != run.version:
                for column, value in run_cells(run, colours).items():
                    self.update_cell(key, column, value)
                self._versions[key] = run.version

    def _rebuild(self, runs: list[RunState], colours: RunColours) -> None:
        selected = self.selected_key
        self.clear()
        for run in runs:
            key = str(run.path)
            self.add_row(*run_cells(run, colours).values(), key=key)
            self._versions[key] = run.version
        self._order = [str(run.path) for run in runs]
        if selected in self._order:
            self.move_cursor(row=self._order.index(selected))
