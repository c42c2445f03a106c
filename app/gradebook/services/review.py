"""Submitting a grade book: completeness, the missed-test rule, the xlsx sent for approval."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from app.core.authz import deny
from app.extensions import db
from app.gradebook import exports, locking, policy
from app.gradebook.grid import blank_cells, load_grid
from app.gradebook.models import Score
from app.gradebook.services import settings
from app.gradebook.services.entry import CellWrite, Change, save_batch
from app.gradebook.values import CellValue, Column


def submit(actor: Any, handle: Any, *, acknowledged: bool, note: str | None = None) -> locking.ReviewState:
    """draft/returned → submitted. Blanks must be acknowledged; with the 'zero' rule, the
    periodic tests still blank are recorded as 0 / CĐ first (audited as one batch)."""
    if not policy.can_submit_grid(actor, handle.access):
        deny("gradebook.submit", "gradebook", handle.id)
    grid = load_grid(handle)
    if grid.lock.locked:
        raise locking.GridLocked(grid.lock)
    if grid.blanks and not acknowledged:
        raise locking.SubmitError(
            f"Sổ điểm còn {len(grid.blanks)} học sinh có ô trống. Nhập đủ điểm, hoặc đánh dấu "
            "“Tôi xác nhận các ô còn trống là có lý do”."
        )
    if grid.blanks and settings.missed_test_rule() == "zero":
        students = [r.student for r in grid.rows]
        scores = {(r.student.id, c.column.key): c.score for r in grid.rows for c in r.cells if c.score}
        if apply_missed_test_rule(actor, handle, grid.columns, students, scores, grid.comment_subject):
            db.session.expire_all()
            grid = load_grid(handle)
    blanks = blank_cells(
        grid.columns,
        [r.student for r in grid.rows],
        {(r.student.id, c.column.key): c.score for r in grid.rows for c in r.cells if c.score},
    )
    teacher = handle.access.teacher_id
    xlsx = exports.build_xlsx(grid, actor.full_name if teacher == actor.id else None)
    return locking.submit_for_review(actor, handle, blanks=blanks, acknowledged=acknowledged, xlsx=xlsx, note=note)


def apply_missed_test_rule(
    actor: Any,
    handle: Any,
    columns: Sequence[Column],
    students: Sequence[Any],
    scores: dict[tuple[int, str], Score],
    comment_subject: bool,
) -> list[Change]:
    """School setting 'missed test counts 0 / CĐ': at submission, a periodic test (GK, CK)
    still blank — not made up within the term — is recorded as 0 (or CĐ), in one batch."""
    writes = []
    fill = CellValue(comment="CD") if comment_subject else CellValue(value=Decimal("0.0"))
    for s in students:
        for c in columns:
            if c.kind == "tx":
                continue
            sc = scores.get((s.id, c.key))
            if sc is None or (sc.value is None and sc.comment is None):
                writes.append(CellWrite(s.id, c, fill, sc.version if sc else 0))
    if not writes:
        return []
    return save_batch(
        actor,
        handle,
        writes,
        source="rule",
        action="grade.missed_tests_filled",
        comment="Vắng kiểm tra định kỳ, không kiểm tra bù trong học kỳ: tính "
        + ("Chưa đạt." if comment_subject else "0 điểm."),
    )
