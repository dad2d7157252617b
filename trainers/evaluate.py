"""`python -m trainers.evaluate`: run the STS suite on one model and report as events.

Prints schema-v1 `progress` and `task_result` records on stdout and writes the
full result as JSON to `--json`. `simcse-tui eval` runs this as a subprocess
and renders the table; it can also be used on its own.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from trainers.config import POOLERS
from trainers.errors import DataError
from trainers.stdio import StdoutEvents, quiet_transformers, run_guarded


def build_parser() -> argparse.ArgumentParser:
    from trainers.data.sts import DEFAULT_TASKS, STS_TASKS

    parser = argparse.ArgumentParser(prog="python -m trainers.evaluate", description=__doc__)
    parser.add_argument("--model", default="all-MiniLM-L6-v2", help="model id, folder or checkpoint")
    parser.add_argument("--pooler", choices=POOLERS, default=None,
                        help="pooler (default: the checkpoint's own, else avg)")
    parser.add_argument("--mlp", choices=("none", "train", "always"), default=None)
    parser.add_argument("--tasks", default=",".join(DEFAULT_TASKS),
                        help=f"comma-separated, from: {', '.join(STS_TASKS)}; 'available' takes those present")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--no-alignment", action="store_true", help="skip alignment/uniformity")
    parser.add_argument("--json", dest="json_path", default=None, help="write the result here")
    parser.add_argument("--trust-remote-code", action="store_true")
    return parser


def parse_tasks(raw: str, data_dir: Path) -> list[str]:
    from trainers.data.sts import STS_TASKS, available_tasks

    if raw.strip() == "available":
        tasks = [t for t in available_tasks(data_dir) if not t.startswith("stsb-") or t == "stsb-test"]
        if not tasks:
            raise DataError(f"no STS task files found under {data_dir}", hint="simcse-tui data download")
        return tasks
    tasks = [t.strip().lower() for t in raw.split(",") if t.strip()]
    unknown = [t for t in tasks if t not in STS_TASKS]
    if unknown or not tasks:
        raise DataError(f"unknown task(s): {', '.join(unknown) or '(none given)'}",
                        hint="choose from " + ", ".join(STS_TASKS))
    return tasks


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    events = StdoutEvents("eval")

    def body() -> int:
        from trainers.data.paths import resolve_data_dir

        data_dir = resolve_data_dir(args.data_dir)
        tasks = parse_tasks(args.tasks, data_dir)
        for task in tasks:  # fail on a missing file before loading the model
            from trainers.data.sts import load_sts_task

            load_sts_task(task, data_dir)
        quiet_transformers()
        from trainers.encoder import load_encoder, pick_device
        from trainers.evaluation import run_suite

        encoder = load_encoder(args.model, pooler=args.pooler, mlp=args.mlp, max_seq_length=args.max_length,
                               trust_remote_code=args.trust_remote_code, device=pick_device(args.device))
        result = run_suite(encoder, tasks, data_dir, batch_size=args.batch_size,
                           progress=events.progress("encoding"), with_alignment=not args.no_alignment)
        result.model = args.model
        for task in result.tasks:
            events.emit("task_result", task=task.task, spearman=task.all, pairs=task.pairs, wmean=task.wmean)
        if args.json_path:
            Path(args.json_path).write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
        return 0

    return run_guarded(events, body)


if __name__ == "__main__":
    sys.exit(main())
