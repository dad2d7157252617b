"""The real embedding worker (`python -m trainers.serve`) through the UI's client, on the tiny model.

What the query and STS panels rely on: embeddings equal to the one encode
path's, a corpus embedded with progress and cached on disk for the next
worker, top-k hits in score order (a corpus sentence finds itself first),
pair scores that are cosines, and errors that name what went wrong.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from simcse_tui.embedding_client import EmbeddingClient
from trainers.errors import SimcseError

pytestmark = pytest.mark.slow

SENTENCES = [f"sentence number {i} is about {topic}" for i, topic in
             enumerate(["cats", "dogs", "the stock market", "rain", "football", "cooking pasta"] * 60)]


@pytest.fixture
def serve(tmp_path: Path, tiny_model: Path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}
    clients = []

    def start() -> EmbeddingClient:
        client = EmbeddingClient(log_path=tmp_path / "serve.log", env=env)
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.close()


def test_encode_equals_the_one_encode_path(serve, tiny_model: Path) -> None:
    from trainers.encoder import encode, load_encoder

    got = np.array(serve().encode(f"base:{tiny_model}", SENTENCES[:20]))
    expected = encode(load_encoder(str(tiny_model)), SENTENCES[:20], normalize=True).numpy()
    assert got.shape == expected.shape and np.abs(got - expected).max() <= 1e-5
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_a_corpus_is_embedded_with_progress_ranked_and_cached_for_the_next_worker(serve, tiny_model, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    checkpoint = f"base:{tiny_model}"
    progress = []
    client = serve()
    loaded = client.load_corpus(checkpoint, str(corpus), on_progress=progress.append)
    assert loaded["size"] == len(SENTENCES) and loaded["cached"] is False
    assert progress and progress[-1].done == progress[-1].total == len(SENTENCES)

    reply = client.rank(checkpoint, str(corpus), SENTENCES[7], 5)
    hits = reply["hits"]
    assert hits[0]["sentence"] == SENTENCES[7] and hits[0]["score"] == pytest.approx(1.0, abs=1e-4)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True) and len(hits) == 5

    scores = client.score(checkpoint, [(SENTENCES[0], SENTENCES[0]), (SENTENCES[0], SENTENCES[2])])
    vectors = np.array(client.encode(checkpoint, [SENTENCES[0], SENTENCES[2]]))
    assert scores[0] == pytest.approx(1.0, abs=1e-5)
    assert scores[1] == pytest.approx(float(vectors[0] @ vectors[1]), abs=1e-5)
    client.close()

    again = serve()  # a new worker finds the embeddings on disk
    assert again.load_corpus(checkpoint, str(corpus))["cached"] is True
    assert again.rank(checkpoint, str(corpus), SENTENCES[7], 5)["hits"] == hits


def test_a_checkpoint_that_cannot_load_is_a_clear_error_and_the_worker_lives_on(serve, tmp_path, tiny_model) -> None:
    client = serve()
    with pytest.raises(SimcseError) as info:
        client.encode(str(tmp_path / "no-such-checkpoint"), ["a sentence"])
    assert "no-such-checkpoint" in f"{info.value.message} {info.value.hint}"
    assert len(client.encode(f"base:{tiny_model}", ["a sentence"])[0]) > 0
    assert client.starts == 1
