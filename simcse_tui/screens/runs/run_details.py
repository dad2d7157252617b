"""The panel under the runs table: everything about the highlighted run, in a few lines."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from simcse_tui.format import duration, spearman_text, status_text
from simcse_tui.runs.model import RunState, Status


def describe_run(run: RunState, now: float) -> Text:
    """A few lines: identity, set-up, progress, scores, and what went wrong."""
    text = Text()
    text.append(run.run_id, style="bold")
    text.append("  ")
    text.append_text(status_text(run.status))
    if run.stall_reason:
        text.append(f" ({run.stall_reason})", style="magenta")
    text.append("\n")
    setup = [run.objective or "?", run.loss_name or "?", run.model or "?"]
    if run.batch_size:
        setup.append(f"batch {run.batch_size}")
    if run.device:
        setup.append(f"{run.device} x{run.world_size or 1}")
    text.append(" · ".join(setup) + "\n", style="dim")
    progress = f"step {run.step}/{run.max_steps}" if run.max_steps else f"step {run.step}"
    if run.fraction_done is not None:
        progress += f" ({run.fraction_done:.0%})"
    if run.sentences_per_s:
        progress += f" · {run.sentences_per_s:.0f} sentences/s"
    if run.status == Status.RUNNING:
        progress += f" · ETA {duration(run.eta_s)}"
    if run.last_event_t is not None:
        progress += f" · last event {duration(now - run.last_event_t)} ago"
    text.append(progress + "\n")
    if run.best_stsb is not None:
        text.append(f"best STS-B dev {spearman_text(run.best_stsb)}")
        if run.best_step is not None:
            text.append(f" @ step {run.best_step}")
        if run.last_eval:
            text.append(f" · alignment {run.last_eval['alignment']:.3f}"
                        f" · uniformity {run.last_eval['uniformity']:.3f}")
        text.append("\n")
    if run.failure is not None:
        text.append("✗ ", style="bold red")
        text.append(run.failure.message, style="red")
        text.append("  (enter: details and hint)\n", style="dim")
    if run.warning_count:
        skipped = f", {run.skipped_lines} malformed line(s) skipped" if run.skipped_lines else ""
        text.append(f"⚠ {run.warning_count} warning(s){skipped}: ", style="yellow")
        text.append(run.warnings[-1] if run.warnings else "", style="dim")
        text.append("  (enter: all)\n", style="dim")
    return text


class RunDetails(Static):
    """Shows `describe_run` for one run, or a hint when there is none."""

    DEFAULT_CSS = """
    RunDetails {
        height: 8;
        padding: 0 1;
        border-top: solid $panel-lighten-2;
    }
    """

    def show(self, run: RunState | None, now: float) -> None:
        if run is None:
            self.update(Text("No run selected. Launch one with the form on the right, "
                             "or open a run folder with o.", style="dim"))
        else:
            self.update(describe_run(run, now))
