"""The help screen: what each screen shows and the keys that drive it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Markdown

HELP = """\
# simcse-tui

Train contrastive sentence encoders in the background, watch them live, query
and score them, and export a checkpoint. Training and embedding run in worker
processes, so nothing here can freeze the screen.

| key | anywhere (when no text field has focus) |
|---|---|
| `1` `2` `3` `4` | Runs, Live, Query, STS screens (or click the tabs on the top line) |
| `e` | export a checkpoint for transformers / sentence-transformers |
| `o` | open a run folder written elsewhere (e.g. by `torchrun` on a cluster) |
| `ctrl+p` | command palette: launch, stop, export, open run, switch checkpoint |
| `ctrl+t` | change the theme (remembered) |
| `escape` | leave a text field, close a dialog |
| `?` / `f1` | this help; `ctrl+q` quits |

## Runs
Every run in the runs folder and every opened folder: status (starting,
running, finished, failed, stopped, stalled when a run has gone quiet or its
worker is gone, missing when its folder was deleted), step, best STS-B dev
Spearman (x100), a sparkline of the loss. Keys: `s` stop (graceful: the
worker finishes its step, writes a checkpoint and a `run_stopped` event), `r`
resume, `l` worker log, `enter` report (failure message, hint, warnings such
as skipped malformed lines), `w` watch on the live screen, `n` launch form.
The launch form checks every value with the trainer's own rules as you type.

## Live
Loss (raw, faint, plus an EMA; `[` and `]` change the smoothing), learning
rate, STS-B dev Spearman, alignment and uniformity, and the
**alignment-uniformity plane**: x = uniformity, y = alignment, one point per
evaluation, the latest marked; lower-left is better (Wang & Isola 2020, the
SimCSE paper's Figure 2). `x` switches the x axis between step and wall time
(minutes). Tick runs in the list to overlay them; each keeps its colour.

## Query
Type a sentence: the nearest sentences of the corpus under checkpoint A (and
B, side by side, with rank changes ↑2 ↓1 new marked against A). Load any text
file with one sentence a line as the corpus.

## STS
Two sentences and their cosine similarity under A and B; below, a whole STS
set scored with gold, predicted and rank error; `r` sorts by rank error, so the
pairs a model gets most wrong come first.

Settings (theme, smoothing, x axis, last checkpoints) are kept in
`$XDG_CONFIG_HOME/simcse-tui/settings.toml`.
"""


class HelpScreen(ModalScreen[None]):
    """Keys and concepts, one page."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", tooltip="Close the help")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90%; max-width: 100; height: 90%;
        border: thick $accent; background: $surface;
    }
    HelpScreen Markdown { height: 1fr; overflow-y: auto; }
    HelpScreen Button { dock: bottom; width: 100%; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Markdown(HELP)
            yield Button("Close", id="close", compact=True)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
