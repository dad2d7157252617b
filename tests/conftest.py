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
