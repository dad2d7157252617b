"""Cached large-batch mode (gradient caching): the plain batch's loss and gradients, one chunk's memory."""

from __future__ import annotations

import weakref
from dataclasses import replace

import pytest
import torch

from trainers.objectives import build_views, collate


def _grads(trainer) -> dict[str, torch.Tensor]:
    return {n: p.grad.detach().clone() for n, p in trainer.encoder.named_parameters() if p.grad is not None}


def _assert_same_gradients(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    """Every gradient within 1e-5, relative to its size where it is larger than 1 (a float32 sum over
    a batch of 512 x 16 tokens carries that much rounding: the token-type embedding's is ~8)."""
    assert a.keys() == b.keys() and len(a) > 10
    for name in a:
        torch.testing.assert_close(b[name], a[name], rtol=1e-5, atol=1e-5, msg=lambda m, n=name: f"{n}: {m}")
    assert any(g.abs().max() > 1e-3 for g in a.values())  # not trivially equal because all zero


def _plain_then_cached(trainer, indices: list[int], chunk: int) -> tuple[float, dict, float, dict]:
    """The same batch both ways, from the same RNG states (dropout, span masks)."""
    rng, generator = torch.get_rng_state(), trainer.generator.get_state()
    plain_loss = trainer.compute_gradients(indices).item()
    plain = _grads(trainer)
    torch.set_rng_state(rng)
    trainer.generator.set_state(generator)
    trainer.config = replace(trainer.config, cached_chunk_size=chunk)
    cached_loss = trainer.compute_gradients(indices).item()
    return plain_loss, plain, cached_loss, _grads(trainer)


@pytest.mark.parametrize(
    "setting",
    [
        {"objective": "unsup-simcse", "loss": "info_nce"},
        {"objective": "unsup-simcse", "loss": "nt_xent"},
        {"objective": "mirror-bert", "loss": "info_nce", "temperature": 0.04},
        {"objective": "sup-simcse", "loss": "info_nce", "train_file": "{data}/nli/SNLI", "hard_negative_weight": 2.0},
    ],
    ids=lambda s: f"{s['objective']}-{s['loss']}",
)
def test_cached_step_gives_the_plain_loss_and_gradients(make_trainer, data_dir, setting: dict) -> None:
    trainer = make_trainer(batch_size=16, dropout=0.0, data_dir=str(data_dir), **setting)
    trainer.setup()
    indices, _ = trainer.sampler.next_batch()
    plain_loss, plain, cached_loss, cached = _plain_then_cached(trainer, indices, chunk=5)  # uneven chunks
    assert abs(plain_loss - cached_loss) <= 1e-5
    _assert_same_gradients(plain, cached)


def test_cached_step_replays_each_chunks_dropout(make_trainer) -> None:
    """With dropout on, the cached step must equal a full-graph pass over the same chunks and masks."""
    trainer = make_trainer(batch_size=16, dropout=0.1)
    trainer.setup()
    trainer.config = replace(trainer.config, cached_chunk_size=6)
    indices, _ = trainer.sampler.next_batch()
    rng = torch.get_rng_state()
    cached_loss = trainer.compute_gradients(indices).item()
    cached = _grads(trainer)
    after = torch.get_rng_state()

    torch.set_rng_state(rng)
    trainer.optimizer.zero_grad(set_to_none=True)
    views = build_views("unsup-simcse", trainer.data, indices, mask_token_id=None, span_length=0,
                        generator=trainer.generator)
    pieces = [trainer.model(**collate(views.rows[i:i + 6], trainer._pad_id)) for i in range(0, len(views.rows), 6)]
    loss = trainer._loss(torch.cat(pieces), views.num_views, None)
    loss.backward()
    assert abs(loss.item() - cached_loss) <= 1e-5
    _assert_same_gradients(_grads(trainer), cached)
    assert torch.equal(torch.get_rng_state(), after)  # the next step draws as if nothing was replayed


class _SavedActivations:
    """Peak bytes of tensors autograd keeps for backward (parameters excluded), via saved-tensor hooks."""

    class _Held:
        def __init__(self, tensor: torch.Tensor) -> None:
            self.tensor = tensor

    def __init__(self, module: torch.nn.Module) -> None:
        self.parameters = {p.data_ptr() for p in module.parameters()}
        self.live = self.peak = 0

    def _free(self, size: int) -> None:
        self.live -= size

    def pack(self, tensor: torch.Tensor):
        if tensor.data_ptr() in self.parameters:
            return tensor
        size = tensor.numel() * tensor.element_size()
        self.live += size
        self.peak = max(self.peak, self.live)
        held = self._Held(tensor)
        weakref.finalize(held, self._free, size)
        return held

    def unpack(self, held):
        return held.tensor if isinstance(held, self._Held) else held

    def hooks(self):
        return torch.autograd.graph.saved_tensors_hooks(self.pack, self.unpack)


def test_a_batch_of_512_trains_cached_with_a_fraction_of_the_activation_memory(make_trainer) -> None:
    trainer = make_trainer(batch_size=512, dropout=0.0)
    trainer.setup()
    indices, _ = trainer.sampler.next_batch()
    plain_memory, cached_memory = _SavedActivations(trainer.encoder), _SavedActivations(trainer.encoder)
    with plain_memory.hooks():
        plain_loss = trainer.compute_gradients(indices).item()
    plain = _grads(trainer)
    trainer.config = replace(trainer.config, cached_chunk_size=64)
    with cached_memory.hooks():
        cached_loss = trainer.compute_gradients(indices).item()
    assert abs(plain_loss - cached_loss) <= 1e-5
    _assert_same_gradients(plain, _grads(trainer))
    # 1,024 rows at once against 64-row chunks (plus the 512 x 512 logits of the loss itself)
    assert cached_memory.peak < plain_memory.peak / 4, (plain_memory.peak, cached_memory.peak)
    grad_norm = trainer.optimizer_step()
    assert torch.isfinite(grad_norm)
