"""Randomly initialised BERT encoders with the packaged model's real vocabulary.

Tests build a tiny one (no download, seconds to train); the GPU benchmark
builds a BERT-base-shaped one (throughput does not depend on the weights).
"""

from __future__ import annotations

from pathlib import Path

import torch

from trainers.encoder import packaged_model_dir

TINY = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}
BERT_BASE = {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072}


def build_random_bert(folder: str | Path, *, seed: int = 0, max_position_embeddings: int = 128,
                      tokenizer_dir: str | Path | None = None, **shape: int) -> Path:
    """Write a random BertModel (shape: TINY by default) plus a tokenizer (the packaged one by default)."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = Path(folder)
    tokenizer = BertTokenizerFast.from_pretrained(tokenizer_dir or packaged_model_dir())
    config = BertConfig(vocab_size=tokenizer.vocab_size, max_position_embeddings=max_position_embeddings,
                        **{**TINY, **shape})
    torch.manual_seed(seed)
    model = BertModel(config)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder
