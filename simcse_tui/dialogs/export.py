"""Export a checkpoint to a folder that transformers and sentence-transformers load directly.

The work is done by `python -m trainers.export CHECKPOINT OUT_DIR [--overwrite]
[--onnx]` in a subprocess, run from a thread worker that streams its output
here line by line. An existing non-empty folder is only replaced after the
user confirms (and then with --overwrite); the exporter refuses it otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Log, Select
from textual.worker import get_current_worker

from simcse_tui.dialogs.confirm import ConfirmDialog
from simcse_tui.runs.checkpoints import Checkpoint
from simcse_tui.runs.launcher import project_pythonpath
from trainers.errors import EventSchemaError
from trainers.events import validate_event


def default_out_dir(checkpoint: Checkpoint) -> str:
    """exports/<run>-<best|latest>-<step>, or exports/<model> for a base model."""
    if checkpoint.run_id is None:
        name = checkpoint.spec.removeprefix("base:").replace("/", "-")
    else:
        name = f"{checkpoint.run_id}-{checkpoint.kind}-{checkpoint.step}"
    return str(Path("exports") / name)


def describe_output_line(line: str) -> str:
    """The exporter reports in schema-v1 events on stdout: say them in words; other lines as they are."""
    try:
        event = validate_event(json.loads(line))
    except (ValueError, EventSchemaError):
        return line
    kind = event["kind"]
    if kind == "progress":
        return f"{event['task']}: {event['done']}/{event['total']}"
    if kind == "run_failed":
        return f"failed: {event['message']}" + (f"\n  what to do: {event['hint']}" if event["hint"] else "")
    if kind == "warning":
        return f"warning: {event['message']}"
    return str(event.get("message") or kind)


def is_non_empty_dir(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


class ExportDialog(ModalScreen[None]):
    """Pick a checkpoint, a folder and options; run the exporter; show its output and result."""

    BINDINGS = [Binding("escape", "close", "Close", tooltip="Close (stops a running export)")]

    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical {
        width: 90%; max-width: 110; height: 90%; padding: 0 1;
        border: thick $accent; background: $surface;
    }
    ExportDialog .row { height: auto; margin-bottom: 1; }
    ExportDialog .row > Label { width: 12; padding-top: 0; }
    ExportDialog Select, ExportDialog Input { width: 1fr; }
    ExportDialog Log { height: 1fr; border: round $panel; }
    ExportDialog #result { height: auto; margin: 0 0 1 0; }
    ExportDialog #result.-ok { color: $success; }
    ExportDialog #result.-failed { color: $error; }
    ExportDialog #buttons { height: auto; align-horizontal: right; }
    ExportDialog #buttons Button { margin-left: 2; }
    """

    class OutputReceived(Message):
        """The exporter printed a line."""

        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    class Finished(Message):
        """The exporter exited (returncode None: it could not be started; `problem` says why)."""

        def __init__(self, out_dir: Path, returncode: int | None, problem: str = "") -> None:
            super().__init__()
            self.out_dir = out_dir
            self.returncode = returncode
            self.problem = problem

    def __init__(self, checkpoints: list[Checkpoint], export_argv: Sequence[str],
                 selected: str | None = None) -> None:
        super().__init__()
        self.checkpoints = {c.spec: c for c in checkpoints}
        self.export_argv = tuple(export_argv)
        self.selected = selected if selected in self.checkpoints else next(iter(self.checkpoints), None)
        self._proc: subprocess.Popen[str] | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Export a checkpoint[/b]  (loads in transformers and sentence-transformers)")
            with Horizontal(classes="row"):
                yield Label("checkpoint")
                yield Select([(c.label, c.spec) for c in self.checkpoints.values()], value=self.selected
                             or Select.NULL, allow_blank=self.selected is None, id="checkpoint", compact=True)
            with Horizontal(classes="row"):
                yield Label("folder")
                start = default_out_dir(self.checkpoints[self.selected]) if self.selected else "exports/model"
                yield Input(start, id="out-dir", compact=True)
            with Horizontal(classes="row"):
                yield Label("options")
                yield Checkbox("ONNX too", id="onnx", compact=True)
            yield Log(highlight=False, id="output")
            yield Label("", id="result", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Close", id="close")
                yield Button("Export", id="export", variant="primary")

    @property
    def output(self) -> Log:
        return self.query_one("#output", Log)

    @property
    def result(self) -> Label:
        return self.query_one("#result", Label)

    @property
    def out_dir(self) -> Path:
        return Path(self.query_one("#out-dir", Input).value.strip()).expanduser()

    @on(Select.Changed, "#checkpoint")
    def _checkpoint_changed(self, event: Select.Changed) -> None:
        if event.value in self.checkpoints:
            self.query_one("#out-dir", Input).value = default_out_dir(self.checkpoints[event.value])

    @on(Input.Submitted, "#out-dir")
    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        """Export, asking first if the folder would be overwritten."""
        checkpoint = self.query_one("#checkpoint", Select).value
        if checkpoint not in self.checkpoints:
            self._show_result("pick a checkpoint first", ok=False)
            return
        out_dir = self.out_dir
        if not str(out_dir).strip() or str(out_dir) == ".":
            self._show_result("type the folder to export to", ok=False)
            return
        if out_dir.exists() and not out_dir.is_dir():
            self._show_result(f"{out_dir} is a file; pick a folder", ok=False)
            return
        if is_non_empty_dir(out_dir):
            question = f"{out_dir} is not empty. Replace its contents with the export?"

            def answered(confirmed: bool | None) -> None:
                if confirmed:
                    self._start(str(checkpoint), out_dir, overwrite=True)
                else:
                    self._show_result("not exported: the folder is not empty", ok=False)

            self.app.push_screen(ConfirmDialog(question, "Overwrite"), answered)
            return
        self._start(str(checkpoint), out_dir, overwrite=False)

    def _start(self, checkpoint: str, out_dir: Path, *, overwrite: bool) -> None:
        argv = [*self.export_argv, checkpoint, str(out_dir)]
        if overwrite:
            argv.append("--overwrite")
        if self.query_one("#onnx", Checkbox).value:
            argv.append("--onnx")
        self.output.clear()
        self.output.write_line("$ " + " ".join(argv))
        self._show_result("exporting…", ok=None)
        self.query_one("#export", Button).disabled = True
        self.query_one("#close", Button).label = "Cancel"
        self._run_export(argv, out_dir)

    @work(thread=True, exclusive=True, group="export")
    def _run_export(self, argv: list[str], out_dir: Path) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = project_pythonpath(env)
        env["PYTHONUNBUFFERED"] = "1"
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, errors="replace", env=env)
        except OSError as exc:
            self.post_message(self.Finished(out_dir, None, f"could not start the exporter: {exc}"))
            return
        self._proc = proc
        assert proc.stdout is not None
        for line in proc.stdout:
            if get_current_worker().is_cancelled:
                break
            self.post_message(self.OutputReceived(line.rstrip("\n")))
        self.post_message(self.Finished(out_dir, proc.wait()))

    @on(OutputReceived)
    def _output_received(self, event: OutputReceived) -> None:
        self.output.write_line(describe_output_line(event.line))

    @on(Finished)
    def _finished(self, event: Finished) -> None:
        self._proc = None
        self.query_one("#export", Button).disabled = False
        self.query_one("#close", Button).label = "Close"
        if event.returncode == 0:
            self._show_result(f"exported to {event.out_dir.resolve()}", ok=True)
        elif event.returncode is None:
            self._show_result(event.problem, ok=False)
        else:
            self._show_result(f"export failed (exit code {event.returncode}); the output above says why",
                              ok=False)

    def _show_result(self, text: str, *, ok: bool | None) -> None:
        self.result.update(text)
        self.result.set_class(ok is True, "-ok")
        self.result.set_class(ok is False, "-failed")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        """Close; a running export is stopped first."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._show_result("export cancelled", ok=False)
            return
        self.dismiss(None)
