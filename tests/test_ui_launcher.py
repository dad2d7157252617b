"""Launching, stopping and resuming workers, with a fake worker script in place of trainers.run.

The fake worker (tests/fixtures/fake_worker.py) writes real schema-v1 events
and reacts to SIGTERM like the real one. Waiting here is always on a
subprocess (`Popen.wait`, or a file it writes, with a deadline), never a
fixed delay.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from simcse_tui.errors import LaunchError, WorkerNotRunningError
from simcse_tui.runs.launcher import Launcher, check_run_id, new_run_id
from simcse_tui.runs.watcher import pid_alive, read_pid
from trainers.config import load_toml
from trainers.errors import ConfigError, UnsafePathError
from trainers.events import read_events

FAKE_WORKER = (sys.executable, str(Path(__file__).parent / "fixtures" / "fake_worker.py"))
VALUES = {"objective": "unsup-simcse", "max_steps": 100, "batch_size": 8}


def wait_for(condition, timeout: float = 20.0) -> None:
    """Wait for a subprocess to make `condition` true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the worker never got there")
        threading.Event().wait(0.02)


def kinds(run_dir: Path) -> list[str]:
    return [event["kind"] for event in read_events(run_dir / "events.jsonl")]


@pytest.fixture
def launcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Launcher:
    monkeypatch.setenv("FAKE_WORKER_MODE", "finish")
    return Launcher(tmp_path / "runs", FAKE_WORKER)


def test_a_launch_writes_the_validated_config_and_starts_the_worker_in_its_own_session(launcher: Launcher) -> None:
    launched = launcher.launch(VALUES)
    assert launcher.wait(launched.path, timeout=30) == 0
    assert launched.path.parent == launcher.runs_dir
    assert load_toml(launched.path / "config.toml")["max_steps"] == 100
    assert read_pid(launched.path) == launched.pid
    assert kinds(launched.path)[0] == "run_started" and kinds(launched.path)[-1] == "run_finished"
    log = (launched.path / "worker.log").read_text(encoding="utf-8")
    assert f"fake worker {launched.pid}" in log  # stdout goes to worker.log


def test_the_worker_leads_its_own_process_group(launcher: Launcher, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_WORKER_MODE", "wait")
    launched = launcher.launch(VALUES)
    try:
        assert os.getpgid(launched.pid) == launched.pid != os.getpgid(0)
    finally:
        wait_for(lambda: (launched.path / "child.pid").exists())
        launcher.stop(launched.path)
        launcher.wait(launched.path, timeout=30)


def test_two_launches_in_the_same_second_never_share_a_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_WORKER_MODE", "finish")
    tokens = iter(["same00", "same00", "same00", "other1"])  # force a name collision
    lock = threading.Lock()

    def token() -> str:
        with lock:
            return next(tokens)

    launcher = Launcher(tmp_path / "runs", FAKE_WORKER, clock=lambda: 1_700_000_000.0, token=token)
    barrier = threading.Barrier(2)
    launched = []

    def launch() -> None:
        barrier.wait()
        launched.append(launcher.launch(VALUES))

    threads = [threading.Thread(target=launch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    folders = {run.path for run in launched}
    assert len(folders) == 2
    assert {path.name.rsplit("-", 1)[1] for path in folders} == {"same00", "other1"}
    for run in launched:
        assert launcher.wait(run.path, timeout=30) == 0
        assert kinds(run.path).count("run_started") == 1  # each worker wrote only its own folder


def test_stop_sends_sigterm_to_the_whole_process_group(launcher: Launcher, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_WORKER_MODE", "wait")
    launched = launcher.launch(VALUES)
    wait_for(lambda: (launched.path / "child.pid").exists())
    child = int((launched.path / "child.pid").read_text())
    assert launcher.is_alive(launched.path) and pid_alive(child)
    assert launcher.stop(launched.path) == launched.pid
    assert launcher.wait(launched.path, timeout=30) == 0  # graceful: its handler ran
    assert kinds(launched.path)[-1] == "run_stopped"
    assert not pid_alive(child)  # the worker's child got the signal too
    assert launcher.is_alive(launched.path) is False
    with pytest.raises(WorkerNotRunningError, match="not running"):
        launcher.stop(launched.path)


def test_resume_starts_the_worker_again_on_the_same_folder(launcher: Launcher, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_WORKER_MODE", "fail")
    launched = launcher.launch(VALUES)
    assert launcher.wait(launched.path, timeout=30) == 1
    monkeypatch.setenv("FAKE_WORKER_MODE", "finish")
    pid = launcher.resume(launched.path)
    assert launcher.wait(launched.path, timeout=30) == 0
    assert pid != launched.pid and read_pid(launched.path) == pid
    assert kinds(launched.path).count("run_started") == 2 and kinds(launched.path)[-1] == "run_finished"
    assert "resume=True" in (launched.path / "worker.log").read_text(encoding="utf-8")


def test_invalid_values_are_refused_before_anything_is_written(launcher: Launcher) -> None:
    with pytest.raises(ConfigError, match="launch form: key 'batch_size'"):
        launcher.launch({**VALUES, "batch_size": 1})
    assert not launcher.runs_dir.exists() or not any(launcher.runs_dir.iterdir())


def test_stopping_a_run_without_a_known_worker_says_so(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "opened-from-elsewhere"
    run.mkdir(parents=True)
    launcher = Launcher(tmp_path / "runs", FAKE_WORKER)
    with pytest.raises(WorkerNotRunningError, match="no worker.pid"):
        launcher.stop(run)
    with pytest.raises(LaunchError, match="does not exist"):
        launcher.resume(tmp_path / "runs" / "gone")


@pytest.mark.parametrize("bad", ["", ".", "..", "a/b", "../escape", "x..y", ".hidden", "a\\b"])
def test_run_ids_cannot_escape_the_runs_folder(bad: str) -> None:
    with pytest.raises(UnsafePathError):
        check_run_id(bad)


def test_run_ids_sort_by_launch_time() -> None:
    first = new_run_id("unsup-simcse", 1_700_000_000.0, "aaaaaa")
    later = new_run_id("mirror-bert", 1_700_000_061.0, "000000")
    assert first < later and first.endswith("-unsup-simcse-aaaaaa")
