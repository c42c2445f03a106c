"""What every school service shares: the refusal and the text clean-up."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from app.core.errors import DomainError
from app.core.vn import format_date, nfc

if TYPE_CHECKING:
    from app.school.models import SchoolYear


class SchoolError(DomainError):
    """A user-facing refusal (422), with a Vietnamese message naming the field."""


def clean(value: Any) -> Any:
    """Text NFC-normalised and stripped; other values unchanged."""
    return nfc(value).strip() if isinstance(value, str) else value


def check_inside_year(year: SchoolYear, day: date, what: str) -> None:
    """SchoolError unless `day` lies within the school year ("Ngày chuyển lớp phải trong năm học …")."""
    if not year.contains(day):
        raise SchoolError(
            f"{what} phải trong năm học {year.name} ({format_date(year.start_date)} – {format_date(year.end_date)})."
        )
