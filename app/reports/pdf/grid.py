"""A lean table flowable for score grids: plain strings drawn straight on the canvas.

reportlab's Table builds a flowable per cell and wraps it several times; a report card's
grid is 100–200 short strings, so drawing them directly is several times faster and
keeps the builders near reportlab's raw speed. What it supports is what the documents
need: fixed column widths, header rows with row and column spans, per-column alignment
and font, wrapped text in chosen columns, a tinted header, and splitting between rows
with the header repeated (the class book's long lists).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reportlab.lib.colors import Color
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import Flowable

from app.reports.pdf import fonts

GRID = Color(0.45, 0.45, 0.45)
#: the same few strings ("8,0", "Đ", "Tốt") recur in every cell of a grid
_width = fonts.width
HEAD_BG = Color(0.89, 0.92, 0.97)


@dataclass(frozen=True)
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    font: str | None = None
    align: str | None = None  # "L" | "C" | "R"


CellLike = str | Cell | None  # None: covered by a span


Fitted = tuple[tuple[str, ...], tuple[float, ...], float]


@lru_cache(maxsize=8192)
def _fit(text: str, font: str, size: float, room: float, wrap: bool) -> Fitted:
    """(lines, their widths, the type size) of a cell's text in `room` points: wrapped where
    the column wraps, else one line; shrunk when a word or a line still does not fit. The
    same headers, subject names and marks recur in every document of a batch: laid out once."""
    whole = _width(text, font, size)
    if whole > room and wrap:
        lines = tuple(simpleSplit(text, font, size, room))
        widths = tuple(_width(line, font, size) for line in lines)
    else:
        lines, widths = (text,), (whole,)
    widest = max(widths)
    if widest > room:  # one unbreakable word, or a single-line cell too long: smaller type
        scale = max(4.5, size * room / widest) / size
        size, widths = size * scale, tuple(w * scale for w in widths)
    return lines, widths, size


#: a laid-out cell: (lines, their widths, font, size, align, column, row, colspan, rowspan) —
#: a plain tuple, built in C (a grid of a học bạ has ≈ 300)
_Laid = tuple[tuple[str, ...], tuple[float, ...], str, float, str, int, int, int, int]


class Grid(Flowable):
    def __init__(
        self,
        rows: Sequence[Sequence[CellLike]],
        widths: Sequence[float],
        size: float,
        *,
        header_rows: int = 1,
        align: Sequence[str] | None = None,
        wrap: Sequence[int] = (),
        bold: Sequence[int] = (),
        pad: float = 2.5,
        vpad: float = 1.9,
        header_bg: Color | None = HEAD_BG,
        tint_rows: Sequence[int] = (),
    ) -> None:
        super().__init__()
        self.rows = [list(r) for r in rows]
        self.widths = list(widths)
        self.size = size
        self.header_rows = header_rows
        self.align = list(align) if align else ["C"] * len(self.widths)
        self.wrap_cols = set(wrap)
        self.bold_cols = set(bold)
        self.pad, self.vpad = pad, vpad
        self.header_bg = header_bg
        self.tint_rows = set(tint_rows)
        self.leading = size * 1.2
        self._layout()

    # ------------------------------------------------------------------ layout

    def _layout(self) -> None:
        x = self.x = [0.0]
        for w in self.widths:
            x.append(x[-1] + w)
        size, pad2, line_height = self.size, 2 * self.pad, self.leading
        bold, wraps, aligns, vpad2 = self.bold_cols, self.wrap_cols, self.align, 2 * self.vpad
        cells: list[_Laid] = []
        heights = [0.0] * len(self.rows)
        for r, row in enumerate(self.rows):
            header = r < self.header_rows
            for c, cell in enumerate(row):  # inline, not a method a cell: a học bạ lays out ≈ 300
                if cell is None:
                    continue
                if isinstance(cell, Cell):
                    text, colspan, rowspan, font, align = cell.text, cell.colspan, cell.rowspan, cell.font, cell.align
                else:
                    text, colspan, rowspan, font, align = cell, 1, 1, None, None
                font = font or (fonts.BOLD if header or c in bold else fonts.REGULAR)
                align = align or ("C" if header else aligns[c])
                if text:
                    room = x[c + colspan] - x[c] - pad2
                    lines, widths, fitted = _fit(text, font, size, room, header or c in wraps)
                else:
                    lines, widths, fitted = (), (), size
                cells.append((lines, widths, font, fitted, align, c, r, colspan, rowspan))
                if rowspan == 1:
                    heights[r] = max(heights[r], (len(lines) or 1) * line_height + vpad2)
        self.cells = cells
        for lines, _, _, _, _, _, first, _, span in cells:  # a tall spanning cell grows its last row
            if span > 1:
                need = len(lines) * self.leading + 2 * self.vpad
                have = sum(heights[first : first + span])
                if need > have:
                    heights[first + span - 1] += need - have
        self.row_heights = heights
        self.y = [0.0]  # from the top, downwards
        for h in heights:
            self.y.append(self.y[-1] + h)
        self.width, self.height = self.x[-1], self.y[-1]

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, aw: float, ah: float) -> list[Flowable]:
        head = self.header_rows
        used = self.y[head]
        k = head
        while k < len(self.rows) and used + self.row_heights[k] <= ah:
            used += self.row_heights[k]
            k += 1
        if k == head or k >= len(self.rows):
            return []
        return [self._part(self.rows[head:k]), self._part(self.rows[k:])]

    def _part(self, body: list[list[CellLike]]) -> Grid:
        return Grid(
            [*self.rows[: self.header_rows], *body],
            self.widths,
            self.size,
            header_rows=self.header_rows,
            align=self.align,
            wrap=tuple(self.wrap_cols),
            bold=tuple(self.bold_cols),
            pad=self.pad,
            vpad=self.vpad,
            header_bg=self.header_bg,
        )

    # ------------------------------------------------------------------ drawing

    def draw(self) -> None:
        c, top = self.canv, self.height
        if self.header_bg is not None and self.header_rows:
            c.setFillColor(self.header_bg)
            c.rect(0, top - self.y[self.header_rows], self.width, self.y[self.header_rows], stroke=0, fill=1)
            c.setFillColor(Color(0, 0, 0))
        spans = any(cell[7] > 1 or cell[8] > 1 for cell in self.cells)
        path = c.beginPath()
        if not spans:  # a plain grid: one stroke per row and column boundary
            for y in self.y:
                path.moveTo(0, top - y)
                path.lineTo(self.width, top - y)
            for x in self.x:
                path.moveTo(x, top)
                path.lineTo(x, 0)
        text = c.beginText()  # one text object for every cell: far cheaper than a drawString each
        current: tuple[str, float] | None = None
        xs, ys, pad = self.x, self.y, self.pad
        for lines, widths, font, size, align, col, row, colspan, rowspan in self.cells:
            x1, x2 = xs[col], xs[col + colspan]
            y1, y2 = top - ys[row + rowspan], top - ys[row]
            if spans:
                path.rect(x1, y1, x2 - x1, y2 - y1)
            if not lines:
                continue
            if current != (font, size):
                current = (font, size)
                text.setFont(font, size)
            leading = self.leading if size == self.size else size * 1.2
            block = len(lines) * leading
            # the first baseline: the block centred vertically (descent ≈ 0.22 em)
            y = (y1 + y2) / 2 + block / 2 - leading + (leading - size) / 2 + size * 0.22
            for line, w in zip(lines, widths, strict=True):
                if align == "L":
                    x = x1 + pad
                elif align == "R":
                    x = x2 - pad - w
                else:
                    x = (x1 + x2 - w) / 2
                text.setTextOrigin(x, y)
                fonts.show(text, line)
                y -= leading
        c.drawText(text)
        c.setStrokeColor(GRID)
        c.setLineWidth(0.5)
        c.drawPath(path, stroke=1, fill=0)


def widths_with_rest(fixed: Sequence[float | None], total: float) -> list[float]:
    """Fixed column widths with the one None column taking what is left."""
    rest = total - sum(w for w in fixed if w is not None)
    return [rest if w is None else w for w in fixed]


def as_cells(values: Sequence[Any]) -> list[str]:
    return ["" if v is None else str(v) for v in values]
