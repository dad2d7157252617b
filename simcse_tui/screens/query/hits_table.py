"""One checkpoint's nearest sentences: rank, cosine score, rank change against A, sentence."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from simcse_tui.format import rank_change

CHANGE_STYLES = {"new": "bold cyan", "=": "dim"}


def rank_changes(reference: list[dict[str, Any]], hits: list[dict[str, Any]]) -> list[str]:
    """For each hit, how its rank moved from `reference` (both lists best first): ↑2, ↓1, =, new."""
    before = {hit["index"]: rank for rank, hit in enumerate(reference, 1)}
    return [rank_change(before.get(hit["index"]), rank) for rank, hit in enumerate(hits, 1)]


def change_text(marker: str) -> Text:
    style = CHANGE_STYLES.get(marker, "green" if marker.startswith("↑") else "red")
    return Text(marker, style=style, justify="right")


class HitsTable(DataTable[Text | str]):
    """Hits of one checkpoint; with `compare=True` a column marks rank changes against A."""

    DEFAULT_CSS = """
    HitsTable { height: 1fr; width: 1fr; }
    """

    def __init__(self, *, compare: bool, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.compare = compare

    def on_mount(self) -> None:
        self.add_column("#", key="rank", width=3)
        self.add_column("cos", key="score", width=6)
        if self.compare:
            self.add_column("vs A", key="change", width=5)
        self.add_column("sentence", key="sentence")

    def show(self, hits: list[dict[str, Any]], reference: list[dict[str, Any]] | None = None) -> None:
        self.clear()
        markers = rank_changes(reference, hits) if self.compare and reference is not None else []
        for rank, hit in enumerate(hits, 1):
            cells: list[Text | str] = [Text(str(rank), justify="right"),
                                       Text(f"{hit['score']:.3f}", justify="right")]
            if self.compare:
                cells.append(change_text(markers[rank - 1]) if markers else Text(""))
            cells.append(Text(str(hit["sentence"])))
            self.add_row(*cells, key=str(hit["index"]))
