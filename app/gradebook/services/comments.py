"""The subject teacher's nhận xét per student and grade book (versioned like a cell)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import update

from app.audit import services as audit
from app.core.errors import ConflictError
from app.core.models import utcnow
from app.extensions import db
from app.gradebook.models import StudentComment
from app.gradebook.queries import GridHandle, comment_of
from app.gradebook.services.entry import check_can_write
from app.gradebook.services.rows import insert_once

if TYPE_CHECKING:
    from app.accounts.models import User

COMMENT_MAX = 1000


class CommentConflict(ConflictError):
    """409: the nhận xét changed since the teacher saw it; `current` is what it is now."""

    def __init__(self, current: StudentComment | None) -> None:
        super().__init__("Nhận xét vừa được sửa ở nơi khác; đây là nội dung hiện tại. Sửa lại nếu cần.")
        self.current = current


def save_comment(
    actor: User, handle: GridHandle, student_id: int, text: str | None, seen_version: int
) -> StudentComment | None:
    check_can_write(actor, handle)
    text = (text or "").strip()[:COMMENT_MAX]
    existing = comment_of(handle.id, student_id)
    now = utcnow()
    if existing is None and seen_version == 0:
        if not text:
            return None
        ok = insert_once(
            StudentComment,
            {
                "gradebook_id": handle.id,
                "student_id": student_id,
                "text": text,
                "version": 1,
                "updated_by_id": actor.id,
                "updated_at": now,
            },
            ["gradebook_id", "student_id"],
        )
        old = ""
    elif existing is not None and existing.version == seen_version:
        old = existing.text
        if old == text:
            return existing
        result = db.session.execute(
            update(StudentComment)
            .where(StudentComment.id == existing.id, StudentComment.version == seen_version)
            .values(text=text, version=StudentComment.version + 1, updated_by_id=actor.id, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        ok = result.rowcount == 1  # type: ignore[attr-defined]
    else:
        raise CommentConflict(existing)
    current = comment_of(handle.id, student_id)
    if not ok:
        raise CommentConflict(current)
    audit.record(
        actor,
        "grade.comment_changed",
        handle.gradebook,
        changes={"student_id": student_id, "comment": [old, text]},
    )
    return current
