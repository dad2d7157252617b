"""The one training loop every objective and loss shares.

`Trainer.run()` trains until `max_steps` (or the epochs) are done, a stop is
asked for (SIGTERM/SIGINT: the current step finishes, a checkpoint is saved,
`run_stopped` is written) or something fails (`run_failed` with a hint).

Per step it does: the objective's views -> one forward -> (all-gather under
DDP) -> the loss -> backward -> clip -> AdamW -> schedule. The loss and
gradient norm stay on the device and are read back only every `log_every`
steps, so the host never waits on the device in between. With
`cached_chunk_size` the step is a gradient-cache step (`_cached_step`): the
in-batch negatives of the whole batch at the memory cost of one chunk.

Fault injection, for the fault tests only: `$SIMCSE_TUI_FAULT` (see `Faults`)
makes a chosen step's loss NaN, its forward raise out-of-memory, or its
checkpoint write fail with a full disk. Unset (always, in real runs) it does nothing.
"""

from __future__ import annotations

import errno
import math
import os
import signal
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from trainers import rundir
from trainers.checkpoint import TrainerState, latest_checkpoint, load_trainer_state, save_checkpoint
from trainers.config import TrainConfig, dump_toml
from trainers.data.paths import resolve_data_dir
from trainers.data.sts import STSSet, load_sts_task
from trainers.data.training import load_training_data
from trainers.distributed import World, any_rank, barrier, gather_views
from trainers.encoder import SentenceEncoder, load_encoder, pick_device
from trainers.errors import SimcseError
from trainers.evaluation import dev_metrics
from trainers.events import EVENTS_FILE, EventWriter
from trainers.losses import compute_loss
from trainers.objectives import Views, build_views, collate, mlm_mask, split_views, tokenize_columns
from trainers.sampler import BatchSampler, SamplerState, shard


class NonFiniteLoss(SimcseError):
    title = "Training diverged"


NAN_HINT = "lower learning_rate (e.g. by 10x), or add warmup_steps"
FAULT_ENV = "SIMCSE_TUI_FAULT"


@dataclass(frozen=True)
class Faults:
    """Test-only fault injection, read from `$SIMCSE_TUI_FAULT`; never set it in a real run.

    A comma-separated list of `what:N`, N being the 1-based optimizer step:

    - `nan_at_step:N`     the loss of step N is multiplied by NaN (so are its gradients and,
                          after the update, the weights), as a diverging run would be;
    - `oom_at_step:N`     the encoder's forward in step N raises `torch.OutOfMemoryError`;
    - `enospc_at_step:N`  writing the checkpoint of step N fails with `OSError(ENOSPC)`
                          after part of it is on disk, as a full disk would.
    """

    nan_at_step: int | None = None
    oom_at_step: int | None = None
    enospc_at_step: int | None = None

    @classmethod
    def from_env(cls) -> Faults:
        spec = os.environ.get(FAULT_ENV, "").strip()
        if not spec:
            return cls()
        values: dict[str, int] = {}
        for item in spec.split(","):
            name, _, step = item.strip().partition(":")
            if name not in cls.__dataclass_fields__ or not step.isdigit():
                raise SimcseError(f"{FAULT_ENV}: cannot read {item!r}",
                                  hint="nan_at_step:N, oom_at_step:N or enospc_at_step:N (test use only)")
            values[name] = int(step)
        return cls(**values)


class Trainer:
    """Owns the model, optimizer, data order and run folder of one run (one rank's share of it)."""

    def __init__(self, config: TrainConfig, run_dir: Path, world: World, *, resume: bool = False) -> None:
        self.config = config
        self.run_dir = Path(run_dir)
        self.world = world
        self.stop_requested = False
        self.events: EventWriter | None = None
        self.step = 0
        self.best_score: float | None = None
        self.best_step: int | None = None
        self.last_checkpoint: Path | None = None
        self._saved_step: int | None = None  # the step of the newest checkpoint this process wrote
        self.last_loss = float("inf")
        self.epoch = 0
        self._resume_from = latest_checkpoint(self.run_dir) if resume else None
        self.faults = Faults.from_env()
        if world.is_main:
            self.events = EventWriter(self.run_dir / EVENTS_FILE, run=self.run_dir.name)
            # Rewritten on resume too, so `--resume --set max_steps=...` is what a later resume reads;
            # through a temporary file, since a kill mid-write must not leave it unreadable.
            tmp = self.run_dir / f".{rundir.CONFIG_FILE}.tmp"
            tmp.write_text(dump_toml(config), encoding="utf-8")
            os.replace(tmp, self.run_dir / rundir.CONFIG_FILE)

    # ----- setup -------------------------------------------------------------------------------

    def setup(self) -> None:
        config = self.config
        if config.num_threads:
            torch.set_num_threads(config.num_threads)
        self.device = self._device()
        torch.manual_seed(config.seed)  # the backbone's dropout draws from torch's global RNG
        self.generator = torch.Generator().manual_seed(config.seed + 1)  # span and MLM masks
        source = str(self._resume_from) if self._resume_from else config.model
        self.encoder = load_encoder(source, pooler=config.pooler, mlp=config.mlp,
                                    max_seq_length=config.max_seq_length, dropout=config.dropout,
                                    trust_remote_code=config.trust_remote_code,
                                    with_mlm_head=config.mlm_weight > 0).to(self.device)
        self.encoder.train()
        if self.faults.oom_at_step is not None:
            self.encoder.register_forward_pre_hook(self._inject_oom)
        self.model = self._wrap(self.encoder)
        self._load_data()
        self.optimizer = self._optimizer()
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, self._lr_factor)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self._autocast_dtype() == torch.float16)
        if self._resume_from is not None:
            self._restore(self._resume_from)

    def _device(self) -> torch.device:
        if self.world.distributed and torch.cuda.is_available() and self.config.device != "cpu":
            return torch.device("cuda", self.world.local_rank)
        device = pick_device(self.config.device)
        if device.type == "cuda" and torch.cuda.device_count() > 1 and not self.world.distributed:
            self.warn(f"{torch.cuda.device_count()} GPUs are visible but this run uses one; "
                      "for data parallel training launch with torchrun --nproc-per-node N")
        return device

    def _wrap(self, encoder: SentenceEncoder) -> torch.nn.Module:
        model: torch.nn.Module = encoder
        if self.config.compile:
            model = torch.compile(model)
        if self.world.distributed:
            _freeze_unused_pooler(encoder)
            ids = [self.device.index] if self.device.type == "cuda" else None
            model = torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)
        return model

    def _load_data(self) -> None:
        config = self.config
        data_dir = _optional_data_dir(config.data_dir)
        data = load_training_data(config.train_file, config.objective, data_dir)
        if data.skipped:
            self.warn(f"{data.source}: skipped {data.skipped} rows ({'; '.join(data.notes)})")
        self.data = tokenize_columns(data, self.encoder.tokenizer, config.max_seq_length)
        if config.batch_size % self.world.size:
            raise SimcseError(f"batch_size {config.batch_size} must divide evenly over {self.world.size} ranks",
                              hint=f"use a multiple of {self.world.size}")
        if len(self.data) < config.batch_size:
            raise SimcseError(f"{data.source} has {len(self.data)} examples, fewer than one batch of "
                              f"{config.batch_size}", hint="lower batch_size or add data")
        self.sampler = BatchSampler(self.data.lengths, config.batch_size, config.seed,
                                    length_grouped=config.length_grouped)
        per_epoch = self.sampler.batches_per_epoch
        self.max_steps = config.max_steps or config.epochs * per_epoch
        self.dev_set: STSSet | None = None
        if config.eval_every or config.selection_metric == "stsb_dev_spearman":
            if data_dir is None:
                self.warn("no data folder: STS-B dev evaluation is off (set data_dir or SIMCSE_TUI_DATA)")
            else:
                self.dev_set = _truncate(load_sts_task("stsb-dev", data_dir), config.eval_max_pairs)

    def _optimizer(self) -> torch.optim.Optimizer:
        decay, no_decay = [], []
        for name, param in self.encoder.named_parameters():
            (no_decay if param.ndim < 2 or "LayerNorm" in name or "norm" in name.lower() else decay).append(param)
        groups = [{"params": decay, "weight_decay": self.config.weight_decay},
                  {"params": no_decay, "weight_decay": 0.0}]
        fused = self.device.type == "cuda"
        return torch.optim.AdamW(groups, lr=self.config.learning_rate, fused=fused)

    def _lr_factor(self, step: int) -> float:
        """Linear warm-up to the peak, then linear decay to zero at max_steps."""
        warmup = self.config.warmup_steps
        if warmup and step < warmup:
            return (step + 1) / warmup
        return max(0.0, (self.max_steps - step) / max(1, self.max_steps - warmup))

    def _autocast_dtype(self) -> torch.dtype | None:
        if self.device.type != "cuda" or self.config.precision == "fp32":
            return None
        return torch.bfloat16 if self.config.precision == "bf16" else torch.float16

    def _autocast(self):
        dtype = self._autocast_dtype()
        return torch.autocast("cuda", dtype=dtype) if dtype else nullcontext()

    # ----- the loop ----------------------------------------------------------------------------

    def run(self) -> int:
        self.setup()
        self._emit_started()
        if self.step == 0 and self.config.eval_every and self.dev_set is not None:
            self._evaluate()
        loss_sum = torch.zeros((), device=self.device)
        norm_sum = torch.zeros((), device=self.device)
        window_start, window_steps = time.perf_counter(), 0
        while self.step < self.max_steps:
            indices, self.epoch = self.sampler.next_batch()
            loss, grad_norm = self.train_step(indices)
            self.step += 1
            loss_sum += loss.detach()
            norm_sum += grad_norm.detach()
            window_steps += 1
            if self.step % self.config.log_every == 0 or self.step == self.max_steps:
                self._log(loss_sum / window_steps, norm_sum / window_steps, window_steps,
                          time.perf_counter() - window_start)
                loss_sum.zero_()
                norm_sum.zero_()
                window_start, window_steps = time.perf_counter(), 0
            # A stop asked for during this step ends the run now; one asked for during this
            # step's evaluation or checkpoint ends it right after them, not a step later.
            stop = self._stop_now()
            if not stop:
                self._periodic(loss_sum, norm_sum, window_steps)
            if stop or self._stop_now():
                return self._stopped(loss_sum, norm_sum, window_steps)
        return self._finish()

    def _stopped(self, loss_sum: torch.Tensor, norm_sum: torch.Tensor, window_steps: int) -> int:
        """Checkpoint this step (unless `_periodic` just did) and write `run_stopped`."""
        if self._saved_step == self.step:
            path = self.last_checkpoint
        else:
            self._check_finite(loss_sum, norm_sum, window_steps)
            path = self.save(is_best=False)
        self.emit("run_stopped", step=self.step, checkpoint=str(path) if path else None)
        return 0

    def _stop_now(self) -> bool:
        if not self.world.distributed:
            return self.stop_requested
        # Ranks agree only at the logging interval: a collective per step would be a host sync.
        if self.step % self.config.log_every and self.step != self.max_steps:
            return False
        return any_rank(self.stop_requested, self.world, self.device)

    def _periodic(self, loss_sum: torch.Tensor, norm_sum: torch.Tensor, window_steps: int) -> None:
        is_best = False
        if self.config.eval_every and self.step % self.config.eval_every == 0 and self.step < self.max_steps:
            is_best = self._evaluate()
        saving = self.config.save_every and self.step % self.config.save_every == 0
        if (is_best or saving) and self.step < self.max_steps:
            self._check_finite(loss_sum, norm_sum, window_steps)
            self.save(is_best=is_best)

    def _finish(self) -> int:
        is_best = self._evaluate()
        path = self.save(is_best=is_best or self.best_step is None)
        best = rundir.read_pointer(self.run_dir, rundir.BEST) if self.world.is_main else None
        by_dev = self.config.selection_metric == "stsb_dev_spearman"
        self.emit("run_finished", step=self.step, best_stsb_dev_spearman=self.best_score if by_dev else None,
                  best_checkpoint=str(best or path) if path or best else None)
        return 0

    def train_step(self, indices: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimizer step on the global batch `indices`: (loss, gradient norm), both on the device."""
        loss = self.compute_gradients(indices)
        return loss, self.optimizer_step()

    def compute_gradients(self, indices: list[int]) -> torch.Tensor:
        """Replace the parameter gradients with those of this rank's share of the batch's loss.

        Under DDP they are already averaged over ranks when this returns, so on
        every rank they equal one process's gradients on the whole global batch.
        Returns the loss of the global batch (on the device, not yet synced).
        """
        local = shard(indices, self.world.rank, self.world.size)
        views = build_views(self.config.objective, self.data, local, mask_token_id=self.encoder.tokenizer.mask_token_id,
                            span_length=self.config.span_length, generator=self.generator)
        labels = self._global_labels(indices)
        self.optimizer.zero_grad(set_to_none=True)
        if self.config.cached_chunk_size:
            return self._cached_step(views, labels)
        batch = self._to_device(collate(views.rows, self._pad_id, self._pad_multiple))
        with self._autocast():
            embeddings = self.model(**batch)
            loss = self._loss(embeddings, views.num_views, labels)
            if self.config.mlm_weight > 0:
                loss = loss + self.config.mlm_weight * self._mlm_loss(batch, len(local))
        self.scaler.scale(loss).backward()
        return loss

    def optimizer_step(self) -> torch.Tensor:
        """Unscale, clip, step AdamW and the schedule; returns the gradient norm before clipping."""
        self.scaler.unscale_(self.optimizer)
        max_norm = self.config.grad_clip if self.config.grad_clip > 0 else float("inf")
        grad_norm = torch.nn.utils.clip_grad_norm_(self.encoder.parameters(), max_norm)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.scheduler.step()
        return grad_norm

    def _global_labels(self, indices: list[int]) -> torch.Tensor | None:
        if self.data.labels is None:
            return None
        return torch.tensor([self.data.labels[i] for i in indices], device=self.device)

    def _loss(self, embeddings: torch.Tensor, num_views: int, labels: torch.Tensor | None) -> torch.Tensor:
        """Local (V*b, H) embeddings -> the loss over the global batch (gathered under DDP)."""
        views = [gather_views(v.float(), self.world) for v in split_views(embeddings, num_views)]
        anchor = views[0]
        positive = views[1] if num_views > 1 else None
        negative = views[2] if num_views > 2 else None
        config = self.config
        loss = compute_loss(config.loss, anchor, positive, negative, labels, temperature=config.temperature,
                            margin=config.margin, hard_negative_weight=config.hard_negative_weight)
        if self.faults.nan_at_step == self.step + 1:
            loss = loss * float("nan")
        return loss

    def _inject_oom(self, module: torch.nn.Module, args: Any) -> None:  # noqa: ARG002 - a forward pre-hook
        if self.encoder.training and self.faults.oom_at_step == self.step + 1:
            raise torch.OutOfMemoryError(f"CUDA out of memory (injected by {FAULT_ENV} at step {self.step + 1})")

    def _mlm_loss(self, batch: dict[str, torch.Tensor], anchors: int) -> torch.Tensor:
        """Auxiliary MLM on the anchors (SimCSE's lambda * L_mlm)."""
        ids, mask = batch["input_ids"][:anchors].cpu(), batch["attention_mask"][:anchors].cpu()
        masked, labels = mlm_mask(ids, mask, self.encoder.tokenizer, self.config.mlm_probability, self.generator)
        hidden = self.encoder.backbone(input_ids=masked.to(self.device), attention_mask=mask.to(self.device))
        logits = self.encoder.mlm_head(hidden.last_hidden_state)
        return torch.nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]).float(),
                                                 labels.to(self.device).view(-1), ignore_index=-100)

    def _cached_step(self, views: Views, labels: torch.Tensor | None) -> torch.Tensor:
        """Gradient cache (Gao et al. 2021): the loss of the full batch, memory of one chunk.

        1. Encode every chunk without a graph, remembering the RNG state before each
           (so dropout can be replayed exactly).
        2. Compute the loss on the detached embeddings and backpropagate to them only.
        3. Re-encode each chunk with a graph under the same RNG state and push the
           cached embedding gradient through it. Parameter gradients accumulate to
           exactly those of the plain step on the same dropout masks.
        """
        chunk = self.config.cached_chunk_size
        batches = [collate(views.rows[i:i + chunk], self._pad_id, self._pad_multiple) for i in range(0, len(views.rows), chunk)]
        rng_states, pieces = [], []
        with torch.no_grad():
            for batch in batches:
                rng_states.append(_rng_state(self.device))
                with self._autocast():
                    pieces.append(self.model(**self._to_device(batch)).float())
        after = _rng_state(self.device)
        cached = torch.cat(pieces).detach().requires_grad_(True)
        with self._autocast():
            loss = self._loss(cached, views.num_views, labels)
        self.scaler.scale(loss).backward()
        grads = cached.grad.split([b["input_ids"].shape[0] for b in batches])
        for i, (batch, grad) in enumerate(zip(batches, grads, strict=True)):
            _set_rng_state(rng_states[i], self.device)
            sync = i == len(batches) - 1 or not self.world.distributed
            with (nullcontext() if sync else self.model.no_sync()), self._autocast():
                out = self.model(**self._to_device(batch)).float()
                out.backward(grad)
        _set_rng_state(after, self.device)
        return loss.detach()

    def _to_device(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Copy a collated batch to the device without a host sync.

        A copy from pageable memory makes CUDA wait for the stream first, which
        would serialise every step's kernel launches behind the previous step;
        from pinned memory the copy is queued like any kernel.
        """
        if self.device.type != "cuda":
            return batch
        return {k: v.pin_memory().to(self.device, non_blocking=True) for k, v in batch.items()}

    @property
    def _pad_multiple(self) -> int:
        return 8 if self.device.type == "cuda" else 1

    @property
    def _pad_id(self) -> int:
        return self.encoder.tokenizer.pad_token_id or 0

    # ----- evaluation, logging, checkpoints ------------------------------------------------------

    def _evaluate(self) -> bool:
        """Score STS-B dev on rank 0 (step 0 is the baseline); True on every rank if this step is the best."""
        is_best = False
        if self.world.is_main:
            score = -self.last_loss if self.config.selection_metric == "loss" else None
            if self.dev_set is not None:
                metrics = dev_metrics(self.encoder, self.dev_set)
                self.emit("eval", step=self.step, **metrics)
                if self.config.selection_metric == "stsb_dev_spearman":
                    score = metrics["stsb_dev_spearman"]
            if self.step > 0 and score is not None and (self.best_score is None or score > self.best_score):
                self.best_score, self.best_step, is_best = score, self.step, True
        return any_rank(is_best, self.world, self.device)

    def _log(self, loss: torch.Tensor, grad_norm: torch.Tensor, steps: int, seconds: float) -> None:
        loss_value, norm_value = float(loss), float(grad_norm)  # the one host sync of the logging interval
        self.last_loss = loss_value
        if not math.isfinite(loss_value) or not self._norm_ok(norm_value):
            what = f"the loss became {loss_value}" if not math.isfinite(loss_value) else \
                f"the gradient norm became {norm_value}"
            raise NonFiniteLoss(f"{what} at step {self.step}; the last good checkpoint is kept", hint=NAN_HINT)
        sentences = steps * self.config.batch_size
        self.emit("step", step=self.step, epoch=self.epoch + self.sampler.state.batch / self.sampler.batches_per_epoch,
                  loss=loss_value, lr=self.scheduler.get_last_lr()[0], grad_norm=norm_value,
                  sentences_per_s=sentences / max(seconds, 1e-9), max_steps=self.max_steps)

    def _check_finite(self, loss_sum: torch.Tensor, norm_sum: torch.Tensor, steps: int) -> None:
        """Refuse to checkpoint weights that a non-finite step since the last log may have poisoned."""
        if steps and not (math.isfinite(float(loss_sum)) and self._norm_ok(float(norm_sum))):
            raise NonFiniteLoss(f"the loss or its gradient became non-finite before step {self.step}; "
                                "the last good checkpoint is kept", hint=NAN_HINT)

    def _norm_ok(self, norm: float) -> bool:
        # A non-finite gradient reaches the weights (clipping scales it by 0 * inf = NaN),
        # except under fp16 loss scaling, where the scaler skips that step by design.
        return math.isfinite(norm) or self.scaler.is_enabled()

    def save(self, *, is_best: bool) -> Path | None:
        """Checkpoint on rank 0 (the others wait); returns its folder."""
        path = None
        if self.world.is_main:
            state = TrainerState(step=self.step, epoch=self.epoch,
                                 sampler_epoch=self.sampler.state.epoch, sampler_batch=self.sampler.state.batch,
                                 best_score=self.best_score, best_step=self.best_step, config=self.config.to_dict())
            tensors = {"optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
                       "scaler": self.scaler.state_dict(), "rng": _rng_state(self.device),
                       "generator": self.generator.get_state()}
            if getattr(self.encoder, "mlm_head", None) is not None:  # not exported, but resumed with the run
                tensors["mlm_head"] = self.encoder.mlm_head.state_dict()
            fault = _disk_full if self.faults.enospc_at_step == self.step else None
            path = save_checkpoint(self.run_dir, self.encoder, state, tensors, is_best=is_best,
                                   keep=self.config.keep_checkpoints, fault=fault)
            self.last_checkpoint = path
            self.emit("checkpoint", step=self.step, path=str(path), is_best=is_best)
        barrier(self.world)
        self._saved_step = self.step
        return path

    def _restore(self, checkpoint: Path) -> None:
        state, tensors = load_trainer_state(checkpoint)
        self.step, self.epoch = state.step, state.epoch
        self.best_score, self.best_step = state.best_score, state.best_step
        self.sampler.state = SamplerState(epoch=state.sampler_epoch, batch=state.sampler_batch)
        self.optimizer.load_state_dict(tensors["optimizer"])
        self.scheduler.load_state_dict(tensors["scheduler"])
        self.scaler.load_state_dict(tensors["scaler"])
        _set_rng_state(tensors["rng"], self.device)
        self.generator.set_state(tensors["generator"])
        if getattr(self.encoder, "mlm_head", None) is not None and "mlm_head" in tensors:
            self.encoder.mlm_head.load_state_dict(tensors["mlm_head"])
        self.last_checkpoint = checkpoint

    def _emit_started(self) -> None:
        params = sum(p.numel() for p in self.encoder.parameters())
        extra: dict[str, Any] = {"resumed_from": self.step} if self._resume_from else {}
        self.emit("run_started", objective=self.config.objective, loss=self.config.loss, model=self.config.model,
                  device=str(self.device), world_size=self.world.size, parameters=params,
                  max_steps=self.max_steps, batch_size=self.config.batch_size, examples=len(self.data),
                  pid=os.getpid(), **extra)

    def emit(self, kind: str, **fields: Any) -> None:
        if self.events is not None:
            self.events.write(kind, **fields)

    def warn(self, message: str) -> None:
        self.emit("warning", message=message)

    def install_signal_handlers(self) -> None:
        def request_stop(signum, frame) -> None:  # noqa: ARG001
            if self.stop_requested:  # a second signal: stop waiting
                raise KeyboardInterrupt
            self.stop_requested = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)


def _freeze_unused_pooler(encoder: SentenceEncoder) -> None:
    """DDP waits for a gradient of every trainable parameter, and the backbone's own pooler
    (BERT's dense + tanh) gets none unless `pooler = "cls"` uses it; waited for, it fails the
    second step. Frozen, it is left exactly as a single process leaves it (no gradient, no update)."""
    pooler = getattr(encoder.backbone, "pooler", None)
    if pooler is not None and encoder.spec.pooler != "cls":
        pooler.requires_grad_(False)


def _disk_full(partial: Path) -> None:
    raise OSError(errno.ENOSPC, f"No space left on device (injected by {FAULT_ENV})", str(partial))


def _rng_state(device: torch.device) -> dict[str, torch.Tensor]:
    state = {"cpu": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def _set_rng_state(state: dict[str, torch.Tensor], device: torch.device) -> None:
    torch.set_rng_state(state["cpu"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def _optional_data_dir(explicit: str) -> Path | None:
    try:
        return resolve_data_dir(explicit or None)
    except SimcseError:
        if explicit:
            raise
        return None


def _truncate(sts: STSSet, max_pairs: int) -> STSSet:
    if not max_pairs or max_pairs >= len(sts.scores):
        return sts
    from dataclasses import replace

    return replace(sts, sentences1=sts.sentences1[:max_pairs], sentences2=sts.sentences2[:max_pairs],
                   scores=sts.scores[:max_pairs], subsets=((sts.name, 0, max_pairs),))
