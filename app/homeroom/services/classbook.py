"""The GVCN's class book — the writers of app.homeroom's class book tables (flush, never
commit): rèn luyện per term, nhận xét, attendance (R12) and the summer results (R11).
Only the GVCN of the class writes them (403 otherwise). Exemptions (R13) are written by
app.gradebook.services.exemptions (the grid reads them); the homeroom screens call them
through `request_exemption` / `decide_exemption` here, which add the close lock.

Versioned rows (conduct, remark, summer results) are inserted once when the GVCN saw
none (version 0) or updated with a conditional UPDATE on the version the GVCN saw; a stale
save raises RowConflict (409) with the current row. Each change writes one audit event
about the row it changed (its student named in `changes`), built after the last field
change. R11 — who goes to rèn luyện hè, which subjects are kiểm tra lại — is computed here
from the year summary (`save_summer`), never taken from the form.

Once a period's close is submitted or approved (app.homeroom.locking) every write of its
data raises CloseLocked (409); the `_write_*` functions below are the writes themselves,
which an approved correction (services/corrections.py) applies without that lock.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select, update

from app.audit import services as audit
from app.core.authz import deny
from app.core.errors import ConflictError, DomainError
from app.core.models import utcnow
from app.extensions import db
from app.gradebook.services import exemptions as exemption_services
from app.gradebook.services.rows import insert_once
from app.gradebook.tt22 import Level
from app.gradebook.values import LEVEL_FROM_DB, CellValue, parse_cell, shown
from app.homeroom import locking, policy, summary
from app.homeroom.models import Attendance, Conduct, HomeroomRemark, Retest, SummerConduct

if TYPE_CHECKING:
    from werkzeug.datastructures import FileStorage

    from app.accounts.models import User
    from app.core.workflow import Action
    from app.gradebook.models import Exemption
    from app.school.models import SchoolClass, Subject, Term

Row = TypeVar("Row", Conduct, HomeroomRemark, SummerConduct, Retest)

#: the Vietnamese label of every audit action the class book writes (registered with audit)
ACTION_LABELS = {
    "conduct.changed": "Sửa kết quả rèn luyện",
    "homeroom_remark.changed": "Sửa nhận xét của GVCN",
    "attendance.changed": "Điểm danh",
    "summer.conduct_changed": "Ghi kết quả rèn luyện hè",
    "summer.retest_changed": "Ghi kết quả kiểm tra lại",
}
ATTENDANCE_STATUS = ("present", "excused", "unexcused")


class HomeroomError(DomainError):
    """422 with a Vietnamese message saying what to fix."""


class RowConflict(ConflictError):
    """409: the row changed since the GVCN saw it; `current` is what it is now."""

    def __init__(
        self, current: Conduct | HomeroomRemark | SummerConduct | Retest | None, message: str | None = None
    ) -> None:
        super().__init__(message or "Kết quả vừa được sửa ở nơi khác; đây là giá trị hiện tại.")
        self.current = current


def _guard(actor: User, school_class: SchoolClass) -> None:
    if not policy.can_edit_homeroom(actor, school_class.homeroom_teacher_id):
        deny("homeroom.write", "class", school_class.id)


def _versioned_upsert(
    model: type[Row], keys: dict[str, Any], values: dict[str, Any], seen_version: int, actor: User
) -> tuple[Row | None, dict[str, Any] | None]:
    """Insert once (version 0 seen) or update on the seen version; returns (row, old values)."""
    stmt = select(model).filter_by(**keys).execution_options(populate_existing=True)
    existing = db.session.scalars(stmt).first()
    stamp = {"updated_by_id": actor.id, "updated_at": utcnow()}
    if seen_version == 0 and existing is None:
        ok = insert_once(model, {**keys, **values, "version": 1, **stamp}, list(keys))
        old: dict[str, Any] = dict.fromkeys(values)
    elif existing is not None and existing.version == seen_version:
        old = {k: getattr(existing, k) for k in values}
        if old == values:
            return existing, None
        result = db.session.execute(
            update(model)
            .where(model.id == existing.id, model.version == seen_version)
            .values(**values, version=model.version + 1, **stamp)
            .execution_options(synchronize_session=False)
        )
        ok = result.rowcount == 1  # type: ignore[attr-defined]
    else:
        raise RowConflict(existing)
    current = db.session.scalars(stmt).first()
    if not ok:
        raise RowConflict(current)
    return current, old


def _changed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [old[k], v] for k, v in new.items() if old[k] != v}


def _extra(correction_id: int | None) -> dict[str, Any]:
    return {} if correction_id is None else {"correction_id": correction_id}


def set_conduct(
    actor: User, school_class: SchoolClass, student_id: int, term: Term, level: str | None, seen_version: int
) -> Conduct | None:
    _guard(actor, school_class)
    locking.ensure_open(school_class, locking.periods_of(term))
    return _write_conduct(actor, student_id, term, level, seen_version)


def _write_conduct(
    actor: User, student_id: int, term: Term, level: str | None, seen_version: int, correction_id: int | None = None
) -> Conduct | None:
    if level is not None and level not in LEVEL_FROM_DB:
        raise HomeroomError("Mức rèn luyện không hợp lệ; hãy chọn Tốt, Khá, Đạt hoặc Chưa đạt.")
    row, old = _versioned_upsert(
        Conduct,
        {"student_id": student_id, "term_id": term.id},
        {"level": level},
        seen_version,
        actor,
    )
    if old is not None and row is not None:
        audit.record(
            actor,
            "conduct.changed",
            row,
            changes={
                "student_id": student_id,
                "term_id": term.id,
                "level": [old["level"], level],
                **_extra(correction_id),
            },
        )
    return row


def set_remark(
    actor: User, school_class: SchoolClass, student_id: int, term: Term, text: str | None, seen_version: int
) -> HomeroomRemark | None:
    _guard(actor, school_class)
    locking.ensure_open(school_class, locking.periods_of(term))
    return _write_remark(actor, student_id, term, text, seen_version)


def _write_remark(
    actor: User, student_id: int, term: Term, text: str | None, seen_version: int, correction_id: int | None = None
) -> HomeroomRemark | None:
    text = (text or "").strip()
    row, old = _versioned_upsert(
        HomeroomRemark,
        {"student_id": student_id, "term_id": term.id},
        {"text": text},
        seen_version,
        actor,
    )
    if old is not None and row is not None:
        audit.record(
            actor,
            "homeroom_remark.changed",
            row,
            changes={
                "student_id": student_id,
                "term_id": term.id,
                "text": [old["text"] or "", text],
                **_extra(correction_id),
            },
        )
    return row


def set_attendance(
    actor: User, school_class: SchoolClass, student_id: int, day: date, status: str, today: date
) -> str | None:
    """R12: one row per buổi nghỉ; 'present' removes it. Returns the old status (None: none)."""
    _guard(actor, school_class)
    check_attendance(school_class, day, status, today)
    locking.ensure_open(school_class, locking.periods_of_day(school_class, day))
    return _write_attendance(actor, school_class, student_id, day, status)


def check_attendance(school_class: SchoolClass, day: date, status: str, today: date) -> None:
    year = school_class.year
    if status not in ATTENDANCE_STATUS:
        raise HomeroomError("Trạng thái điểm danh không hợp lệ; chọn Có mặt, Nghỉ có phép hoặc Nghỉ không phép.")
    if not year.start_date <= day <= year.end_date:
        raise HomeroomError(f"Ngày {day:%d/%m/%Y} không thuộc năm học {year.name}.")
    if day > today:
        raise HomeroomError("Không điểm danh trước cho ngày chưa tới.")


def attendance_status(student_id: int, day: date) -> str:
    """'present', 'excused' or 'unexcused' as stored now."""
    existing = db.session.scalars(
        select(Attendance)
        .where(Attendance.student_id == student_id, Attendance.day == day)
        .execution_options(populate_existing=True)
    ).first()
    return "present" if existing is None else ("excused" if existing.excused else "unexcused")


def _write_attendance(
    actor: User, school_class: SchoolClass, student_id: int, day: date, status: str, correction_id: int | None = None
) -> str | None:
    year = school_class.year
    existing = db.session.scalars(
        select(Attendance).where(Attendance.student_id == student_id, Attendance.day == day)
    ).first()
    old = None if existing is None else ("excused" if existing.excused else "unexcused")
    if (old or "present") == status:
        return old
    excused = status == "excused"
    if existing is None:
        row = Attendance(student_id=student_id, year_id=year.id, day=day, excused=excused, recorded_by_id=actor.id)
        db.session.add(row)
    else:
        row = existing
        if status == "present":
            db.session.delete(existing)
        else:
            existing.excused, existing.recorded_by_id, existing.recorded_at = excused, actor.id, utcnow()
    db.session.flush()
    changes: dict[str, Any] = {
        "student_id": student_id,
        "day": day,
        "status": [old or "present", status],
        **_extra(correction_id),
    }
    if existing is not None and status != "present":
        changes["excused"] = [not excused, excused]
    audit.record(actor, "attendance.changed", ("attendance", row.id), changes=changes)
    return old


def set_summer_conduct(
    actor: User, school_class: SchoolClass, student_id: int, level: str, seen_version: int, *, eligible: bool
) -> SummerConduct | None:
    _guard(actor, school_class)
    if not eligible:
        raise HomeroomError("Chỉ học sinh có rèn luyện cả năm Chưa đạt mới rèn luyện trong hè.")
    locking.ensure_open(school_class, ("he",))
    return _write_summer_conduct(actor, school_class, student_id, level, seen_version)


def _write_summer_conduct(
    actor: User,
    school_class: SchoolClass,
    student_id: int,
    level: str,
    seen_version: int,
    correction_id: int | None = None,
) -> SummerConduct | None:
    if level not in LEVEL_FROM_DB:
        raise HomeroomError("Chọn mức rèn luyện sau kỳ nghỉ hè.")
    row, old = _versioned_upsert(
        SummerConduct,
        {"student_id": student_id, "year_id": school_class.year_id},
        {"level": level},
        seen_version,
        actor,
    )
    if old is not None and row is not None:
        audit.record(
            actor,
            "summer.conduct_changed",
            row,
            changes={
                "student_id": student_id,
                "year_id": school_class.year_id,
                "level": [old["level"], level],
                **_extra(correction_id),
            },
        )
    return row


def set_retest(
    actor: User,
    school_class: SchoolClass,
    student_id: int,
    subject: Subject,
    cell: CellValue,
    seen_version: int,
    *,
    due: bool,
) -> Retest | None:
    _guard(actor, school_class)
    if not due:
        raise HomeroomError(f"Môn {subject.name} không thuộc diện kiểm tra lại của học sinh này.")
    locking.ensure_open(school_class, ("he",))
    return _write_retest(actor, school_class, student_id, subject, cell, seen_version)


def _write_retest(
    actor: User,
    school_class: SchoolClass,
    student_id: int,
    subject: Subject,
    cell: CellValue,
    seen_version: int,
    correction_id: int | None = None,
) -> Retest | None:
    new = {"value": cell.value, "comment": cell.comment}
    row, old = _versioned_upsert(
        Retest,
        {"student_id": student_id, "year_id": school_class.year_id, "subject_id": subject.id},
        new,
        seen_version,
        actor,
    )
    if old is not None and row is not None:
        audit.record(
            actor,
            "summer.retest_changed",
            row,
            changes={
                "student_id": student_id,
                "subject_id": subject.id,
                "result": [shown(old["value"], old["comment"]) or None, shown(cell.value, cell.comment) or None],
                **_changed(old, new),
                **_extra(correction_id),
            },
        )
    return row


def save_summer(
    actor: User,
    school_class: SchoolClass,
    student_id: int,
    subject: Subject | None,
    typed: str | None,
    seen_version: int,
) -> SummerConduct | Retest | None:
    """A summer result the GVCN entered: rèn luyện hè (no subject) or a kiểm tra lại in a
    subject of the class.

    R11 decides from the year summary whether it is due: rèn luyện hè only after a year
    rèn luyện Chưa đạt; kiểm tra lại only in the subjects the end-of-year decision lists."""
    _guard(actor, school_class)
    line = summary.student_line(school_class, "year", student_id)
    if subject is None:
        eligible = line.conduct_year is not None and line.conduct_year is Level.CHUA_DAT
        return set_summer_conduct(actor, school_class, student_id, typed or "", seen_version, eligible=eligible)
    due = bool(line.decision and subject.name in line.decision.retest_subjects)
    cell = parse_cell(typed, subject.is_comment)
    return set_retest(actor, school_class, student_id, subject, cell, seen_version, due=due)


# ---------------------------------------------------------------------------- exemptions


def request_exemption(
    actor: User,
    school_class: SchoolClass,
    student_id: int,
    subject: Subject,
    term: Term | None,
    reason: str | None,
    upload: FileStorage | None = None,
) -> Exemption:
    """R13, asked from the class book: refused (409) once a close it belongs to is
    submitted or approved; otherwise app.gradebook's writer."""
    locking.ensure_open(school_class, locking.periods_of(term))
    return exemption_services.request_exemption(actor, school_class, student_id, subject, term, reason, upload)


def decide_exemption(
    actor: User,
    school_class: SchoolClass,
    exemption: Exemption,
    action: Action,
    *,
    seen_version: int,
    comment: str | None = None,
) -> None:
    term = exemption.term
    locking.ensure_open(school_class, locking.periods_of(term))
    exemption_services.decide_exemption(actor, exemption, action, seen_version=seen_version, comment=comment)
