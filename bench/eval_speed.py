"""Evaluation suite speed: simcse-tui's suite vs the naive baseline, in one run.

    python bench/eval_speed.py [--tasks sts12,sts13,stsb-test,sick-r] [--rounds 2] [--naive-batches 1,16]

- ``suite``: `trainers.evaluation.run_suite`: the union of every task's sentences
  deduplicated, sorted by token count, batches of 128, inference mode.
- ``naive (batch B)``: each task on its own, both sides of every pair encoded in
  file order in fixed batches of B, no deduplication (how evaluation loops are
  usually written; B = 1 is one sentence at a time).

Every arm must produce the same Spearman figures (to 0.02, the reported
precision; different batch shapes reassociate float sums, which reorders a
few near-tied cosines) or the benchmark fails: speed that changes the scores
does not count. Writes
bench/results/eval_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def naive_suite(encoder, sets, batch_size: int) -> dict[str, float]:
    import torch

    from trainers.metrics import spearman

    scores = {}
    encoder.eval()
    with torch.inference_mode():
        for sts in sets:
            sides = []
            for sentences in (sts.sentences1, sts.sentences2):
                chunks = []
                for start in range(0, len(sentences), batch_size):
                    batch = encoder.tokenize(sentences[start:start + batch_size])
                    chunks.append(encoder(**batch).float())
                sides.append(torch.cat(chunks))
            predicted = torch.nn.functional.cosine_similarity(*sides).numpy()
            scores[sts.name] = 100 * spearman(predicted, sts.scores)
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--tasks", default="sts12,sts13,stsb-test,sick-r")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--naive-batches", default="16,1")
    parser.add_argument("--data-dir", default=os.environ.get("SIMCSE_TUI_DATA", str(ROOT.parent / "shared" / "data")))
    args = parser.parse_args()

    from trainers.data.sts import load_sts_task
    from trainers.encoder import load_encoder
    from trainers.evaluation import run_suite
    from trainers.stdio import quiet_transformers

    quiet_transformers()
    data_dir = Path(args.data_dir)
    tasks = args.tasks.split(",")
    encoder = load_encoder(args.model, pooler="avg", max_seq_length=128)
    sets = [load_sts_task(t, data_dir) for t in tasks]
    pairs = sum(len(s.scores) for s in sets)
    naive_batches = [int(b) for b in args.naive_batches.split(",") if b]
    run_suite(encoder, tasks[:1], data_dir, with_alignment=False)  # warm-up (allocator, kernels)

    times: dict[str, list[float]] = {}
    scores: dict[str, dict[str, float]] = {}
    for r in range(args.rounds):
        arms = ["suite"] + [f"naive (batch {b})" for b in naive_batches]
        for arm in arms if r % 2 == 0 else list(reversed(arms)):
            print(f"round {r + 1}: {arm} ...", file=sys.stderr, flush=True)
            start = time.perf_counter()
            if arm == "suite":
                result = run_suite(encoder, tasks, data_dir, with_alignment=False)
                scores[arm] = {t.task: t.all for t in result.tasks}
            else:
                scores[arm] = naive_suite(encoder, sets, int(arm.split()[-1].rstrip(")")))
            times.setdefault(arm, []).append(time.perf_counter() - start)

    reference = scores["suite"]
    out = ROOT / "bench" / "results" / "eval_speed.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "seconds": times, "scores": scores, "pairs": pairs,
                               "date": time.strftime("%Y-%m-%d")}, indent=2))
    for arm, got in scores.items():
        for task, value in got.items():
            if abs(value - reference[task]) > 0.02:
                raise SystemExit(f"{arm} scores {task} {value:.4f}, the suite {reference[task]:.4f}: not comparable")
    suite_s = statistics.median(times["suite"])
    print(f"| arm | seconds | suite speed-up | ({args.model}, {', '.join(tasks)}: {pairs} pairs) |")
    print("|---|---|---|---|")
    for arm, values in times.items():
        median = statistics.median(values)
        print(f"| {arm} | {median:.1f} | {median / suite_s:.2f}x | |")
    for arm, got in scores.items():
        print(f"scores, {arm}: " + ", ".join(f"{t} {v:.3f}" for t, v in got.items()))
    print("wrote", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
