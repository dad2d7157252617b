"""How numbers, durations, statuses and run ids read on screen; plain functions, no widgets."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.text import Text

from simcse_tui.runs.model import Status

SPARK_CHARS = "▁▂▃▄▅▆▇█"
_RUN_ID = re.compile(r"^\d{4}(\d{2})(\d{2})-(\d{2})(\d{2})\d{2}-.+-([0-9a-z]+)$")

STATUS_STYLES = {
    Status.STARTING: "dim",
    Status.RUNNING: "bold green",
    Status.FINISHED: "cyan",
    Status.FAILED: "bold red",
    Status.STOPPED: "yellow",
    Status.STALLED: "bold magenta",
    Status.MISSING: "dim strike",
}


def short_run_id(run_id: str, width: int = 20) -> str:
    """"11-15 09:15 d4e5f6" for a launcher-made id; otherwise the id, ellipsised."""
    match = _RUN_ID.match(run_id)
    if match:
        month, day, hour, minute, token = match.groups()
        return f"{month}-{day} {hour}:{minute} {token}"
    return run_id if len(run_id) <= width else run_id[: width - 1] + "…"


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLES.get(status, ""))


def duration(seconds: float | None) -> str:
    """"2h05m", "5m50s", "42s"; "–" when unknown."""
    if seconds is None:
        return "–"
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def spearman_text(value: float | None) -> str:
    """A Spearman correlation; workers report it x100 as papers do, so it is shown as is."""
    return "–" if value is None else f"{value:.2f}"


def sparkline(values: Sequence[float], width: int = 10) -> str:
    """A `width`-character sparkline of the bucket means of `values`."""
    if not values:
        return ""
    buckets = min(width, len(values))
    means = []
    for b in range(buckets):
        chunk = values[b * len(values) // buckets:(b + 1) * len(values) // buckets]
        means.append(sum(chunk) / len(chunk))
    low, high = min(means), max(means)
    span = (high - low) or 1.0
    top = len(SPARK_CHARS) - 1
    return "".join(SPARK_CHARS[round((m - low) / span * top)] for m in means)


def rank_change(before: int | None, after: int) -> str:
    """Marker for a hit that moved from rank `before` to rank `after` (1-based): ↑2, ↓1, =, new."""
    if before is None:
        return "new"
    if before == after:
        return "="
    return f"↑{before - after}" if before > after else f"↓{after - before}"
