"""Shared fixtures: where the real evaluation and training data lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real data folder: $SIMCSE_TUI_DATA, else ../shared/data from the repo root; skip if absent."""
    path = Path(os.environ.get("SIMCSE_TUI_DATA") or REPO_ROOT.parent / "shared" / "data")
    if not path.is_dir():
        pytest.skip(f"real data folder not found at {path} (set SIMCSE_TUI_DATA)")
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny random BERT (2 layers, width 32) with the packaged vocabulary, built once per session."""
    from trainers.random_model import build_random_bert

    return build_random_bert(tmp_path_factory.mktemp("tiny-bert"), seed=0)


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    """1,200 real Wikipedia sentences (the head of wiki1m_head.txt), or made-up ones without the data folder."""
    source = Path(os.environ.get("SIMCSE_TUI_DATA") or REPO_ROOT.parent / "shared" / "data")
    source = source / "unlabeled" / "wiki1m_head.txt"
    if source.is_file():
        lines = source.read_text(encoding="utf-8").splitlines()[:1200]
    else:
        lines = [f"sentence number {i} says {'a b c d e f g'[: i % 13]} something" for i in range(1200)]
    path = tmp_path_factory.mktemp("corpus") / "small.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def make_trainer(tiny_model, small_corpus, tmp_path):
    """Build (not run) an in-process Trainer on the tiny model: `make_trainer(run_dir=None, **config)`.

    Defaults keep it small and quiet: batch 8, 16 tokens, CPU, no evaluation, no
    periodic checkpoints, a step event every step, best checkpoint by loss.
    """
    from trainers.config import from_mapping
    from trainers.distributed import World
    from trainers.loop import Trainer

    def make(run_dir: Path | None = None, **overrides):
        values = {"model": str(tiny_model), "train_file": str(small_corpus), "batch_size": 8,
                  "max_seq_length": 16, "device": "cpu", "eval_every": 0, "save_every": 0,
                  "selection_metric": "loss", "log_every": 1, "seed": 0, **overrides}
        return Trainer(from_mapping(values), run_dir or tmp_path / "run", World())

    return make


class WorkerRun:
    """A real `python -m trainers.run` (or torchrun) subprocess and its run folder, watched through events."""

    def __init__(self, command: list[str], run_dir: Path, env: dict[str, str]) -> None:
        import subprocess

        self.run_dir = run_dir
        run_dir.mkdir(parents=True, exist_ok=True)
        events = run_dir / "events.jsonl"
        # A resumed worker appends to its folder's events: it is watched from where it starts.
        self.start_offset = events.stat().st_size if events.exists() else 0
        self.log = open(run_dir / "worker.log", "ab")  # noqa: SIM115 - closed in wait()
        self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def events(self) -> list[dict]:
        from trainers.events import read_events

        return list(read_events(self.run_dir / "events.jsonl"))

    def own_events(self) -> list[dict]:
        """The events this worker appended (not those of earlier workers in the same folder)."""
        from trainers.events import EventTail

        tail, events = EventTail(self.run_dir / "events.jsonl"), []
        tail.offset = self.start_offset
        while batch := tail.read_new().events:
            events += batch
        return events

    def wait_for(self, predicate, timeout: float = 120.0) -> dict:
        """Block until an event of this worker satisfies `predicate` (polling the file); fail if it exits first."""
        import time

        from trainers.events import EventTail

        tail, deadline = EventTail(self.run_dir / "events.jsonl"), time.monotonic() + timeout
        tail.offset = self.start_offset
        while time.monotonic() < deadline:
            exited = self.process.poll() is not None
            for event in tail.read_new().events:
                if predicate(event):
                    return event
            if exited:
                pytest.fail(f"worker exited ({self.process.returncode}) before the awaited event:\n{self.log_text()}")
            time.sleep(0.02)
        self.process.kill()
        pytest.fail(f"no awaited event within {timeout:.0f}s:\n{self.log_text()}")

    def wait(self, timeout: float = 180.0) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self.log.close()

    def log_text(self) -> str:
        return (self.run_dir / "worker.log").read_text(encoding="utf-8", errors="replace")[-3000:]


@pytest.fixture(scope="session")
def start_worker(tiny_model, small_corpus):
    """`start_worker(run_dir, *args, fault=None, launcher=None, **settings)` starts a worker subprocess.

    Settings become `--set key=value` on top of small defaults (the tiny model, the
    small corpus, batch 8, 16 tokens, one CPU thread); `fault` sets SIMCSE_TUI_FAULT;
    `launcher` replaces `python -m` (e.g. a torchrun command line).
    """
    import sys

    data = os.environ.get("SIMCSE_TUI_DATA") or str(REPO_ROOT.parent / "shared" / "data")
    defaults = {"model": str(tiny_model), "train_file": str(small_corpus), "batch_size": 8, "max_seq_length": 16,
                "device": "cpu", "num_threads": 1, "log_every": 1, "eval_max_pairs": 20, "seed": 0}

    def start(run_dir: Path, *args: str, fault: str | None = None, launcher: list[str] | None = None,
              **settings) -> WorkerRun:
        env = {**os.environ, "SIMCSE_TUI_DATA": data, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
               "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}
        env.pop("SIMCSE_TUI_FAULT", None)
        if fault:
            env["SIMCSE_TUI_FAULT"] = fault
        sets = [f"--set={k}={v}" for k, v in {**defaults, **settings}.items()] if "--resume" not in args else \
            [f"--set={k}={v}" for k, v in settings.items()]
        command = [*(launcher or [sys.executable, "-m"]), "trainers.run", *args, *sets]
        if "--resume" not in args and "--run-dir" not in args:
            command += ["--run-dir", str(run_dir)]
        return WorkerRun(command, run_dir, env)

    return start
