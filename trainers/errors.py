"""The project's one error hierarchy.

Every error a user can cause (a bad config, a malformed data file, a model that
cannot be loaded) is a `SimcseError`. It carries a short `title` for the UI and
the CLI, the `message` itself, and a `hint` that says what to do next. Nothing
here imports anything outside the standard library, so the UI side can catch
these errors and show them without importing torch.
"""

from __future__ import annotations


class SimcseError(Exception):
    """Base class: an error the user can act on. Never raised for our own bugs."""

    title = "Error"

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class ConfigError(SimcseError):
    """A config file or override is wrong: names the file, the key and what was expected."""

    title = "Invalid configuration"


class DataError(SimcseError):
    """A data file is missing or malformed: names `path:line` and what was expected."""

    title = "Invalid data"


class ModelLoadError(SimcseError):
    """A model id or folder could not be loaded."""

    title = "Model could not be loaded"


class EventSchemaError(SimcseError):
    """An events.jsonl record does not follow the schema (unknown version, kind or field type)."""

    title = "Unreadable event"


class UnsafePathError(SimcseError):
    """A run id or output path tries to escape its folder."""

    title = "Unsafe path"
