"""Retrieval latency at scale: exact search vs a faiss HNSW index, query to top-10.

    python bench/retrieval.py [--sizes 10000,100000,1000000] [--queries 300]

Index vectors are real all-MiniLM-L6-v2 embeddings of the shared data's
sentences (Wikipedia, STS, SICK: about 35k distinct), padded to each size with
perturbed copies (Gaussian noise, sigma 0.05, renormalised) so the
distribution stays realistic. Queries are other real sentences' embeddings
(STS-B test, held out of the index). Reports p50/p95 latency, index memory,
build time and recall@10 against exact search; writes bench/results/retrieval.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "bench" / "results" / "cache"


def real_embeddings(data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """(index base vectors, query vectors), cached on disk after the first run."""
    base_file, query_file = CACHE / "base.npy", CACHE / "queries.npy"
    if base_file.is_file() and query_file.is_file():
        return np.load(base_file), np.load(query_file)
    from trainers.data.sts import load_sts_task
    from trainers.data.text import read_sentences
    from trainers.encoder import encode, load_encoder
    from trainers.stdio import quiet_transformers

    quiet_transformers()
    queries = load_sts_task("stsb-test", data_dir)
    held_out = set(queries.sentences1 + queries.sentences2)
    base: list[str] = read_sentences(data_dir / "unlabeled" / "wiki1m_head.txt")
    for task in ("stsb-train", "stsb-dev", "sts12", "sts13", "sick-r"):
        sts = load_sts_task(task, data_dir)
        base += sts.sentences1 + sts.sentences2
    base = [s for s in dict.fromkeys(base) if s not in held_out]
    encoder = load_encoder("all-MiniLM-L6-v2", pooler="avg", max_seq_length=128)
    print(f"encoding {len(base)} index sentences (once; cached in {CACHE})", file=sys.stderr)
    base_vectors = encode(encoder, base, normalize=True).numpy()
    query_vectors = encode(encoder, sorted(held_out), normalize=True).numpy()
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(base_file, base_vectors)
    np.save(query_file, query_vectors)
    return base_vectors, query_vectors


def pad_to(base: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    if size <= len(base):
        return base[:size].copy()
    picks = rng.integers(0, len(base), size - len(base))
    noisy = base[picks] + rng.normal(0.0, 0.05, (len(picks), base.shape[1])).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return np.concatenate([base, noisy]).astype(np.float32)


def measure(index, queries: np.ndarray, k: int) -> tuple[list[list[int]], list[float]]:
    results, latencies = [], []
    for query in queries:
        start = time.perf_counter()
        hits = index.search(query, k)
        latencies.append((time.perf_counter() - start) * 1000)
        results.append(hits.indices)
    return results, latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--ef-search", default="64",
                        help="comma-separated HNSW efSearch values, each measured on the same index")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "retrieval.json"))
    parser.add_argument("--data-dir", default=os.environ.get("SIMCSE_TUI_DATA", str(ROOT.parent / "shared" / "data")))
    args = parser.parse_args()

    import faiss

    from trainers.retrieval import ExactIndex, HNSWIndex

    base, queries = real_embeddings(Path(args.data_dir))
    queries = queries[: args.queries]
    rng = np.random.default_rng(0)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        vectors = pad_to(base, size, rng)
        exact = ExactIndex(vectors)
        truth, exact_ms = measure(exact, queries, args.k)
        rows.append(row("exact", size, exact_ms, vectors.nbytes, 0.0, 1.0))
        print_row(rows[-1])
        start = time.perf_counter()
        hnsw = HNSWIndex(vectors)
        build = time.perf_counter() - start
        memory = len(faiss.serialize_index(hnsw.index))
        for ef in (int(e) for e in args.ef_search.split(",")):
            hnsw.index.hnsw.efSearch = ef
            found, hnsw_ms = measure(hnsw, queries, args.k)
            recall = np.mean([len(set(f) & set(t)) / args.k for f, t in zip(found, truth, strict=True)])
            rows.append(row(f"hnsw ef={ef}", size, hnsw_ms, memory, build, float(recall)))
            print_row(rows[-1])
    out = Path(args.out)
    out.write_text(json.dumps({"args": vars(args), "rows": rows, "base_vectors": len(base),
                               "date": time.strftime("%Y-%m-%d")}, indent=2))
    return 0


def row(kind: str, size: int, latencies: list[float], memory: int, build: float, recall: float) -> dict:
    return {"index": kind, "size": size, "p50_ms": float(np.percentile(latencies, 50)),
            "p95_ms": float(np.percentile(latencies, 95)), "memory_mb": memory / 2**20, "build_s": build,
            "recall_at_10": recall}


def print_row(r: dict) -> None:
    print(f"| {r['size']:>9,} | {r['index']:11} | {r['p50_ms']:7.2f} | {r['p95_ms']:7.2f} | {r['memory_mb']:7.0f} | "
          f"{r['build_s']:6.1f} | {r['recall_at_10']:.3f} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
