"""`simcse-tui`: the TUI by default, and headless subcommands for everything it does.

    simcse-tui                      open the workbench on ./runs
    simcse-tui open RUN_DIR...      open run folders (e.g. written by torchrun elsewhere)
    simcse-tui train --config F     train headless with a progress bar
    simcse-tui eval --model M       run the STS suite and print a table
    simcse-tui export SRC OUT       export a checkpoint for transformers / sentence-transformers
    simcse-tui data download        fetch STS, SICK, SNLI and Wikipedia data (needs the network)

Work that needs torch runs in a `trainers` subprocess; this process only
validates arguments (with the standard-library config module), starts it and
renders what it reports. So `simcse-tui --help` and the TUI start instantly.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from trainers.config import FIELDS, OBJECTIVES, POOLERS

EPILOG = "Run `simcse-tui COMMAND --help` for a command's options."


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simcse-tui",
        description="A terminal workbench for contrastive sentence embeddings "
                    "(SimCSE, MirrorBERT and the contrastive loss family).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs-dir", default=None, help="folder of runs (default: ./runs)")
    parser.add_argument("--data-dir", default=None,
                        help="STS/SICK/SNLI data folder (default: $SIMCSE_TUI_DATA, then the user data folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    open_cmd = sub.add_parser("open", help="open run folders in the workbench")
    open_cmd.add_argument("run_dirs", nargs="+", type=Path)

    train = sub.add_parser("train", help="train headless (also under torchrun: see README)",
                           description="Train headless. Every config key can be set in the TOML file or "
                                       "with --set key=value; see --help-config.")
    train.add_argument("--config", type=Path, help="a TOML config (see assets/configs/)")
    train.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override one config key (repeatable)")
    train.add_argument("--run-dir", type=Path, help="write the run here (default: a new folder in --runs-dir)")
    train.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue a stopped run")
    train.add_argument("--help-config", action="store_true", help="list every config key and exit")
    train.add_argument("--quiet", action="store_true", help="no progress bar; print the run folder and wait")

    evaluate = sub.add_parser("eval", help="run the STS evaluation suite on a model or checkpoint")
    evaluate.add_argument("--model", default="all-MiniLM-L6-v2",
                          help="Hugging Face id, folder or checkpoint (default: the packaged all-MiniLM-L6-v2)")
    evaluate.add_argument("--pooler", choices=POOLERS, default=None,
                          help="default: the checkpoint's own pooler, else avg")
    evaluate.add_argument("--tasks", default=None,
                          help="comma-separated: sts12..sts16, stsb-dev, stsb-test, sick-r, or 'available'")
    evaluate.add_argument("--batch-size", type=int, default=128)
    evaluate.add_argument("--max-length", type=int, default=128)
    evaluate.add_argument("--device", default="auto")
    evaluate.add_argument("--json", dest="json_path", type=Path, help="also write the results as JSON here")
    evaluate.add_argument("--trust-remote-code", action="store_true",
                          help="allow the model repository's own code to run")

    export = sub.add_parser("export", help="export a run's best checkpoint (or a checkpoint folder)")
    export.add_argument("source", type=Path, help="a run folder (its best checkpoint) or a checkpoint folder")
    export.add_argument("out_dir", type=Path)
    export.add_argument("--overwrite", action="store_true", help="replace a non-empty output folder")
    export.add_argument("--onnx", action="store_true", help="also write model.onnx (needs `onnx`)")

    data = sub.add_parser("data", help="data folder tools")
    data_sub = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    download = data_sub.add_parser("download", help="download STS, SICK, SNLI and Wikipedia data via `datasets`")
    download.add_argument("--to", type=Path, default=None, help="target folder (default: the user data folder)")
    download.add_argument("--what", default="sts,sick,snli,wiki")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    runs_dir = Path(args.runs_dir or os.environ.get("SIMCSE_TUI_RUNS", "runs"))
    if args.command in (None, "open"):
        from simcse_tui.app import run_app

        run_app(runs_dir=runs_dir, open_dirs=list(getattr(args, "run_dirs", []) or []),
                data_dir=Path(args.data_dir) if args.data_dir else None)
        return 0
    from simcse_tui import headless

    if args.command == "train":
        if args.help_config:
            return headless.print_config_help(FIELDS, OBJECTIVES)
        return headless.train(args, runs_dir)
    if args.command == "eval":
        return headless.evaluate(args)
    if args.command == "export":
        return headless.export(args)
    return headless.download(args)


if __name__ == "__main__":
    sys.exit(main())
