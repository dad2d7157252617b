"""Helpers for `trainers` entry points that report to a parent process over stdout.

Child processes (the eval suite, export, data download) print schema-v1 event
records, one JSON line each, on stdout; the parent (`simcse-tui`'s headless CLI
or the TUI) renders them. A user error becomes a `run_failed` record with a
hint and exit status 2; a bug becomes `run_failed` with its traceback and
exit status 1. Nothing is swallowed.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable

from trainers.errors import SimcseError
from trainers.events import Scalar, make_event


class StdoutEvents:
    """Writes event records to stdout (flushed per line) for a parent to read."""

    def __init__(self, run: str) -> None:
        self.run = run

    def emit(self, kind: str, **fields: Scalar) -> None:
        sys.stdout.write(json.dumps(make_event(kind, self.run, **fields)) + "\n")
        sys.stdout.flush()

    def progress(self, task: str) -> Callable[[int, int], None]:
        """A progress callback that emits at most ~50 records per task."""
        last = [-1]

        def report(done: int, total: int) -> None:
            step = max(1, total // 50)
            if done == total or done // step != last[0]:
                last[0] = done // step
                self.emit("progress", task=task, done=done, total=total)

        return report


def quiet_transformers() -> None:
    """Keep library progress bars and advice off the protocol stream and the logs."""
    import os

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()


def run_guarded(events: StdoutEvents, body: Callable[[], int]) -> int:
    """Run `body`; turn any failure into a `run_failed` record and an exit status."""
    try:
        return body()
    except SimcseError as exc:
        events.emit("run_failed", message=exc.message, traceback="", hint=exc.hint, title=exc.title)
        return 2
    except KeyboardInterrupt:
        events.emit("run_failed", message="interrupted", traceback="", hint="")
        return 130
    except Exception as exc:  # noqa: BLE001 - reported to the parent with its traceback
        events.emit("run_failed", message=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc(),
                    hint="this is a bug in simcse-tui; please report it with the traceback")
        return 1
