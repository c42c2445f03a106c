"""The subject teacher's nhận xét per student and grade book (versioned like a cell)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from app.audit import services as audit
from app.core.models import utcnow
from app.extensions import db
from app.gradebook.models import StudentComment
from app.gradebook.services.entry import check_can_write, insert_once

COMMENT_MAX = 1000


@dataclass
class CommentConflict(Exception):
    current: StudentComment | None


def save_comment(actor: Any, handle: Any, student_id: int, text: str, seen_version: int) -> StudentComment | None:
    check_can_write(actor, handle)
    text = (text or "").strip()[:COMMENT_MAX]
    stmt = select(StudentComment).where(
        StudentComment.gradebook_id == handle.id, StudentComment.student_id == student_id
    )
    existing = db.session.scalars(stmt.execution_options(populate_existing=True)).first()
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
        ok = (
            db.session.execute(
                update(StudentComment)
                .where(StudentComment.id == existing.id, StudentComment.version == seen_version)
                .values(
                    text=text,
                    version=StudentComment.version + 1,
                    updated_by_id=actor.id,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )
    else:
        raise CommentConflict(existing)
    current = db.session.scalars(stmt.execution_options(populate_existing=True)).first()
    if not ok:
        raise CommentConflict(current)
    audit.record(
        actor,
        "grade.comment_changed",
        handle.gradebook,
        changes={"student_id": student_id, "comment": [old, text]},
    )
    return current
