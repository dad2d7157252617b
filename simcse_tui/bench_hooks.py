"""Hooks the benchmarks call to time the UI; not used by the app itself.

- `time_chart_redraw(runs=4, points=10_000)`: one redraw of the live screen's
  charts, as the live screen does it (copy the series out under the watcher's
  lock, downsample to the chart width, hand the traces to plotext, build the
  frame), for synthetic runs of `points` steps each. No app needed.
- `time_first_frame(runs_dir)`: seconds from starting `python` to the app's
  first frame in a real (pseudo) terminal of 120x40.
- `measure_event_to_screen(runs_dir)`: seconds from appending a step event to a
  running run's events.jsonl until the live screen's loss chart has drawn it,
  with the app's real polling thread and redraw timer.

Run `python -m simcse_tui.bench_hooks` for all three on the recorded fixtures.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from textual_plotext import Plot

from simcse_tui.colours import RunColours
from simcse_tui.runs.model import RunState, Status
from simcse_tui.runs.watcher import RunWatcher
from simcse_tui.screens.live.charts import Y_TICKS_WIDTH, draw_traces
from simcse_tui.screens.live.traces import metric_traces, plane_traces, snapshot_runs


@dataclass(frozen=True)
class ChartTiming:
    """Milliseconds per redraw: the median and worst of `repeats` redraws."""

    chart: str
    runs: int
    points: int
    width: int
    height: int
    median_ms: float
    max_ms: float


def synthetic_runs(runs: int, points: int, seed: int = 0) -> list[RunState]:
    """`runs` running runs with `points` step events and one eval per 100 steps each."""
    rng = random.Random(seed)
    states = []
    for r in range(runs):
        state = RunState(path=Path(f"/bench/run-{r}"), run_id=f"run-{r}", status=Status.RUNNING)
        for step in range(1, points + 1):
            t = 1000.0 + step * 0.25
            loss = 0.05 + 2.0 * math.exp(-step / (points / 5)) + rng.gauss(0, 0.05)
            state.apply({"kind": "step", "t": t, "step": step, "epoch": step / points, "loss": loss,
                         "lr": 3e-5 * (1 - step / points), "grad_norm": 1.0, "sentences_per_s": 250.0})
            if step % 100 == 0:  # evals drift smoothly, as real ones do
                done = 1 - math.exp(-step / (points / 3))
                state.apply({"kind": "eval", "t": t, "step": step,
                             "stsb_dev_spearman": 78 + 6 * done + rng.gauss(0, 0.4),
                             "alignment": 0.17 + 0.08 * done + rng.gauss(0, 0.004),
                             "uniformity": -1.55 - 0.95 * done + rng.gauss(0, 0.02)})
        states.append(state)
    return states


def time_chart_redraw(runs: int = 4, points: int = 10_000, *, width: int = 44, height: int = 12,
                      smoothing: float = 0.6, repeats: int = 7) -> list[ChartTiming]:
    """Time each live chart's redraw (copy + downsample + plotext build) at a given size."""
    states = synthetic_runs(runs, points)
    watcher = RunWatcher(Path(tempfile.gettempdir()) / "simcse-bench-none")
    colours = RunColours()
    columns = max(8, width - Y_TICKS_WIDTH)
    timings = []
    for chart in ("loss", "lr", "stsb", "alignment", "uniformity", "plane"):
        plot, samples = Plot(), []
        for _ in range(repeats):
            start = time.perf_counter()
            snaps = snapshot_runs(watcher, states, colours, smoothing)
            if chart == "plane":
                traces = plane_traces(snaps)
            else:
                traces = metric_traces(snaps, chart, "step", columns, smoothing)
            draw_traces(plot, traces, title=chart, xlabel="step")
            plot.plotsize(width, height)
            plot._set_size(width, height)  # what textual-plotext's render does
            plot.build()
            samples.append((time.perf_counter() - start) * 1000)
        timings.append(ChartTiming(chart, runs, points, width, height,
                                   round(statistics.median(samples), 2), round(max(samples), 2)))
    return timings


def time_first_frame(runs_dir: Path, repeats: int = 3, marker: bytes = b"STS-B") -> list[float]:
    """Wall seconds from starting `python -c run_app(...)` in a 120x40 pseudo-terminal until the
    runs table's header (`marker`) has been written to it: what a user waits for."""
    import fcntl
    import os
    import pty
    import select
    import signal
    import struct
    import termios

    code = f"from pathlib import Path; from simcse_tui.app import run_app; run_app(Path({str(runs_dir)!r}))"
    times = []
    for _ in range(repeats):
        env = dict(os.environ, XDG_CONFIG_HOME=tempfile.mkdtemp(), TERM="xterm-256color")
        main_fd, child_fd = pty.openpty()
        fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code], stdin=child_fd, stdout=child_fd,
                                stderr=child_fd, env=env, start_new_session=True)
        os.close(child_fd)
        seen = b""
        try:
            while marker not in seen:
                ready, _, _ = select.select([main_fd], [], [], 10)
                if not ready:
                    raise TimeoutError("the app drew nothing within 10 s")
                seen += os.read(main_fd, 65536)
            times.append(time.perf_counter() - start)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)
            os.close(main_fd)
    return times


async def measure_event_to_screen(runs_dir: Path, samples: int = 5) -> list[float]:
    """Seconds from an appended step event to the live loss chart drawing it (real poll thread)."""
    from simcse_tui.app import SimcseApp

    running = next(p for p in sorted(runs_dir.iterdir()) if "sup-simcse" in p.name)
    app = SimcseApp(runs_dir, settings_file=Path(tempfile.mkdtemp()) / "settings.toml")
    delays = []
    async with app.run_test(size=(120, 40)) as pilot:
        await app.switch_mode("live")
        await pilot.pause(0.5)
        screen = app.screen
        step = 10_000
        for _ in range(samples):
            step += 10
            line = json.dumps({"v": 1, "kind": "step", "run": running.name, "t": time.time(), "step": step,
                               "epoch": 1.0, "loss": 0.1, "lr": 1e-5, "grad_norm": 1.0,
                               "sentences_per_s": 250.0})
            start = time.perf_counter()
            with open(running / "events.jsonl", "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
            while screen.last_drawn_step(str(running.resolve())) < step:
                await pilot.pause(0.005)
                if time.perf_counter() - start > 5:
                    raise TimeoutError("the chart never showed the new step")
            delays.append(time.perf_counter() - start)
    return delays


def main() -> None:
    import asyncio

    fixtures = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "runs"
    runs_dir = Path(tempfile.mkdtemp()) / "runs"
    shutil.copytree(fixtures, runs_dir)
    for size in ((44, 12), (100, 30)):
        for timing in time_chart_redraw(width=size[0], height=size[1]):
            print(timing)
    print("first frame s:", [round(t, 3) for t in time_first_frame(runs_dir)])
    print("event to screen s:", [round(t, 3) for t in asyncio.run(measure_event_to_screen(runs_dir))])


if __name__ == "__main__":
    main()
