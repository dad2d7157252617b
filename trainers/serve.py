"""`python -m trainers.serve`: the long-lived embedding worker behind the query and STS panels.

One JSON request a line on stdin, one JSON reply a line on stdout, matched by
`id`. Long operations first send progress lines. Every reply is

    {"id": N, "ok": true, "result": {...}}
    {"id": N, "ok": false, "error": {"title": ..., "message": ..., "hint": ...}}
    {"id": N, "progress": {"done": int, "total": int, "what": str}}      (before the reply)

Operations (C is a checkpoint folder or "base:<model id or folder>"; P is a
file of sentences, "demo", "stsb" or "wiki"):

    ping                                   -> {pid}
    encode      checkpoint, sentences      -> {embeddings}            (L2-normalised)
    load_corpus checkpoint, corpus         -> {size, cached, label}   (progress while embedding)
    rank        checkpoint, corpus, query, k -> {hits: [{index, sentence, score}], elapsed_ms, index}
    score       checkpoint, pairs          -> {scores}                (cosine)
    sts_set     checkpoint, set            -> {pairs: [{s1, s2, gold, pred}], spearman}
    shutdown                               -> {} and exit

Corpus embeddings are cached per (checkpoint, corpus) in memory and on disk
(`$XDG_CACHE_HOME/simcse-tui/corpus/`), keyed by the checkpoint's weights file
and the corpus file's size and modification time, so a keystroke costs one
query encoding plus a top-k search. Everything encodes through
`trainers.encoder.encode`, the path training and evaluation use.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import traceback
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trainers.errors import DataError, SimcseError
from trainers.stdio import quiet_transformers

MAX_MODELS = 3
BATCH_SIZE = 128


@dataclass
class Corpus:
    sentences: list[str]
    label: str
    index: Any  # trainers.retrieval index


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "simcse-tui" / "corpus"


class EmbeddingService:
    """Loaded models and embedded corpora; one request at a time."""

    def __init__(self, data_dir: str | None = None, send=None) -> None:
        self.data_dir = data_dir
        self.models: OrderedDict[str, Any] = OrderedDict()
        self.corpora: dict[tuple[str, str], Corpus] = {}
        self.send = send or (lambda record: None)

    # ----- models and corpora ------------------------------------------------------------------

    def model(self, checkpoint: str):
        if checkpoint in self.models:
            self.models.move_to_end(checkpoint)
            return self.models[checkpoint]
        from trainers.encoder import load_encoder, pick_device

        name = checkpoint[len("base:"):] if checkpoint.startswith("base:") else checkpoint
        if not checkpoint.startswith("base:") and not Path(name).is_dir():
            raise SimcseError(f"checkpoint {name} does not exist", hint="pick another checkpoint")
        encoder = load_encoder(name, device=pick_device("auto")).eval()
        self.models[checkpoint] = encoder
        while len(self.models) > MAX_MODELS:
            self.models.popitem(last=False)
        return encoder

    def encode(self, checkpoint: str, sentences: list[str], request_id: int | None = None,
               what: str = "") -> np.ndarray:
        from trainers.encoder import encode

        progress = None
        if request_id is not None and len(sentences) > BATCH_SIZE:
            def progress(done: int, total: int) -> None:
                self.send({"id": request_id, "progress": {"done": done, "total": total, "what": what}})
        vectors = encode(self.model(checkpoint), sentences, batch_size=BATCH_SIZE, normalize=True,
                         progress=progress)
        return vectors.numpy()

    def corpus(self, checkpoint: str, name: str, request_id: int | None = None) -> tuple[Corpus, bool]:
        key = (checkpoint, name)
        if key in self.corpora:
            return self.corpora[key], True
        sentences, label, fingerprint = self._read_corpus(name)
        cache_file = cache_dir() / f"{_digest(_model_fingerprint(checkpoint), fingerprint)}.npy"
        cached = cache_file.is_file()
        if cached:
            vectors = np.load(cache_file)
            cached = len(vectors) == len(sentences)
            self.model(checkpoint)  # "ready" means ready to query: load the model now, not on the first key
        if not cached:
            vectors = self.encode(checkpoint, sentences, request_id, what=f"embedding {label}")
            _save_atomically(cache_file, vectors)
        from trainers.retrieval import build_index

        corpus = Corpus(sentences=sentences, label=label, index=build_index(vectors))
        self.corpora[key] = corpus
        return corpus, cached

    def _read_corpus(self, name: str) -> tuple[list[str], str, str]:
        if name == "demo":
            from trainers.data.demo import DEMO_LABEL, DEMO_SENTENCES

            sentences = list(DEMO_SENTENCES)
            return sentences, DEMO_LABEL, "demo:" + _digest(*sentences)
        if name in ("stsb", "wiki"):
            from trainers.data.paths import resolve_data_dir

            data = resolve_data_dir(self.data_dir)
            if name == "wiki":
                path = data / "unlabeled" / "wiki1m_head.txt"
            else:
                from trainers.data.sts import load_sts_task

                sts = load_sts_task("stsb-dev", data)
                sentences = list(dict.fromkeys(sts.sentences1 + sts.sentences2))
                return sentences, f"STS-B dev sentences ({len(sentences)})", f"stsb:{data}"
        else:
            path = Path(name)
        from trainers.data.text import read_sentence_file

        read = read_sentence_file(path)
        sentences = list(read.sentences)
        if not sentences:
            raise DataError(f"{path}: no sentences found", hint="one sentence a line")
        stat = path.stat()
        return sentences, f"{path.name} ({len(sentences)} sentences)", f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"

    # ----- operations --------------------------------------------------------------------------

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        handler = getattr(self, f"op_{op}", None) if isinstance(op, str) else None
        if handler is None:
            raise SimcseError(f"unknown operation {op!r}", hint="see the trainers.serve docstring")
        return handler(request)

    def op_ping(self, request) -> dict[str, Any]:
        return {"pid": os.getpid()}

    def op_encode(self, request) -> dict[str, Any]:
        return {"embeddings": self.encode(request["checkpoint"], list(request["sentences"])).tolist()}

    def op_load_corpus(self, request) -> dict[str, Any]:
        corpus, cached = self.corpus(request["checkpoint"], request["corpus"], request.get("id"))
        return {"size": len(corpus.sentences), "cached": cached, "label": corpus.label, "index": corpus.index.kind}

    def op_rank(self, request) -> dict[str, Any]:
        corpus, _ = self.corpus(request["checkpoint"], request["corpus"], request.get("id"))
        query = self.encode(request["checkpoint"], [request["query"]])[0]
        hits = corpus.index.search(query, int(request.get("k", 10)))
        return {"hits": [{"index": i, "sentence": corpus.sentences[i], "score": s}
                         for i, s in zip(hits.indices, hits.scores, strict=True)],
                "elapsed_ms": hits.elapsed_ms, "index": corpus.index.kind}

    def op_score(self, request) -> dict[str, Any]:
        pairs = [(str(a), str(b)) for a, b in request["pairs"]]
        vectors = self.encode(request["checkpoint"], [s for pair in pairs for s in pair])
        scores = (vectors[0::2] * vectors[1::2]).sum(axis=1)
        return {"scores": scores.tolist()}

    def op_sts_set(self, request) -> dict[str, Any]:
        from trainers.data.paths import resolve_data_dir
        from trainers.data.sts import load_sts_task
        from trainers.metrics import spearman

        sts = load_sts_task(request["set"], resolve_data_dir(self.data_dir))
        sentences = sts.sentences1 + sts.sentences2
        vectors = self.encode(request["checkpoint"], sentences, request.get("id"), what=f"embedding {sts.name}")
        n = len(sts.sentences1)
        predicted = (vectors[:n] * vectors[n:]).sum(axis=1)
        pairs = [{"s1": a, "s2": b, "gold": g, "pred": float(p)}
                 for a, b, g, p in zip(sts.sentences1, sts.sentences2, sts.scores, predicted, strict=True)]
        return {"pairs": pairs, "spearman": 100 * spearman(predicted, sts.scores)}


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()[:32]


def _model_fingerprint(checkpoint: str) -> str:
    name = checkpoint[len("base:"):] if checkpoint.startswith("base:") else checkpoint
    weights = Path(name) / "model.safetensors"
    if weights.is_file():
        stat = weights.stat()
        return f"{weights.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    return checkpoint


def _save_atomically(path: Path, vectors: np.ndarray) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}.npy")
        np.save(tmp, vectors)
        os.replace(tmp, path)
    except OSError as exc:  # the cache is an optimisation: say so on stderr and go on
        print(f"corpus cache not written ({exc})", file=sys.stderr)


def serve(stdin=sys.stdin, stdout=sys.stdout, data_dir: str | None = None) -> int:
    def send(record: dict[str, Any]) -> None:
        stdout.write(json.dumps(record) + "\n")
        stdout.flush()

    service = EmbeddingService(data_dir=data_dir, send=send)
    for line in stdin:
        if not line.strip():
            continue
        request_id = None
        try:
            request = json.loads(line)
            request_id = request.get("id") if isinstance(request, dict) else None
            if not isinstance(request, dict):
                raise SimcseError("a request must be a JSON object")
            if request.get("op") == "shutdown":
                send({"id": request_id, "ok": True, "result": {}})
                return 0
            send({"id": request_id, "ok": True, "result": service.handle(request)})
        except SimcseError as exc:
            send({"id": request_id, "ok": False, "error": {"title": exc.title, "message": exc.message, "hint": exc.hint}})
        except json.JSONDecodeError as exc:
            send({"id": None, "ok": False, "error": {"title": "Bad request", "message": f"not JSON: {exc.msg}", "hint": ""}})
        except (KeyError, TypeError, ValueError) as exc:
            send({"id": request_id, "ok": False,
                  "error": {"title": "Bad request", "message": f"{type(exc).__name__}: {exc}", "hint": "see the protocol"}})
        except Exception as exc:  # noqa: BLE001 - reported; the worker stays up for the next request
            traceback.print_exc(file=sys.stderr)
            send({"id": request_id, "ok": False,
                  "error": {"title": "Embedding worker error", "message": f"{type(exc).__name__}: {exc}",
                            "hint": "details are in the embedding worker's log"}})
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m trainers.serve", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    quiet_transformers()
    return serve(data_dir=args.data_dir)


if __name__ == "__main__":
    sys.exit(main())
