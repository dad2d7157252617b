"""Data parallel plumbing for `torchrun`: process group setup and a differentiable all-gather.

Under `torchrun --nproc-per-node N`, each rank encodes its slice of the global
batch, then `gather_views` all-gathers the embeddings so every rank computes
the loss over the GLOBAL batch (all in-batch negatives). The gather is the
differentiable one (`torch.distributed.nn.functional.all_gather`): its backward
sums every rank's gradient into the local slice, so after DDP averages the
parameter gradients they equal those of one process on the whole batch.
Only rank 0 writes events and checkpoints.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class World:
    rank: int = 0
    local_rank: int = 0
    size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1


def init_world(device_request: str) -> World:
    """Join the process group when launched by torchrun (WORLD_SIZE > 1); else a world of one."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return World()
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = device_request != "cpu" and torch.cuda.is_available()
    if use_cuda:
        torch.cuda.set_device(local_rank)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return World(rank=rank, local_rank=local_rank, size=size)


def gather_views(local: torch.Tensor, world: World) -> torch.Tensor:
    """(b, H) on each rank -> (W*b, H) in rank order, gradients flowing back to every rank."""
    if not world.distributed:
        return local
    from torch.distributed.nn.functional import all_gather

    return torch.cat(all_gather(local.contiguous()), dim=0)


def any_rank(flag: bool, world: World, device: torch.device) -> bool:
    """True on every rank if it is true on any (used to stop all ranks at the same step)."""
    if not world.distributed:
        return flag
    value = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


def barrier(world: World) -> None:
    if world.distributed:
        dist.barrier()


def shutdown(world: World) -> None:
    if world.distributed and dist.is_initialized():
        dist.destroy_process_group()
