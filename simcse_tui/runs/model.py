"""What a run's events mean: its status, progress, best score and metric series.

`RunState.apply(event)` folds one schema-v1 record (already validated by
`trainers.events.EventTail`) into the state, dispatching on the record's
`kind`. This module does not read files, look at processes or clocks, or know
Textual: the watcher feeds it events and decides when a silent run is stalled;
the screens only read it.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Status:
    """The states a run can be in, as shown in the runs table."""

    STARTING = "starting"  # the folder exists, no run_started yet
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    STOPPED = "stopped"
    STALLED = "stalled"  # not terminal, but silent too long or its worker is gone
    MISSING = "missing"  # the folder was deleted while watched


TERMINAL_STATUSES = frozenset({Status.FINISHED, Status.FAILED, Status.STOPPED})

# The series every run keeps, by the name the charts use.
METRICS = ("loss", "lr", "stsb", "alignment", "uniformity")

# Reader and worker warnings kept for display; the count keeps counting past it.
MAX_WARNINGS_KEPT = 100

# Step events used for the rate behind the ETA: long enough to smooth out
# evaluation pauses, short enough to follow a change of speed.
RATE_WINDOW = 20


@dataclass
class Series:
    """One metric over a run: parallel lists of step, wall time and value.

    Steps only grow. A record with a step at or below the last one means the
    run was resumed from an earlier checkpoint, so the series is cut back to
    that step first and the chart shows the trajectory actually continued.
    """

    steps: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    _ema: list[float] = field(default_factory=list, repr=False)
    _ema_smoothing: float | None = field(default=None, repr=False)
    _ema_biased: float = field(default=0.0, repr=False)

    def __len__(self) -> int:
        return len(self.steps)

    def append(self, step: int, t: float, value: float) -> None:
        if self.steps and step <= self.steps[-1]:
            self._rewind(step)
        self.steps.append(step)
        self.times.append(t)
        self.values.append(value)

    def _rewind(self, step: int) -> None:
        cut = bisect_left(self.steps, step)
        del self.steps[cut:], self.times[cut:], self.values[cut:]
        self._ema_smoothing = None  # recompute from scratch on next use

    def ema(self, smoothing: float) -> list[float]:
        """Debiased exponential moving average (TensorBoard's), extended incrementally.

        `smoothing` in [0, 1): 0 returns the raw values, 0.99 is very smooth.
        The debiasing divides by 1 - smoothing**n so the first points are not
        pulled towards zero.
        """
        if smoothing != self._ema_smoothing:
            self._ema, self._ema_smoothing, self._ema_biased = [], smoothing, 0.0
        for value in self.values[len(self._ema):]:
            self._ema_biased = self._ema_biased * smoothing + (1.0 - smoothing) * value
            debias = 1.0 - smoothing ** (len(self._ema) + 1)
            self._ema.append(self._ema_biased / debias if debias > 0 else value)
        return self._ema

    def copy(self) -> Series:
        """A snapshot safe to read while the watcher thread keeps appending."""
        return Series(self.steps[:], self.times[:], self.values[:])


@dataclass(frozen=True)
class Failure:
    """Why a run failed, as its worker reported it."""

    message: str
    hint: str
    traceback: str


@dataclass(frozen=True)
class CheckpointRecord:
    """A checkpoint event: where the worker wrote a checkpoint, and whether it is the best."""

    step: int
    path: str
    is_best: bool


@dataclass
class RunState:
    """Everything the UI shows about one run, folded from its events."""

    path: Path
    run_id: str
    status: str = Status.STARTING
    objective: str | None = None
    loss_name: str | None = None
    model: str | None = None
    device: str | None = None
    world_size: int | None = None
    parameters: int | None = None
    batch_size: int | None = None
    max_steps: int = 0
    step: int = 0
    epoch: float = 0.0
    sentences_per_s: float | None = None
    first_t: float | None = None
    last_event_t: float | None = None
    best_stsb: float | None = None
    best_step: int | None = None
    last_eval: dict[str, Any] | None = None
    failure: Failure | None = None
    stopped_checkpoint: str | None = None
    final: dict[str, Any] | None = None
    progress: tuple[str, int, int] | None = None  # (task, done, total) of the last progress event
    task_results: dict[str, float] = field(default_factory=dict)
    checkpoints: list[CheckpointRecord] = field(default_factory=list)
    series: dict[str, Series] = field(default_factory=lambda: {name: Series() for name in METRICS})
    warnings: deque[str] = field(default_factory=lambda: deque(maxlen=MAX_WARNINGS_KEPT))
    warning_count: int = 0
    skipped_lines: int = 0
    stall_reason: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    # Bumped on every change, so a screen redraws only what changed.
    version: int = 0
    _rate: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=RATE_WINDOW), repr=False)

    # -- reading -----------------------------------------------------------

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def fraction_done(self) -> float | None:
        """Share of max_steps done, or None while the total is unknown."""
        if self.max_steps <= 0:
            return None
        return min(1.0, self.step / self.max_steps)

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the recent step rate; None when not running or unknown."""
        if self.status != Status.RUNNING or self.max_steps <= 0 or len(self._rate) < 2:
            return None
        (t0, s0), (t1, s1) = self._rate[0], self._rate[-1]
        if s1 <= s0 or t1 <= t0:
            return None
        return max(0, self.max_steps - self.step) * (t1 - t0) / (s1 - s0)

    @property
    def best_checkpoint(self) -> str | None:
        """The path of the best checkpoint the events reported, if any."""
        if self.final and self.final.get("best_checkpoint"):
            return str(self.final["best_checkpoint"])
        best = [c for c in self.checkpoints if c.is_best]
        return best[-1].path if best else None

    # -- folding -----------------------------------------------------------

    def apply(self, event: Mapping[str, Any]) -> None:
        """Fold one validated event into the state."""
        handler = _HANDLERS.get(event["kind"])
        if handler is not None:  # a kind added to the schema later: shown nowhere yet
            handler(self, event)
        t = float(event["t"])
        if self.first_t is None:
            self.first_t = t
        self.last_event_t = t if self.last_event_t is None else max(self.last_event_t, t)
        self.version += 1

    def apply_config(self, config: Mapping[str, Any]) -> None:
        """Fill what the events have not said yet from the run's config.toml."""
        self.config = dict(config)
        self.objective = self.objective or _str_or_none(config.get("objective"))
        self.loss_name = self.loss_name or _str_or_none(config.get("loss"))
        self.model = self.model or _str_or_none(config.get("model"))
        if not self.max_steps and isinstance(config.get("max_steps"), int):
            self.max_steps = config["max_steps"]
        if self.batch_size is None and isinstance(config.get("batch_size"), int):
            self.batch_size = config["batch_size"]
        self.version += 1

    def add_warnings(self, messages: list[str], *, skipped_lines: int = 0) -> None:
        """Record problems found while reading (malformed lines) or reported by the worker."""
        if not messages and not skipped_lines:
            return
        self.warnings.extend(messages)
        self.warning_count += len(messages)
        self.skipped_lines += skipped_lines
        self.version += 1

    def set_stalled(self, reason: str | None) -> None:
        """Mark the run stalled (with why) or, with None, lift a stall."""
        if reason is not None and self.status in (Status.RUNNING, Status.STARTING):
            self.status, self.stall_reason = Status.STALLED, reason
            self.version += 1
        elif reason is None and self.status == Status.STALLED:
            self.status = Status.RUNNING if self.last_event_t is not None else Status.STARTING
            self.stall_reason = None
            self.version += 1

    def set_missing(self) -> None:
        if self.status != Status.MISSING:
            self.status = Status.MISSING
            self.version += 1

    def _wake(self) -> None:
        """Any sign of life from a non-terminal run means it runs."""
        if self.status in (Status.STARTING, Status.STALLED, Status.MISSING):
            self.status, self.stall_reason = Status.RUNNING, None

    def _on_run_started(self, event: Mapping[str, Any]) -> None:
        # Also the start of a resumed run: whatever ended it before no longer holds.
        self.status, self.failure, self.stall_reason, self.final = Status.RUNNING, None, None, None
        self.objective, self.loss_name, self.model = event["objective"], event["loss"], event["model"]
        self.device, self.world_size = event["device"], event["world_size"]
        self.parameters, self.batch_size = event["parameters"], event["batch_size"]
        self.max_steps = event["max_steps"] or self.max_steps
        self._rate.clear()

    def _on_step(self, event: Mapping[str, Any]) -> None:
        self._wake()
        step, t = event["step"], float(event["t"])
        self.step, self.epoch = step, float(event["epoch"])
        self.sentences_per_s = float(event["sentences_per_s"])
        if self._rate and step <= self._rate[-1][1]:
            self._rate.clear()
        self._rate.append((t, step))
        for name, key in (("loss", "loss"), ("lr", "lr")):
            value = float(event[key])
            if math.isfinite(value):
                self.series[name].append(step, t, value)
            else:
                self.add_warnings([f"step {step}: {key} is {value}"])

    def _on_eval(self, event: Mapping[str, Any]) -> None:
        self._wake()
        step, t = event["step"], float(event["t"])
        self.last_eval = dict(event)
        for name, key in (("stsb", "stsb_dev_spearman"), ("alignment", "alignment"),
                          ("uniformity", "uniformity")):
            self.series[name].append(step, t, float(event[key]))
        score = float(event["stsb_dev_spearman"])
        if self.best_stsb is None or score > self.best_stsb:
            self.best_stsb, self.best_step = score, step

    def _on_checkpoint(self, event: Mapping[str, Any]) -> None:
        self._wake()
        self.checkpoints.append(CheckpointRecord(event["step"], event["path"], event["is_best"]))

    def _on_warning(self, event: Mapping[str, Any]) -> None:
        self.add_warnings([f"worker: {event['message']}"])

    def _on_progress(self, event: Mapping[str, Any]) -> None:
        self.progress = (event["task"], event["done"], event["total"])

    def _on_task_result(self, event: Mapping[str, Any]) -> None:
        self.task_results[event["task"]] = float(event["spearman"])

    def _on_run_failed(self, event: Mapping[str, Any]) -> None:
        self.status, self.stall_reason = Status.FAILED, None
        self.failure = Failure(event["message"], event["hint"], event["traceback"])

    def _on_run_stopped(self, event: Mapping[str, Any]) -> None:
        self.status, self.stall_reason = Status.STOPPED, None
        self.step = max(self.step, event["step"])
        self.stopped_checkpoint = event["checkpoint"]

    def _on_run_finished(self, event: Mapping[str, Any]) -> None:
        self.status, self.stall_reason = Status.FINISHED, None
        self.step = max(self.step, event["step"])
        self.final = dict(event)
        if event["best_stsb_dev_spearman"] is not None:
            self.best_stsb = float(event["best_stsb_dev_spearman"])


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


_HANDLERS: dict[str, Callable[[RunState, Mapping[str, Any]], None]] = {
    "run_started": RunState._on_run_started,
    "step": RunState._on_step,
    "eval": RunState._on_eval,
    "checkpoint": RunState._on_checkpoint,
    "warning": RunState._on_warning,
    "progress": RunState._on_progress,
    "task_result": RunState._on_task_result,
    "run_failed": RunState._on_run_failed,
    "run_stopped": RunState._on_run_stopped,
    "run_finished": RunState._on_run_finished,
}
