"""The child's own progress across report points, as a small inline SVG (no JS library).

Only this child's own values: for each report point, the mean of the child's numeric
subject results (a term or year) or of the scores shown so far (a month). Never a class
average, a rank or anyone else's value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

WIDTH, HEIGHT, PAD = 320, 140, 24


@dataclass(frozen=True)
class Point:
    label: str
    value: Decimal


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        return None


def own_mean(payload: dict[str, Any]) -> Decimal | None:
    kind = payload.get("kind")
    values: list[Decimal] = []
    for subject in payload.get("subjects") or []:
        if kind in ("cn", "he"):
            candidates = [subject.get("year")]
        else:
            terms = subject.get("terms") or {}
            entry = terms.get("hk2" if kind == "hk2" else "hk1") or {}
            candidates = (
                [entry.get("result")]
                if kind != "month"
                else [*(entry.get("tx") or []), entry.get("gk"), entry.get("ck")]
            )
        values.extend(v for v in (_number(c) for c in candidates) if v is not None)
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1"))


def points(payloads: list[tuple[str, dict[str, Any]]]) -> list[Point]:
    out = []
    for label, payload in payloads:
        mean = own_mean(payload)
        if mean is not None:
            out.append(Point(label, mean))
    return out


def svg_coords(series: list[Point]) -> list[tuple[float, float, Point]]:
    """(x, y, point) in a WIDTH × HEIGHT box, y for 0–10."""
    if not series:
        return []
    step = (WIDTH - 2 * PAD) / max(len(series) - 1, 1)
    return [
        (round(PAD + i * step, 1), round(HEIGHT - PAD - float(p.value) / 10 * (HEIGHT - 2 * PAD), 1), p)
        for i, p in enumerate(series)
    ]
