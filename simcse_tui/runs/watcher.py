"""Finds run folders, tails their `events.jsonl` and folds the events into `RunState`s.

Plain Python that reports through callbacks, so it can be tested without a UI
and driven from anywhere: the app calls `poll()` from a thread worker on an
interval and turns the callbacks into (coalescing) messages; tests call
`poll()` directly.

What it does: scans the runs folder (every subfolder holding `events.jsonl` or
`config.toml`) plus folders opened explicitly (a run folder, or a folder of
them, e.g. written by `torchrun` elsewhere); reads only the new bytes of each
events file (`trainers.events.EventTail`, which keeps a partial last line for
the next read and counts malformed lines); marks a run stalled when it is not
finished but its worker is gone or has been silent for `stall_after_s`; marks
a run missing when its folder is deleted. What it does not do: start or stop
workers (`launcher`), or decide how anything is drawn.

Threading: `poll()` calls are serialised; file reads happen outside `lock`,
state changes inside it. Readers on another thread take `lock` while they copy
what they need out of a `RunState`.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from simcse_tui.runs.model import RunState, Status
from trainers.config import load_toml
from trainers.errors import ConfigError
from trainers.events import EVENTS_FILE, EventTail

CONFIG_FILE = "config.toml"
PID_FILE = "worker.pid"
LOG_FILE = "worker.log"
RUN_MARKERS = (EVENTS_FILE, CONFIG_FILE)

# A run silent for this long while not finished is shown as stalled.
DEFAULT_STALL_AFTER_S = 120.0

ChangedCallback = Callable[[list[RunState]], None]
FailedCallback = Callable[[RunState], None]
AliveCheck = Callable[[Path], "bool | None"]


def is_run_dir(path: Path) -> bool:
    """A folder is a run when it holds an events file or a config."""
    return path.is_dir() and any((path / marker).is_file() for marker in RUN_MARKERS)


def read_pid(run_dir: Path) -> int | None:
    """The pid in `worker.pid`, or None when there is none (a run opened from elsewhere)."""
    try:
        text = (run_dir / PID_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    if sys.platform.startswith("linux"):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            return False
        # The state letter follows the parenthesised command name.
        return stat.rpartition(")")[2].split()[:1] != ["Z"]
    return True


def worker_alive_from_pid_file(run_dir: Path) -> bool | None:
    """True/False when the run has a `worker.pid`; None when its worker is unknown."""
    pid = read_pid(run_dir)
    return None if pid is None else pid_alive(pid)


class RunWatcher:
    """Keeps one `RunState` per run folder up to date, one `poll()` at a time."""

    def __init__(
        self,
        runs_dir: Path,
        open_dirs: Iterable[Path] = (),
        *,
        stall_after_s: float = DEFAULT_STALL_AFTER_S,
        clock: Callable[[], float] = time.time,
        worker_alive: AliveCheck = worker_alive_from_pid_file,
        on_changed: ChangedCallback | None = None,
        on_failed: FailedCallback | None = None,
    ) -> None:
        self.runs_dir = Path(runs_dir).expanduser().resolve()
        self.stall_after_s = stall_after_s
        self.clock = clock
        self.worker_alive = worker_alive
        self.on_changed = on_changed
        self.on_failed = on_failed
        self.lock = threading.RLock()
        self._poll_lock = threading.Lock()
        self._opened: list[Path] = []
        self._runs: dict[Path, RunState] = {}
        self._tails: dict[Path, EventTail] = {}
        self._config_read: set[Path] = set()
        self._polled: set[Path] = set()
        self._live: set[Path] = set()
        for folder in open_dirs:
            self.open_dir(folder)

    # -- what the UI asks ------------------------------------------------------

    def open_dir(self, folder: Path) -> Path:
        """Watch `folder` too: a run folder, or a folder of run folders. Returns it resolved."""
        folder = Path(folder).expanduser().resolve()
        with self.lock:
            if folder not in self._opened and folder != self.runs_dir:
                self._opened.append(folder)
        return folder

    def expect(self, run_dir: Path) -> None:
        """Report a failure of this run even if the first read already finds it (a launch)."""
        with self.lock:
            self._live.add(Path(run_dir).resolve())

    def runs(self) -> list[RunState]:
        """All runs, newest id first (run ids start with their launch time)."""
        with self.lock:
            return sorted(self._runs.values(), key=lambda run: run.run_id, reverse=True)

    def get(self, run_dir: Path) -> RunState | None:
        with self.lock:
            return self._runs.get(Path(run_dir).resolve())

    # -- polling ---------------------------------------------------------------

    def poll(self) -> list[RunState]:
        """Scan for runs, read what each wrote since the last poll; return the changed runs."""
        with self._poll_lock:
            now = self.clock()
            for path in self._discover():
                if path not in self._runs:
                    with self.lock:
                        self._runs[path] = RunState(path=path, run_id=path.name)
                    self._tails[path] = EventTail(path / EVENTS_FILE)
            changed, failed = [], []
            for path in list(self._runs):
                state, newly_failed = self._poll_run(path, now)
                if state is not None:
                    changed.append(state)
                if newly_failed:
                    failed.append(state)
        if changed and self.on_changed is not None:
            self.on_changed(changed)
        for state in failed:
            if self.on_failed is not None:
                self.on_failed(state)
        return changed

    def _discover(self) -> list[Path]:
        with self.lock:
            roots = [(self.runs_dir, False), *((folder, True) for folder in self._opened)]
        found: list[Path] = []
        for root, may_be_run in roots:
            if may_be_run and is_run_dir(root):
                found.append(root)
                continue
            try:
                children = sorted(root.iterdir())
            except OSError:
                continue  # not created yet, or deleted: its known runs turn missing
            found.extend(c for c in children if not c.name.startswith(".") and is_run_dir(c))
        return found

    def _poll_run(self, path: Path, now: float) -> tuple[RunState | None, bool]:
        """Update one run; return it if it changed, and whether it just failed."""
        state = self._runs[path]
        before, was_failed = state.version, state.status == Status.FAILED
        if not path.is_dir():
            with self.lock:
                state.set_missing()
            return (state if state.version != before else None), False
        config = self._read_config_once(path)
        result = self._tails[path].read_new()
        with self.lock:
            if result.reset:
                state = self._restart_state(path, state)
            if config is not None:
                state.apply_config(config[0])
                state.add_warnings(config[1])
            for event in result.events:
                state.apply(event)
            state.add_warnings(result.warnings, skipped_lines=len(result.warnings))
            self._check_stall(state, now)
            first_read = path not in self._polled
            self._polled.add(path)
            newly_failed = (state.status == Status.FAILED and not was_failed
                            and (not first_read or path in self._live))
            if newly_failed:
                self._live.discard(path)
        return (state if state.version != before else None), newly_failed

    def _restart_state(self, path: Path, old: RunState) -> RunState:
        """The events file was replaced: start the run's state again from its new contents."""
        fresh = RunState(path=path, run_id=old.run_id, config=old.config)
        fresh.apply_config(old.config)
        fresh.version = old.version + 1
        fresh.add_warnings([f"{EVENTS_FILE} was replaced; read again from the start"])
        self._runs[path] = fresh
        return fresh

    def _read_config_once(self, path: Path) -> tuple[dict, list[str]] | None:
        """The run's config.toml (and any problem with it), the first time it is there."""
        if path in self._config_read or not (path / CONFIG_FILE).is_file():
            return None
        self._config_read.add(path)
        try:
            return load_toml(path / CONFIG_FILE), []
        except ConfigError as exc:
            return {}, [exc.message]

    def _check_stall(self, state: RunState, now: float) -> None:
        if state.is_terminal or state.status == Status.MISSING:
            return
        alive = self.worker_alive(state.path)
        since = state.last_event_t if state.last_event_t is not None else _mtime(state.path)
        silent_for = now - since
        if alive is False:
            reason = "the worker process exited without a final event; see worker.log"
        elif silent_for > self.stall_after_s:
            reason = f"no event for {silent_for:.0f} s"
            if alive:
                reason += " although the worker process is still alive"
        else:
            reason = None
        state.set_stalled(reason)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
