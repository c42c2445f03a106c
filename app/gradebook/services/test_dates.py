"""The subject teacher's optional test date of an ĐĐGtx column (GradeBook.tx_dates).

A regular assessment is often typed in days after the test; the monthly report (app.results
.month) counts a score in the month of its first entry unless its column carries a test date,
which then decides the month. Only the grade book's own teacher sets it, only while the
grid is writable, only for a tx column of the grid, and only to a day of the grade book's
term. One audit event per change, old → new (none if nothing changed).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import TYPE_CHECKING

from app.audit import services as audit
from app.core.database import lock_for_update
from app.core.errors import DomainError
from app.core.vn import format_date
from app.extensions import db
from app.gradebook.models import Kind
from app.gradebook.services.entry import check_can_write
from app.gradebook.values import Column

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.gradebook.queries import GridHandle


class TxDateError(DomainError):
    """422: the test date cannot be set as asked."""


def _lock_key(gradebook_id: int) -> int:
    digest = hashlib.sha256(f"gradebook.tx_dates:{gradebook_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def set_tx_date(actor: User, handle: GridHandle, column: Column, day: date | None) -> dict[str, str]:
    """Set (or clear, with None) the test date of `column`; returns the grade book's dates."""
    check_can_write(actor, handle)  # the teacher's own grid (403), writable (409)
    if column.kind != Kind.TX.value:
        raise TxDateError("Chỉ các cột đánh giá thường xuyên (ĐĐGtx) mới có ngày kiểm tra riêng.")
    term = handle.term
    if day is not None and not term.start_date <= day <= term.end_date:
        raise TxDateError(
            f"Ngày kiểm tra {format_date(day)} nằm ngoài {term.name} "
            f"(từ {format_date(term.start_date)} đến {format_date(term.end_date)})."
        )
    lock_for_update(db.session, _lock_key(handle.id))
    gb = handle.gradebook
    db.session.refresh(gb, ["tx_dates"])
    old = dict(gb.tx_dates or {})
    new = dict(old)
    key = str(column.idx)
    if day is None:
        new.pop(key, None)
    else:
        new[key] = day.isoformat()
    if new == old:
        return old
    gb.tx_dates = new
    db.session.flush()
    audit.record(
        actor,
        "gradebook.tx_date_set",
        gb,
        changes={"tx_dates": [old, new], "column": column.key, "day": [old.get(key), new.get(key)]},
    )
    return new
