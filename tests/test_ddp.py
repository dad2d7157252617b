"""Data parallel training on CPU (gloo, 2 processes) equals one process on the global batch.

Each rank runs the Trainer's own step (`compute_gradients`: its shard of the
batch, DDP, `gather_views`, `compute_loss`); the loss and every parameter
gradient must match a single process on the concatenated batch within 1e-5,
for two plain steps (with an optimizer step between) and one cached step.
Then one real `torchrun --nproc-per-node 2 -m trainers.run` on the tiny model.
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

pytestmark = pytest.mark.slow

SETTINGS = {"batch_size": 8, "max_seq_length": 16, "dropout": 0.0, "device": "cpu", "eval_every": 0,
            "selection_metric": "loss", "seed": 0, "learning_rate": 1e-3}


def _config(model: str, corpus: str):
    from trainers.config import from_mapping

    return from_mapping({"model": model, "train_file": corpus, **SETTINGS})


def _grads(trainer) -> dict[str, torch.Tensor]:
    return {n: p.grad.detach().clone() for n, p in trainer.encoder.named_parameters() if p.grad is not None}


def _three_steps(trainer) -> list[tuple[float, dict[str, torch.Tensor]]]:
    """Two plain steps (updating in between, as training does), then one cached step."""
    out = []
    for cached in (0, 0, 4):
        trainer.config = replace(trainer.config, cached_chunk_size=cached)
        indices, _ = trainer.sampler.next_batch()
        loss = trainer.compute_gradients(indices)
        out.append((loss.item(), _grads(trainer)))
        trainer.optimizer_step()
    return out


def _rank_main(rank: int, port: int, model: str, corpus: str, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), LOCAL_RANK=str(rank),
                      WORLD_SIZE="2")
    torch.set_num_threads(1)
    from trainers.distributed import init_world, shutdown
    from trainers.loop import Trainer

    world = init_world("cpu")
    try:
        trainer = Trainer(_config(model, corpus), Path(out) / "run", world)
        trainer.setup()
        torch.save(_three_steps(trainer), Path(out) / f"rank{rank}.pt")
    finally:
        shutdown(world)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def torchrun_run(start_worker, tmp_path_factory):
    """The real torchrun run, started first so that it shares the cores with the spawn test."""
    torchrun = [str(Path(sys.executable).parent / "torchrun"), "--standalone", "--nproc-per-node", "2", "-m"]
    return start_worker(tmp_path_factory.mktemp("torchrun") / "ddp", launcher=torchrun, max_steps=6,
                        save_every=3, eval_every=3)


def test_two_gloo_ranks_give_the_single_process_loss_and_gradients(torchrun_run, tiny_model, small_corpus,
                                                                    tmp_path) -> None:
    import torch.multiprocessing as mp

    from trainers.distributed import World
    from trainers.loop import Trainer

    mp.spawn(_rank_main, args=(_free_port(), str(tiny_model), str(small_corpus), str(tmp_path)), nprocs=2)
    single = Trainer(_config(str(tiny_model), str(small_corpus)), tmp_path / "single", World())
    single.setup()
    expected = _three_steps(single)
    for rank in (0, 1):
        got = torch.load(tmp_path / f"rank{rank}.pt", weights_only=True)
        for step, ((loss, grads), (want_loss, want_grads)) in enumerate(zip(got, expected, strict=True)):
            assert abs(loss - want_loss) <= 1e-5, (rank, step, loss, want_loss)
            assert grads.keys() == want_grads.keys()
            for name, grad in grads.items():
                torch.testing.assert_close(grad, want_grads[name], rtol=0, atol=1e-5,
                                           msg=lambda m, r=rank, s=step, n=name: f"rank {r} step {s} {n}: {m}")
    assert not (tmp_path / "run" / "checkpoints").exists()


def test_torchrun_two_ranks_trains_and_only_rank_0_writes(torchrun_run) -> None:
    from trainers import rundir
    from trainers.encoder import load_encoder
    from trainers.events import EventTail

    run = torchrun_run
    assert run.wait(timeout=300) == 0, run.log_text()
    run_dir = run.run_dir
    tail = EventTail(run_dir / "events.jsonl")
    events = tail.read_new().events
    assert tail.skipped == 0
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert kinds.count("run_started") == 1 and events[0]["world_size"] == 2
    assert [e["step"] for e in events if e["kind"] == "step"] == [1, 2, 3, 4, 5, 6]  # one writer
    assert [e["step"] for e in events if e["kind"] == "eval"] == [0, 3, 6]
    assert [e["step"] for e in events if e["kind"] == "checkpoint"] == [3, 6]
    assert [p.name for p in rundir.list_checkpoints(run_dir)] == ["step-000003", "step-000006"]
    assert not list((run_dir / "checkpoints").glob(".tmp-*"))
    load_encoder(str(run_dir / "checkpoints" / "step-000006"))
