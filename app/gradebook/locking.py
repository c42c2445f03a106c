"""When a grade book is read-only, and submitting it for approval.

States (SECURITY.md D-3): draft → submitted (read-only while in review) → approved (final
lock) or returned (editable again). The approval chain is the records workflow
(record type "so_diem", default chain tổ trưởng → hiệu trưởng): `review_state()` is the
ONE place that asks app.records for the linked record's state. While app.records offers no
`submit_linked`/`linked_record`, the same chain runs on the grade book's own workflow
columns through core.workflow.transition() (`review_local`).

A grade book is also locked once its term's lock date has passed (server date in
Asia/Ho_Chi_Minh; nothing the client sends counts). Any write to a locked grade book
raises GridLocked (409); the view records `grade.write_rejected_locked` and commits that
row alone. After locking, scores change only through corrections (services/corrections.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from werkzeug.exceptions import Conflict

from app.audit import services as audit
from app.core.models import utcnow
from app.core.vn import LOCAL_TZ, format_date
from app.core.workflow import Action, State, transition
from app.extensions import db
from app.gradebook import policy

RECORD_TYPE = "so_diem"
LOCAL_CHAIN = ("Tổ trưởng chuyên môn", "Hiệu trưởng")
CORRECTION_HINT = "Muốn sửa điểm, hãy lập “Yêu cầu điều chỉnh điểm”."


def today_local() -> date:
    """The school's calendar date (Asia/Ho_Chi_Minh) by the server clock."""
    return datetime.now(LOCAL_TZ).date()


def records_api() -> tuple[Any, Any] | None:
    """(records.queries, records.services) once they offer the linked-record contract."""
    try:
        from app.records import queries as rq
        from app.records import services as rs
    except ImportError:
        return None
    if hasattr(rq, "linked_record") and hasattr(rs, "submit_linked"):
        return rq, rs
    return None


@dataclass(frozen=True)
class ReviewState:
    state: State
    step: int
    record: Any | None  # the linked records.Record, when records drives the workflow
    source: str  # "records" | "local"

    @property
    def label(self) -> str:
        return self.state.label


def review_state(gradebook: Any) -> ReviewState:
    api = records_api()
    if api is not None:
        record = api[0].linked_record(RECORD_TYPE, gradebook.class_id, gradebook.subject_id, gradebook.term_id)
        if record is None:
            return ReviewState(State.DRAFT, 0, None, "records")
        return ReviewState(State(record.state), getattr(record, "step", 0), record, "records")
    return ReviewState(State(gradebook.state), gradebook.step, None, "local")


def review_states(gradebooks: list[Any]) -> dict[int, ReviewState]:
    """review_state of many grade books in one query (the homeroom summary's)."""
    api = records_api()
    if api is None:
        return {gb.id: review_state(gb) for gb in gradebooks}
    from sqlalchemy import select

    from app.records.models import Record

    keys = {api[0].link_key(RECORD_TYPE, gb.class_id, gb.subject_id, gb.term_id): gb for gb in gradebooks}
    found = {}
    if keys:
        rows = db.session.execute(
            select(Record.link_key, Record.state, Record.step).where(
                Record.link_key.in_(list(keys)), Record.deleted_at.is_(None)
            )
        )
        found = {key: (state, step) for key, state, step in rows}
    out = {}
    for key, gb in keys.items():
        state, step = found.get(key, (State.DRAFT.value, 0))
        out[gb.id] = ReviewState(State(state), step, None, "records")
    return out


@dataclass(frozen=True)
class Lock:
    code: str | None  # None (editable) | "submitted" | "approved" | "date"
    message: str = ""

    @property
    def locked(self) -> bool:
        return self.code is not None


def lock_of(gradebook: Any, term: Any, review: ReviewState | None = None, today: date | None = None) -> Lock:
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


class GridLocked(Conflict):
    def __init__(self, lock: Lock) -> None:
        super().__init__(description=lock.message)
        self.lock = lock


def ensure_writable(handle: Any, review: ReviewState | None = None) -> Lock:
    lock = lock_of(handle.gradebook, handle.term, review)
    if lock.locked:
        raise GridLocked(lock)
    return lock


def record_locked_rejection(
    actor: Any, gradebook: Any, attempt: str, lock: Lock, detail: dict[str, Any] | None = None
) -> None:
    """One `grade.write_rejected_locked` event per refused write (the caller commits)."""
    changes = {"attempt": attempt, "lock": lock.code, **(detail or {})}
    audit.record(actor, "grade.write_rejected_locked", gradebook, changes=changes, comment=lock.message)


# ---------------------------------------------------------------------------- submit


class SubmitError(ValueError):
    """422: the grade book cannot be submitted as it is (blanks not acknowledged…)."""


def submit_for_review(
    actor: Any,
    handle: Any,
    *,
    blanks: list[str],
    acknowledged: bool,
    xlsx: tuple[str, bytes],
    note: str | None = None,
) -> ReviewState:
    """Send the term's grid into the approval chain (the grid becomes read-only)."""
    review = review_state(handle.gradebook)
    ensure_writable(handle, review)
    if blanks and not acknowledged:
        raise SubmitError(
            f"Sổ điểm còn {len(blanks)} ô trống. Nhập đủ điểm, hoặc đánh dấu "
            "“Tôi xác nhận các ô trống” nếu đó là ô trống có lý do."
        )
    gb = handle.gradebook
    ack = "; ".join(blanks) if blanks else None
    text = "\n".join(p for p in (note, f"Ô trống đã xác nhận: {ack}" if ack else None) if p) or None
    api = records_api()
    if api is not None:
        cls, subject, term = handle.school_class, handle.subject, handle.term
        title = f"Sổ điểm {subject.name} lớp {cls.name} – {term.name} năm học {term.year.name}"
        try:
            api[1].submit_linked(
                actor,
                type_code=RECORD_TYPE,
                class_id=gb.class_id,
                subject_id=gb.subject_id,
                term_id=gb.term_id,
                title=title,
                files=[xlsx],
                note=text,
            )
        except getattr(api[1], "RecordError", ()) as exc:  # records' 422s (type missing…)
            raise SubmitError(str(exc)) from None
    else:
        import hashlib

        moved = transition(
            db.session,
            gb,
            Action.SUBMIT,
            allowed=policy.can_submit_grid(actor, handle.access),
            seen_version=gb.version,
            chain_length=len(LOCAL_CHAIN),
            comment=text,
        )
        digest = hashlib.sha256(xlsx[1]).hexdigest()
        audit.record(actor, moved.action, gb, changes=moved.changes, comment=text, file_sha256=digest)
    gb.submitted_at = utcnow()
    gb.blanks_acknowledged = ack
    db.session.flush()
    return review_state(gb)


def local_reviewer_step(user: Any, handle: Any) -> int | None:
    """Fallback chain: step 0 tổ trưởng/tổ phó of the subject, step 1 BGH; never the author."""
    from app.core.authz import BGH

    access = handle.access
    if user.id == access.teacher_id:
        return None
    step = handle.gradebook.step
    if step == 0 and user.id in (access.department_head_id, access.department_deputy_id):
        return 0
    if step == 1 and user.roles & BGH:
        return 1
    return None


def review_local(actor: Any, handle: Any, action: Action, *, seen_version: int, comment: str | None = None) -> None:
    """Approve or return in the fallback chain (only while records is not wired)."""
    gb = handle.gradebook
    allowed = State(gb.state) is State.SUBMITTED and local_reviewer_step(actor, handle) == gb.step
    moved = transition(
        db.session,
        gb,
        action,
        allowed=allowed,
        seen_version=seen_version,
        chain_length=len(LOCAL_CHAIN),
        comment=comment,
    )
    audit.record(actor, moved.action, gb, changes=moved.changes, comment=comment)
