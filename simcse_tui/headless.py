"""Headless commands: start a `trainers` subprocess and render what it reports with rich.

Each child reports schema-v1 events (on stdout, or in a run's events.jsonl);
this module turns them into progress bars, tables and clear error panels. It
never imports torch, so a crash in the child can never take this process down
without a message.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from trainers import rundir
from trainers.config import load_config
from trainers.errors import SimcseError
from trainers.events import EVENTS_FILE, EventSchemaError, EventTail, validate_event

console = Console(stderr=False)
errors = Console(stderr=True)


def show_error(title: str, message: str, hint: str = "") -> None:
    """A red panel on a terminal; plain `title: message` lines in logs and pipes."""
    if not errors.is_terminal:
        print(f"{title}: {message}" + (f"\n  what to do: {hint}" if hint else ""), file=sys.stderr)
        return
    body = message + (f"\n\n[bold]What to do:[/bold] {hint}" if hint else "")
    errors.print(Panel(body, title=title, border_style="red", expand=False))


def child_events(cmd: list[str]) -> Iterator[dict[str, Any]]:
    """Run `cmd`; yield the event records it prints; other lines go to stderr. Sets `.returncode`."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True, bufsize=1)
    child_events.returncode = None  # type: ignore[attr-defined]
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            try:
                yield validate_event(json.loads(line))
            except (json.JSONDecodeError, EventSchemaError):
                sys.stderr.write(line)
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        raise
    finally:
        child_events.returncode = proc.wait()  # type: ignore[attr-defined]


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[info]}"),
                    console=console, transient=True)


def evaluate(args) -> int:
    json_path = args.json_path or Path(tempfile.mkstemp(suffix=".json", prefix="simcse-eval-")[1])
    cmd = [sys.executable, "-m", "trainers.evaluate", "--model", args.model, "--batch-size", str(args.batch_size),
           "--max-length", str(args.max_length), "--device", args.device, "--json", str(json_path)]
    for flag, value in (("--pooler", args.pooler), ("--tasks", args.tasks), ("--data-dir", args.data_dir)):
        if value:
            cmd += [flag, str(value)]
    if args.trust_remote_code:
        cmd.append("--trust-remote-code")
    failed = None
    with _progress() as progress:
        task = progress.add_task(f"loading {args.model}", total=None, info="")
        for event in child_events(cmd):
            if event["kind"] == "progress":
                progress.update(task, description="encoding sentences", completed=event["done"],
                                total=event["total"], info=f"{event['done']}/{event['total']}")
            elif event["kind"] == "run_failed":
                failed = event
    code = child_events.returncode  # type: ignore[attr-defined]
    if failed or code != 0:
        failed = failed or {"message": f"the evaluation worker exited with status {code}", "hint": ""}
        show_error(failed.get("title", "Evaluation failed"), failed["message"], failed.get("hint", ""))
        return code or 1
    result = json.loads(Path(json_path).read_text(encoding="utf-8"))
    console.print(results_table(result))
    if args.json_path:
        console.print(f"results written to {args.json_path}")
    return 0


def results_table(result: dict[str, Any]) -> Table:
    table = Table(title=f"{result['model']}  (pooler {result['pooler']}, cosine, Spearman x100)")
    table.add_column("task")
    table.add_column("pairs", justify="right")
    table.add_column("all", justify="right")
    table.add_column("wmean", justify="right")
    for task in result["tasks"]:
        table.add_row(task["task"], str(task["pairs"]), f"{task['all']:.2f}", f"{task['wmean']:.2f}")
    table.add_section()
    table.add_row("[bold]average[/bold]", "", f"[bold]{result['average']:.2f}[/bold]", "")
    if result.get("alignment") is not None:
        table.add_row("alignment (STS-B dev, gold > 4)", "", f"{result['alignment']:.4f}", "")
        table.add_row("uniformity (STS-B dev, t = 2)", "", f"{result['uniformity']:.4f}", "")
    table.caption = f"{result['sentences_encoded']} unique sentences encoded in {result['seconds']:.1f} s"
    return table


def print_config_help(fields, objectives) -> int:
    table = Table(title="config keys (TOML file or --set key=value)")
    for column in ("key", "default", "what it does"):
        table.add_column(column)
    for name, f in fields.items():
        help_text = f.metadata["help"]
        if f.metadata["choices"]:
            help_text += f" [dim]({', '.join(map(str, f.metadata['choices']))})[/dim]"
        table.add_row(name, repr(f.default), help_text)
    console.print(table)
    return 0


def train(args, runs_dir: Path) -> int:
    try:
        if args.resume:
            run_dir = Path(args.resume)
            if not (run_dir / rundir.CONFIG_FILE).is_file():
                raise SimcseError(f"{run_dir} is not a run folder (no {rundir.CONFIG_FILE})")
            cmd = [sys.executable, "-m", "trainers.run", "--resume", str(run_dir)]
        else:
            config = load_config(args.config, args.overrides)  # fail here, before starting anything
            run_dir = args.run_dir or rundir.create_run_dir(runs_dir, config.objective)
            cmd = [sys.executable, "-m", "trainers.run", "--run-dir", str(run_dir)]
            cmd += ["--config", str(args.config)] if args.config else []
            for item in args.overrides:
                cmd += ["--set", item]
    except SimcseError as exc:
        show_error(exc.title, exc.message, exc.hint)
        return 2
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / rundir.LOG_FILE, "ab") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    console.print(f"run folder: [bold]{run_dir}[/bold]  (worker pid {proc.pid}, log {run_dir / rundir.LOG_FILE})")
    return follow(run_dir, proc, quiet=args.quiet)


def follow(run_dir: Path, proc: subprocess.Popen, quiet: bool = False) -> int:
    """Tail the run's events until the worker ends; Ctrl-C asks it to stop gracefully."""
    tail = EventTail(run_dir / EVENTS_FILE)
    state: dict[str, Any] = {"terminal": None, "dev": "", "max_steps": None}
    stopping = False
    with _progress() as progress:
        task = progress.add_task("starting worker", total=None, info="")
        while True:
            try:
                for event in tail.read_new().events:
                    _apply(event, state, progress, task, quiet)
                if proc.poll() is not None:
                    for event in tail.read_new().events:
                        _apply(event, state, progress, task, quiet)
                    break
                time.sleep(0.25)
            except KeyboardInterrupt:
                if stopping:
                    proc.kill()
                    continue
                stopping = True
                proc.send_signal(signal.SIGTERM)
                console.print("stopping: the worker finishes its step and saves (Ctrl-C again to kill)")
    return _report_end(state["terminal"], proc.returncode, run_dir)


def _apply(event: dict[str, Any], state: dict[str, Any], progress: Progress, task, quiet: bool) -> None:
    kind = event["kind"]
    if kind == "run_started":
        state["max_steps"] = event["max_steps"]
        progress.update(task, description=f"{event['objective']} on {event['device']}", total=event["max_steps"])
    elif kind == "step":
        info = f"loss {event['loss']:.4f}  {event['sentences_per_s']:.0f} sent/s  {state['dev']}"
        progress.update(task, completed=event["step"], info=info)
    elif kind == "eval":
        state["dev"] = f"STS-B dev {event['stsb_dev_spearman']:.2f}"
        console.print(f"step {event['step']}: STS-B dev {event['stsb_dev_spearman']:.2f}  "
                      f"alignment {event['alignment']:.3f}  uniformity {event['uniformity']:.3f}")
    elif kind == "warning":
        console.print(f"[yellow]warning:[/yellow] {event['message']}")
    elif kind == "checkpoint" and not quiet:
        console.print(f"checkpoint {event['path']}" + ("  [green](best)[/green]" if event["is_best"] else ""))
    elif kind in ("run_failed", "run_stopped", "run_finished"):
        state["terminal"] = event


def _report_end(terminal: dict[str, Any] | None, code: int, run_dir: Path) -> int:
    if terminal is None:
        show_error("Worker ended without a final event",
                   f"the training worker exited with status {code} and wrote no final event",
                   f"read {run_dir / rundir.LOG_FILE}")
        return code or 1
    if terminal["kind"] == "run_failed":
        show_error("Training failed", terminal["message"], terminal["hint"] or f"see {run_dir / rundir.LOG_FILE}")
        return code or 1
    if terminal["kind"] == "run_stopped":
        console.print(f"stopped at step {terminal['step']}; checkpoint {terminal['checkpoint']}; "
                      f"resume with: simcse-tui train --resume {run_dir}")
        return 0
    best = terminal["best_stsb_dev_spearman"]
    console.print(f"finished at step {terminal['step']}; best STS-B dev "
                  f"{best:.2f} at {terminal['best_checkpoint']}" if best is not None else "finished")
    return 0


def export(args) -> int:
    cmd = [sys.executable, "-m", "trainers.export", str(args.source), str(args.out_dir)]
    cmd += ["--overwrite"] if args.overwrite else []
    cmd += ["--onnx"] if args.onnx else []
    return _simple_child(cmd, "Export failed")


def download(args) -> int:
    cmd = [sys.executable, "-m", "trainers.data.download", "--what", args.what]
    cmd += ["--to", str(args.to)] if args.to else []
    return _simple_child(cmd, "Download failed")


def _simple_child(cmd: list[str], failure_title: str) -> int:
    failed = None
    for event in child_events(cmd):
        if event["kind"] == "progress":
            console.print(f"{event['task']}: {event['done']}/{event['total']}")
        elif event["kind"] == "warning":
            console.print(f"[yellow]warning:[/yellow] {event['message']}")
        elif event["kind"] == "run_failed":
            failed = event
        elif event["kind"] == "run_finished":
            console.print(event.get("message", "done"))
    code = child_events.returncode  # type: ignore[attr-defined]
    if failed or code:
        failed = failed or {"message": f"the worker exited with status {code}", "hint": ""}
        show_error(failed.get("title", failure_title), failed["message"], failed.get("hint", ""))
        return code or 1
    return 0
