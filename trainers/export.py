"""`python -m trainers.export SOURCE OUT_DIR`: a checkpoint as a model others load directly.

The folder holds the backbone in Hugging Face form (`AutoModel.from_pretrained`
loads it) and the sentence-transformers module files around it
(`SentenceTransformer(OUT_DIR)` loads it), so both embed exactly as simcse-tui
does, pooling and normalisation included:

    Transformer -> Pooling (cls or mean) -> [Dense+tanh: BERT's pooler, for `cls`]
                -> [Dense+tanh: the MLP head, for mlp = "always"] -> Normalize

`avg_top2` and `avg_first_last` have no sentence-transformers pooling module,
so those exports carry the transformers form and `simcse.json` only, and the
model card shows the pooling code. A model card (README.md) records the base
model, objective, loss, data, every hyper-parameter and the evaluation
results. An existing non-empty OUT_DIR is never overwritten without
`--overwrite`. Weights are safetensors only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from trainers import rundir
from trainers.errors import SimcseError, UnsafePathError
from trainers.events import EVENTS_FILE, read_events
from trainers.stdio import StdoutEvents, quiet_transformers, run_guarded

ST_POOLING = {"avg": "mean", "cls": "cls", "cls_before_pooler": "cls"}
TANH = "torch.nn.modules.activation.Tanh"


class ExportError(SimcseError):
    title = "Export failed"


def resolve_source(source: Path) -> tuple[Path, Path | None]:
    """A checkpoint folder, or a run folder (its best checkpoint, else its newest). Returns (checkpoint, run)."""
    if (source / "simcse.json").is_file():
        run = source.parent.parent if source.parent.name == rundir.CHECKPOINTS else None
        return source, run
    if (source / rundir.CHECKPOINTS).is_dir():
        best = rundir.read_pointer(source, rundir.BEST) or rundir.read_pointer(source, rundir.LATEST)
        steps = rundir.list_checkpoints(source)
        chosen = best or (steps[-1] if steps else None)
        if chosen is not None:
            return chosen, source
    raise ExportError(f"{source} is neither a checkpoint folder nor a run folder with checkpoints",
                      hint="pass runs/<run-id> or runs/<run-id>/checkpoints/step-NNNNNN")


def check_output(out_dir: Path, source: Path, overwrite: bool) -> None:
    out = out_dir.resolve()
    src = source.resolve()
    if out == src or src in out.parents or out in src.parents:
        raise UnsafePathError(f"the export folder {out_dir} overlaps the checkpoint {source}",
                              hint="choose a folder outside the run")
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out_dir} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise ExportError(f"{out_dir} is not empty; refusing to overwrite it",
                          hint="choose an empty folder, or pass --overwrite to replace its contents")


def export(source: Path, out_dir: Path, *, overwrite: bool = False, onnx: bool = False,
           emit=None) -> dict[str, Any]:
    """Write the export; returns a summary (paths, pooling, whether sentence-transformers can load it)."""
    import torch

    from trainers.encoder import load_encoder

    checkpoint, run = resolve_source(source)
    check_output(out_dir, checkpoint, overwrite)
    encoder = load_encoder(str(checkpoint)).eval()
    staging = out_dir.with_name(f".{out_dir.name}.export-tmp")
    shutil.rmtree(staging, ignore_errors=True)
    from trainers.encoder import save_encoder

    save_encoder(encoder, staging)
    st_ready = _write_sentence_transformers(encoder, staging)
    card = model_card(encoder, checkpoint, run, st_ready)
    (staging / "README.md").write_text(card, encoding="utf-8")
    if onnx:
        _write_onnx(encoder, staging, torch)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    staging.rename(out_dir)
    return {"checkpoint": str(checkpoint), "out_dir": str(out_dir), "sentence_transformers": st_ready,
            "pooler": encoder.spec.pooler, "mlp": encoder.spec.mlp}


def _write_sentence_transformers(encoder, folder: Path) -> bool:
    from safetensors.torch import save_file

    spec = encoder.spec
    if spec.pooler not in ST_POOLING:
        return False
    width = encoder.width
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    pooling = {"word_embedding_dimension": width, "pooling_mode_cls_token": ST_POOLING[spec.pooler] == "cls",
               "pooling_mode_mean_tokens": ST_POOLING[spec.pooler] == "mean", "pooling_mode_max_tokens": False,
               "pooling_mode_mean_sqrt_len_tokens": False}
    _write_json(folder / "1_Pooling" / "config.json", pooling)
    dense_layers = []
    if spec.pooler == "cls":
        dense_layers.append(encoder.backbone.pooler.dense)
    if spec.mlp == "always":
        dense_layers.append(encoder.mlp.dense)
    for linear in dense_layers:
        idx = len(modules)
        path = f"{idx}_Dense"
        modules.append({"idx": idx, "name": str(idx), "path": path, "type": "sentence_transformers.models.Dense"})
        _write_json(folder / path / "config.json", {"in_features": width, "out_features": width, "bias": True,
                                                    "activation_function": TANH})
        save_file({"linear.weight": linear.weight.detach().contiguous().cpu(),
                   "linear.bias": linear.bias.detach().contiguous().cpu()}, str(folder / path / "model.safetensors"))
    idx = len(modules)
    modules.append({"idx": idx, "name": str(idx), "path": f"{idx}_Normalize",
                    "type": "sentence_transformers.models.Normalize"})
    (folder / f"{idx}_Normalize").mkdir()
    _write_json(folder / "modules.json", modules)
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": spec.max_seq_length, "do_lower_case": False})
    _write_json(folder / "config_sentence_transformers.json",
                {"prompts": {}, "default_prompt_name": None, "similarity_fn_name": "cosine"})
    return True


def _write_onnx(encoder, folder: Path, torch) -> None:
    try:
        import onnx  # noqa: F401
    except ImportError as exc:
        raise ExportError("ONNX export needs the `onnx` package", hint="pip install 'simcse-tui[onnx]'") from exc

    class Embed(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return torch.nn.functional.normalize(self.inner(input_ids, attention_mask), dim=-1)

    sample = encoder.tokenize(["an example sentence for tracing"])
    torch.onnx.export(Embed(encoder), (sample["input_ids"], sample["attention_mask"]), str(folder / "model.onnx"),
                      input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                                    "sentence_embedding": {0: "batch"}}, dynamo=False)


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def model_card(encoder, checkpoint: Path, run: Path | None, st_ready: bool) -> str:
    state = _read_json(checkpoint / "trainer_state.json")
    config = state.get("config", {})
    step = state.get("step")
    evals = _evals(run, step)
    spec = encoder.spec
    lines = ["---", "library_name: sentence-transformers" if st_ready else "library_name: transformers",
             "pipeline_tag: sentence-similarity", "tags: [sentence-transformers, simcse-tui, contrastive-learning]",
             "---", "", f"# {checkpoint.parent.parent.name if run else checkpoint.name}", "",
             f"A sentence encoder trained with simcse-tui: objective `{config.get('objective', '?')}`, "
             f"loss `{config.get('loss', '?')}`, from `{spec.base_model}`, step {step}.", "",
             "## Embedding", "",
             f"Pooling `{spec.pooler}`, MLP head `{spec.mlp}`, max length {spec.max_seq_length} tokens, "
             "L2-normalised; similarity is the cosine.", ""]
    if st_ready:
        lines += ["```python", "from sentence_transformers import SentenceTransformer",
                  "model = SentenceTransformer('PATH')", "vectors = model.encode(['A sentence.'])", "```", ""]
    else:
        lines += [f"sentence-transformers has no module for `{spec.pooler}` pooling: load with transformers "
                  "and pool as `simcse.json` says (see simcse-tui's `trainers/encoder.py`).", ""]
    lines += ["## Training data and hyper-parameters", "", "| key | value |", "|---|---|"]
    lines += [f"| {k} | `{v}` |" for k, v in config.items()]
    lines += ["", "## Evaluation (STS-B dev, Spearman x100 of cosine)", ""]
    if evals:
        lines += ["| step | STS-B dev | alignment | uniformity |", "|---|---|---|---|"]
        lines += [f"| {e['step']} | {e['stsb_dev_spearman']:.2f} | {e['alignment']:.4f} | {e['uniformity']:.4f} |"
                  for e in evals]
    else:
        lines.append("No evaluation was recorded for this checkpoint.")
    return "\n".join(lines) + "\n"


def _evals(run: Path | None, step: int | None) -> list[dict[str, Any]]:
    if run is None or not (run / EVENTS_FILE).is_file():
        return []
    evals = [e for e in read_events(run / EVENTS_FILE) if e["kind"] == "eval"]
    first = [e for e in evals if e["step"] == 0][:1]
    at_step = [e for e in evals if e["step"] == step][-1:]
    return first + at_step


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainers.export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="a run folder (its best checkpoint) or a checkpoint folder")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--overwrite", action="store_true")
    parser.add_argument("--onnx", action="store_true")
    args = parser.parse_args(argv)
    events = StdoutEvents("export")

    def body() -> int:
        quiet_transformers()
        summary = export(args.source, args.out_dir, overwrite=args.overwrite, onnx=args.onnx)
        how = "transformers and sentence-transformers" if summary["sentence_transformers"] else "transformers"
        events.emit("run_finished", step=0, best_stsb_dev_spearman=None, best_checkpoint=summary["checkpoint"],
                    message=f"exported {summary['checkpoint']} to {summary['out_dir']} (loads in {how})")
        return 0

    return run_guarded(events, body)


if __name__ == "__main__":
    sys.exit(main())
