"""Server-side SVG bar charts: geometry computed here, drawn by a template with CSS classes
(no JavaScript library, no inline styles — the CSP allows neither).

Horizontal bars, one group per tổ: the group's full name on its own line above its bars
and every value at the end of its bar, so nothing is cut off on a 375 px phone (the SVG
scales to the width of the screen; its text scales with it and stays readable).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    value: int
    title: str

    @property
    def label_x(self) -> float:
        return round(self.x + self.width + 4, 1)


@dataclass(frozen=True)
class Group:
    label: str
    y: float  # baseline of the group's label


@dataclass(frozen=True)
class Tick:
    x: float
    value: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    plot_width: float
    bars: list[Bar]
    groups: list[Group]
    ticks: list[Tick]
    series: list[tuple[str, str]]
    axis_y: float


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** int(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


LABEL_HEIGHT, BAR_HEIGHT, BAR_GAP, GROUP_GAP = 18, 11, 2, 12


def grouped_bars(groups: list[tuple[str, list[int]]], series: list[tuple[str, str]], width: int = 360) -> Chart:
    """groups: (label, one value per series); series: (css class, legend label)."""
    left, right = 4, 34  # room at the right for the value of the longest bar
    plot_width = width - left - right
    top_value = _nice_max(max([v for _, values in groups for v in values] + [0]))
    bars, labels, y = [], [], 0.0
    for label, values in groups:
        labels.append(Group(label, round(y + LABEL_HEIGHT - 5, 1)))
        y += LABEL_HEIGHT
        for (css, name), value in zip(series, values, strict=True):
            length = plot_width * value / top_value
            bars.append(Bar(left, round(y, 1), round(length, 1), BAR_HEIGHT, css, value, f"{label} · {name}: {value}"))
            y += BAR_HEIGHT + BAR_GAP
        y += GROUP_GAP
    axis_y = round(y, 1)
    ticks = [Tick(round(left + plot_width * i / 5, 1), top_value * i // 5) for i in range(6)]
    return Chart(width, int(axis_y + 16), left, plot_width, bars, labels, ticks, series, axis_y)
