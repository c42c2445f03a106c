"""GVCN records: rèn luyện per term, nhận xét, attendance (R12), exemptions (R13), summer
results (R11). Only the GVCN of the class writes them (exemptions: BGH decides).

Versioned rows (conduct, remark, summer results) are updated with a conditional UPDATE
on the version the GVCN saw; a stale save raises RowConflict (409). Each change writes
one audit event. Exemption reasons are health data: the audit trail records that a reason
was given, not the reason itself.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, select, update

from app.audit import services as audit
from app.core.authz import deny
from app.core.models import utcnow
from app.core.workflow import Action, State, transition
from app.extensions import db
from app.gradebook import policy, tt22
from app.gradebook.files import evidence_columns
from app.gradebook.models import (
    Attendance,
    Conduct,
    Exemption,
    HomeroomRemark,
    Retest,
    SummerConduct,
)
from app.gradebook.services.entry import insert_once
from app.gradebook.values import LEVEL_FROM_DB, CellValue, shown


class HomeroomError(ValueError):
    """422 with a Vietnamese message."""


class RowConflict(Exception):
    def __init__(self, current: Any) -> None:
        super().__init__("stale")
        self.current = current


def _guard(actor: Any, school_class: Any) -> None:
    if not policy.can_edit_homeroom(actor, school_class.homeroom_teacher_id):
        deny("homeroom.write", "class", school_class.id)


def _versioned_upsert(
    model: Any, keys: dict[str, Any], values: dict[str, Any], seen_version: int, actor: Any
) -> tuple[Any, dict[str, Any] | None]:
    """Insert once (version 0 seen) or update on the seen version; returns (row, old values)."""
    stmt = select(model).filter_by(**keys).execution_options(populate_existing=True)
    existing = db.session.scalars(stmt).first()
    stamp = {"updated_by_id": actor.id, "updated_at": utcnow()}
    if seen_version == 0 and existing is None:
        ok = insert_once(model, {**keys, **values, "version": 1, **stamp}, list(keys))
        old = {k: None for k in values}
    elif existing is not None and existing.version == seen_version:
        old = {k: getattr(existing, k) for k in values}
        if old == values:
            return existing, None
        ok = (
            db.session.execute(
                update(model)
                .where(model.id == existing.id, model.version == seen_version)
                .values(**values, version=model.version + 1, **stamp)
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )
    else:
        raise RowConflict(existing)
    current = db.session.scalars(stmt).first()
    if not ok:
        raise RowConflict(current)
    return current, old


def set_conduct(
    actor: Any, school_class: Any, student_id: int, term: Any, level: str | None, seen_version: int
) -> Conduct:
    _guard(actor, school_class)
    if level is not None and level not in LEVEL_FROM_DB:
        raise HomeroomError("Mức rèn luyện không hợp lệ.")
    row, old = _versioned_upsert(
        Conduct,
        {"student_id": student_id, "term_id": term.id},
        {"level": level},
        seen_version,
        actor,
    )
    if old is not None:
        audit.record(
            actor,
            "conduct.changed",
            ("student", student_id),
            changes={"term_id": term.id, "level": [old["level"], level]},
        )
    return row


def set_remark(
    actor: Any, school_class: Any, student_id: int, term: Any, text: str, seen_version: int
) -> HomeroomRemark:
    _guard(actor, school_class)
    text = (text or "").strip()
    row, old = _versioned_upsert(
        HomeroomRemark,
        {"student_id": student_id, "term_id": term.id},
        {"text": text},
        seen_version,
        actor,
    )
    if old is not None:
        audit.record(
            actor,
            "homeroom_remark.changed",
            ("student", student_id),
            changes={"term_id": term.id, "text": [old["text"] or "", text]},
        )
    return row


ATTENDANCE_STATUS = ("present", "excused", "unexcused")


def set_attendance(actor: Any, school_class: Any, student_id: int, day: date, status: str, today: date) -> str | None:
    """R12: one row per buổi nghỉ; 'present' removes it. Returns the old status (None: none)."""
    _guard(actor, school_class)
    year = school_class.year
    if status not in ATTENDANCE_STATUS:
        raise HomeroomError("Trạng thái điểm danh không hợp lệ.")
    if not year.start_date <= day <= year.end_date:
        raise HomeroomError(f"Ngày {day:%d/%m/%Y} không thuộc năm học {year.name}.")
    if day > today:
        raise HomeroomError("Không điểm danh trước cho ngày chưa tới.")
    existing = db.session.scalars(
        select(Attendance).where(Attendance.student_id == student_id, Attendance.day == day)
    ).first()
    old = None if existing is None else ("excused" if existing.excused else "unexcused")
    if (old or "present") == status:
        return old
    if status == "present":
        db.session.execute(delete(Attendance).where(Attendance.id == existing.id))
    elif existing is None:
        db.session.add(
            Attendance(
                student_id=student_id,
                year_id=year.id,
                day=day,
                excused=status == "excused",
                recorded_by_id=actor.id,
            )
        )
    else:
        existing.excused = status == "excused"
        existing.recorded_by_id = actor.id
        existing.recorded_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "attendance.changed",
        ("student", student_id),
        changes={"day": day, "status": [old or "present", status]},
    )
    return old


def request_exemption(
    actor: Any,
    school_class: Any,
    student_id: int,
    subject: Any,
    term: Any | None,
    reason: str,
    evidence: Any,
) -> Exemption:
    """R13: the practical part of GDTC / GDQP-AN only; the subject is still assessed."""
    if not policy.can_request_exemption(actor, school_class.homeroom_teacher_id):
        deny("exemption.request", "class", school_class.id)
    if subject.code not in tt22.EXEMPTABLE_SUBJECT_CODES:
        raise HomeroomError(
            "Chỉ miễn phần thực hành của môn Giáo dục thể chất hoặc GDQP-AN "
            "(Thông tư 22); các môn khác không được miễn."
        )
    if not (reason or "").strip():
        raise HomeroomError("Ghi lý do sức khoẻ.")
    exemption = Exemption(
        student_id=student_id,
        subject_id=subject.id,
        year_id=school_class.year_id,
        term_id=term.id if term else None,
        reason=reason.strip(),
        requested_by_id=actor.id,
        state=State.SUBMITTED.value,
        step=0,
        version=1,
        **evidence_columns(evidence),
    )
    db.session.add(exemption)
    db.session.flush()
    audit.record(
        actor,
        "exemption.requested",
        exemption,
        changes={
            "student_id": student_id,
            "subject_id": subject.id,
            "term": term.name if term else "cả năm",
            "reason": "(đã ghi, dữ liệu nhạy cảm)",
        },
        file_sha256=exemption.evidence_sha256,
    )
    return exemption


def decide_exemption(
    actor: Any,
    exemption: Exemption,
    action: Action,
    *,
    seen_version: int,
    comment: str | None = None,
) -> None:
    moved = transition(
        db.session,
        exemption,
        action,
        allowed=policy.can_decide_exemption(actor, exemption),
        seen_version=seen_version,
        chain_length=1,
        comment=comment,
        also_set={"decided_by_id": actor.id},
    )
    audit.record(actor, moved.action, exemption, changes=moved.changes, comment=comment)


def set_summer_conduct(
    actor: Any, school_class: Any, student_id: int, level: str, seen_version: int, *, eligible: bool
) -> SummerConduct:
    _guard(actor, school_class)
    if not eligible:
        raise HomeroomError("Chỉ học sinh có rèn luyện cả năm Chưa đạt mới rèn luyện trong hè.")
    if level not in LEVEL_FROM_DB:
        raise HomeroomError("Chọn mức rèn luyện sau kỳ nghỉ hè.")
    row, old = _versioned_upsert(
        SummerConduct,
        {"student_id": student_id, "year_id": school_class.year_id},
        {"level": level},
        seen_version,
        actor,
    )
    if old is not None:
        audit.record(
            actor,
            "summer.conduct_changed",
            ("student", student_id),
            changes={"year_id": school_class.year_id, "level": [old["level"], level]},
        )
    return row


def set_retest(
    actor: Any,
    school_class: Any,
    student_id: int,
    subject: Any,
    cell: CellValue,
    seen_version: int,
    *,
    due: bool,
) -> Retest:
    _guard(actor, school_class)
    if not due:
        raise HomeroomError(f"Môn {subject.name} không thuộc diện kiểm tra lại của học sinh này.")
    row, old = _versioned_upsert(
        Retest,
        {"student_id": student_id, "year_id": school_class.year_id, "subject_id": subject.id},
        {"value": cell.value, "comment": cell.comment},
        seen_version,
        actor,
    )
    if old is not None:
        audit.record(
            actor,
            "summer.retest_changed",
            ("student", student_id),
            changes={
                "subject_id": subject.id,
                "result": [
                    shown(old["value"], old["comment"]) or None,
                    shown(cell.value, cell.comment) or None,
                ],
            },
        )
    return row
