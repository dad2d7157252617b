"""The pairs of an STS set: gold score, each checkpoint's prediction and its rank error.

The rank error of a pair is where the prediction ranks it among all pairs
minus where the gold score ranks it (1-based, ties averaged): Spearman's
correlation is a function of exactly these differences, so the pairs with the
largest |error| are the ones costing the model most.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

SORTS = ("error", "gold", "index")


def average_ranks(values: list[float]) -> list[float]:
    """1-based ranks, ties sharing the mean of their positions."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def rank_errors(gold: list[float], pred: list[float]) -> list[float]:
    """Rank of each prediction minus rank of its gold score (positive: ranked too high)."""
    return [p - g for p, g in zip(average_ranks(pred), average_ranks(gold), strict=True)]


def error_text(error: float) -> Text:
    magnitude = abs(error)
    style = "bold red" if magnitude >= 200 else "yellow" if magnitude >= 50 else ""
    return Text(f"{error:+.0f}", style=style, justify="right")


class PairsTable(DataTable[Text | str]):
    """Pairs with predictions under A (and B); sortable by |rank error| under A, gold or order."""

    DEFAULT_CSS = """
    PairsTable { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.sort_by = "error"
        self._rows: list[dict[str, Any]] = []
        self._with_b = False

    def show(self, pairs_a: list[dict[str, Any]], pairs_b: list[dict[str, Any]] | None = None) -> None:
        """Show a scored set; `pairs_b` holds the same pairs scored by checkpoint B."""
        gold = [float(p["gold"]) for p in pairs_a]
        errors_a = rank_errors(gold, [float(p["pred"]) for p in pairs_a]) if pairs_a else []
        errors_b = rank_errors(gold, [float(p["pred"]) for p in pairs_b]) if pairs_b else []
        self._with_b = bool(pairs_b)
        self._rows = []
        for i, pair in enumerate(pairs_a):
            row = {"index": i + 1, "gold": gold[i], "pred_a": float(pair["pred"]), "err_a": errors_a[i],
                   "s1": str(pair["s1"]), "s2": str(pair["s2"])}
            if pairs_b:
                row.update(pred_b=float(pairs_b[i]["pred"]), err_b=errors_b[i])
            self._rows.append(row)
        self._render_rows()

    def sort_rows(self, by: str) -> None:
        self.sort_by = by
        self._render_rows()

    def _render_rows(self) -> None:
        self.clear(columns=True)
        self.add_column("#", key="index", width=5)
        self.add_column("gold", key="gold", width=5)
        self.add_column("pred A", key="pred_a", width=6)
        self.add_column("err A", key="err_a", width=6)
        if self._with_b:
            self.add_column("pred B", key="pred_b", width=6)
            self.add_column("err B", key="err_b", width=6)
        self.add_column("sentence 1", key="s1", width=40)
        self.add_column("sentence 2", key="s2", width=40)
        key = {"error": lambda r: -abs(r["err_a"]), "gold": lambda r: -r["gold"],
               "index": lambda r: r["index"]}[self.sort_by]
        for row in sorted(self._rows, key=key):
            cells: list[Text | str] = [
                Text(str(row["index"]), justify="right"), Text(f"{row['gold']:.2f}", justify="right"),
                Text(f"{row['pred_a']:.3f}", justify="right"), error_text(row["err_a"])]
            if self._with_b:
                cells += [Text(f"{row['pred_b']:.3f}", justify="right"), error_text(row["err_b"])]
            cells += [Text(row["s1"]), Text(row["s2"])]
            self.add_row(*cells, key=str(row["index"]))
