"""The wall: the UI side never imports torch/transformers/datasets; the training side never imports textual/rich/plotext.

Each side is imported in a fresh interpreter and `sys.modules` inspected, so a
transitive import anywhere breaks the test.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "transformers", "datasets", "safetensors", "sentence_transformers")
UI = ("textual", "rich", "plotext", "textual_plotext")

UI_MODULES = ["simcse_tui", "simcse_tui.cli", "simcse_tui.headless", "simcse_tui.app"]
TRAINER_MODULES = ["trainers.loop", "trainers.run", "trainers.evaluate", "trainers.serve", "trainers.export",
                   "trainers.encoder", "trainers.evaluation", "trainers.data.training", "trainers.losses"]


def loaded_after_import(module: str) -> set[str]:
    code = f"import sys, json, importlib; importlib.import_module({module!r}); print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return {name.split(".")[0] for name in json.loads(out)}


@pytest.mark.parametrize("module", UI_MODULES)
def test_ui_side_never_imports_torch(module: str) -> None:
    leaked = loaded_after_import(module) & set(HEAVY)
    assert not leaked, f"{module} pulls in {sorted(leaked)}"


@pytest.mark.parametrize("module", TRAINER_MODULES)
def test_training_side_never_imports_the_ui(module: str) -> None:
    leaked = loaded_after_import(module) & set(UI)
    assert not leaked, f"{module} pulls in {sorted(leaked)}"


def test_ui_may_use_the_standard_library_trainer_modules() -> None:
    """events, config, errors and rundir are what the UI takes from trainers: they must stay light."""
    for module in ("trainers.events", "trainers.config", "trainers.errors", "trainers.rundir"):
        leaked = loaded_after_import(module) & (set(HEAVY) | set(UI) | {"numpy"})
        assert not leaked, f"{module} pulls in {sorted(leaked)}"
