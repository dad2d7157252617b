"""The STS panel: two sentences and their cosine under each chosen checkpoint; below, a whole
STS set (STS-B dev or test, SICK-R) with gold, predicted and rank error, Spearman on top.

Pair scores follow the typing (debounced, stale replies dropped, as in the
query panel); a set is scored on request, with progress, since it means
embedding a few thousand sentences.
"""

from __future__ import annotations

from typing import Any

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, DataTable, Footer, Input, Label, Select

from simcse_tui.embedding_client import Progress
from simcse_tui.format import spearman_text
from simcse_tui.screens.base import REDRAW_INTERVAL_S, WorkbenchScreen, notify_error
from simcse_tui.screens.sts.pairs_table import PairsTable
from simcse_tui.widgets.checkpoint_picker import CheckpointPicker
from simcse_tui.widgets.navbar import NavBar
from simcse_tui.widgets.task_progress import TaskProgress
from simcse_tui.workbench import Workbench
from trainers.errors import SimcseError

DEBOUNCE_S = 0.1
STS_SETS = (("STS-B dev", "stsb-dev"), ("STS-B test", "stsb-test"), ("SICK-R test", "sick-r"))
_HEADER_SORTS = {"index": "index", "gold": "gold", "err_a": "error"}


class StsScreen(WorkbenchScreen):
    """Pair similarity, and an STS set browsed by how wrong each checkpoint gets it."""

    BINDINGS = [
        Binding("ctrl+s", "score_set", "Score set", tooltip="Score the chosen STS set under A (and B)",
                id="score-set"),
        Binding("r", "sort('error')", "By error", tooltip="Pairs with the largest rank error under A first",
                id="sort-error"),
        Binding("g", "sort('gold')", "By gold", tooltip="Most similar (gold) pairs first", id="sort-gold"),
        Binding("i", "sort('index')", "In order", tooltip="Pairs in the set's order", id="sort-index"),
        Binding("escape", "leave_field", "Leave field", key_display="esc",
                tooltip="Leave the text field so the single-key bindings work"),
    ]

    DEFAULT_CSS = """
    StsScreen #sts-body { padding: 1 1 0 1; }
    StsScreen Input { margin-bottom: 0; }
    StsScreen #pair-scores { height: 1; margin: 1 1; }
    StsScreen #set-row { height: 1; margin-bottom: 1; }
    StsScreen #set-row > Label { width: auto; padding: 0 1; }
    StsScreen #sts-set { width: 20; }
    StsScreen #score-set-button { margin: 0 1; min-width: 12; }
    StsScreen #spearman { text-style: bold; }
    """

    class PairScored(Message):
        """Cosines of pair number `seq`, one per checkpoint (or `error`)."""

        def __init__(self, seq: int, scores: list[float], error: SimcseError | None = None) -> None:
            super().__init__()
            self.seq = seq
            self.scores = scores
            self.error = error

    class SetProgressed(Message):
        """More of the set is scored; a burst collapses to the latest."""

        def __init__(self, progress: Progress) -> None:
            super().__init__()
            self.progress = progress

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, StsScreen.SetProgressed)

    class SetScored(Message):
        """A whole STS set scored under each checkpoint (or `error`)."""

        def __init__(self, name: str, replies: list[dict[str, Any]], error: SimcseError | None = None) -> None:
            super().__init__()
            self.name = name
            self.replies = replies
            self.error = error

    picker = getters.query_one("#checkpoints", CheckpointPicker)
    first = getters.query_one("#s1", Input)
    second = getters.query_one("#s2", Input)
    pair_scores = getters.query_one("#pair-scores", Label)
    set_select = getters.query_one("#sts-set", Select)
    spearman = getters.query_one("#spearman", Label)
    progress = getters.query_one("#set-progress", TaskProgress)
    pairs = getters.query_one("#pairs", PairsTable)

    def __init__(self, workbench: Workbench, *, redraw_interval: float = REDRAW_INTERVAL_S) -> None:
        super().__init__(workbench, redraw_interval=redraw_interval)
        self.seq = 0
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        yield NavBar("sts")
        with Vertical(id="sts-body"):
            yield CheckpointPicker(id="checkpoints")
            yield Input(placeholder="First sentence", id="s1")
            yield Input(placeholder="Second sentence", id="s2")
            yield Label("cosine: type two sentences", id="pair-scores", markup=False)
            with Horizontal(id="set-row"):
                yield Label("set")
                yield Select([(label, name) for label, name in STS_SETS], value="stsb-dev", allow_blank=False,
                             id="sts-set", compact=True)
                yield Button("Score set", id="score-set-button", compact=True, tooltip="ctrl+s")
                yield Label("", id="spearman", markup=False)
            yield TaskProgress(id="set-progress")
            yield PairsTable(id="pairs")
        yield Footer()

    def on_mount(self) -> None:
        self.first.focus()

    def refresh_view(self) -> None:
        self.picker.set_choices(self.workbench.checkpoints(), self.workbench.settings.sts_checkpoints)

    # -- one pair --------------------------------------------------------------------

    @on(Input.Changed)
    def _pair_changed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_S, self.score_pair)

    @on(Input.Submitted)
    def score_pair(self) -> None:
        """Score the two sentences under every chosen checkpoint, now."""
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        self.seq += 1
        s1, s2 = self.first.value.strip(), self.second.value.strip()
        if not s1 or not s2 or not self.picker.chosen:
            self.pair_scores.update("cosine: type two sentences")
            return
        self._score_pair(self.seq, s1, s2, self.picker.chosen)

    @work(thread=True, exclusive=True, group="pair")
    def _score_pair(self, seq: int, s1: str, s2: str, checkpoints: list[str]) -> None:
        try:
            scores = [self.workbench.embedder.score(spec, [(s1, s2)])[0] for spec in checkpoints]
        except SimcseError as exc:
            self.post_message(self.PairScored(seq, [], exc))
            return
        self.post_message(self.PairScored(seq, scores))

    @on(PairScored)
    def _pair_scored(self, event: PairScored) -> None:
        if event.seq != self.seq:
            return  # stale: the sentences changed since
        if event.error is not None:
            self.pair_scores.update(f"{event.error.title}: {event.error.message}")
            notify_error(self, event.error)
            return
        self.pair_scores.update("cosine   " + "   ".join(f"{name}: {score:.4f}" for name, score
                                              in zip("AB", event.scores, strict=False)))

    # -- a whole set -------------------------------------------------------------------

    @on(Button.Pressed, "#score-set-button")
    def action_score_set(self) -> None:
        """Score the chosen STS set under every chosen checkpoint."""
        checkpoints = self.picker.chosen
        if not checkpoints:
            self.notify("No checkpoint to score with yet.", severity="warning")
            return
        name = str(self.set_select.value)
        self.progress.show(Progress(0, 0, f"scoring {name}"))
        self._score_set(name, checkpoints)

    @work(thread=True, exclusive=True, group="sts-set")
    def _score_set(self, name: str, checkpoints: list[str]) -> None:
        replies = []
        try:
            for spec in checkpoints:
                replies.append(self.workbench.embedder.sts_set(
                    spec, name, on_progress=lambda p: self.post_message(self.SetProgressed(p))))
        except SimcseError as exc:
            self.post_message(self.SetScored(name, replies, exc))
            return
        self.post_message(self.SetScored(name, replies))

    @on(SetProgressed)
    def _set_progressed(self, event: SetProgressed) -> None:
        self.progress.show(event.progress)

    @on(SetScored)
    def _set_scored(self, event: SetScored) -> None:
        self.progress.hide()
        if event.error is not None:
            self.spearman.update(f"{event.error.title}: {event.error.message}")
            notify_error(self, event.error)
            return
        a = event.replies[0]
        b = event.replies[1] if len(event.replies) > 1 else None
        scores = " · ".join(f"{name} {spearman_text(reply['spearman'])}"
                            for name, reply in zip("AB", event.replies, strict=False))
        self.spearman.update(
            f"{event.name}: Spearman x100 {scores} ({len(a['pairs'])} pairs)")
        self.pairs.show(a["pairs"], b["pairs"] if b else None)

    # -- sorting and focus --------------------------------------------------------------

    def action_sort(self, by: str) -> None:
        """Sort the pairs by |rank error| under A, by gold score, or in the set's order."""
        self.pairs.sort_rows(by)

    @on(DataTable.HeaderSelected, "#pairs")
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        by = _HEADER_SORTS.get(str(event.column_key.value))
        if by is not None:
            self.pairs.sort_rows(by)

    @on(CheckpointPicker.Changed)
    def _checkpoints_changed(self, event: CheckpointPicker.Changed) -> None:
        self.workbench.settings.sts_checkpoints = list(event.chosen)
        self.save_settings()
        self.score_pair()

    def action_leave_field(self) -> None:
        """Leave the input so single-key bindings work."""
        self.set_focus(None)
