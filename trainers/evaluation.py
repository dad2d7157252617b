"""The STS evaluation suite: Spearman x100 of cosine similarity, alignment, uniformity.

Two aggregations per task, both reported:
- ``all``: Spearman over every subset's pairs concatenated (what SentEval and
  the SimCSE paper report for STS12-16);
- ``wmean``: the mean of per-subset Spearman weighted by subset size.
For single-file sets (STS-B, SICK-R) the two are equal.

Alignment and uniformity follow Wang & Isola (2020) as the SimCSE paper uses
them: normalised embeddings; alignment over STS-B dev pairs with gold > 4;
uniformity over all STS-B dev sentences, t = 2. Training-time evaluation and
the final suite compute them on the same split, so the figures are comparable.

Encoding goes through `trainers.encoder.encode` once for the union of every
requested task's sentences: a sentence shared by two tasks is encoded once.
This module does not print; progress is reported through a callback.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from trainers.data.sts import STSSet, load_sts_task
from trainers.encoder import SentenceEncoder, encode
from trainers.metrics import alignment, cosine_rows, spearman, uniformity

ProgressFn = Callable[[int, int], None]
ALIGNMENT_MIN_GOLD = 4.0


@dataclass
class TaskResult:
    """One task's scores, Spearman x100."""

    task: str
    all: float
    wmean: float
    pairs: int
    subsets: dict[str, float] = field(default_factory=dict)


@dataclass
class SuiteResult:
    model: str
    pooler: str
    tasks: list[TaskResult]
    alignment: float | None
    uniformity: float | None
    seconds: float
    sentences_encoded: int

    @property
    def average(self) -> float:
        return sum(t.all for t in self.tasks) / len(self.tasks) if self.tasks else float("nan")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["average"] = self.average
        return data


def score_set(sts: STSSet, vectors: dict[str, torch.Tensor] | Callable[[Sequence[str]], torch.Tensor]) -> TaskResult:
    """Score one STS set from precomputed vectors (a sentence -> vector map) or an encode function."""
    if callable(vectors):
        left, right = vectors(sts.sentences1), vectors(sts.sentences2)
    else:
        left = torch.stack([vectors[s] for s in sts.sentences1])
        right = torch.stack([vectors[s] for s in sts.sentences2])
    predicted = cosine_rows(left, right).numpy()
    gold = sts.scores
    per_subset = {name: 100 * spearman(predicted[a:b], gold[a:b]) for name, a, b in sts.subsets}
    sizes = {name: b - a for name, a, b in sts.subsets}
    wmean = sum(per_subset[n] * sizes[n] for n in per_subset) / max(1, sum(sizes.values()))
    return TaskResult(task=sts.name, all=100 * spearman(predicted, gold), wmean=wmean,
                      pairs=len(gold), subsets=per_subset)


def alignment_uniformity(sts: STSSet, vectors: dict[str, torch.Tensor]) -> tuple[float, float]:
    """Alignment over pairs with gold > 4, uniformity over every sentence of the set."""
    positive = [i for i, g in enumerate(sts.scores) if g > ALIGNMENT_MIN_GOLD]
    left = torch.stack([vectors[sts.sentences1[i]] for i in positive])
    right = torch.stack([vectors[sts.sentences2[i]] for i in positive])
    unique = list(dict.fromkeys(sts.sentences1 + sts.sentences2))
    return alignment(left, right), uniformity(torch.stack([vectors[s] for s in unique]))


def encode_map(encoder: SentenceEncoder, sentences: Sequence[str], *, batch_size: int,
               progress: ProgressFn | None = None) -> dict[str, torch.Tensor]:
    unique = list(dict.fromkeys(sentences))
    vectors = encode(encoder, unique, batch_size=batch_size, progress=progress)
    return dict(zip(unique, vectors, strict=True))


def dev_metrics(encoder: SentenceEncoder, dev: STSSet, *, batch_size: int = 128) -> dict[str, float]:
    """What training reports at each eval: STS-B dev Spearman x100, alignment, uniformity."""
    vectors = encode_map(encoder, dev.sentences1 + dev.sentences2, batch_size=batch_size)
    align, uniform = alignment_uniformity(dev, vectors)
    return {"stsb_dev_spearman": score_set(dev, vectors).all, "alignment": align, "uniformity": uniform}


def run_suite(encoder: SentenceEncoder, tasks: Sequence[str], data_dir: Path, *,
              batch_size: int = 128, progress: ProgressFn | None = None,
              with_alignment: bool = True) -> SuiteResult:
    """Encode every task's sentences once, then score each task (and alignment/uniformity)."""
    start = time.perf_counter()
    sets = [load_sts_task(task, data_dir) for task in tasks]
    dev = load_sts_task("stsb-dev", data_dir) if with_alignment else None
    sentences = [s for sts in sets + ([dev] if dev else []) for s in sts.sentences1 + sts.sentences2]
    vectors = encode_map(encoder, sentences, batch_size=batch_size, progress=progress)
    results = [score_set(sts, vectors) for sts in sets]
    align, uniform = alignment_uniformity(dev, vectors) if dev else (None, None)
    return SuiteResult(model=encoder.spec.base_model, pooler=encoder.spec.pooler, tasks=results,
                       alignment=align, uniformity=uniform, seconds=time.perf_counter() - start,
                       sentences_encoded=len(vectors))
