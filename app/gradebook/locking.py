"""When a grade book is read-only (the read side; submitting is services/submission.py).

States (SECURITY.md D-3): draft → submitted (read-only while in review) → approved (final
lock) or returned (editable again). The approval chain is the records workflow: the
record of type "so_diem" linked to (class, subject, term), default chain tổ trưởng →
hiệu trưởng. `review_state()` is the ONE place that reads it.

A grade book is also locked once its term's lock date has passed (server date in
Asia/Ho_Chi_Minh; nothing the client sends counts). Any write to a locked grade book
raises GridLocked (409); the view then records one `grade.write_rejected_locked` event in
a transaction of its own (services/entry.reject_locked_write). After locking, scores
change only through corrections (services/corrections.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.core.errors import ConflictError
from app.core.vn import LOCAL_TZ, format_date
from app.core.workflow import State
from app.extensions import db
from app.records import queries as records_queries
from app.records.models import Record

if TYPE_CHECKING:
    from app.gradebook.models import GradeBook
    from app.gradebook.queries import GridHandle
    from app.school.models import Term

RECORD_TYPE = "so_diem"
CORRECTION_HINT = "Muốn sửa điểm, hãy lập “Yêu cầu điều chỉnh điểm”."


def today_local() -> date:
    """The school's calendar date (Asia/Ho_Chi_Minh) by the server clock."""
    return datetime.now(LOCAL_TZ).date()


@dataclass(frozen=True)
class ReviewState:
    state: State
    step: int
    record: Record | None  # the linked record (None when not submitted yet, or read in bulk)

    @property
    def label(self) -> str:
        return self.state.label


def review_state(gradebook: GradeBook) -> ReviewState:
    record = records_queries.linked_record(RECORD_TYPE, gradebook.class_id, gradebook.subject_id, gradebook.term_id)
    if record is None:
        return ReviewState(State.DRAFT, 0, None)
    return ReviewState(State(record.state), record.step, record)


def _states_by_slot(slots: Iterable[tuple[int, int, int]]) -> dict[tuple[int, int, int], tuple[str, int]]:
    """{(class, subject, term): (state, step)} of the sổ điểm records of these slots that
    exist, in one query."""
    keys = {records_queries.link_key(RECORD_TYPE, *slot): slot for slot in slots}
    if not keys:
        return {}
    rows = db.session.execute(
        select(Record.link_key, Record.state, Record.step).where(
            Record.link_key.in_(list(keys)), Record.deleted_at.is_(None)
        )
    )
    return {keys[key]: (state, step) for key, state, step in rows if key in keys}


def review_states(gradebooks: Sequence[GradeBook]) -> dict[int, ReviewState]:
    """review_state of many grade books in one query (the list page, the homeroom summary)."""
    found = _states_by_slot((gb.class_id, gb.subject_id, gb.term_id) for gb in gradebooks)
    out = {}
    for gb in gradebooks:
        state, step = found.get((gb.class_id, gb.subject_id, gb.term_id), (State.DRAFT.value, 0))
        out[gb.id] = ReviewState(State(state), step, None)
    return out


def in_review(slots: Iterable[tuple[int, int, int]]) -> set[tuple[int, int, int]]:
    """The (class, subject, term) among these whose sổ điểm is submitted or approved: what
    `lock_of` locks for its review, read in one query without the grade books."""
    found = _states_by_slot(slots)
    return {slot for slot, (state, _) in found.items() if state in (State.SUBMITTED.value, State.APPROVED.value)}


@dataclass(frozen=True)
class Lock:
    code: str | None  # None (editable) | "submitted" | "approved" | "date"
    message: str = ""

    @property
    def locked(self) -> bool:
        return self.code is not None


def lock_of(gradebook: GradeBook, term: Term, review: ReviewState | None = None, today: date | None = None) -> Lock:
    review = review or review_state(gradebook)
    if review.state is State.APPROVED:
        return Lock("approved", "Sổ điểm đã được duyệt và khoá. " + CORRECTION_HINT)
    if review.state is State.SUBMITTED:
        return Lock(
            "submitted",
            "Sổ điểm đang chờ duyệt nên chỉ xem được. Nếu cần sửa, đề nghị người duyệt trả lại sổ.",
        )
    if term.lock_date is not None and (today or today_local()) > term.lock_date:
        return Lock(
            "date",
            f"{term.name} đã khoá sổ từ sau ngày {format_date(term.lock_date)}. " + CORRECTION_HINT,
        )
    return Lock(None)


class GridLocked(ConflictError):
    """409: the grade book is in review, approved or past its lock date."""

    def __init__(self, lock: Lock) -> None:
        super().__init__(lock.message)
        self.lock = lock


def ensure_writable(handle: GridHandle, review: ReviewState | None = None) -> Lock:
    lock = lock_of(handle.gradebook, handle.term, review)
    if lock.locked:
        raise GridLocked(lock)
    return lock
