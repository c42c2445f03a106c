"""Every column a class book service changes is in the audit event it writes about that
row (rèn luyện, nhận xét, buổi nghỉ, rèn luyện hè, kiểm tra lại), and a new row's event
says what it is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.gradebook.values import CellValue
from app.homeroom import services
from app.homeroom.models import Attendance, Conduct, HomeroomRemark, Retest, SummerConduct

TODAY = date(2025, 5, 1)


def _as_gvcn(gb, as_user, fn: Callable[..., Any]) -> Callable[[], Any]:  # type: ignore[no-untyped-def]
    from app.school.models import SchoolClass, Subject, Term

    def go(actor: Any) -> Any:
        cls = db.session.get(SchoolClass, gb.c10a1.id)
        result = fn(actor, cls, db.session.get(Term, gb.term1), db.session.get(Subject, gb.toan.id))
        return getattr(result, "id", result)

    return lambda: as_user(gb.gvcn, go)


WRITES: dict[str, tuple[type, Callable[..., Any], Callable[..., Any]]] = {
    # model, first write (creates the row), second write (changes it on the version seen)
    "conduct": (
        Conduct,
        lambda sid: lambda a, c, t, s: services.set_conduct(a, c, sid, t, "K", 0),
        lambda sid: lambda a, c, t, s: services.set_conduct(a, c, sid, t, "T", 1),
    ),
    "remark": (
        HomeroomRemark,
        lambda sid: lambda a, c, t, s: services.set_remark(a, c, sid, t, "Ngoan", 0),
        lambda sid: lambda a, c, t, s: services.set_remark(a, c, sid, t, "Ngoan, chăm", 1),
    ),
    "summer": (
        SummerConduct,
        lambda sid: lambda a, c, t, s: services.set_summer_conduct(a, c, sid, "C", 0, eligible=True),
        lambda sid: lambda a, c, t, s: services.set_summer_conduct(a, c, sid, "D", 1, eligible=True),
    ),
    "retest": (
        Retest,
        lambda sid: lambda a, c, t, s: services.set_retest(a, c, sid, s, CellValue(Decimal("4.0")), 0, due=True),
        lambda sid: lambda a, c, t, s: services.set_retest(a, c, sid, s, CellValue(Decimal("6.5")), 1, due=True),
    ),
}


@pytest.mark.parametrize("what", sorted(WRITES))
def test_every_versioned_write_audits_every_column_it_changes(
    gb, app, as_user, audit_head, assert_changes_audited, what
) -> None:
    from app.audit.models import AuditEvent

    model, create, change = WRITES[what]
    sid = gb.students_a1[0].id
    head = audit_head()
    row_id = _as_gvcn(gb, as_user, create(sid))()
    with app.app_context():
        row = db.session.get(model, row_id)
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.seq > head))
        assert (event.subject_type, event.subject_id) == (model.__tablename__, str(row_id))
        assert event.changes["student_id"] == sid == row.student_id
    events = assert_changes_audited(model, row_id, _as_gvcn(gb, as_user, change(sid)))
    assert len(events) == 1


def test_attendance_audits_the_buoi_it_records_changes_or_removes(gb, app, as_user, assert_changes_audited) -> None:
    sid, day = gb.students_a1[0].id, date(2024, 10, 1)

    def mark(status: str) -> Callable[[], Any]:
        return _as_gvcn(gb, as_user, lambda a, c, t, s: services.set_attendance(a, c, sid, day, status, TODAY))

    mark("excused")()
    with app.app_context():
        row_id = db.session.scalar(select(Attendance.id).where(Attendance.student_id == sid, Attendance.day == day))
    # who and when recorded it are the event's own actor and time
    events = assert_changes_audited(
        Attendance, row_id, mark("unexcused"), ignore=frozenset({"recorded_by_id", "recorded_at"})
    )
    assert events[0].changes["status"] == ["excused", "unexcused"]
    assert events[0].changes["excused"] == [True, False]
    mark("present")()
    with app.app_context():
        assert db.session.get(Attendance, row_id) is None
        from app.audit.models import AuditEvent

        last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        assert (last.action, last.subject_type, last.subject_id) == ("attendance.changed", "attendance", str(row_id))
        assert last.changes["status"] == ["unexcused", "present"]
