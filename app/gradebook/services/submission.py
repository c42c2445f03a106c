"""Submitting a grade book into the approval chain (records' "so_diem" workflow).

draft/returned → submitted: the grid must be writable (GridLocked, 409 otherwise); blank
cells must be acknowledged (SubmitError, 422 — the one completeness check); with the
school's "missed test counts 0" rule the periodic tests still blank are recorded as 0 / CĐ
first (one `grade.missed_tests_filled` batch); the grid as .xlsx goes to
records.submit_linked (which writes the record's own events); the grade book keeps when it
was submitted and which blanks were acknowledged (`gradebook.submitted`). From then on the
grid is read-only until a reviewer returns it (gradebook.locking).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from app.audit import services as audit
from app.core.authz import deny
from app.core.errors import DomainError
from app.core.models import utcnow
from app.core.workflow import State
from app.extensions import db
from app.gradebook import exports, locking, policy
from app.gradebook.grid import Grid, load_grid
from app.gradebook.queries import GridHandle
from app.gradebook.services import settings
from app.gradebook.services.entry import CellWrite, Change, save_batch
from app.gradebook.values import CellValue
from app.records.services import RecordError, submit_linked

if TYPE_CHECKING:
    from app.accounts.models import User


class SubmitError(DomainError):
    """422: the grade book cannot be submitted as it is (blanks not acknowledged…)."""


def submit(actor: User, handle: GridHandle, *, acknowledged: bool, note: str | None = None) -> locking.ReviewState:
    """Send the term's grid into the approval chain (the grid becomes read-only)."""
    if not policy.can_submit_grid(actor, handle.access):
        deny("gradebook.submit", "gradebook", handle.id)
    grid = load_grid(handle)
    if grid.lock.locked:
        raise locking.GridLocked(grid.lock)
    if grid.blanks and not acknowledged:
        raise SubmitError(
            f"Sổ điểm còn {len(grid.blanks)} học sinh có ô trống. Nhập đủ điểm, hoặc đánh dấu "
            "“Tôi xác nhận các ô còn trống là có lý do”."
        )
    if grid.blanks and settings.missed_test_rule() == "zero" and fill_missed_tests(actor, handle, grid):
        db.session.expire_all()
        grid = load_grid(handle)
    ack = "; ".join(grid.blanks) or None
    note_text = "\n".join(p for p in (note, f"Ô trống đã xác nhận: {ack}" if ack else None) if p) or None
    teacher = actor.full_name if handle.access.teacher_id == actor.id else None
    cls, subject, term = handle.school_class, handle.subject, handle.term
    try:
        record = submit_linked(
            actor,
            type_code=locking.RECORD_TYPE,
            class_id=cls.id,
            subject_id=subject.id,
            term_id=term.id,
            title=f"Sổ điểm {subject.name} lớp {cls.name} – {term.name} năm học {term.year.name}",
            files=[exports.build_xlsx(grid, teacher)],
            note=note_text,
        )
    except RecordError as exc:  # records' 422s (type missing…)
        raise SubmitError(str(exc)) from None
    gb = handle.gradebook
    before = {"submitted_at": gb.submitted_at, "blanks_acknowledged": gb.blanks_acknowledged}
    gb.submitted_at, gb.blanks_acknowledged = utcnow(), ack
    db.session.flush()
    changes = {key: [old, getattr(gb, key)] for key, old in before.items() if old != getattr(gb, key)}
    audit.record(actor, "gradebook.submitted", gb, changes={**changes, "record_id": record.id}, comment=note_text)
    return locking.ReviewState(State(record.state), record.step, record)


def fill_missed_tests(actor: User, handle: GridHandle, grid: Grid) -> list[Change]:
    """School setting 'missed test counts 0 / CĐ': at submission, a periodic test (GK, CK)
    still blank — not made up within the term — is recorded as 0 (or CĐ), in one batch."""
    fill = CellValue(comment="CD") if grid.comment_subject else CellValue(value=Decimal("0.0"))
    writes: Sequence[CellWrite] = [
        CellWrite(row.student.id, cell.column, fill, cell.version)
        for row in grid.rows
        for cell in row.cells
        if cell.column.kind != "tx" and cell.blank
    ]
    if not writes:
        return []
    return save_batch(
        actor,
        handle,
        writes,
        source="rule",
        action="grade.missed_tests_filled",
        comment="Vắng kiểm tra định kỳ, không kiểm tra bù trong học kỳ: tính "
        + ("Chưa đạt." if grid.comment_subject else "0 điểm."),
    )
