"""The services every screen shares, wired once by the app: no Textual here.

The run watcher (what runs exist and what they say), the launcher (workers
this session started), the embedding client (one `trainers.serve` process),
the user's settings, and the colour each run keeps. Screens get a `Workbench`
in their constructor instead of reaching into the app, so each can be driven
on its own in tests.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simcse_tui.colours import RunColours
from simcse_tui.embedding_client import EmbeddingClient
from simcse_tui.runs.checkpoints import Checkpoint, checkpoint_choices
from simcse_tui.runs.launcher import LaunchedRun, Launcher
from simcse_tui.runs.model import RunState
from simcse_tui.runs.watcher import RunWatcher
from simcse_tui.settings import Settings, save_settings

EXPORT_ARGV = (sys.executable, "-m", "trainers.export")
SERVE_LOG = "serve.log"


@dataclass
class Workbench:
    """Shared state and services; every method runs on the UI thread unless it says otherwise."""

    runs_dir: Path
    data_dir: Path | None
    watcher: RunWatcher
    launcher: Launcher
    embedder: EmbeddingClient
    settings: Settings
    settings_file: Path | None
    colours: RunColours = field(default_factory=RunColours)
    presets_dir: Path | None = None
    export_argv: tuple[str, ...] = EXPORT_ARGV
    clock: Callable[[], float] = time.time
    # Bumped (on the UI thread) after every poll that changed something.
    revision: int = 0
    # Runs drawn on the live charts, by key (the run folder as a string).
    chart_runs: list[str] = field(default_factory=list)
    # Corpus files loaded this session, offered again in the query panel.
    corpus_files: list[str] = field(default_factory=list)

    # -- runs ------------------------------------------------------------------

    def runs(self) -> list[RunState]:
        return self.watcher.runs()

    def run(self, key: str) -> RunState | None:
        return self.watcher.get(Path(key))

    def launch(self, values: dict[str, Any]) -> LaunchedRun:
        launched = self.launcher.launch(values)
        self.watcher.expect(launched.path)
        self.show_on_charts(str(launched.path.resolve()))
        return launched

    def stop(self, key: str) -> int:
        return self.launcher.stop(Path(key))

    def resume(self, key: str) -> int:
        pid = self.launcher.resume(Path(key))
        self.watcher.expect(Path(key))
        return pid

    def open_dir(self, folder: Path) -> Path:
        return self.watcher.open_dir(folder)

    def show_on_charts(self, key: str) -> None:
        if key not in self.chart_runs:
            self.chart_runs.insert(0, key)

    # -- checkpoints and corpora ---------------------------------------------------

    def checkpoints(self) -> list[Checkpoint]:
        """Every run's best and latest checkpoint, then the base models."""
        return checkpoint_choices((run.path, run.run_id, run.model) for run in self.runs())

    def corpora(self) -> list[tuple[str, str]]:
        """(label, corpus) pairs the query panel offers; the first is the default."""
        options = []
        if self.data_dir is not None:
            options += [("Wikipedia sentences (data folder)", "wiki"), ("STS-B sentences (data folder)", "stsb")]
        options.append(("demo corpus (built in)", "demo"))
        options += [(Path(path).name, path) for path in self.corpus_files]
        return options

    # -- settings ----------------------------------------------------------------

    def save_settings(self) -> None:
        """Persist the settings; raises `SettingsError` naming the file."""
        save_settings(self.settings, self.settings_file)

    @property
    def serve_log(self) -> Path:
        return self.runs_dir / SERVE_LOG
