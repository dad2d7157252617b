"""Starts, stops and resumes training workers; knows nothing of Textual.

A launch validates the form's values with `trainers.config` (the trainer's own
rules, without importing torch), writes the resolved `config.toml` into a new
run folder whose name no other launch can take, and starts

    python -m trainers.run --config RUN/config.toml --run-dir RUN

in its own process session with stdin closed and stdout/stderr appended to
`RUN/worker.log`; the pid goes to `RUN/worker.pid`. Stop sends SIGTERM to the
worker's process group, which the worker takes as "finish this step, write a
checkpoint and a run_stopped event". Resume starts `trainers.run --resume RUN`.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trainers
from simcse_tui.errors import LaunchError, WorkerNotRunningError
from simcse_tui.runs.watcher import CONFIG_FILE, LOG_FILE, PID_FILE, pid_alive, read_pid
from trainers.config import TrainConfig, dump_toml, from_mapping
from trainers.errors import UnsafePathError

WORKER_ARGV = (sys.executable, "-m", "trainers.run")

# Attempts at a fresh folder name before giving up (each adds 24 random bits).
NAME_ATTEMPTS = 8


@dataclass(frozen=True)
class LaunchedRun:
    """A worker just started: its run folder and process id."""

    run_id: str
    path: Path
    pid: int


def check_run_id(run_id: str) -> str:
    """Return `run_id` if it names a folder directly inside the runs folder, else raise."""
    if (not run_id or run_id in (".", "..") or "/" in run_id or "\\" in run_id
            or ".." in run_id or run_id.startswith(".") or "\0" in run_id):
        raise UnsafePathError(
            f"run id {run_id!r} is not a plain folder name",
            hint="use letters, digits, '-' and '_' only; no '/', '..' or leading '.'",
        )
    return run_id


def new_run_id(objective: str, now: float, token: str) -> str:
    """`<YYYYmmdd-HHMMSS>-<objective>-<token>`: sorts by launch time, unique by token."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    return check_run_id(f"{stamp}-{objective}-{token}")


def project_pythonpath(env: Mapping[str, str]) -> str:
    """PYTHONPATH that lets a worker import `trainers` even when it is not installed."""
    root = str(Path(trainers.__file__).resolve().parent.parent)
    existing = env.get("PYTHONPATH", "")
    return root if not existing else os.pathsep.join([root, existing])


class Launcher:
    """Owns the worker processes this session started; reaps them as they exit."""

    def __init__(
        self,
        runs_dir: Path,
        worker_argv: Sequence[str] = WORKER_ARGV,
        *,
        clock: Callable[[], float] = time.time,
        token: Callable[[], str] = lambda: secrets.token_hex(3),
    ) -> None:
        self.runs_dir = Path(runs_dir).expanduser().resolve()
        self.worker_argv = tuple(worker_argv)
        self.clock = clock
        self.token = token
        self._procs: dict[Path, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    # -- launching ---------------------------------------------------------------

    def validate(self, values: Mapping[str, Any]) -> TrainConfig:
        """The trainer's own validation of the launch form (raises `ConfigError`)."""
        return from_mapping(values, source="launch form")

    def launch(self, values: Mapping[str, Any]) -> LaunchedRun:
        """Validate, write `config.toml` into a new run folder, start the worker there."""
        config = self.validate(values)
        run_dir = self._make_run_dir(config.objective)
        (run_dir / CONFIG_FILE).write_text(dump_toml(config), encoding="utf-8")
        argv = [*self.worker_argv, "--config", str(run_dir / CONFIG_FILE), "--run-dir", str(run_dir)]
        pid = self._start(run_dir, argv)
        return LaunchedRun(run_dir.name, run_dir, pid)

    def resume(self, run_dir: Path) -> int:
        """Start the worker again on a stopped or failed run; it continues from its checkpoint."""
        run_dir = _existing_run(run_dir)
        pid = read_pid(run_dir)
        if pid is not None and pid_alive(pid):
            raise LaunchError(f"run {run_dir.name} still has a running worker (pid {pid})",
                              hint="stop it first, or wait for it to finish")
        return self._start(run_dir, [*self.worker_argv, "--resume", str(run_dir)])

    def _make_run_dir(self, objective: str) -> Path:
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        for _ in range(NAME_ATTEMPTS):
            run_id = new_run_id(objective, self.clock(), self.token())
            run_dir = self.runs_dir / run_id
            try:
                run_dir.mkdir(exist_ok=False)  # the atomic claim: two launches never share a folder
            except FileExistsError:
                continue
            return run_dir
        raise LaunchError(f"no free run folder name in {self.runs_dir} after {NAME_ATTEMPTS} tries",
                          hint="check the folder is writable and not full of stale runs")

    def _start(self, run_dir: Path, argv: list[str]) -> int:
        env = dict(os.environ)
        env["PYTHONPATH"] = project_pythonpath(env)
        env["PYTHONUNBUFFERED"] = "1"  # worker.log shows output as it happens
        try:
            with open(run_dir / LOG_FILE, "ab") as log:
                proc = subprocess.Popen(
                    argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True, env=env,
                )
        except OSError as exc:
            raise LaunchError(f"could not start {argv[0]}: {exc.strerror or exc}",
                              hint="check the Python environment the app runs in") from exc
        (run_dir / PID_FILE).write_text(f"{proc.pid}\n", encoding="utf-8")
        with self._lock:
            self._procs[run_dir.resolve()] = proc
        # Reap the child when it exits so it never lingers as a zombie.
        threading.Thread(target=proc.wait, name=f"reap-{proc.pid}", daemon=True).start()
        return proc.pid

    # -- stopping ----------------------------------------------------------------

    def stop(self, run_dir: Path) -> int:
        """Ask the worker to stop gracefully: SIGTERM to its process group. Returns the pid."""
        run_dir = Path(run_dir).resolve()
        pid = read_pid(run_dir)
        if pid is None:
            raise WorkerNotRunningError(f"run {run_dir.name} has no worker.pid",
                                        hint="it was not started from this app; stop it where it runs")
        if not self._is_worker_group(run_dir, pid):
            raise WorkerNotRunningError(f"the worker of run {run_dir.name} (pid {pid}) is not running",
                                        hint="resume the run to start it again")
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            raise WorkerNotRunningError(f"the worker of run {run_dir.name} (pid {pid}) already exited",
                                        hint="resume the run to start it again") from None
        return pid

    def _is_worker_group(self, run_dir: Path, pid: int) -> bool:
        """Whether `pid` still leads its own process group (so the pid was not reused)."""
        with self._lock:
            proc = self._procs.get(run_dir)
        if proc is not None and proc.poll() is not None:
            return False
        try:
            return pid_alive(pid) and os.getpgid(pid) == pid
        except ProcessLookupError:
            return False

    def wait(self, run_dir: Path, timeout: float | None = None) -> int | None:
        """Wait for a worker this session started to exit; its exit code (None: not ours)."""
        with self._lock:
            proc = self._procs.get(Path(run_dir).resolve())
        return None if proc is None else proc.wait(timeout)

    def is_alive(self, run_dir: Path) -> bool | None:
        """True/False for a run with a known worker; None when its worker is unknown."""
        run_dir = Path(run_dir).resolve()
        with self._lock:
            proc = self._procs.get(run_dir)
        if proc is not None:
            return proc.poll() is None
        pid = read_pid(run_dir)
        return None if pid is None else pid_alive(pid)


def _existing_run(run_dir: Path) -> Path:
    run_dir = Path(run_dir).resolve()
    if not run_dir.is_dir():
        raise LaunchError(f"run folder {run_dir} does not exist", hint="it may have been deleted")
    return run_dir
