"""Between what people type or see and what is stored: cell values, columns, levels.

Parsing itself is tt22.parse_score / tt22.parse_comment (R1); this module only maps
their results to the stored representation and back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

from app.core.errors import DomainError
from app.gradebook import tt22
from app.gradebook.models import COMMENT_DB, COMMENT_SHOWN, Kind, column_key
from app.gradebook.tt22 import CommentResult, Level

if TYPE_CHECKING:
    from app.school.models import Subject

LEVEL_DB = {Level.TOT: "T", Level.KHA: "K", Level.DAT: "D", Level.CHUA_DAT: "C"}
LEVEL_FROM_DB = {v: k for k, v in LEVEL_DB.items()}
LEVEL_CHOICES = [(LEVEL_DB[lv], lv.label) for lv in (Level.TOT, Level.KHA, Level.DAT, Level.CHUA_DAT)]

_COLUMN_RE = re.compile(r"^(?:tx([1-9])|(gk)|(ck))$")


@dataclass(frozen=True)
class Column:
    kind: str
    idx: int

    # cached: a grid page reads them for every cell (≈ 2,000 times per page)
    @cached_property
    def key(self) -> str:
        return column_key(self.kind, self.idx)

    @cached_property
    def label(self) -> str:
        if self.kind == Kind.TX.value:
            return f"TX{self.idx}"
        return "GK" if self.kind == Kind.GK.value else "CK"

    @cached_property
    def long_label(self) -> str:
        if self.kind == Kind.TX.value:
            return f"ĐĐGtx {self.idx}"
        return "ĐĐGgk" if self.kind == Kind.GK.value else "ĐĐGck"


def regular_count(subject: Subject, grade_level: int) -> int:
    """How many ĐĐGtx columns the subject's grid has for this khối (from its periods)."""
    periods = subject.periods_for(grade_level) or 0
    return tt22.regular_count(periods, subject.is_comment)


def grid_columns(regular: int) -> list[Column]:
    return [Column(Kind.TX.value, i) for i in range(1, regular + 1)] + [
        Column(Kind.GK.value, 1),
        Column(Kind.CK.value, 1),
    ]


def parse_column(text: str, regular: int) -> Column | None:
    """'tx3' / 'gk' / 'ck' → Column, or None when the grid has no such column."""
    match = _COLUMN_RE.match(text or "")
    if not match:
        return None
    if match.group(1):
        idx = int(match.group(1))
        return Column(Kind.TX.value, idx) if idx <= regular else None
    return Column(Kind.GK.value if match.group(2) else Kind.CK.value, 1)


@dataclass(frozen=True)
class CellValue:
    """A parsed cell: value (score) xor comment ('D'/'CD'); both None = blank."""

    value: Decimal | None = None
    comment: str | None = None

    @property
    def is_blank(self) -> bool:
        return self.value is None and self.comment is None


class CellError(DomainError):
    """422: a typed value the cell refuses; `message` is the Vietnamese reason."""


def parse_cell(text: str | None, comment_subject: bool) -> CellValue:
    """Blank → blank; otherwise tt22's R1 parsing (raises CellError with the reason)."""
    raw = "" if text is None else str(text)
    if raw.strip(" \t\r\n") == "":
        return CellValue()
    try:
        if comment_subject:
            return CellValue(comment=COMMENT_DB[tt22.parse_comment(raw).value])
        return CellValue(value=tt22.parse_score(raw))
    except (tt22.ScoreError, tt22.CommentError) as exc:
        raise CellError(str(exc)) from None


def shown(value: Decimal | None, comment: str | None) -> str:
    """The text of a cell as the grid shows it: '7,5', 'Đ', 'CĐ' or ''."""
    if comment:
        return COMMENT_SHOWN[comment]
    return tt22.format_score(value) if value is not None else ""


def comment_result(comment: str | None) -> CommentResult | None:
    return CommentResult(COMMENT_SHOWN[comment]) if comment else None


def level_of(code: str | None) -> Level | None:
    return LEVEL_FROM_DB.get(code) if code else None
