"""Teaching assignments (phân công giảng dạy): one teacher per (class, subject)."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.audit import services as audit
from app.core.models import apply_changes
from app.extensions import db
from app.school.models import SchoolClass, Subject, TeachingAssignment


def _existing(cls: SchoolClass, subject: Subject) -> TeachingAssignment | None:
    return db.session.scalar(
        select(TeachingAssignment).where(
            TeachingAssignment.class_id == cls.id, TeachingAssignment.subject_id == subject.id
        )
    )


def assign_teacher(actor: User | None, cls: SchoolClass, subject: Subject, teacher_id: int) -> TeachingAssignment:
    """Create or change the teacher of (class, subject)."""
    existing = _existing(cls, subject)
    if existing:
        diff = apply_changes(existing, teacher_id=teacher_id)
        if diff:
            db.session.flush()
            audit.record(actor, "assignment.changed", existing, changes=diff)
        return existing
    assignment = TeachingAssignment(class_id=cls.id, subject_id=subject.id, teacher_id=teacher_id)
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        actor,
        "assignment.created",
        assignment,
        changes={
            "class": [None, cls.name],
            "subject": [None, subject.name],
            "class_id": [None, cls.id],
            "subject_id": [None, subject.id],
            "teacher_id": [None, teacher_id],
        },
    )
    return assignment


def remove_assignment(actor: User | None, assignment: TeachingAssignment) -> None:
    audit.record(
        actor,
        "assignment.removed",
        assignment,
        changes={
            "class_id": [assignment.class_id, None],
            "subject_id": [assignment.subject_id, None],
            "teacher_id": [assignment.teacher_id, None],
        },
    )
    db.session.delete(assignment)
    db.session.flush()


def save_assignment(
    actor: User | None, cls: SchoolClass, subject: Subject, teacher_id: int | None
) -> TeachingAssignment | None:
    """The assignment grid's cell: a teacher assigns (or changes), "none" removes.

    "None" is the form's explicit blank choice; a POST without the field never gets here.
    """
    if teacher_id is not None:
        return assign_teacher(actor, cls, subject, teacher_id)
    existing = _existing(cls, subject)
    if existing is not None:
        remove_assignment(actor, existing)
    return None
