"""Class book services: each checks the state change AND writes exactly one audit event."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from werkzeug.exceptions import Forbidden

from app.extensions import db


def test_homeroom_writers_audit_once_each(gb, app, as_user, audit_head, audit_rows) -> None:
    from app.homeroom import services as homeroom
    from app.school.models import SchoolClass, Term

    sid = gb.students_a1[0].id

    def plain(row):  # type: ignore[no-untyped-def]
        if row is None or not hasattr(row, "version"):
            return row
        return SimpleNamespace(**{k: getattr(row, k) for k in ("level", "text", "version") if hasattr(row, k)})

    def step(fn):  # type: ignore[no-untyped-def]
        before = audit_head()
        result = as_user(
            gb.gvcn,
            lambda a: plain(fn(a, db.session.get(SchoolClass, gb.c10a1.id), db.session.get(Term, gb.term1))),
        )
        return result, [e[0] for e in audit_rows(after=before)]

    row, events = step(lambda a, c, t: homeroom.set_conduct(a, c, sid, t, "K", 0))
    assert row.level == "K" and row.version == 1 and events == ["conduct.changed"]
    row, events = step(lambda a, c, t: homeroom.set_remark(a, c, sid, t, "Ngoan", 0))
    assert row.text == "Ngoan" and events == ["homeroom_remark.changed"]
    old, events = step(
        lambda a, c, t: homeroom.set_attendance(a, c, sid, date(2024, 10, 1), "excused", date(2024, 12, 1))
    )
    assert old is None and events == ["attendance.changed"]
    with pytest.raises(homeroom.HomeroomError):
        step(lambda a, c, t: homeroom.set_attendance(a, c, sid, date(2023, 10, 1), "excused", date(2024, 12, 1)))
    with pytest.raises(homeroom.RowConflict):
        step(lambda a, c, t: homeroom.set_conduct(a, c, sid, t, "T", 0))
    with pytest.raises(Forbidden):  # only the GVCN writes homeroom records
        as_user(
            gb.t1,
            lambda a: homeroom.set_conduct(
                a,
                db.session.get(SchoolClass, gb.c10a1.id),
                sid,
                db.session.get(Term, gb.term1),
                "T",
                1,
            ),
        )
