"""The UI's side of the wall, module by module, including the screens the app imports lazily.

Every module of `simcse_tui` (but the CLI entry points, which have their own
test) is imported in one fresh interpreter; then no torch-side package may be
loaded, and of `trainers` only the standard-library modules the UI may use.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = {"torch", "transformers", "datasets", "safetensors", "sentence_transformers", "scipy"}
ALLOWED_TRAINERS = {"trainers", "trainers.events", "trainers.config", "trainers.errors"}
NOT_OURS = ("simcse_tui.cli", "simcse_tui.headless", "simcse_tui.__main__")

CODE = f"""
import importlib, json, pkgutil, sys
import simcse_tui
names = [m.name for m in pkgutil.walk_packages(simcse_tui.__path__, "simcse_tui.")
         if not m.name.startswith({NOT_OURS!r})]
for name in names:
    importlib.import_module(name)
print(json.dumps({{"imported": names, "loaded": sorted(sys.modules)}}))
"""


def test_no_ui_module_imports_torch_or_a_torch_side_trainers_module() -> None:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    assert "simcse_tui.screens.live.live_screen" in report["imported"]  # the lazily imported screens too
    loaded = set(report["loaded"])
    assert not {name.split(".")[0] for name in loaded} & HEAVY
    trainers = {name for name in loaded if name == "trainers" or name.startswith("trainers.")}
    assert trainers <= ALLOWED_TRAINERS, sorted(trainers - ALLOWED_TRAINERS)
