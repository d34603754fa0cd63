"""Where the contour panels go: one row, a grid or a column, chosen from the space they get.

Panels keep x and y to scale (a ravine must look like a ravine), so their shape is fixed by
the view; what can change is how many share a row. For a page area of W × H pixels the
arrangement with the largest total panel area wins, and the figure is then made exactly as tall
as its panels need: no empty band above or below them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdviz.engine import View
from gdviz.figures.style import Style

COLUMN_GAP = 0.02
"""Gap between panel columns, as a fraction of the plot area's width."""

BAR_GAP = 10
"""Pixels right of the plot area when the colour bar is not there (it sits in an empty cell)."""


@dataclass(frozen=True)
class Chrome:
    """Pixels around the panels: margins, titles, tick labels, playback controls, colour bar."""

    top: int  # panel titles of the first row
    bottom: int  # x axis of the last row, and the play buttons and step slider
    left: int  # y tick labels and title
    right: int  # the colour bar
    row_gap: int  # between rows: the next row's titles (or tick labels over an empty cell)

    @classmethod
    def of(cls, style: Style, title_lines: int, playback: bool, bar: float) -> Chrome:
        top = round(1.3 * style.title_font * title_lines) + 16
        axis = round(2.6 * style.font) + 14  # tick labels and the axis title under a panel
        return cls(
            top=top,
            bottom=50 + (round(2.2 * style.font) + 40 if playback else 0),
            left=8 + round(3.4 * style.font),  # y tick labels of up to 3 characters, the title
            right=BAR_GAP + round(bar),
            # Panels share their axes: only a panel with none below it has x tick labels, so
            # rows are parted by the next row's titles (or, under the last panel of a short
            # last row, by the tick labels in the empty cell).
            row_gap=max(top, axis) + 8,
        )


@dataclass(frozen=True)
class Arrangement:
    """Panels in ``rows`` × ``columns`` cells of a figure ``height`` pixels tall."""

    columns: int
    rows: int
    height: int
    panel_width: float  # pixels
    panel_height: float

    def has_empty_cell(self, panels: int) -> bool:
        """A grid whose last row is short: the colour bar goes in its first empty cell."""
        return _short_last_row(panels, self.columns, self.rows)

    def has_panel_below(self, panel: int, panels: int) -> bool:
        """Whether panel ``panel`` (row by row) has another under it, in the same column."""
        return panel + self.columns < panels


def _short_last_row(panels: int, columns: int, rows: int) -> bool:
    return rows > 1 and panels < rows * columns


def arrange(
    panels: int,
    aspect: float | None,
    width: float,
    height: float,
    chrome: Chrome,
    stretch: float = 1.0,
) -> Arrangement:
    """The arrangement of ``panels`` panels of shape height/width = ``aspect`` (None: they may
    take any shape) that covers the most of a ``width`` × ``height`` figure.

    ``stretch`` > 1 lets a panel's shape differ from ``aspect`` by up to that factor (the
    view is then padded to the panel's shape, see :func:`padded_view`): a ravine twice as wide
    as tall may fill a square cell, showing more of its walls. Fewer rows win a tie within
    2 %: a row reads left to right like the rates.
    """
    plot_height = max(height - chrome.top - chrome.bottom, 1.0)
    best: Arrangement | None = None
    best_area = 0.0
    for columns in range(1, panels + 1):
        rows = math.ceil(panels / columns)
        if (rows - 1) * columns >= panels:  # an empty row: a narrower grid does the same
            continue
        # The colour bar takes the right margin, unless a short last row leaves it a cell.
        right = BAR_GAP if _short_last_row(panels, columns, rows) else chrome.right
        plot_width = max(width - chrome.left - right, 1.0)
        cell_width = plot_width * (1 - COLUMN_GAP * (columns - 1)) / columns
        cell_height = (plot_height - chrome.row_gap * (rows - 1)) / rows
        if cell_height <= 0:
            continue
        if aspect is None:
            panel_width, panel_height = cell_width, cell_height
        else:
            shape = float(np.clip(cell_height / cell_width, aspect / stretch, aspect * stretch))
            panel_width = min(cell_width, cell_height / shape)
            panel_height = panel_width * shape
        area = panels * panel_width * panel_height
        if best is None or area > best_area * 1.02:
            used = rows * panel_height + (rows - 1) * chrome.row_gap
            fitted = math.ceil(chrome.top + chrome.bottom + used)
            best = Arrangement(columns, rows, min(fitted, round(height)), panel_width, panel_height)
            best_area = area
    if best is None:  # too little height for any grid: one row at the height given
        plot_width = max(width - chrome.left - chrome.right, 1.0)
        return Arrangement(panels, 1, round(height), plot_width / panels, plot_height)
    return best


def cell_domains(
    panel: int, arrangement: Arrangement, chrome: Chrome
) -> tuple[list[float], list[float]]:
    """Panel ``panel``'s x and y domains (fractions of the plot area), row by row from the top."""
    columns, rows = arrangement.columns, arrangement.rows
    row, column = divmod(panel, columns)
    gap = COLUMN_GAP if columns > 1 else 0.0
    width = (1 - gap * (columns - 1)) / columns
    left = column * (width + gap)
    plot_height = max(arrangement.height - chrome.top - chrome.bottom, 1)
    row_gap = chrome.row_gap / plot_height if rows > 1 else 0.0
    height = (1 - row_gap * (rows - 1)) / rows
    top = 1 - row * (height + row_gap)
    return [left, left + width], [max(top - height, 0.0), top]


def padded_view(view: View, aspect: float) -> View:
    """``view`` grown about its centre, in x or in y only, to height/width = ``aspect``."""
    (x_low, x_high), (y_low, y_high) = view
    width, height = x_high - x_low, y_high - y_low
    if height < aspect * width:
        grow = (aspect * width - height) / 2
        return (x_low, x_high), (y_low - grow, y_high + grow)
    grow = (height / aspect - width) / 2
    return (x_low - grow, x_high + grow), (y_low, y_high)
