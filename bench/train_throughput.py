"""Training throughput: simcse-tui vs the sentence-transformers SimCSE recipe, side by side.

    python bench/train_throughput.py [--steps 30] [--rounds 2] [--device cpu|cuda] [--model all-MiniLM-L6-v2]

Arms, each in its own subprocess (so peak memory is per arm), alternated A/B
across rounds in one run:

- ``st``: the recipe users pick instead: pairs (x, x), MultipleNegativesRankingLoss
  with scale 20 (temperature 0.05), SentenceTransformerTrainer.
- ``ours``: `python -m trainers.run`'s Trainer, unsup-simcse, the same model,
  data, batch, max length, learning rate and number of steps.
- ``ours_grouped``: the same with length-grouped batches (less padding).
- ``floor``: forward + backward + AdamW of the same batches with nothing else:
  what the loop costs beyond the bare compute.

Reports sentences/s, the ratio to ``st``, peak memory and STS-B dev Spearman
after the same number of steps. Writes bench/results/train_throughput-<device>.json.
On CUDA every arm uses bf16 autocast (ours also fused AdamW and, with
--compile, torch.compile).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"


def common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=3e-5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--data-dir", default=os.environ.get("SIMCSE_TUI_DATA", str(ROOT.parent / "shared" / "data")))
    parser.add_argument("--compile", action="store_true", help="torch.compile our encoder (GPU)")
    parser.add_argument("--no-eval", action="store_true", help="skip the STS-B dev score after training")
    parser.add_argument("--peak-tflops", type=float, default=989.0,
                        help="the GPU's dense bf16 peak for MFU (H100 SXM: 989)")


def peak_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        import torch

        if torch.cuda.is_available():
            return max(rss, torch.cuda.max_memory_allocated() / 2**20)
    except ImportError:
        pass
    return rss


def wiki(args) -> list[str]:
    from trainers.data.text import read_sentences

    return read_sentences(Path(args.data_dir) / "unlabeled" / "wiki1m_head.txt")


def dev_spearman(encode_fn, args) -> float | None:
    if args.no_eval:
        return None
    from trainers.data.sts import load_sts_task
    from trainers.metrics import spearman

    dev = load_sts_task("stsb-dev", Path(args.data_dir))
    a, b = encode_fn(dev.sentences1), encode_fn(dev.sentences2)
    import torch

    return 100 * spearman(torch.nn.functional.cosine_similarity(a, b).numpy(), dev.scores)


def arm_ours(args, grouped: bool) -> dict:
    from trainers.config import from_mapping
    from trainers.distributed import World
    from trainers.encoder import encode
    from trainers.events import read_events
    from trainers.loop import Trainer
    from trainers.stdio import quiet_transformers

    quiet_transformers()
    run_dir = Path(tempfile.mkdtemp(prefix="bench-ours-"))
    config = from_mapping({
        "model": args.model, "pooler": "avg", "mlp": "none", "train_file": str(Path(args.data_dir) / "unlabeled" /
                                                                               "wiki1m_head.txt"),
        "batch_size": args.batch_size, "max_seq_length": args.max_length, "learning_rate": args.learning_rate,
        "max_steps": args.steps, "eval_every": 0, "save_every": 0, "log_every": 10, "seed": args.seed,
        "temperature": 0.05, "device": args.device, "length_grouped": grouped, "data_dir": args.data_dir,
        "precision": "bf16" if args.device.startswith("cuda") else "fp32", "compile": args.compile,
        "selection_metric": "loss",
    })
    trainer = Trainer(config, run_dir, World())  # eval_every 0 + selection by loss: no STS-B dev in the loop
    trainer.run()
    steps = [e for e in read_events(run_dir / "events.jsonl") if e["kind"] == "step"]
    seconds, previous = 0.0, 0
    for event in steps:  # each step event covers the steps since the previous one
        seconds += (event["step"] - previous) * args.batch_size / event["sentences_per_s"]
        previous = event["step"]
    score = dev_spearman(lambda s: encode(trainer.encoder, s, batch_size=128), args)
    tokens = real_tokens(trainer.data.lengths, args, grouped)
    return {"sentences_per_s": args.steps * args.batch_size / seconds, "seconds": seconds,
            "stsb_dev": score, "final_loss": steps[-1]["loss"],
            "mfu": mfu(trainer.encoder.backbone.config, tokens, seconds, args)}


def real_tokens(lengths: list[int], args, grouped: bool) -> tuple[int, int]:
    """(non-padding tokens, tokens after padding) the run's batches held, both views."""
    from trainers.sampler import BatchSampler

    sampler = BatchSampler(lengths, args.batch_size, args.seed, length_grouped=grouped)
    real = padded = 0
    for _ in range(args.steps):
        batch = [lengths[i] for i in sampler.next_batch()[0]]
        real += 2 * sum(batch)
        padded += 2 * len(batch) * max(batch)
    return real, padded


def mfu(config, tokens: tuple[int, int], seconds: float, args) -> dict | None:
    """Model FLOPs utilisation: 6N + 12 L d T FLOPs per trained token (PaLM, appendix B), on real tokens."""
    if not args.device.startswith("cuda"):
        return None
    d, layers = config.hidden_size, config.num_hidden_layers
    per_layer = 4 * d * d + 2 * d * config.intermediate_size  # attention projections + MLP weights
    real, padded = tokens
    mean_len = real / (2 * args.steps * args.batch_size)
    flops_per_token = 6 * layers * per_layer + 12 * layers * d * mean_len
    achieved = flops_per_token * real / seconds
    return {"tflops": achieved / 1e12, "mfu": achieved / (args.peak_tflops * 1e12),
            "padding_share": 1 - real / padded, "mean_tokens": mean_len}


def arm_st(args) -> dict:
    import torch
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    from trainers.encoder import resolve_model_path

    torch.manual_seed(args.seed)
    model = SentenceTransformer(resolve_model_path(args.model), device=args.device)
    model.max_seq_length = args.max_length
    sentences = wiki(args)
    data = Dataset.from_dict({"anchor": sentences, "positive": sentences})
    out = tempfile.mkdtemp(prefix="bench-st-")
    cuda = args.device.startswith("cuda")
    training_args = SentenceTransformerTrainingArguments(
        output_dir=out, per_device_train_batch_size=args.batch_size, learning_rate=args.learning_rate,
        max_steps=args.steps, warmup_steps=0, seed=args.seed, logging_steps=10_000, save_strategy="no",
        report_to="none", dataloader_drop_last=True, use_cpu=not cuda, bf16=cuda)
    trainer = SentenceTransformerTrainer(model=model, args=training_args, train_dataset=data,
                                         loss=MultipleNegativesRankingLoss(model, scale=20.0))
    result = trainer.train()
    seconds = result.metrics["train_runtime"]
    score = dev_spearman(lambda s: torch.from_numpy(model.encode(s, batch_size=128)), args)
    return {"sentences_per_s": args.steps * args.batch_size / seconds, "seconds": seconds,
            "stsb_dev": score, "final_loss": result.training_loss}


def arm_floor(args) -> dict:
    import torch

    from trainers.data.training import load_training_data
    from trainers.encoder import encode, load_encoder
    from trainers.losses import compute_loss
    from trainers.objectives import collate, tokenize_columns
    from trainers.sampler import BatchSampler
    from trainers.stdio import quiet_transformers

    quiet_transformers()
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    encoder = load_encoder(args.model, pooler="avg", max_seq_length=args.max_length).to(device).train()
    data = load_training_data(str(Path(args.data_dir) / "unlabeled" / "wiki1m_head.txt"), "unsup-simcse")
    tokens = tokenize_columns(data, encoder.tokenizer, args.max_length)
    sampler = BatchSampler(tokens.lengths, args.batch_size, args.seed)
    batches = []
    for _ in range(args.steps):
        rows = [tokens.columns[0][i] for i in sampler.next_batch()[0]]
        batches.append({k: v.to(device) for k, v in collate(rows + rows, encoder.tokenizer.pad_token_id, 8 if device.type == 'cuda' else 1).items()})
    optimizer = torch.optim.AdamW(encoder.parameters(), lr=args.learning_rate, fused=device.type == "cuda")
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else _Null()
    start = time.perf_counter()
    for batch in batches:
        with autocast:
            views = encoder(**batch).float().view(2, args.batch_size, -1)
            loss = compute_loss("info_nce", views[0], views[1], temperature=0.05, margin=0.0)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    score = dev_spearman(lambda s: encode(encoder, s, batch_size=128), args)
    return {"sentences_per_s": args.steps * args.batch_size / seconds, "seconds": seconds, "stsb_dev": score,
            "final_loss": float(loss)}


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


ARMS = {"st": arm_st, "ours": lambda a: arm_ours(a, grouped=False),
        "ours_grouped": lambda a: arm_ours(a, grouped=True), "floor": arm_floor}


def run_arm(name: str, args) -> dict:
    cmd = [sys.executable, __file__, "--arm", name, "--steps", str(args.steps), "--batch-size", str(args.batch_size),
           "--max-length", str(args.max_length), "--learning-rate", str(args.learning_rate), "--seed", str(args.seed),
           "--model", args.model, "--device", args.device, "--data-dir", args.data_dir,
           "--peak-tflops", str(args.peak_tflops)]
    cmd += ["--compile"] if args.compile else []
    cmd += ["--no-eval"] if args.no_eval else []
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"arm {name} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common_args(parser)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--arms", default="floor,st,ours,ours_grouped")
    parser.add_argument("--arm", choices=sorted(ARMS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.arm:
        result = ARMS[args.arm](args)
        result["peak_mb"] = peak_mb()
        print(json.dumps(result))
        return 0
    names = args.arms.split(",")
    runs: dict[str, list[dict]] = {n: [] for n in names}
    for r in range(args.rounds):
        for name in (names if r % 2 == 0 else list(reversed(names))):  # alternate the order each round
            print(f"round {r + 1}: {name} ...", file=sys.stderr, flush=True)
            runs[name].append(run_arm(name, args))
    summary = summarise(runs)
    print_table(summary, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"train_throughput-{'cuda' if args.device.startswith('cuda') else 'cpu'}.json"
    out.write_text(json.dumps({"args": vars(args), "summary": summary, "runs": runs,
                               "date": time.strftime("%Y-%m-%d"), "machine": machine()}, indent=2))
    print(f"written {out}", file=sys.stderr)
    return 0


def summarise(runs: dict[str, list[dict]]) -> dict[str, dict]:
    import statistics

    summary = {}
    for name, items in runs.items():
        summary[name] = {
            "sentences_per_s": statistics.median(i["sentences_per_s"] for i in items),
            "peak_mb": max(i["peak_mb"] for i in items),
            "stsb_dev": statistics.median(i["stsb_dev"] for i in items) if items[0]["stsb_dev"] is not None else None,
            "mfu": items[-1].get("mfu"),
        }
    if "st" in summary:
        for name in summary:
            summary[name]["ratio_vs_st"] = summary[name]["sentences_per_s"] / summary["st"]["sentences_per_s"]
    return summary


def print_table(summary: dict[str, dict], args) -> None:
    print(f"| arm | sentences/s | vs st | peak MB | STS-B dev | ({args.model}, batch {args.batch_size}, "
          f"max len {args.max_length}, {args.steps} steps, {args.device}) |")
    print("|---|---|---|---|---|---|")
    for name, s in summary.items():
        dev = f"{s['stsb_dev']:.2f}" if s["stsb_dev"] is not None else "-"
        util = f"MFU {s['mfu']['mfu']:.1%}" if s.get("mfu") else ""
        print(f"| {name} | {s['sentences_per_s']:.1f} | {s.get('ratio_vs_st', float('nan')):.2f}x | "
              f"{s['peak_mb']:.0f} | {dev} | {util} |")


def machine() -> str:
    import platform

    info = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    try:
        import torch

        info += f", torch {torch.__version__}"
        if torch.cuda.is_available():
            info += f", {torch.cuda.get_device_name()}"
    except ImportError:
        pass
    return info


if __name__ == "__main__":
    sys.exit(main())
