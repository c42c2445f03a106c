"""What every school service shares: the refusal and the text clean-up."""

from __future__ import annotations

from typing import Any

from app.core.errors import DomainError
from app.core.vn import nfc


class SchoolError(DomainError):
    """A user-facing refusal (422), with a Vietnamese message naming the field."""


def clean(value: Any) -> Any:
    """Text NFC-normalised and stripped; other values unchanged."""
    return nfc(value).strip() if isinstance(value, str) else value
