"""One SVG snapshot per screen and dialog at 120x40, from the recorded runs.

Rendering is made deterministic: a fixed clock, the fake embedding worker
(whose results do not depend on paths or time), no blinking cursors, and
nothing on screen that shows a temporary path. Snapshots live in
tests/snapshots/; after an intended change of the UI, look at the new
pictures (`pytest tests/test_ui_snapshots.py --snapshot-report report.html`)
and accept them with `--snapshot-update`.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import pytest_textual_snapshot
from textual.pilot import Pilot
from textual.widgets import Input

from simcse_tui.app import SimcseApp

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "runs"
FAKE_SERVE = (sys.executable, str(HERE / "fixtures" / "fake_serve.py"))
FAKE_WORKER = (sys.executable, str(HERE / "fixtures" / "fake_worker.py"))
RUNNING_LAST_T = 1_700_040_154.0
SIZE = (120, 40)


class SnapshotsFolder(pytest_textual_snapshot.SVGImageExtension):
    """Keep the pictures in tests/snapshots/<test module>/ rather than __snapshots__."""

    @classmethod
    def dirname(cls, *, test_location) -> str:
        return str(HERE / "snapshots" / test_location.basename)


@pytest.fixture(autouse=True)
def snapshots_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pytest_textual_snapshot, "SVGImageExtension", SnapshotsFolder)


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimcseApp:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("SIMCSE_TUI_DATA", raising=False)  # the demo corpus, whatever the machine has
    runs_dir = tmp_path / "runs"
    shutil.copytree(FIXTURES, runs_dir)
    return SimcseApp(runs_dir, clock=lambda: RUNNING_LAST_T + 5, poll_interval=None, redraw_interval=0.0,
                     worker_argv=FAKE_WORKER, serve_argv=FAKE_SERVE, presets_dir=tmp_path / "presets")


async def until(pilot: Pilot, condition: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the fake embedding worker")
        await pilot.pause(0.02)


async def settle(pilot: Pilot) -> None:
    """Stop cursors blinking (a snapshot must not depend on when it is taken)."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def screen_of(mode: str, *keys: str) -> Callable[[Pilot], object]:
    async def run_before(pilot: Pilot) -> None:
        pilot.app.poll_runs()
        await pilot.pause()
        await pilot.press(mode, *keys)
        await settle(pilot)

    return run_before


def test_runs_screen(snap_compare, app: SimcseApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=screen_of("1"))


def test_live_screen(snap_compare, app: SimcseApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=screen_of("2"))


def test_failed_run_report(snap_compare, app: SimcseApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=screen_of("1", "down", "enter"))


def test_help_screen(snap_compare, app: SimcseApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=screen_of("1", "question_mark"))


def test_export_dialog(snap_compare, app: SimcseApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=screen_of("1", "e"))


def test_query_screen_comparing_two_checkpoints(snap_compare, app: SimcseApp) -> None:
    async def run_before(pilot: Pilot) -> None:
        await screen_of("3")(pilot)
        screen = pilot.app.screen
        await until(pilot, lambda: "ready" in str(screen.status.render()))
        specs = [c.spec for c in pilot.app.workbench.checkpoints()]
        screen.picker.select_b.value = specs[1]
        screen.query_input.value = "a man plays the guitar"
        await pilot.press("enter")
        await until(pilot, lambda: screen.query_one("#hits-b").row_count == 10 and screen.shown_seq == screen.seq)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_sts_screen_with_a_scored_set(snap_compare, app: SimcseApp) -> None:
    async def run_before(pilot: Pilot) -> None:
        await screen_of("4")(pilot)
        screen = pilot.app.screen
        screen.query_one("#s1", Input).value = "A man is playing a guitar."
        screen.query_one("#s2", Input).value = "A man plays the guitar."
        screen.score_pair()
        await until(pilot, lambda: "A: " in str(screen.query_one("#pair-scores").render()))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.pairs.row_count == 12)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
