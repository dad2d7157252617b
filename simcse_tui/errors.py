"""Errors the UI raises itself, in the project's one hierarchy (`trainers.errors`).

Each carries a `title` for a notification or dialog, the `message`, and a
`hint` that says what to do next. Imports the standard library alone.
"""

from __future__ import annotations

from trainers.errors import SimcseError


class WorkerNotRunningError(SimcseError):
    """Stop was asked for a run whose worker process is not (or no longer) running."""

    title = "Worker not running"


class LaunchError(SimcseError):
    """A training worker could not be started."""

    title = "Launch failed"


class EmbeddingWorkerError(SimcseError):
    """The embedding worker could not be started, or stopped while answering."""

    title = "Embedding worker stopped"


class EmbeddingRequestError(SimcseError):
    """The embedding worker answered a request with an error of its own."""

    def __init__(self, message: str, hint: str = "", title: str = "Embedding request failed") -> None:
        super().__init__(message, hint)
        self.title = title


class SettingsError(SimcseError):
    """The settings file cannot be read or written."""

    title = "Settings"


class ExportError(SimcseError):
    """An export could not be started or did not finish."""

    title = "Export failed"
