"""Export: the folder loads in transformers and sentence-transformers and embeds exactly as the app does."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from trainers.encoder import encode, load_encoder, masked_mean, save_encoder
from trainers.errors import SimcseError
from trainers.export import export
from trainers.random_model import build_random_bert

SENTENCES = [f"sentence number {i} says something {'quite ' * (i % 5)}different" for i in range(18)] + [
    "A short one.", "Another, slightly longer sentence with punctuation; and a clause."]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    return str(build_random_bert(tmp_path_factory.mktemp("tiny"), seed=7))


def checkpoint(tiny: str, folder, pooler: str, mlp: str):
    encoder = load_encoder(tiny, pooler=pooler, mlp=mlp, max_seq_length=24)
    if encoder.mlp is not None:
        torch.nn.init.normal_(encoder.mlp.dense.weight, std=0.5)
    save_encoder(encoder, folder)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize(("pooler", "mlp"), [("avg", "none"), ("cls", "none"), ("cls_before_pooler", "always"),
                                              ("avg", "train")])
def test_export_loads_in_both_libraries_and_embeds_as_the_app(tiny, tmp_path, pooler, mlp) -> None:
    from sentence_transformers import SentenceTransformer
    from transformers import AutoModel, AutoTokenizer

    source = checkpoint(tiny, tmp_path / "ckpt", pooler, mlp)
    out = tmp_path / "export"
    summary = export(source, out)
    assert summary["sentence_transformers"]
    app = encode(load_encoder(str(source)), SENTENCES, normalize=True)

    st = SentenceTransformer(str(out), device="cpu")
    torch.testing.assert_close(torch.from_numpy(st.encode(SENTENCES)), app, atol=1e-5, rtol=1e-5)

    model, tokenizer = AutoModel.from_pretrained(out).eval(), AutoTokenizer.from_pretrained(out)
    batch = tokenizer(SENTENCES, padding=True, truncation=True, max_length=24, return_tensors="pt")
    with torch.no_grad():
        output = model(**batch)
    pooled = {"avg": masked_mean(output.last_hidden_state, batch["attention_mask"]),
              "cls": output.pooler_output, "cls_before_pooler": output.last_hidden_state[:, 0]}[pooler]
    if mlp == "always":  # the head is not part of AutoModel: only sentence-transformers carries it
        return
    torch.testing.assert_close(torch.nn.functional.normalize(pooled, dim=-1), app, atol=1e-5, rtol=1e-5)


def test_export_refuses_to_overwrite_and_to_write_into_the_run(tiny, tmp_path) -> None:
    source = checkpoint(tiny, tmp_path / "ckpt", "avg", "none")
    out = tmp_path / "out"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    with pytest.raises(SimcseError, match="refusing to overwrite"):
        export(source, out)
    assert (out / "precious.txt").read_text() == "keep me"
    with pytest.raises(SimcseError, match="overlaps"):
        export(source, source / "inside")
    export(source, out, overwrite=True)
    assert not (out / "precious.txt").exists() and (out / "modules.json").is_file()


def test_export_of_a_pooler_sentence_transformers_lacks_keeps_the_transformers_form(tiny, tmp_path) -> None:
    source = checkpoint(tiny, tmp_path / "ckpt", "avg_first_last", "none")
    summary = export(source, tmp_path / "out")
    assert not summary["sentence_transformers"]
    assert not (tmp_path / "out" / "modules.json").exists()
    assert "avg_first_last" in (tmp_path / "out" / "README.md").read_text()


def test_export_cli_reports_a_bad_source_clearly(tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-m", "simcse_tui.cli", "export", str(tmp_path), str(tmp_path / "o")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "neither a checkpoint folder nor a run folder" in proc.stderr
