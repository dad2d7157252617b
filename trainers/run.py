"""`python -m trainers.run`: the training worker (also under `torchrun --nproc-per-node N`).

    python -m trainers.run --config run.toml [--set key=value ...] --run-dir runs/my-run
    python -m trainers.run --resume runs/my-run
    torchrun --nproc-per-node 4 -m trainers.run --config run.toml --run-dir runs/my-run

Writes the run folder described in `trainers.rundir`. Exit status: 0 when the
run finished or was stopped (SIGTERM/SIGINT), 2 for a user error (bad config,
data or model: `run_failed` says what to do), 1 for anything else (with its
traceback in `run_failed` and in worker.log).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from trainers import rundir
from trainers.config import load_config
from trainers.errors import SimcseError
from trainers.events import EVENTS_FILE, EventWriter

OOM_HINT = ("lower batch_size, or keep the batch (and its in-batch negatives) with "
            "cached_chunk_size = 32 (gradient caching); a shorter max_seq_length also helps")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m trainers.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, help="TOML config (flat key = value)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--run-dir", type=Path, help="the run folder (created if missing)")
    parser.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue from the newest checkpoint")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if bool(args.resume) == bool(args.run_dir):
        print("give exactly one of --run-dir (a new run) or --resume RUN_DIR", file=sys.stderr)
        return 2
    run_dir = Path(args.resume or args.run_dir)
    from trainers.distributed import init_world, shutdown

    world = init_world("auto")
    fallback = EventWriter(run_dir / EVENTS_FILE, run=run_dir.name) if world.is_main else None
    trainer = None
    try:
        config_path = run_dir / rundir.CONFIG_FILE if args.resume else args.config
        if args.resume and not config_path.is_file():
            raise SimcseError(f"{run_dir} has no {rundir.CONFIG_FILE} to resume from",
                              hint="pass the folder of a run started by simcse-tui")
        config = load_config(config_path, args.overrides)
        run_dir.mkdir(parents=True, exist_ok=True)
        from trainers.stdio import quiet_transformers

        quiet_transformers()
        from trainers.loop import Trainer

        trainer = Trainer(config, run_dir, world, resume=bool(args.resume))
        trainer.install_signal_handlers()
        return trainer.run()
    except SimcseError as exc:
        _failed(fallback, exc.message, traceback.format_exc(), exc.hint, title=exc.title)
        return 2
    except BaseException as exc:  # noqa: BLE001 - every crash becomes a final event
        message, hint = _describe(exc)
        _failed(fallback, message, traceback.format_exc(), hint)
        if isinstance(exc, KeyboardInterrupt):
            return 130
        return 1
    finally:
        shutdown(world)


def _describe(exc: BaseException) -> tuple[str, str]:
    text = f"{type(exc).__name__}: {exc}".strip()
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted by a second stop signal before the checkpoint was written", "resume the run"
    if type(exc).__name__ == "OutOfMemoryError" or "out of memory" in str(exc).lower():
        return text, OOM_HINT
    return text, "this looks like a bug in simcse-tui; the traceback is in worker.log"


def _failed(writer: EventWriter | None, message: str, tb: str, hint: str, title: str = "Training failed") -> None:
    print(tb, file=sys.stderr)
    if writer is not None:
        writer.write("run_failed", message=message, traceback=tb, hint=hint, title=title)


if __name__ == "__main__":
    sys.exit(main())
