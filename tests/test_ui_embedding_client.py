"""The embedding worker client against a fake `trainers.serve` that speaks the same line protocol."""

from __future__ import annotations

import math
import sys
import threading
from pathlib import Path

import pytest

from simcse_tui.embedding_client import EmbeddingClient, Progress
from simcse_tui.errors import EmbeddingRequestError, EmbeddingWorkerError

FAKE_SERVE = (sys.executable, str(Path(__file__).parent / "fixtures" / "fake_serve.py"))
CKPT = "base:all-MiniLM-L6-v2"


@pytest.fixture
def client(tmp_path: Path):
    client = EmbeddingClient(FAKE_SERVE, log_path=tmp_path / "serve.log")
    yield client
    client.close()


def test_ping_and_encode(client: EmbeddingClient) -> None:
    assert client.ping(timeout=30)["pid"] == client.pid
    vectors = client.encode(CKPT, ["a cat", "a dog"])
    assert len(vectors) == 2 and math.isclose(sum(x * x for x in vectors[0]), 1.0, rel_tol=1e-6)


def test_rank_reports_progress_then_hits(client: EmbeddingClient) -> None:
    progress: list[Progress] = []
    reply = client.rank(CKPT, "demo", "a man plays the guitar", 3, on_progress=progress.append)
    assert [hit["sentence"] for hit in reply["hits"]][:1] == ["A man is playing a guitar."]
    assert len(reply["hits"]) == 3 and reply["elapsed_ms"] > 0
    assert progress and progress[-1] == Progress(20, 20, "embedding corpus")
    again: list[Progress] = []
    client.rank(CKPT, "demo", "a cat", 3, on_progress=again.append)
    assert again == []  # the corpus is cached per (checkpoint, corpus)


def test_load_corpus_from_a_file_and_score_pairs(client: EmbeddingClient, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("one sentence\nanother sentence\n\nthird\n", encoding="utf-8")
    reply = client.load_corpus(CKPT, str(corpus))
    assert reply == {"size": 3, "cached": False, "label": "corpus.txt"}
    assert client.load_corpus(CKPT, str(corpus))["cached"] is True
    scores = client.score(CKPT, [("a cat", "a cat"), ("a cat", "stock markets fell")])
    assert scores[0] == pytest.approx(1.0) and scores[1] < scores[0]


def test_sts_set_returns_pairs_and_spearman(client: EmbeddingClient) -> None:
    progress: list[Progress] = []
    reply = client.sts_set(CKPT, "stsb-dev", on_progress=progress.append)
    assert len(reply["pairs"]) == 12 and {"s1", "s2", "gold", "pred"} <= set(reply["pairs"][0])
    assert -100.0 <= reply["spearman"] <= 100.0 and progress  # x100, as the real worker reports it


def test_an_error_reply_keeps_its_title_message_and_hint(client: EmbeddingClient) -> None:
    with pytest.raises(EmbeddingRequestError) as caught:
        client.encode("base:missing-model", ["x"])
    assert caught.value.title == "Model could not be loaded"
    assert caught.value.hint == "pick another checkpoint"
    assert client.ping(timeout=30)  # the worker is still up


def test_a_worker_dying_mid_request_fails_it_clearly_and_the_next_request_restarts_it(
        client: EmbeddingClient, tmp_path: Path) -> None:
    first_pid = client.ping(timeout=30)["pid"]
    progress: list[Progress] = []
    with pytest.raises(EmbeddingWorkerError) as caught:
        client.rank(CKPT, "demo", "crash!", 3, on_progress=progress.append)
    assert f"(pid {first_pid}) exited with code 3 while answering 'rank'" in caught.value.message
    assert str(tmp_path / "serve.log") in caught.value.hint and "starts it again" in caught.value.hint
    assert progress == [Progress(0, 1, "about to crash")]  # it got that far
    assert client.ping(timeout=30)["pid"] != first_pid
    assert client.starts == 2
    log = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert log.count("ready") == 2  # both workers' stderr went to the log


def test_requests_from_several_threads_get_their_own_replies(client: EmbeddingClient) -> None:
    results: dict[int, float] = {}

    def score(i: int) -> None:
        results[i] = client.score(CKPT, [(f"sentence {i}", f"sentence {i}")])[0]

    threads = [threading.Thread(target=score, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == list(range(8)) and all(v == pytest.approx(1.0) for v in results.values())
    assert client.starts == 1


def test_close_shuts_the_worker_down(client: EmbeddingClient) -> None:
    client.ping(timeout=30)
    client.close()
    assert client.pid is None


def test_a_worker_that_cannot_start_is_an_error_not_a_hang(tmp_path: Path) -> None:
    client = EmbeddingClient((str(tmp_path / "no-such-python"),), log_path=tmp_path / "serve.log")
    with pytest.raises(EmbeddingWorkerError, match="could not start the embedding worker"):
        client.ping(timeout=5)
