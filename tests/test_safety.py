"""Safety rules that hold across the code: weights-only unpickling, no remote code unless asked."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for folder in ("trainers", "simcse_tui", "bench", "scripts") for p in (ROOT / folder).rglob("*.py"))


def _calls(name: str):
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == name:
                yield path, node


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def test_every_torch_load_is_weights_only() -> None:
    calls = list(_calls("torch.load"))
    assert calls  # the checkpoint loader at least
    for path, node in calls:
        value = _keyword(node, "weights_only")
        assert isinstance(value, ast.Constant) and value.value is True, f"{path}:{node.lineno}"


def test_remote_code_is_never_switched_on_in_the_code_only_passed_through() -> None:
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "trust_remote_code":
                assert not (isinstance(node.value, ast.Constant) and node.value.value), f"{path}:{node.value.lineno}"


def test_a_model_folder_with_its_own_code_does_not_run_it_without_the_flag(tiny_model, tmp_path) -> None:
    from trainers.encoder import load_encoder
    from trainers.errors import SimcseError

    folder = tmp_path / "model-with-code"
    shutil.copytree(tiny_model, folder)
    marker = tmp_path / "code-ran"
    (folder / "modeling_evil.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n", encoding="utf-8")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["auto_map"] = {"AutoModel": "modeling_evil.EvilModel"}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    try:
        load_encoder(str(folder))
    except SimcseError as err:
        assert "trust_remote_code" in f"{err.message} {err.hint}"
    assert not marker.exists()
