"""Stable colours per run, shared by the runs table, the legends and every chart.

A run keeps the colour it was first given for the whole session, whatever
other runs appear, disappear or are toggled off the charts.
"""

from __future__ import annotations

import threading

RGB = tuple[int, int, int]

# Distinguishable on dark and light backgrounds (Okabe-Ito, reordered so the
# first few differ most), plus two extras.
PALETTE: tuple[RGB, ...] = (
    (0, 158, 115),  # bluish green
    (230, 159, 0),  # orange
    (86, 180, 233),  # sky blue
    (204, 121, 167),  # reddish purple
    (240, 228, 66),  # yellow
    (213, 94, 0),  # vermillion
    (0, 114, 178),  # blue
    (170, 170, 170),  # grey
)

# Raw series are drawn in the run's colour mixed this much towards grey.
FAINT_MIX = 0.55
GREY: RGB = (110, 110, 110)


class RunColours:
    """Hands out palette colours in order of first request, then repeats them."""

    def __init__(self, palette: tuple[RGB, ...] = PALETTE) -> None:
        self.palette = palette
        self._assigned: dict[str, int] = {}
        self._lock = threading.Lock()

    def rgb(self, key: str) -> RGB:
        with self._lock:
            index = self._assigned.setdefault(key, len(self._assigned))
        return self.palette[index % len(self.palette)]

    def hex(self, key: str) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.rgb(key))

    def faint(self, key: str) -> RGB:
        r, g, b = self.rgb(key)
        mix = FAINT_MIX
        return (round(r * (1 - mix) + GREY[0] * mix), round(g * (1 - mix) + GREY[1] * mix),
                round(b * (1 - mix) + GREY[2] * mix))
