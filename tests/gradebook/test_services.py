"""Services: each checks the state change AND writes exactly one audit event."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from werkzeug.exceptions import Forbidden

from app.extensions import db
from app.gradebook.values import CellValue, Column
from tests.gradebook.conftest import handle_of

TX1, GK = Column("tx", 1), Column("gk", 1)


def test_open_gradebook_is_idempotent_and_audited_once(gb, audit_rows) -> None:
    opened = [r for r in audit_rows("gradebook.opened") if r[2] == str(gb.toan_a1)]
    assert len(opened) == 1
    again = gb.open_book(gb.t1, gb.c10a1, gb.toan, gb.term1)
    assert again == gb.toan_a1
    assert len([r for r in audit_rows("gradebook.opened") if r[2] == str(gb.toan_a1)]) == 1


def test_only_the_assigned_teacher_opens_a_gradebook(gb) -> None:
    with pytest.raises(Forbidden):
        gb.open_book(gb.t2, gb.c10a1, gb.toan, gb.term2)


def test_save_cell_insert_update_delete(gb, app, as_user, cell, audit_head, audit_rows) -> None:
    from app.gradebook.services import entry

    sid = gb.students_a1[0].id

    def save(value, version):  # type: ignore[no-untyped-def]
        def run(actor):  # type: ignore[no-untyped-def]
            return entry.save_cell(actor, handle_of(app, actor, gb.toan_a1), entry.CellWrite(sid, TX1, value, version))

        before = audit_head()
        change = as_user(gb.t1, run)
        return change, audit_rows(after=before)

    change, events = save(CellValue(Decimal("8.5")), 0)
    assert (change.old, change.new) == (None, "8.5") and cell(gb.toan_a1, sid, "tx1") == (
        Decimal("8.5"),
        1,
    )
    assert [e[0] for e in events] == ["grade.changed"]
    change, events = save(CellValue(Decimal("8.5")), 1)  # same value: no change, no event
    assert change is None and events == []
    change, events = save(CellValue(), 1)
    assert (change.old, change.new) == ("8.5", None) and cell(gb.toan_a1, sid, "tx1") == (None, 2)
    assert [e[0] for e in events] == ["grade.changed"]
    with pytest.raises(entry.CellConflict):
        save(CellValue(Decimal("9")), 1)
    assert cell(gb.toan_a1, sid, "tx1") == (None, 2)


def test_save_batch_is_one_summary_event(gb, app, as_user, audit_head, audit_rows, cell) -> None:
    from app.gradebook.services import entry

    writes = [entry.CellWrite(s.id, GK, CellValue(Decimal("6.0")), 0) for s in gb.students_a1]
    before = audit_head()
    changes = as_user(gb.t1, lambda a: entry.save_batch(a, handle_of(app, a, gb.toan_a1), writes))
    assert len(changes) == 3
    assert [e[0] for e in audit_rows(after=before)] == ["grade.batch_changed"]
    assert all(cell(gb.toan_a1, s.id, "gk") == (Decimal("6.0"), 1) for s in gb.students_a1)


def test_history_is_append_only(gb, app, as_user) -> None:
    from app.gradebook.models import HistoryRewriteError, ScoreHistory
    from app.gradebook.services import entry

    as_user(
        gb.t1,
        lambda a: entry.save_cell(
            a,
            handle_of(app, a, gb.toan_a1),
            entry.CellWrite(gb.students_a1[0].id, TX1, CellValue(Decimal("5")), 0),
        ),
    )
    with app.app_context():
        row = db.session.query(ScoreHistory).one()
        row.new_value = Decimal("9")
        with pytest.raises(HistoryRewriteError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.query(ScoreHistory).one())
        with pytest.raises(HistoryRewriteError):
            db.session.flush()
        db.session.rollback()


def test_settings_are_stored_and_audited(gb, app, as_user, audit_rows) -> None:
    from app.gradebook.services import settings
    from app.gradebook.tt22 import AdjustmentReading

    as_user(
        gb.ht,
        lambda a: settings.save_settings(
            a,
            adjustment_reading="one_below_reachable",
            adjustment_counts_comment=False,
            missed_rule="blank",
        ),
    )
    with app.app_context():
        s = settings.learning_settings()
        assert s.adjustment_reading is AdjustmentReading.ONE_BELOW_REACHABLE
        assert s.adjustment_counts_comment_subjects is False and settings.missed_test_rule() == "blank"
    assert len(audit_rows("setting.changed")) == 3


def test_lock_date_setting_through_the_page(gb, login_as, app) -> None:
    from app.school.models import Term

    r = login_as(gb.ht).post("/gradebook/settings/lock-date", data={"term_id": gb.term1, "lock_date": "2025-01-20"})
    assert r.status_code == 303
    with app.app_context():
        assert db.session.get(Term, gb.term1).lock_date == date(2025, 1, 20)
    assert (
        login_as(gb.t1).post("/gradebook/settings/lock-date", data={"term_id": gb.term1, "lock_date": ""}).status_code
        == 403
    )
    page = login_as(gb.admin).get("/gradebook/settings")
    assert page.status_code == 200 and 'value="2025-01-20"' in page.text
