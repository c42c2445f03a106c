"""Corrections of the class book after a close (R16 for the GVCN's data): the GVCN proposes
the new value with a reason → BGH approves (applied at once) or returns it.

States (core.workflow, chain of 1): submitted → approved (the new value is written by the
class book's own writer, on the row version seen when the request was made, its audit
event naming the request) | returned; the requester may withdraw it while it waits. A
request is possible only where a close froze the value (app.homeroom.locking) and was
approved — before that the GVCN edits directly, while it waits the close is returned.
Each step writes one audit event about the request with the old and new values; the
application sends `core.signals.assessment_corrected`, so the results of every closed
period that value belongs to get a new snapshot version (app.results).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from app.audit import services as audit
from app.core.authz import deny
from app.core.errors import ConflictError
from app.core.models import utcnow
from app.core.signals import assessment_corrected, emit
from app.core.workflow import Action, State, transition
from app.extensions import db
from app.gradebook.tt22 import Level
from app.gradebook.values import LEVEL_FROM_DB, CellError, parse_cell, shown
from app.homeroom import locking, policy, queries, summary
from app.homeroom.locking import CorrectionTarget as Target
from app.homeroom.models import CORRECTION_FIELDS, Conduct, HomeroomCorrection, HomeroomRemark, Retest, SummerConduct
from app.homeroom.services.classbook import (
    HomeroomError,
    RowConflict,
    _write_attendance,
    _write_conduct,
    _write_remark,
    _write_retest,
    _write_summer_conduct,
    attendance_status,
    check_attendance,
)

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.school.models import SchoolClass

ATTENDANCE_LABELS = {"present": "Có mặt", "excused": "Nghỉ có phép", "unexcused": "Nghỉ không phép"}


def shown_value(field: str, value: str | None) -> str:
    """A stored value as people read it ('Tốt', 'Nghỉ có phép', the text…)."""
    if field in ("conduct", "summer_conduct"):
        level = LEVEL_FROM_DB.get(value or "")
        return level.label if level else "—"
    if field == "attendance":
        return ATTENDANCE_LABELS.get(value or "present", value or "")
    return value or "—"


def _current(school_class: SchoolClass, t: Target) -> tuple[str | None, int]:
    """(stored value, row version) of the target now."""
    if t.field == "attendance" and t.day is not None:
        return attendance_status(t.student_id, t.day), 0
    row: Conduct | HomeroomRemark | SummerConduct | Retest | None
    if t.field == "conduct" and t.term is not None:
        row = queries.current_row(Conduct, student_id=t.student_id, term_id=t.term.id)
        return (row.level if row else None), (row.version if row else 0)
    if t.field == "remark" and t.term is not None:
        row = queries.current_row(HomeroomRemark, student_id=t.student_id, term_id=t.term.id)
        return (row.text if row else ""), (row.version if row else 0)
    if t.field == "summer_conduct":
        row = queries.current_row(SummerConduct, student_id=t.student_id, year_id=school_class.year_id)
        return (row.level if row else None), (row.version if row else 0)
    if t.field == "retest" and t.subject is not None:
        keys = {"student_id": t.student_id, "year_id": school_class.year_id, "subject_id": t.subject.id}
        row = queries.current_row(Retest, **keys)
        return (shown(row.value, row.comment) if row else "") or None, (row.version if row else 0)
    raise HomeroomError("Chọn đúng nội dung cần điều chỉnh (học kỳ, ngày hoặc môn).")


def _clean(school_class: SchoolClass, t: Target, typed: str | None, today: date) -> str | None:
    """The new value in its stored form (HomeroomError, 422, when it cannot be one)."""
    text = (typed or "").strip()
    if t.field in ("conduct", "summer_conduct"):
        if text and text not in LEVEL_FROM_DB:
            raise HomeroomError("Mức rèn luyện không hợp lệ; hãy chọn Tốt, Khá, Đạt hoặc Chưa đạt.")
        if t.field == "summer_conduct" and not text:
            raise HomeroomError("Chọn mức rèn luyện sau kỳ nghỉ hè.")
        return text or None
    if t.field == "remark":
        if len(text) > 2000:
            raise HomeroomError("Nhận xét tối đa 2000 ký tự.")
        return text
    if t.field == "attendance" and t.day is not None:
        check_attendance(school_class, t.day, text, today)
        return text
    if t.field == "retest" and t.subject is not None:
        try:
            cell = parse_cell(text, t.subject.is_comment)
        except CellError as exc:
            raise HomeroomError(exc.message) from None
        return shown(cell.value, cell.comment) or None
    raise HomeroomError("Nội dung cần điều chỉnh không hợp lệ.")


def _check_summer_due(school_class: SchoolClass, t: Target) -> None:
    if t.field not in ("summer_conduct", "retest"):
        return
    line = summary.student_line(school_class, "year", t.student_id)
    if t.field == "summer_conduct" and line.conduct_year is not Level.CHUA_DAT:
        raise HomeroomError("Chỉ học sinh có rèn luyện cả năm Chưa đạt mới rèn luyện trong hè.")
    if t.field == "retest" and t.subject is not None:
        if not (line.decision and t.subject.name in line.decision.retest_subjects):
            raise HomeroomError(f"Môn {t.subject.name} không thuộc diện kiểm tra lại của học sinh này.")


def _facts(c: HomeroomCorrection) -> dict[str, Any]:
    return {
        "class_id": c.class_id,
        "student_id": c.student_id,
        "field": c.field,
        "term_id": c.term_id,
        "day": c.day,
        "subject_id": c.subject_id,
        "value": [c.old_value, c.new_value],
        "requester_id": c.requester_id,
        "reason": c.reason,
    }


def request_correction(
    actor: User, school_class: SchoolClass, target: Target, typed: str | None, reason: str | None, today: date
) -> HomeroomCorrection:
    if not policy.can_request_correction(actor, school_class.homeroom_teacher_id):
        deny("homeroom_correction.request", "class", school_class.id)
    if target.field not in CORRECTION_FIELDS:
        raise HomeroomError("Nội dung cần điều chỉnh không hợp lệ.")
    lock = locking.lock_of(school_class, target.periods(school_class))
    if not lock.locked:
        raise HomeroomError("Kết quả này chưa được chốt: hãy sửa trực tiếp trong sổ chủ nhiệm, không cần đề nghị.")
    if not lock.approved:
        raise HomeroomError(
            "Kết quả đang chờ hiệu trưởng duyệt: đề nghị hiệu trưởng trả lại hồ sơ chốt kết quả để sửa."
        )
    reason = (reason or "").strip()
    if not reason:
        raise HomeroomError("Ghi rõ lý do điều chỉnh.")
    new = _clean(school_class, target, typed, today)
    _check_summer_due(school_class, target)
    old, row_version = _current(school_class, target)
    if (old or None) == (new or None):
        raise HomeroomError("Giá trị mới trùng với giá trị hiện tại.")
    term_id = target.term.id if target.term is not None else None
    subject_id = target.subject.id if target.subject is not None else None
    if queries.pending_correction_of(target.student_id, target.field, term_id, target.day, subject_id):
        raise HomeroomError("Nội dung này đã có một đề nghị điều chỉnh đang chờ xử lý.")
    correction = HomeroomCorrection(
        class_id=school_class.id,
        student_id=target.student_id,
        field=target.field,
        term_id=term_id,
        day=target.day,
        subject_id=subject_id,
        row_version=row_version,
        old_value=old,
        new_value=new,
        reason=reason,
        requester_id=actor.id,
        state=State.SUBMITTED.value,
        step=0,
        version=1,
    )
    db.session.add(correction)
    db.session.flush()
    audit.record(
        actor,
        "homeroom_correction.requested",
        correction,
        changes={**_facts(correction), "row_version": row_version},
        comment=reason,
    )
    return correction


def decide(
    actor: User,
    correction: HomeroomCorrection,
    school_class: SchoolClass,
    action: Action,
    *,
    seen_version: int,
    comment: str | None = None,
) -> None:
    """BGH approves (the value is applied) or returns (a comment is required)."""
    if action not in (Action.APPROVE, Action.RETURN):
        raise HomeroomError("Chỉ có thể đồng ý hoặc không đồng ý với đề nghị điều chỉnh.")
    moved = transition(
        db.session,
        correction,
        action,
        allowed=policy.can_decide_correction(actor, correction),
        seen_version=seen_version,
        chain_length=1,
        comment=comment,
        also_set={"decided_by_id": actor.id},
    )
    extra = _facts(correction)
    if moved.is_final:
        extra["applied_at"] = [None, _apply(actor, correction, school_class)]
    audit.record(actor, moved.action, correction, changes={**moved.changes, **extra}, comment=comment)


def _target_of(c: HomeroomCorrection) -> Target:
    return Target(c.field, c.student_id, c.term, c.day, c.subject)


def _apply(actor: User, c: HomeroomCorrection, school_class: SchoolClass) -> datetime:
    """Write the approved value with the class book's own writer, on the version seen."""
    t = _target_of(c)
    try:
        if c.field == "conduct" and t.term is not None:
            _write_conduct(actor, c.student_id, t.term, c.new_value, c.row_version, c.id)
        elif c.field == "remark" and t.term is not None:
            _write_remark(actor, c.student_id, t.term, c.new_value, c.row_version, c.id)
        elif c.field == "attendance" and t.day is not None:
            if attendance_status(c.student_id, t.day) != (c.old_value or "present"):
                raise RowConflict(None)
            _write_attendance(actor, school_class, c.student_id, t.day, c.new_value or "present", c.id)
        elif c.field == "summer_conduct":
            _write_summer_conduct(actor, school_class, c.student_id, c.new_value or "", c.row_version, c.id)
        elif c.field == "retest" and t.subject is not None:
            cell = parse_cell(c.new_value, t.subject.is_comment)
            _write_retest(actor, school_class, c.student_id, t.subject, cell, c.row_version, c.id)
        else:
            raise HomeroomError("Đề nghị điều chỉnh không còn hợp lệ.")
    except RowConflict:
        raise ConflictError(
            "Giá trị đã thay đổi sau khi lập đề nghị nên không áp dụng được. "
            "Hãy không đồng ý để giáo viên chủ nhiệm lập đề nghị mới."
        ) from None
    applied_at = c.applied_at = utcnow()
    db.session.flush()
    emit(
        assessment_corrected,
        actor=actor,
        class_id=school_class.id,
        student_id=c.student_id,
        scope="summer" if c.field in ("summer_conduct", "retest") else "term",
        term_number=t.term_number(school_class),
        source="homeroom",
        correction_id=c.id,
    )
    return applied_at


def withdraw(actor: User, correction: HomeroomCorrection, *, seen_version: int) -> None:
    moved = transition(
        db.session,
        correction,
        Action.WITHDRAW,
        allowed=policy.can_withdraw_correction(actor, correction),
        seen_version=seen_version,
        chain_length=1,
    )
    audit.record(actor, moved.action, correction, changes={**moved.changes, **_facts(correction)})
