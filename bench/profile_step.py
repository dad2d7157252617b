"""Where a training step's time goes: torch.profiler over a few steps of the real Trainer.

    python bench/profile_step.py --model FOLDER [--device cuda] [--batch-size 512] [--steps 8]

Prints the top operators by device time (CUDA) or CPU time, grouped into
matrix products, attention, elementwise/normalisation and optimizer, so the
distance to peak FLOPs has a named cause.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--data-dir", default=os.environ.get("SIMCSE_TUI_DATA", str(ROOT.parent / "shared" / "data")))
    args = parser.parse_args()

    import torch
    from torch.profiler import ProfilerActivity, profile

    from trainers.config import from_mapping
    from trainers.distributed import World
    from trainers.loop import Trainer
    from trainers.stdio import quiet_transformers

    quiet_transformers()
    config = from_mapping({"model": args.model, "batch_size": args.batch_size, "max_steps": 1000, "eval_every": 0,
                           "save_every": 0, "selection_metric": "loss", "device": args.device,
                           "precision": "bf16" if args.device == "cuda" else "fp32", "data_dir": args.data_dir,
                           "train_file": str(Path(args.data_dir) / "unlabeled" / "wiki1m_head.txt")})
    trainer = Trainer(config, Path(tempfile.mkdtemp()), World())
    trainer.setup()
    for _ in range(5):  # warm-up: kernel selection, allocator
        trainer.train_step(trainer.sampler.next_batch()[0])
    cuda = args.device == "cuda"
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with profile(activities=activities) as prof:
        for _ in range(args.steps):
            trainer.train_step(trainer.sampler.next_batch()[0])
        if cuda:
            torch.cuda.synchronize()
    key = "self_cuda_time_total" if cuda else "self_cpu_time_total"
    print(prof.key_averages().table(sort_by=key, row_limit=25, max_name_column_width=60))
    return 0


if __name__ == "__main__":
    sys.exit(main())
