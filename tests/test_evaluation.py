"""The STS suite: aggregation on a worked example, and the reference figures on real data."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from trainers.data.sts import STSSet
from trainers.evaluation import alignment_uniformity, score_set

# all-MiniLM-L6-v2, avg pooling, cosine, max length 128 (shared/data/README.md)
REFERENCE = {"stsb-test": 82.03, "sts12": 72.36, "sts13": 80.60, "sick-r": 77.15}


def test_all_and_wmean_aggregations_worked_example() -> None:
    # Subset A (3 pairs): predicted order matches gold -> rho_A = 1.
    # Subset B (2 pairs): predicted order reversed -> rho_B = -1.
    # wmean = (3*1 + 2*(-1)) / 5 = 0.2 -> 20.0 (x100).
    vectors = {
        "a": torch.tensor([1.0, 0.0]), "b": torch.tensor([1.0, 0.1]),  # cos high
        "c": torch.tensor([1.0, 1.0]),                                  # cos(a,c) middle
        "d": torch.tensor([0.0, 1.0]),                                  # cos(a,d) = 0
    }
    sts = STSSet(name="toy", sentences1=["a", "a", "a", "a", "a"], sentences2=["b", "c", "d", "b", "d"],
                 scores=[5.0, 3.0, 1.0, 0.0, 4.0], subsets=(("A", 0, 3), ("B", 3, 5)))
    result = score_set(sts, vectors)
    assert result.subsets == pytest.approx({"A": 100.0, "B": -100.0})
    assert result.wmean == pytest.approx(20.0)
    # "all": predicted cos = [0.995, 0.707, 0, 0.995, 0] vs gold [5, 3, 1, 0, 4]; computed by hand:
    # ranks pred: [4.5, 3, 1.5, 4.5, 1.5] (centred 1.5, 0, -1.5, 1.5, -1.5)
    # ranks gold: [5, 3, 2, 1, 4]       (centred 2, 0, -1, -2, 1)
    # centred dot = 3 + 0 + 1.5 - 3 - 1.5 = 0 -> "all" is 0 while "wmean" is 20: the two differ.
    assert result.all == pytest.approx(0.0, abs=1e-9)


def test_alignment_uses_pairs_above_four_and_uniformity_every_sentence() -> None:
    vectors = {"a": torch.tensor([1.0, 0.0]), "b": torch.tensor([0.0, 1.0]), "c": torch.tensor([-1.0, 0.0])}
    sts = STSSet(name="toy", sentences1=["a", "a"], sentences2=["b", "c"], scores=[4.5, 1.0],
                 subsets=(("toy", 0, 2),))
    align, uniform = alignment_uniformity(sts, vectors)
    assert align == pytest.approx(2.0)  # only (a, b): ||a - b||^2 = 2
    import math
    # a, b, c: squared distances a-b 2, a-c 4, b-c 2
    assert uniform == pytest.approx(math.log((2 * math.exp(-4) + math.exp(-8)) / 3), rel=1e-6)


@pytest.mark.slow
def test_suite_reproduces_the_reference_figures(data_dir, tmp_path) -> None:
    """The packaged all-MiniLM-L6-v2 scores within 0.05 of the figures measured in shared/data/README.md."""
    out = tmp_path / "result.json"
    cmd = [sys.executable, "-m", "trainers.evaluate", "--model", "all-MiniLM-L6-v2", "--pooler", "avg",
           "--max-length", "128", "--tasks", ",".join(REFERENCE), "--data-dir", str(data_dir),
           "--json", str(out), "--no-alignment"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert any(e["kind"] == "progress" for e in lines)
    scores = {t["task"]: t["all"] for t in json.loads(out.read_text())["tasks"]}
    for task, expected in REFERENCE.items():
        assert scores[task] == pytest.approx(expected, abs=0.05), task
