"""Client of the embedding worker: one long-lived `python -m trainers.serve` process.

The worker holds the models and the cached corpus embeddings; this side never
imports torch. They talk over the worker's stdin/stdout, one JSON object a
line, matched by "id":

    request   {"id": 7, "op": "rank", "checkpoint": C, "corpus": P, "query": "...", "k": 10}
    progress  {"id": 7, "progress": {"done": 512, "total": 30000, "what": "embedding corpus"}}
    reply     {"id": 7, "ok": true, "result": {...}}
           or {"id": 7, "ok": false, "error": {"title": ..., "message": ..., "hint": ...}}

Ops: ping, encode, load_corpus, rank, score, sts_set, shutdown (see the helper
methods below). The worker's stderr goes to a log file.

`request()` is thread-safe and blocks until the final reply, so the UI calls it
from thread workers. A reader thread resolves replies and hands progress lines
to the request's callback (on that reader thread: a UI posts a message from
it). When the worker exits or closes its stdout, every pending request fails
with `EmbeddingWorkerError` naming the log; the next request starts a new
worker.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from simcse_tui.errors import EmbeddingRequestError, EmbeddingWorkerError
from simcse_tui.runs.launcher import project_pythonpath

SERVE_ARGV = (sys.executable, "-m", "trainers.serve")
DATA_ENV = "SIMCSE_TUI_DATA"  # how the worker learns the data folder ("stsb", "wiki" corpora)

# Seconds `close()` waits for a polite shutdown before terminating the worker.
SHUTDOWN_GRACE_S = 2.0


@dataclass(frozen=True)
class Progress:
    """One progress line of a long request."""

    done: int
    total: int
    what: str


ProgressCallback = Callable[[Progress], None]


@dataclass
class _Pending:
    op: str
    future: Future[dict[str, Any]]
    on_progress: ProgressCallback | None
    proc: subprocess.Popen[str]


class EmbeddingClient:
    """Starts the embedding worker on first use and restarts it after a crash."""

    def __init__(
        self,
        argv: Sequence[str] = SERVE_ARGV,
        *,
        log_path: Path | None = None,
        data_dir: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.argv = tuple(argv)
        self.log_path = log_path
        self.data_dir = data_dir
        self._env = dict(env) if env is not None else None
        self._proc: subprocess.Popen[str] | None = None
        self._pending: dict[int, _Pending] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()  # guards _proc, _pending and writes to stdin
        self.starts = 0  # how many workers were started (tests and the status line read it)

    # -- the protocol's ops ------------------------------------------------------

    def ping(self, timeout: float | None = None) -> dict[str, Any]:
        return self.request("ping", timeout=timeout)

    def encode(self, checkpoint: str, sentences: list[str]) -> list[list[float]]:
        return self.request("encode", checkpoint=checkpoint, sentences=sentences)["embeddings"]

    def load_corpus(self, checkpoint: str, corpus: str,
                    on_progress: ProgressCallback | None = None) -> dict[str, Any]:
        return self.request("load_corpus", on_progress=on_progress, checkpoint=checkpoint, corpus=corpus)

    def rank(self, checkpoint: str, corpus: str, query: str, k: int,
             on_progress: ProgressCallback | None = None) -> dict[str, Any]:
        return self.request("rank", on_progress=on_progress, checkpoint=checkpoint, corpus=corpus,
                            query=query, k=k)

    def score(self, checkpoint: str, pairs: list[tuple[str, str]]) -> list[float]:
        return self.request("score", checkpoint=checkpoint, pairs=[list(p) for p in pairs])["scores"]

    def sts_set(self, checkpoint: str, name: str,
                on_progress: ProgressCallback | None = None) -> dict[str, Any]:
        return self.request("sts_set", on_progress=on_progress, checkpoint=checkpoint, set=name)

    # -- the transport -----------------------------------------------------------

    def request(self, op: str, *, on_progress: ProgressCallback | None = None,
                timeout: float | None = None, **params: Any) -> dict[str, Any]:
        """Send one request and block until its final reply; return its `result`."""
        future: Future[dict[str, Any]] = Future()
        with self._lock:
            proc = self._ensure_started()
            request_id = next(self._ids)
            self._pending[request_id] = _Pending(op, future, on_progress, proc)
            line = json.dumps({"id": request_id, "op": op, **params}) + "\n"
            try:
                assert proc.stdin is not None
                proc.stdin.write(line)
                proc.stdin.flush()
            except (BrokenPipeError, OSError):
                self._pending.pop(request_id, None)
                raise self._died(proc, op) from None
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            with self._lock:
                self._pending.pop(request_id, None)
            raise EmbeddingWorkerError(f"the embedding worker did not answer {op!r} within {timeout:g} s",
                                       hint=self._log_hint()) from None

    @property
    def pid(self) -> int | None:
        with self._lock:
            return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def close(self) -> None:
        """Ask the worker to shut down, then make sure it is gone."""
        with self._lock:
            proc, self._proc = self._proc, None
            busy = any(p.proc is proc for p in self._pending.values())
        if proc is None or proc.poll() is not None:
            return
        if busy:  # a shutdown request would queue behind the work in hand: do not wait for it
            proc.terminate()
            proc.wait()
            return
        try:
            assert proc.stdin is not None
            proc.stdin.write(json.dumps({"id": 0, "op": "shutdown"}) + "\n")
            proc.stdin.flush()
            proc.stdin.close()
            proc.wait(timeout=SHUTDOWN_GRACE_S)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            proc.terminate()
            try:
                proc.wait(timeout=SHUTDOWN_GRACE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def _ensure_started(self) -> subprocess.Popen[str]:
        """The running worker, started now if there is none (caller holds the lock)."""
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        env = dict(os.environ if self._env is None else self._env)
        env["PYTHONPATH"] = project_pythonpath(env)
        env["PYTHONUNBUFFERED"] = "1"
        if self.data_dir is not None:
            env[DATA_ENV] = str(self.data_dir)
        stderr: IO[bytes] | int = subprocess.DEVNULL
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            stderr = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps its own copy
        try:
            proc = subprocess.Popen(
                self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                text=True, encoding="utf-8", errors="replace", bufsize=1,
                start_new_session=True, env=env,
            )
        except OSError as exc:
            raise EmbeddingWorkerError(f"could not start the embedding worker ({exc.strerror or exc})",
                                       hint="check the Python environment the app runs in") from exc
        finally:
            if not isinstance(stderr, int):
                stderr.close()
        self._proc = proc
        self.starts += 1
        threading.Thread(target=self._read_replies, args=(proc,), name=f"serve-reader-{proc.pid}",
                         daemon=True).start()
        return proc

    def _read_replies(self, proc: subprocess.Popen[str]) -> None:
        """Resolve this worker's replies until its stdout closes, then fail what is left."""
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                message = json.loads(line)
                request_id = message["id"]
            except (ValueError, KeyError, TypeError):
                continue  # not protocol output (a library printing to stdout): not ours to parse
            self._dispatch(request_id, message)
        try:
            proc.wait(timeout=SHUTDOWN_GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()  # stdout closed but still running: it can never answer again
            proc.wait()
        with self._lock:
            orphans = [rid for rid, p in self._pending.items() if p.proc is proc]
            failed = [(self._pending.pop(rid), rid) for rid in orphans]
        for pending, _ in failed:
            pending.future.set_exception(self._died(proc, pending.op))

    def _dispatch(self, request_id: Any, message: dict[str, Any]) -> None:
        with self._lock:
            pending = self._pending.get(request_id)
            if pending is not None and "progress" not in message:
                del self._pending[request_id]
        if pending is None:
            return  # a reply to a request that timed out
        if "progress" in message:
            if pending.on_progress is not None:
                p = message["progress"]
                pending.on_progress(Progress(int(p.get("done", 0)), int(p.get("total", 0)),
                                             str(p.get("what", ""))))
            return
        if message.get("ok"):
            pending.future.set_result(message.get("result") or {})
            return
        error = message.get("error") or {}
        pending.future.set_exception(EmbeddingRequestError(
            str(error.get("message", f"{pending.op} failed")), str(error.get("hint", "")),
            str(error.get("title", "Embedding request failed"))))

    def _died(self, proc: subprocess.Popen[str], op: str) -> EmbeddingWorkerError:
        code = proc.poll()
        if code is None:
            how = "closed its output"
        elif code < 0:
            how = f"was killed by signal {-code}"
        else:
            how = f"exited with code {code}"
        return EmbeddingWorkerError(f"the embedding worker (pid {proc.pid}) {how} while answering {op!r}",
                                    hint=self._log_hint() + "; the next request starts it again")

    def _log_hint(self) -> str:
        return f"see {self.log_path}" if self.log_path is not None else "run `python -m trainers.serve` to see why"
