"""Training configuration: one frozen dataclass, loaded from TOML, validated field by field.

The same validation serves the TOML file, `--set key=value` overrides on the
command line and the TUI's launch form, so a value is judged the same way
wherever it comes from. Errors name the file, the key and what was expected.

Standard library only (plus `tomli` on Python 3.10): the UI imports this to
validate a launch form without importing torch.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainers.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

OBJECTIVES = ("unsup-simcse", "sup-simcse", "mirror-bert", "labelled")
LOSSES = (
    "info_nce",
    "nt_xent",
    "contrastive",
    "triplet",
    "n_pair",
    "nce",
    "neg",
    "soft_nearest_neighbours",
    "lifted_structured",
    "supcon_out",
    "supcon_in",
)
POOLERS = ("cls", "cls_before_pooler", "avg", "avg_top2", "avg_first_last")
MLP_MODES = ("none", "train", "always")
PRECISIONS = ("fp32", "bf16", "fp16")
SELECTION_METRICS = ("stsb_dev_spearman", "loss")

# The packaged offline model; "all-MiniLM-L6-v2" resolves to its folder.
DEFAULT_MODEL = "all-MiniLM-L6-v2"


def _opt(default: Any, help: str, *, choices: Iterable[Any] | None = None,
         min: float | None = None, max: float | None = None) -> Any:
    """A config field: its default, one line of help, and the values it accepts."""
    meta = {"help": help, "choices": tuple(choices) if choices else None, "min": min, "max": max}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class TrainConfig:
    """Every knob of a training run. Defaults are the unsupervised SimCSE recipe sized for a CPU."""

    # What to train.
    objective: str = _opt("unsup-simcse", "how views are built: unsup-simcse (dropout), sup-simcse "
                          "(NLI triplets), mirror-bert (span masking + dropout), labelled (sentence, label)",
                          choices=OBJECTIVES)
    loss: str = _opt("info_nce", "the contrastive loss over the views", choices=LOSSES)
    model: str = _opt(DEFAULT_MODEL, "Hugging Face encoder id or local folder "
                      "(the default is the packaged, already-trained all-MiniLM-L6-v2)")
    pooler: str = _opt("avg", "how token states become one vector (avg suits the default model; "
                       "SimCSE's BERT recipe is cls_before_pooler with mlp = 'train')", choices=POOLERS)
    mlp: str = _opt("none", "MLP head over the pooled vector: none, in training only, or always",
                    choices=MLP_MODES)
    trust_remote_code: bool = _opt(False, "run the model repository's own Python code (only if you trust it)")

    # Data.
    train_file: str = _opt("{data}/unlabeled/wiki1m_head.txt",
                           "training data: a file, or hf:<dataset id>; {data} is the data folder")
    data_dir: str = _opt("", "folder with the STS/SICK/SNLI data (empty: $SIMCSE_TUI_DATA, then the user data folder)")
    max_seq_length: int = _opt(32, "tokens per sentence after truncation", min=4, max=8192)

    # Optimisation.
    batch_size: int = _opt(64, "sentences per step (the number of in-batch negatives + 1)", min=2)
    cached_chunk_size: int = _opt(0, "gradient-cache chunk size for large batches (0: off); "
                                  "adds negatives at the memory cost of one chunk", min=0)
    learning_rate: float = _opt(3e-5, "peak learning rate of AdamW", min=0.0, max=1.0)
    warmup_steps: int = _opt(0, "linear warm-up steps before linear decay", min=0)
    weight_decay: float = _opt(0.0, "AdamW weight decay", min=0.0, max=1.0)
    epochs: int = _opt(1, "passes over the training data (ignored when max_steps > 0)", min=1)
    max_steps: int = _opt(0, "stop after this many optimizer steps (0: run the epochs)", min=0)
    temperature: float = _opt(0.05, "softmax temperature of the similarity logits", min=1e-4, max=100.0)
    margin: float = _opt(0.5, "margin of the margin-based losses (contrastive, triplet, lifted)", min=0.0)
    dropout: float = _opt(0.1, "dropout rate of the encoder (the only noise in unsup-simcse)", min=0.0, max=0.9)
    hard_negative_weight: float = _opt(1.0, "multiplicative weight w on exp(sim/temperature) of each hard "
                                       "negative; w = 1 is plain InfoNCE. (SimCSE's own flag is log w.)",
                                       min=0.0)
    mlm_weight: float = _opt(0.0, "weight (lambda) of the auxiliary MLM loss; 0 turns it off", min=0.0)
    mlm_probability: float = _opt(0.15, "share of tokens masked for the auxiliary MLM loss", min=0.0, max=1.0)
    span_length: int = _opt(5, "mirror-bert: tokens in the masked span of the second view", min=0)
    grad_clip: float = _opt(1.0, "clip the gradient norm to this (0: no clipping)", min=0.0)
    length_grouped: bool = _opt(True, "group sentences of similar length into batches to cut padding "
                                "(batch order stays random; see BENCHMARKS.md for the speed-up)")

    # Evaluation, checkpoints, logging.
    eval_every: int = _opt(125, "score STS-B dev every N steps (0: only at the end)", min=0)
    eval_max_pairs: int = _opt(0, "score only the first N STS-B dev pairs (0: all 1500)", min=0)
    save_every: int = _opt(250, "write a checkpoint every N steps (0: only at evals and the end)", min=0)
    keep_checkpoints: int = _opt(3, "step checkpoints kept besides the best", min=1)
    selection_metric: str = _opt("stsb_dev_spearman", "what picks the best checkpoint", choices=SELECTION_METRICS)
    log_every: int = _opt(10, "steps between step events (the only host syncs)", min=1)

    # Hardware.
    seed: int = _opt(42, "seed of every random choice: init, sampling, dropout, masking", min=0, max=2**32 - 1)
    device: str = _opt("auto", "auto, cpu, cuda or cuda:N")
    precision: str = _opt("fp32", "autocast precision on CUDA (CPU always trains in fp32)", choices=PRECISIONS)
    num_threads: int = _opt(0, "CPU threads for torch (0: torch's default)", min=0)
    compile: bool = _opt(False, "torch.compile the encoder (pays off on long GPU runs)")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


FIELDS: dict[str, dataclasses.Field[Any]] = {f.name: f for f in dataclasses.fields(TrainConfig)}


def field_help(name: str) -> str:
    return FIELDS[name].metadata["help"]


def _expected(f: dataclasses.Field[Any]) -> str:
    meta = f.metadata
    kind = {bool: "true or false", int: "an integer", float: "a finite number", str: "a string"}[_type(f)]
    if meta["choices"]:
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    bounds = []
    if meta["min"] is not None:
        bounds.append(f">= {meta['min']}")
    if meta["max"] is not None:
        bounds.append(f"<= {meta['max']}")
    return kind + (" " + " and ".join(bounds) if bounds else "")


def _type(f: dataclasses.Field[Any]) -> type:
    return {"bool": bool, "int": int, "float": float, "str": str}[str(f.type)]


def check_value(name: str, value: Any, source: str = "config") -> Any:
    """Validate one key; return the value coerced to the field's type (int -> float only)."""
    f = FIELDS.get(name)
    if f is None:
        close = [k for k in FIELDS if k.split("_")[0] == name.split("_")[0]]
        hint = f"did you mean {close[0]!r}?" if close else "see `simcse-tui train --help-config`"
        raise ConfigError(f"{source}: unknown key {name!r}", hint=hint)
    want = _type(f)
    ok = isinstance(value, want) and not (want is not bool and isinstance(value, bool))
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if want is float and ok and not math.isfinite(value):
        ok = False  # TOML has nan and inf; no knob here means anything by them
    if want is str and ok and not _utf8(value):
        ok = False  # undecodable bytes from the command line: config.toml could not hold them
    if not ok:
        raise ConfigError(f"{source}: key {name!r} must be {_expected(f)}, got {value!r}")
    meta = f.metadata
    if meta["choices"] and value not in meta["choices"]:
        raise ConfigError(f"{source}: key {name!r} must be {_expected(f)}, got {value!r}")
    if (meta["min"] is not None and value < meta["min"]) or (meta["max"] is not None and value > meta["max"]):
        raise ConfigError(f"{source}: key {name!r} must be {_expected(f)}, got {value!r}")
    if name == "device" and not _valid_device(value):
        raise ConfigError(f"{source}: key 'device' must be auto, cpu, cuda or cuda:N, got {value!r}")
    return value


def _utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _valid_device(value: str) -> bool:
    if value in ("auto", "cpu", "cuda"):
        return True
    return value.startswith("cuda:") and value[5:].isdigit()


def from_mapping(values: Mapping[str, Any], source: str = "config",
                 base: TrainConfig | None = None) -> TrainConfig:
    """Build a config from a flat mapping, every key validated; `base` supplies the rest."""
    checked = {name: check_value(name, value, source) for name, value in values.items()}
    config = dataclasses.replace(base or TrainConfig(), **checked)
    _check_combination(config, source)
    return config


def _check_combination(config: TrainConfig, source: str) -> None:
    """Rules that involve more than one key."""
    label_losses = ("supcon_out", "supcon_in", "soft_nearest_neighbours", "lifted_structured")
    if config.objective == "labelled" and config.loss not in label_losses:
        raise ConfigError(
            f"{source}: objective 'labelled' needs a label-aware loss, got loss {config.loss!r}",
            hint="use loss = " + ", ".join(repr(name) for name in label_losses),
        )
    if config.hard_negative_weight != 1.0 and (config.objective != "sup-simcse" or config.loss != "info_nce"):
        raise ConfigError(
            f"{source}: key 'hard_negative_weight' weights hard negatives, which only objective 'sup-simcse' "
            f"with loss 'info_nce' has (got objective {config.objective!r}, loss {config.loss!r})",
            hint="leave hard_negative_weight = 1.0",
        )
    if config.cached_chunk_size and config.cached_chunk_size >= config.batch_size:
        raise ConfigError(
            f"{source}: key 'cached_chunk_size' ({config.cached_chunk_size}) must be smaller than "
            f"batch_size ({config.batch_size}) to have any effect",
            hint="set cached_chunk_size = 0 to turn gradient caching off",
        )
    if config.cached_chunk_size and config.mlm_weight > 0:
        raise ConfigError(f"{source}: the auxiliary MLM loss is not supported with cached_chunk_size",
                          hint="set mlm_weight = 0 or cached_chunk_size = 0")


def load_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a TOML file into a flat mapping, with errors that name the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    for key, value in data.items():
        if isinstance(value, dict):
            raise ConfigError(f"{path}: key {key!r} is a table; the config is flat (key = value lines)")
    return data


def load_config(path: str | os.PathLike[str] | None = None,
                overrides: Iterable[str] = ()) -> TrainConfig:
    """The config from `path` (or the defaults), then each `key=value` override, all validated."""
    config = TrainConfig()
    if path is not None:
        config = from_mapping(load_toml(path), source=str(path))
    if overrides:
        config = from_mapping(parse_overrides(overrides), source="--set", base=config)
    return config


def parse_overrides(overrides: Iterable[str]) -> dict[str, Any]:
    """Turn ["batch_size=32", "model=bert-base-uncased"] into typed values.

    The value is read as TOML when it parses (numbers, booleans, quoted strings),
    else taken as a bare string, so `model=bert-base-uncased` needs no quotes.
    """
    parsed: dict[str, Any] = {}
    for item in overrides:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set: expected key=value, got {item!r}")
        if key not in FIELDS:
            check_value(key, None, source="--set")  # raises with a suggestion
        parsed[key] = _parse_scalar(raw.strip(), want=_type(FIELDS[key]))
    return parsed


def _parse_scalar(raw: str, want: type) -> Any:
    if want is str:
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
            return raw[1:-1]
        return raw
    try:
        return tomllib.loads(f"x = {raw}")["x"]
    except tomllib.TOMLDecodeError:
        return raw


def dump_toml(config: TrainConfig) -> str:
    """The fully resolved config as TOML, with each key's help as a comment."""
    lines = []
    for name, value in config.to_dict().items():
        lines.append(f"# {field_help(name)}")
        lines.append(f"{name} = {_toml_scalar(value)}")
    return "\n".join(lines) + "\n"


def _toml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return '"' + "".join(_toml_char(c) for c in str(value)) + '"'


def _toml_char(char: str) -> str:
    """One character of a TOML basic string: quotes, backslashes and control characters escaped."""
    if char in '"\\':
        return "\\" + char
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"\\u{ord(char):04X}"
    return char
