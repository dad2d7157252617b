"""The query panel: type a sentence, see the corpus sentences nearest to it under checkpoint A
(and B beside it, rank changes marked), as you type.

A keystroke queries at once when no query is in flight; while one is, the
newest text waits and goes out the moment the reply lands (older texts typed
meanwhile are never sent). So a query costs no timer delay, the embedding
worker never queues behind a burst of keystrokes, and each query has a
sequence number: a reply whose number is not the latest is dropped, so a slow
reply to an old prefix never overwrites a newer one.
The embedding worker embeds a corpus once per checkpoint (with progress shown
here) and caches it, so later keystrokes cost one encoding and a top-k search.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Footer, Input, Label, Select
from textual.worker import get_current_worker

from simcse_tui.dialogs.path_prompt import PathDialog
from simcse_tui.embedding_client import Progress
from simcse_tui.screens.base import REDRAW_INTERVAL_S, WorkbenchScreen, notify_error
from simcse_tui.screens.query.hits_table import HitsTable
from simcse_tui.widgets.checkpoint_picker import CheckpointPicker
from simcse_tui.widgets.navbar import NavBar
from simcse_tui.widgets.task_progress import TaskProgress
from simcse_tui.workbench import Workbench
from trainers.errors import SimcseError

TOP_K = 10


class QueryScreen(WorkbenchScreen):
    """Checkpoint picker, corpus picker, query input, and one hits table per checkpoint."""

    BINDINGS = [
        Binding("slash", "focus_query", "Query", key_display="/", tooltip="Type a query", id="focus-query"),
        Binding("c", "load_corpus_file", "Corpus file", tooltip="Load a text file, one sentence a line",
                id="corpus-file"),
        Binding("escape", "leave_field", "Leave field", key_display="esc",
                tooltip="Leave the text field so the single-key bindings work"),
    ]

    DEFAULT_CSS = """
    QueryScreen #query-body { padding: 1 1 0 1; }
    QueryScreen #corpus-row { height: 1; margin-bottom: 1; }
    QueryScreen #corpus-row > Label { width: auto; padding: 0 1; text-style: bold; }
    QueryScreen #corpus { width: 40; }
    QueryScreen #load-corpus { margin-left: 1; min-width: 12; }
    QueryScreen #query { margin-bottom: 1; }
    QueryScreen #status { height: 1; color: $text-muted; margin: 0 1; }
    QueryScreen #status.-error { color: $error; }
    QueryScreen #results { height: 1fr; }
    QueryScreen .column { width: 1fr; }
    QueryScreen .column > Label { text-style: bold; padding: 0 1; }
    QueryScreen #column-b { display: none; }
    QueryScreen #column-b.-shown { display: block; }
    """

    class Ranked(Message):
        """Replies to query number `seq`, one per checkpoint."""

        def __init__(self, seq: int, checkpoints: list[str], replies: list[dict[str, Any]]) -> None:
            super().__init__()
            self.seq = seq
            self.checkpoints = checkpoints
            self.replies = replies

    class RankFailed(Message):
        """Query number `seq` failed."""

        def __init__(self, seq: int, error: SimcseError) -> None:
            super().__init__()
            self.seq = seq
            self.error = error

    class CorpusProgressed(Message):
        """The worker embedded more of the corpus; a burst collapses to the latest."""

        def __init__(self, progress: Progress) -> None:
            super().__init__()
            self.progress = progress

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, QueryScreen.CorpusProgressed)

    class CorpusLoaded(Message):
        """The corpus is embedded under every chosen checkpoint (or failed: `error`)."""

        def __init__(self, replies: list[dict[str, Any]], error: SimcseError | None = None) -> None:
            super().__init__()
            self.replies = replies
            self.error = error

    picker = getters.query_one("#checkpoints", CheckpointPicker)
    query_input = getters.query_one("#query", Input)
    corpus_select = getters.query_one("#corpus", Select)
    status = getters.query_one("#status", Label)
    progress = getters.query_one("#corpus-progress", TaskProgress)
    hits_a = getters.query_one("#hits-a", HitsTable)
    hits_b = getters.query_one("#hits-b", HitsTable)

    def __init__(self, workbench: Workbench, *, redraw_interval: float = REDRAW_INTERVAL_S) -> None:
        super().__init__(workbench, redraw_interval=redraw_interval)
        self.seq = 0  # number of the latest query; replies to older ones are dropped
        self.shown_seq = 0  # number of the query whose replies are on screen
        self._in_flight: int | None = None  # number of the query awaiting its reply
        self._waiting = False  # the text changed while a query was in flight
        self._corpus_started = False
        self._corpus_info: dict[str, Any] = {}  # the last load_corpus reply: size, label, cached

    def compose(self) -> ComposeResult:
        corpora = self.workbench.corpora()
        yield NavBar("query")
        with Vertical(id="query-body"):
            yield CheckpointPicker(id="checkpoints")
            with Horizontal(id="corpus-row"):
                yield Label("corpus")
                yield Select(corpora, value=corpora[0][1], allow_blank=False, id="corpus", compact=True)
                yield Button("Load file…", id="load-corpus", compact=True,
                             tooltip="c: a text file, one sentence a line")
            yield Input(placeholder="Type a sentence: its nearest neighbours in the corpus appear as you type",
                        id="query")
            yield TaskProgress(id="corpus-progress")
            yield Label("", id="status", markup=False)
            with Horizontal(id="results"):
                with Vertical(classes="column", id="column-a"):
                    yield Label("A", id="title-a", markup=False)
                    yield HitsTable(compare=False, id="hits-a")
                with Vertical(classes="column", id="column-b"):
                    yield Label("B", id="title-b", markup=False)
                    yield HitsTable(compare=True, id="hits-b")
        yield Footer()

    # -- regions -------------------------------------------------------------------

    @property
    def corpus(self) -> str:
        return str(self.corpus_select.value)

    def on_mount(self) -> None:
        self.query_input.focus()

    def refresh_view(self) -> None:
        """New runs or checkpoints: offer them (the query itself does not change)."""
        self.picker.set_choices(self.workbench.checkpoints(), self.workbench.settings.query_checkpoints)
        if not self._corpus_started and self.picker.chosen:
            self._corpus_started = True  # warm up: start the worker and embed the corpus now
            self.load_corpus()

    # -- querying --------------------------------------------------------------------

    @on(Input.Changed, "#query")
    def _query_changed(self) -> None:
        if self._in_flight is None:
            self.run_query()
        else:
            self._waiting = True  # sent when the reply in flight lands

    @on(Input.Submitted, "#query")
    def run_query(self) -> None:
        """Rank the corpus for the current text under every chosen checkpoint, now."""
        self._waiting = False
        self.seq += 1
        text = self.query_input.value.strip()
        checkpoints = self.picker.chosen
        if not text or not checkpoints:
            self.shown_seq = self.seq
            self._show_hits(checkpoints, [])
            self._set_status("type a sentence" if checkpoints else "no checkpoint to query yet")
            return
        self._in_flight = self.seq
        self._rank(self.seq, text, checkpoints, self.corpus)

    def _landed(self, seq: int) -> None:
        """The reply to query `seq` arrived: send the text typed meanwhile, if any."""
        if seq == self._in_flight:
            self._in_flight = None
            if self._waiting:
                self.run_query()

    @work(thread=True, exclusive=True, group="query")
    def _rank(self, seq: int, text: str, checkpoints: list[str], corpus: str) -> None:
        worker = get_current_worker()
        replies = []
        try:
            for spec in checkpoints:
                replies.append(self.workbench.embedder.rank(spec, corpus, text, TOP_K,
                                                            on_progress=self._progressed))
                if worker.is_cancelled:
                    break  # a newer query took over: this reply will be dropped as stale
        except SimcseError as exc:
            self.post_message(self.RankFailed(seq, exc))
            return
        self.post_message(self.Ranked(seq, checkpoints, replies))

    def _progressed(self, progress: Progress) -> None:
        """Called on the embedding client's reader thread."""
        self.post_message(self.CorpusProgressed(progress))

    @on(Ranked)
    def _ranked(self, event: Ranked) -> None:
        self._landed(event.seq)
        if event.seq != self.seq:
            return  # stale: the user typed on since
        self.shown_seq = event.seq
        self.progress.hide()
        self._show_hits(event.checkpoints, [reply["hits"] for reply in event.replies])
        took = " · ".join(f"{name} {reply.get('elapsed_ms', 0):.1f} ms"
                          for name, reply in zip("AB", event.replies, strict=False))
        self._set_status(f"top {TOP_K} of {self._corpus_label()} · {took}")

    @on(RankFailed)
    def _rank_failed(self, event: RankFailed) -> None:
        self._landed(event.seq)
        if event.seq != self.seq:
            return
        self.progress.hide()
        self._set_status(f"{event.error.title}: {event.error.message}", error=True)
        notify_error(self, event.error)

    def _show_hits(self, checkpoints: list[str], hits: list[list[dict[str, Any]]]) -> None:
        self.hits_a.show(hits[0] if hits else [])
        self.hits_b.show(hits[1] if len(hits) > 1 else [], reference=hits[0] if hits else None)
        self.query_one("#column-b").set_class(len(checkpoints) > 1, "-shown")
        for name, spec in zip("AB", checkpoints, strict=False):
            self.query_one(f"#title-{name.lower()}", Label).update(f"{name}: {self.picker.label(spec)}")

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status.update(text)
        self.status.set_class(error, "-error")

    # -- checkpoints and corpus --------------------------------------------------------

    @on(CheckpointPicker.Changed)
    def _checkpoints_changed(self, event: CheckpointPicker.Changed) -> None:
        self.workbench.settings.query_checkpoints = list(event.chosen)
        self.save_settings()
        self.load_corpus()

    @on(Select.Changed, "#corpus")
    def _corpus_changed(self) -> None:
        self.load_corpus()

    def load_corpus(self) -> None:
        """Embed the corpus under the chosen checkpoints (progress shown), then query again."""
        checkpoints = self.picker.chosen
        if checkpoints:
            self.progress.show(Progress(0, 0, "starting the embedding worker"))
            self._load(checkpoints, self.corpus)

    @work(thread=True, exclusive=True, group="corpus")
    def _load(self, checkpoints: list[str], corpus: str) -> None:
        replies = []
        try:
            for spec in checkpoints:
                replies.append(self.workbench.embedder.load_corpus(spec, corpus, on_progress=self._progressed))
        except SimcseError as exc:
            self.post_message(self.CorpusLoaded(replies, exc))
            return
        self.post_message(self.CorpusLoaded(replies))

    @on(CorpusProgressed)
    def _corpus_progressed(self, event: CorpusProgressed) -> None:
        self.progress.show(event.progress)

    @on(CorpusLoaded)
    def _corpus_loaded(self, event: CorpusLoaded) -> None:
        self.progress.hide()
        if event.error is not None:
            self._set_status(f"{event.error.title}: {event.error.message}", error=True)
            notify_error(self, event.error)
            return
        if event.replies:
            self._corpus_info = event.replies[0]
            cached = " (cached)" if all(r.get("cached") for r in event.replies) else ""
            self._set_status(f"{self._corpus_label()} ready{cached}")
        if self.query_input.value.strip():
            self.run_query()

    def _corpus_label(self) -> str:
        info = self._corpus_info
        if not info:
            return "the corpus"
        label, size = str(info.get("label", self.corpus)), str(info.get("size", "?"))
        return label if size in label else f"{label} ({size} sentences)"

    def action_load_corpus_file(self) -> None:
        """Load a text file (one sentence a line) as the corpus."""

        def chosen(path: Path | None) -> None:
            if path is None:
                return
            spec = str(path.resolve())
            if spec not in self.workbench.corpus_files:
                self.workbench.corpus_files.append(spec)
            self.corpus_select.set_options(self.workbench.corpora())
            self.corpus_select.value = spec  # Select.Changed loads it

        self.app.push_screen(PathDialog("Corpus file: one sentence a line", want="file",
                                        placeholder="/path/to/sentences.txt"), chosen)

    @on(Button.Pressed, "#load-corpus")
    def _load_pressed(self) -> None:
        self.action_load_corpus_file()

    def action_focus_query(self) -> None:
        """Put the cursor in the query input."""
        self.query_input.focus()

    def action_leave_field(self) -> None:
        """Leave the input so single-key bindings work."""
        self.set_focus(None)

