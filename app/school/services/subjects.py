"""Subjects: code (never changes), name, how they are assessed, tổ, periods per grade."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.accounts.models import User
from app.audit import services as audit
from app.core.models import apply_changes
from app.extensions import db
from app.school.models import AssessmentKind, Subject, SubjectPeriods
from app.school.services.common import SchoolError, clean


def create_subject(
    actor: User | None,
    *,
    code: str,
    name: str,
    assessment_kind: AssessmentKind | str,
    department_id: int | None,
    periods: dict[int, int],
    sort_order: int = 0,
) -> Subject:
    code, name = clean(code), clean(name)
    if db.session.scalar(select(Subject).where((Subject.code == code) | (Subject.name == name))):
        raise SchoolError(f"Môn '{name}' (mã {code}) đã tồn tại.")
    subject = Subject(
        code=code,
        name=name,
        assessment_kind=AssessmentKind(assessment_kind).value,
        department_id=department_id,
        sort_order=sort_order,
    )
    subject.periods = [SubjectPeriods(grade_level=g, periods_per_year=p) for g, p in sorted(periods.items())]
    db.session.add(subject)
    db.session.flush()
    audit.record(
        actor,
        "subject.created",
        subject,
        changes={
            "code": [None, code],
            "name": [None, name],
            "assessment_kind": [None, subject.assessment_kind],
            "department_id": [None, department_id],
            "sort_order": [None, sort_order],
            "periods": [None, periods],
        },
    )
    return subject


def update_subject(
    actor: User | None,
    subject: Subject,
    *,
    name: str,
    assessment_kind: AssessmentKind | str,
    department_id: int | None,
    periods: dict[int, int],
) -> dict[str, list[Any]]:
    if db.session.scalar(select(Subject.id).where(Subject.name == clean(name), Subject.id != subject.id)):
        raise SchoolError(f"Đã có môn '{clean(name)}'; hãy chọn tên khác.")
    diff = apply_changes(
        subject, name=clean(name), department_id=department_id, assessment_kind=AssessmentKind(assessment_kind).value
    )
    old_periods = {p.grade_level: p.periods_per_year for p in subject.periods}
    if old_periods != periods:
        # change rows in place: replacing the list would INSERT (subject, grade) again
        # before the orphans are DELETEd and break the unique constraint
        rows = {p.grade_level: p for p in subject.periods}
        for grade, row in rows.items():
            if grade not in periods:
                subject.periods.remove(row)
            else:
                row.periods_per_year = periods[grade]
        for grade in sorted(set(periods) - set(rows)):
            subject.periods.append(SubjectPeriods(grade_level=grade, periods_per_year=periods[grade]))
        diff["periods"] = [old_periods, periods]
    if diff:
        db.session.flush()
        audit.record(actor, "subject.updated", subject, changes=diff)
    return diff
