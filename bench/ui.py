"""UI responsiveness: first frame, chart redraw, event-to-screen under a 50 events/s run, query keystrokes.

    python bench/ui.py [--corpus-size 30000] [--queries 12] [--skip-query]

- **first frame**: seconds from starting `python` to the runs table drawn in a
  real 120x40 pseudo-terminal (`simcse_tui.bench_hooks.time_first_frame`).
- **chart redraw**: one redraw of each live chart (copy, downsample, plotext
  build) for 4 runs of 10,000 steps, at 44x12 and 100x30 cells.
- **event to screen**: the live screen open, with its real polling thread and
  redraw timer, while a writer thread appends 50 step events a second to a run's
  events.jsonl: for every step the loss chart draws, the delay since that step
  was written.
- **query keystrokes**: the real app with the real embedding worker
  (`trainers.serve`, the packaged all-MiniLM-L6-v2 on this CPU) over a corpus of
  `--corpus-size` distinct real sentences from the data folder. The corpus is
  embedded once (timed; cached on disk afterwards, like the app does), then
  queries are typed one key at a time, each key handed to the app the way the
  terminal driver hands it over, and for each key the time until the results
  table holds the results for exactly the text typed so far is recorded (the
  next screen refresh paints it). Pilot's `press` is not used to time: it also
  waits for the app to go idle, which adds about 100 ms that no user sees.

Writes bench/results/ui.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simcse_tui.bench_hooks import time_chart_redraw, time_first_frame  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "runs"
QUERIES = [  # STS-B test sentences: typed as a user would, one key at a time
    "A man is playing a flute.",
    "A woman is slicing an onion.",
    "The cat sat on the mat.",
    "Stocks fell sharply in early trading.",
    "A dog runs through the snow.",
    "The president spoke to reporters on Monday.",
    "Two kids are playing soccer in a park.",
    "Heavy rain caused flooding in the city.",
    "A chef is cooking pasta in a kitchen.",
    "The team won the championship last night.",
    "Scientists discovered a new species of frog.",
    "A man rides a bicycle down the street.",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(percentile(ms, 0.95), 1),
            "max_ms": round(max(ms), 1)}


def fresh_runs_dir() -> Path:
    runs_dir = Path(tempfile.mkdtemp()) / "runs"
    shutil.copytree(FIXTURES, runs_dir)
    return runs_dir


async def event_to_screen(runs_dir: Path, rate: float = 50.0, seconds: float = 6.0) -> list[float]:
    """Delays from writing a step event to the loss chart drawing it, while `rate` events/s are written."""
    from simcse_tui.app import SimcseApp

    running = next(p for p in sorted(runs_dir.iterdir()) if "sup-simcse" in p.name)
    app = SimcseApp(runs_dir, settings_file=Path(tempfile.mkdtemp()) / "settings.toml")
    written: dict[int, float] = {}
    stop = threading.Event()

    def writer() -> None:
        step, interval = 100_000, 1.0 / rate
        next_at = time.perf_counter()
        with open(running / "events.jsonl", "a", encoding="utf-8") as handle:
            while not stop.is_set():
                step += 1
                handle.write(json.dumps({"v": 1, "kind": "step", "run": running.name, "t": time.time(),
                                         "step": step, "epoch": 1.0, "loss": 0.1, "lr": 1e-5,
                                         "grad_norm": 1.0, "sentences_per_s": 250.0}) + "\n")
                handle.flush()
                written[step] = time.perf_counter()
                next_at += interval
                time.sleep(max(0.0, next_at - time.perf_counter()))

    delays: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await app.switch_mode("live")
        await pilot.pause(0.5)
        screen, key = app.screen, str(running.resolve())
        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        last, end = -1, time.perf_counter() + seconds
        while time.perf_counter() < end:
            drawn = screen.last_drawn_step(key)
            if drawn != last and drawn in written:
                delays.append(time.perf_counter() - written[drawn])
                last = drawn
            await pilot.pause(0.002)
        stop.set()
        thread.join()
    return delays


def build_corpus(data_dir: Path, size: int, path: Path) -> int:
    """`size` distinct real sentences: wiki1m head, then STS-B, SICK and SNLI sentences."""
    from trainers.data.nli import read_snli_senteval_pairs
    from trainers.data.sts import read_sick, read_stsb
    from trainers.data.text import read_sentences

    held_out = set(QUERIES)
    seen: dict[str, None] = {}
    sources = [lambda: read_sentences(data_dir / "unlabeled" / "wiki1m_head.txt")]
    for split in ("train", "dev"):
        sources.append(lambda s=split: _pairs(read_stsb(data_dir / "sts" / "STSBenchmark" / f"sts-{s}.csv")))
    for split in ("TRAIN", "TRIAL", "TEST"):
        sources.append(lambda s=split: _pairs(read_sick(data_dir / "sick" / "SICK.txt", s)))
    for split in ("dev", "test"):
        sources.append(lambda s=split: [x for p in read_snli_senteval_pairs(data_dir / "nli" / "SNLI", s)
                                        for x in p[:2]])
    for source in sources:
        for sentence in source():
            if sentence not in held_out:
                seen.setdefault(sentence.strip(), None)
            if len(seen) >= size:
                break
        if len(seen) >= size:
            break
    path.write_text("\n".join(list(seen)[:size]) + "\n", encoding="utf-8")
    return min(size, len(seen))


def _pairs(sts) -> list[str]:
    return [s for pair in zip(sts.sentences1, sts.sentences2, strict=True) for s in pair]


async def query_keystrokes(runs_dir: Path, corpus: Path, queries: list[str]) -> dict:
    from textual import events
    from textual.keys import _character_to_key

    from simcse_tui.app import SimcseApp
    from simcse_tui.screens.query.query_screen import QueryScreen

    app = SimcseApp(runs_dir, settings_file=Path(tempfile.mkdtemp()) / "settings.toml")
    latencies: list[float] = []
    server_ms: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, QueryScreen)
        await until(pilot, lambda: "ready" in str(screen.status.render()), 600)
        spec = str(corpus.resolve())
        app.workbench.corpus_files.append(spec)
        screen.corpus_select.set_options(app.workbench.corpora())
        start = time.perf_counter()
        screen.corpus_select.value = spec
        await until(pilot, lambda: "ready" in str(screen.status.render()) and corpus.name in str(
            screen.status.render()), 1800)
        embed_s = time.perf_counter() - start
        cached = "(cached)" in str(screen.status.render())
        screen.query_input.focus()
        for query in queries:
            screen.query_input.value = ""
            await pilot.pause(0.05)
            for char in query:
                before = screen.seq
                key = _character_to_key(char) if len(char) == 1 and not char.isalnum() else char
                event = events.Key(key, char)
                event.set_sender(app)
                start = time.perf_counter()
                app._driver.send_message(event)  # what the terminal driver does with a key press
                while not (screen.seq > before and screen.shown_seq == screen.seq):
                    if time.perf_counter() - start > 30:
                        raise TimeoutError(f"no results for {screen.query_input.value!r}")
                    await asyncio.sleep(0.0005)
                latencies.append(time.perf_counter() - start)
                status = str(screen.status.render())
                if " ms" in status:
                    server_ms.append(float(status.rsplit("A ", 1)[-1].split(" ms")[0]))
                await pilot.pause(0.03)  # a fast typist: ~30 ms between keys beyond the wait
        top = str(screen.status.render())
    return {"corpus_embed_s": round(embed_s, 1), "corpus_cached": cached, "status": top,
            "keystroke_to_results": summary_ms(latencies),
            "worker_rank": summary_ms([m / 1000 for m in server_ms]) if server_ms else None}


async def until(pilot, condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    status = getattr(pilot.app.screen, "status", None)
    while not condition():
        if status is not None and status.has_class("-error"):
            raise RuntimeError(f"the query panel reports an error: {status.render()}")
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.001)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus-size", type=int, default=30_000)
    parser.add_argument("--queries", type=int, default=len(QUERIES))
    parser.add_argument("--skip-query", action="store_true", help="only the parts that need no model")
    parser.add_argument("--data-dir", default=os.environ.get("SIMCSE_TUI_DATA") or str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args()
    # The embedding worker caches corpus embeddings under $XDG_CACHE_HOME: keep them with the bench's cache.
    os.environ.setdefault("XDG_CACHE_HOME", str(ROOT / "bench" / "results" / "cache" / "xdg"))

    results: dict = {"machine": f"{os.cpu_count()} CPUs", "date": time.strftime("%Y-%m-%d")}
    results["first_frame_s"] = [round(t, 3) for t in time_first_frame(fresh_runs_dir(), repeats=5)]
    print("first frame (s):", results["first_frame_s"])
    results["chart_redraw"] = [vars(t) for size in ((44, 12), (100, 30))
                               for t in time_chart_redraw(width=size[0], height=size[1])]
    for row in results["chart_redraw"]:
        print(f"redraw {row['chart']:<11} {row['width']}x{row['height']}: median {row['median_ms']} ms, "
              f"max {row['max_ms']} ms")
    results["event_to_screen_50_per_s"] = summary_ms(asyncio.run(event_to_screen(fresh_runs_dir())))
    print("event to screen at 50 events/s:", results["event_to_screen_50_per_s"])
    if not args.skip_query:
        corpus = ROOT / "bench" / "results" / "cache" / f"corpus-{args.corpus_size}.txt"
        corpus.parent.mkdir(parents=True, exist_ok=True)
        results["corpus_size"] = build_corpus(Path(args.data_dir), args.corpus_size, corpus)
        empty_runs = Path(tempfile.mkdtemp()) / "runs"  # no runs: the base model is the checkpoint queried
        empty_runs.mkdir()
        query = asyncio.run(query_keystrokes(empty_runs, corpus, QUERIES[: args.queries]))
        results["query"] = query
        print(f"query over {results['corpus_size']} sentences:", json.dumps(query))
    out = ROOT / "bench" / "results" / "ui.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print("wrote", out)


if __name__ == "__main__":
    main()
