"""Server-side SVG bar charts: geometry computed here, drawn by a template with CSS classes
(no JavaScript library, no inline styles — the CSP allows neither)."""

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


@dataclass(frozen=True)
class Group:
    label: str
    full_label: str
    x: float


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    bottom: float
    bars: list[Bar]
    groups: list[Group]
    ticks: list[Tick]
    series: list[tuple[str, str]]


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** int(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _short(label: str, limit: int = 16) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def grouped_bars(
    groups: list[tuple[str, list[int]]], series: list[tuple[str, str]], width: int = 760, height: int = 280
) -> Chart:
    """groups: (label, one value per series); series: (css class, legend label)."""
    left, top, bottom_margin = 40, 12, 46
    plot_h = height - top - bottom_margin
    bottom = top + plot_h
    top_value = _nice_max(max([v for _, values in groups for v in values] + [0]))
    slot = (width - left - 8) / max(1, len(groups))
    bar_w = min(22.0, (slot * 0.8) / max(1, len(series)))
    bars, labels = [], []
    for gi, (label, values) in enumerate(groups):
        start = left + gi * slot + (slot - bar_w * len(series)) / 2
        labels.append(Group(_short(label), label, round(left + gi * slot + slot / 2, 1)))
        for si, value in enumerate(values):
            h = plot_h * value / top_value
            bars.append(
                Bar(
                    round(start + si * bar_w, 1),
                    round(bottom - h, 1),
                    round(bar_w - 2, 1),
                    round(h, 1),
                    series[si][0],
                    value,
                    f"{label} · {series[si][1]}: {value}",
                )
            )
    ticks = [Tick(round(bottom - plot_h * i / 5, 1), round(top_value * i / 5)) for i in range(6)]
    return Chart(width, height, left, bottom, bars, labels, ticks, series)
