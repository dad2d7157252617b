"""The launch form: objective, model, data and the key hyper-parameters, checked as you type.

Every field goes through `trainers.config.check_value` (the trainer's own
rules, no torch) on each keystroke and shows its error under it, naming the
key; then the whole set goes through `from_mapping` for the rules that tie
keys together. Launch stays disabled while anything is invalid. A preset from
`assets/configs/` fills the form; its keys that the form does not show are
launched too, so a preset is never half-applied.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, Select

from simcse_tui.runs.presets import Preset
from trainers.config import (
    FIELDS,
    TrainConfig,
    check_value,
    field_help,
    from_mapping,
    parse_overrides,
)
from trainers.errors import ConfigError

FORM_FIELDS = ("objective", "loss", "model", "train_file", "max_steps", "batch_size", "learning_rate",
               "temperature", "eval_every", "pooler", "device", "seed")
SOURCE = "launch form"
_NOT_EMPTY = ("model", "train_file")


def check_field(name: str, raw: Any) -> tuple[Any, str | None]:
    """(value, None) when `raw` (text typed, or a choice) is valid for `name`, else (None, error)."""
    try:
        value = parse_overrides([f"{name}={raw}"])[name] if isinstance(raw, str) else raw
        value = check_value(name, value, source=SOURCE)
    except ConfigError as exc:
        return None, _without_source(exc.message)
    if name in _NOT_EMPTY and not str(value).strip():
        return None, f"key {name!r} must not be empty"
    return value, None


def _without_source(message: str) -> str:
    return message.removeprefix(f"{SOURCE}: ")


def as_text(value: Any) -> str:
    """How a config value is typed into an input."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class LaunchForm(VerticalScroll):
    """Posts `Submitted` with the validated values when Launch is pressed."""

    DEFAULT_CSS = """
    LaunchForm {
        width: 46;
        padding: 0 1;
        border-left: solid $panel-lighten-2;
    }
    LaunchForm #form-title { text-style: bold; margin-bottom: 1; }
    LaunchForm .field { height: 1; }
    LaunchForm .field > Label { width: 14; color: $text-muted; }
    LaunchForm .field > Input, LaunchForm .field > Select { width: 1fr; }
    LaunchForm .error { color: $error; width: 1fr; height: auto; display: none; }
    LaunchForm .error.-shown { display: block; }
    LaunchForm #preset-row { margin-bottom: 1; }
    LaunchForm #preset-problems { color: $warning; width: 1fr; height: auto; }
    LaunchForm #form-error { color: $error; width: 1fr; height: auto; margin-top: 1; }
    LaunchForm #launch { width: 100%; margin-top: 1; }
    """

    class Submitted(Message):
        """Launch was pressed with every value valid."""

        def __init__(self, values: dict[str, Any]) -> None:
            super().__init__()
            self.values = values

    def __init__(self, presets: list[Preset], preset_problems: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.presets = {preset.name: preset for preset in presets}
        self.preset_problems = preset_problems
        self._values: dict[str, Any] = {name: getattr(TrainConfig(), name) for name in FORM_FIELDS}
        self._errors: dict[str, str] = {}
        self._preset_values: dict[str, Any] = {}
        self._form_error: str | None = None

    def compose(self) -> ComposeResult:
        yield Label("Launch a run", id="form-title")
        with Horizontal(classes="field", id="preset-row"):
            yield Label("preset")
            yield Select([(name, name) for name in self.presets], prompt="none (defaults)", id="preset",
                         compact=True, disabled=not self.presets)
        if self.preset_problems:
            yield Label("\n".join(self.preset_problems), id="preset-problems", markup=False)
        for name in FORM_FIELDS:
            with Horizontal(classes="field"):
                label = Label(name)
                label.tooltip = field_help(name)
                yield label
                yield self._field_widget(name)
            yield Label("", id=f"error-{name}", classes="error", markup=False)
        yield Label("", id="form-error", markup=False)
        yield Button("Launch", id="launch", variant="success", tooltip="Start trainers.run on these values")

    def _field_widget(self, name: str) -> Input | Select[Any]:
        choices = FIELDS[name].metadata["choices"]
        if choices:
            return Select([(str(c), c) for c in choices], value=self._values[name], allow_blank=False,
                          id=f"field-{name}", classes="value", compact=True, tooltip=field_help(name))
        return Input(as_text(self._values[name]), id=f"field-{name}", classes="value", compact=True,
                     tooltip=field_help(name))

    # -- reading -------------------------------------------------------------------

    @property
    def is_valid(self) -> bool:
        return not self._errors and self._form_error is None

    @property
    def errors(self) -> dict[str, str]:
        """Current problems by key ("" for the rules that tie keys together)."""
        problems = dict(self._errors)
        if self._form_error:
            problems[""] = self._form_error
        return problems

    def values(self) -> dict[str, Any]:
        """Everything to launch with: the preset's values, overridden by the form's."""
        return {**self._preset_values, **self._values}

    # -- reacting to input -----------------------------------------------------------

    @on(Input.Changed, ".value")
    @on(Select.Changed, ".value")
    def _field_changed(self, event: Input.Changed | Select.Changed) -> None:
        widget = event.input if isinstance(event, Input.Changed) else event.select
        name = (widget.id or "").removeprefix("field-")
        value, error = check_field(name, event.value)
        if error is None:
            self._values[name] = value
            self._errors.pop(name, None)
        else:
            self._errors[name] = error
        label = self.query_one(f"#error-{name}", Label)
        label.update(error or "")
        label.set_class(error is not None, "-shown")
        self._check_form()

    def _check_form(self) -> None:
        self._form_error = None
        if not self._errors:
            try:
                from_mapping(self.values(), source=SOURCE)
            except ConfigError as exc:
                self._form_error = _without_source(exc.message) + (f" ({exc.hint})" if exc.hint else "")
        self.query_one("#form-error", Label).update(self._form_error or "")
        self.query_one("#launch", Button).disabled = not self.is_valid

    @on(Select.Changed, "#preset")
    def _preset_chosen(self, event: Select.Changed) -> None:
        preset = self.presets.get(str(event.value))
        self._preset_values = dict(preset.values) if preset else {}
        for name in FORM_FIELDS:
            value = self._preset_values.get(name, getattr(TrainConfig(), name))
            widget = self.query_one(f"#field-{name}")
            if isinstance(widget, Select):
                widget.value = value
            elif isinstance(widget, Input):
                widget.value = as_text(value)
        self._check_form()

    @on(Input.Submitted, ".value")
    @on(Button.Pressed, "#launch")
    def submit(self) -> None:
        """Launch, if every value is valid."""
        if self.is_valid:
            self.post_message(self.Submitted(self.values()))
