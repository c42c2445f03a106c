"""Submitting a grade book: completeness, the missed-test rule, the xlsx sent for approval."""

from __future__ import annotations

from typing import Any

from app.core.authz import deny
from app.extensions import db
from app.gradebook import exports, locking, policy
from app.gradebook.grid import load_grid
from app.gradebook.services import settings
from app.gradebook.services.entry import apply_missed_test_rule, blank_cells


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
            "“Tôi xác nhận các ô còn trống là có lý do”.")
    if grid.blanks and settings.missed_test_rule() == "zero":
        students = [r.student for r in grid.rows]
        scores = {(r.student.id, c.column.key): c.score for r in grid.rows for c in r.cells if c.score}
        if apply_missed_test_rule(actor, handle, grid.columns, students, scores, grid.comment_subject):
            db.session.expire_all()
            grid = load_grid(handle)
    blanks = blank_cells(grid.columns, [r.student for r in grid.rows],
                         {(r.student.id, c.column.key): c.score for r in grid.rows for c in r.cells if c.score})
    teacher = handle.access.teacher_id
    xlsx = exports.build_xlsx(grid, actor.full_name if teacher == actor.id else None)
    return locking.submit_for_review(actor, handle, blanks=blanks, acknowledged=acknowledged,
                                     xlsx=xlsx, note=note)
