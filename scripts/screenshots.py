"""Take the README's screenshots: the real app, the real embedding worker, the real runs in a folder.

    python scripts/screenshots.py [RUNS_DIR] [--out docs/screenshots]

Opens the app headless at 120x40 on RUNS_DIR (default: runs/), visits each
screen and writes one SVG per screen: runs, live, query (the base model and
the newest run's best checkpoint side by side), sts (a typed pair and the
STS-B dev set sorted by error), export and help. Needs the packaged model and,
for the STS/Wikipedia corpora, $SIMCSE_TUI_DATA.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual.widgets import Input  # noqa: E402

from simcse_tui.app import SimcseApp  # noqa: E402


async def until(pilot, condition, timeout: float = 900.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.05)


async def settle(pilot) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause(0.3)


async def take(runs_dir: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = SimcseApp(runs_dir, settings_file=Path(tempfile.mkdtemp()) / "settings.toml")

    def save(name: str) -> None:
        app.save_screenshot(f"{name}.svg", str(out))
        print("wrote", out / f"{name}.svg")

    async with app.run_test(size=(120, 40)) as pilot:
        app.poll_runs()
        await pilot.pause(1.0)
        await settle(pilot)
        save("runs")
        await pilot.press("2")
        await pilot.pause(1.0)
        await settle(pilot)
        save("live")

        await pilot.press("3")
        screen = app.screen
        await until(pilot, lambda: "ready" in str(screen.status.render()))
        specs = [c.spec for c in app.workbench.checkpoints()]
        if len(specs) > 1:
            screen.picker.select_b.value = specs[1]
            await until(pilot, lambda: "ready" in str(screen.status.render()))
        screen.query_input.value = "A man is playing a guitar on stage."
        await pilot.press("enter")
        await until(pilot, lambda: screen.shown_seq == screen.seq and screen.query_one("#hits-a").row_count > 0)
        await settle(pilot)
        save("query")

        await pilot.press("escape", "4")
        screen = app.screen
        screen.query_one("#s1", Input).value = "A man is playing a guitar."
        screen.query_one("#s2", Input).value = "Someone plays an instrument."
        screen.score_pair()
        await until(pilot, lambda: "A: " in str(screen.query_one("#pair-scores").render()))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.pairs.row_count > 0)
        await settle(pilot)
        save("sts")

        await pilot.press("escape", "1", "e")
        await settle(pilot)
        save("export")
        await pilot.press("escape", "question_mark")
        await settle(pilot)
        save("help")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs_dir", nargs="?", default=str(ROOT / "runs"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    asyncio.run(take(Path(args.runs_dir), Path(args.out)))


if __name__ == "__main__":
    main()
