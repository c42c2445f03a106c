"""Submit → approval chain (records workflow) → lock; lock dates; every write to a locked
grid answers 409, changes nothing and leaves one `grade.write_rejected_locked` row
(SECURITY.md 12, DOMAIN.md R16–R17)."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest

from app.extensions import db
from tests.gradebook.conftest import post_cell

FULL_ROW = {"tx1": "8", "tx2": "7", "tx3": "9", "tx4": "6,5", "gk": "7,5", "ck": "8"}


def fill(client, book: int, students, row=FULL_ROW) -> None:  # type: ignore[no-untyped-def]
    for s in students:
        for col, v in row.items():
            assert post_cell(client, book, s.id, col, v, 0).status_code == 200


def record_of(app, book: int):  # type: ignore[no-untyped-def]
    from app.gradebook import locking
    from app.gradebook.models import GradeBook

    with app.app_context():
        return locking.review_state(db.session.get(GradeBook, book))


def decide(app, as_user, user, book: int, action: str = "approve", comment: str | None = None) -> None:  # type: ignore[no-untyped-def]
    from app.gradebook import locking
    from app.gradebook.models import GradeBook
    from app.records import services as records

    def run(actor):  # type: ignore[no-untyped-def]
        record = locking.review_state(db.session.get(GradeBook, book)).record
        fn = records.approve_record if action == "approve" else records.return_record
        kwargs = {"comment": comment} if action == "return" else {}
        fn(actor, record, seen_version=record.version, **kwargs)

    as_user(user, run)


@pytest.fixture
def submitted(gb, login_as, app):  # type: ignore[no-untyped-def]
    c = login_as(gb.t1)
    fill(c, gb.toan_a1, gb.students_a1)
    r = c.post(f"/gradebook/{gb.toan_a1}/submit", data={"note": "Đã đủ điểm"})
    assert r.status_code == 303, r.text
    return c


def test_submit_sends_the_xlsx_into_the_records_chain_and_locks_for_review(gb, submitted, app, cell) -> None:
    state = record_of(app, gb.toan_a1)
    assert state.record is not None and state.state.value == "submitted"
    assert state.record.chain == ["to_truong", "hieu_truong"]
    page = submitted.get(f"/gradebook/{gb.toan_a1}")
    assert "Chờ duyệt" in page.text and 'class="cell-input"' not in page.text


def _attempts(client, gb, book: int):  # type: ignore[no-untyped-def]
    """edit, delete, batch, comment, import, resubmit: each must be refused with 409."""
    from tests.gradebook.test_import_export import exported

    sid = gb.students_a1[0].id
    yield "edit", post_cell(client, book, sid, "tx1", "10", 1)
    yield "delete", post_cell(client, book, sid, "tx1", "", 1)
    yield (
        "batch",
        client.htmx(
            "POST",
            f"/gradebook/{book}/cells/batch",
            data={"cells": json.dumps([{"student_id": sid, "column": "gk", "value": "9", "version": 1}])},
        ),
    )
    yield (
        "comment",
        client.htmx(
            "POST",
            f"/gradebook/{book}/comments",
            data={"student_id": sid, "text": "x", "version": 0},
        ),
    )
    yield (
        "import",
        client.post(
            f"/gradebook/{book}/import",
            content_type="multipart/form-data",
            data={"file": (io.BytesIO(exported(client, book)), "so-diem.xlsx")},
        ),
    )
    yield "resubmit", client.post(f"/gradebook/{book}/submit", data={"acknowledge": "y"})


@pytest.mark.parametrize("stage", ["submitted", "approved", "lock_date"])
def test_every_write_to_a_locked_grid_is_409_and_changes_nothing(
    gb, submitted, app, as_user, db_digest, audit_rows, stage
) -> None:
    if stage == "approved":
        decide(app, as_user, gb.tt_toan, gb.toan_a1)
        decide(app, as_user, gb.ht, gb.toan_a1)
        assert record_of(app, gb.toan_a1).state.value == "approved"
    if stage == "lock_date":
        decide(app, as_user, gb.tt_toan, gb.toan_a1, "return", "Sửa lại điểm GK")
        _set_lock_date(app, gb, days_ago=1)
    before = db_digest()
    rejected_before = len(audit_rows("grade.write_rejected_locked"))
    attempts = 0
    for name, response in _attempts(submitted, gb, gb.toan_a1):
        assert response.status_code == 409, (name, response.status_code)
        attempts += 1
        if name in ("edit", "delete"):
            assert "<html" not in response.text and 'class="cell-error"' in response.text
    rows = audit_rows("grade.write_rejected_locked")
    assert len(rows) - rejected_before == attempts == 6
    assert {r[3]["attempt"] for r in rows} == {"cell", "batch", "comment", "import", "submit"}
    assert db_digest() == before


def _set_lock_date(app, gb, days_ago: int) -> None:  # type: ignore[no-untyped-def]
    from app.gradebook.locking import today_local
    from app.school import services as school
    from app.school.models import Term

    with app.app_context():
        term = db.session.get(Term, gb.term1)
        school.update_term(
            None,
            term,
            start_date=term.start_date,
            end_date=term.end_date,
            lock_date=today_local() - timedelta(days=days_ago),
        )
        db.session.commit()


def test_lock_date_today_still_allows_entry_and_is_judged_by_server_time(gb, login_as, app, cell) -> None:
    _set_lock_date(app, gb, days_ago=0)  # locks *after* the lock date
    c = login_as(gb.t1)
    sid = gb.students_a1[0].id
    assert post_cell(c, gb.toan_a1, sid, "tx1", "8", 0, now="2000-01-01").status_code == 200
    _set_lock_date(app, gb, days_ago=1)
    r = post_cell(c, gb.toan_a1, sid, "tx1", "9", 1, headers_date="2000-01-01")
    assert r.status_code == 409 and "khoá sổ" in r.text
    assert cell(gb.toan_a1, sid, "tx1") == (Decimal("8.0"), 1)


def test_returned_grid_is_editable_again_and_can_be_resubmitted(gb, submitted, app, as_user, cell) -> None:
    decide(app, as_user, gb.tt_toan, gb.toan_a1, "return", "GK của Canary-A01 chưa đúng")
    assert record_of(app, gb.toan_a1).state.value == "returned"
    sid = gb.students_a1[0].id
    assert post_cell(submitted, gb.toan_a1, sid, "gk", "8", 1).status_code == 200
    r = submitted.post(f"/gradebook/{gb.toan_a1}/submit", data={})
    assert r.status_code == 303
    state = record_of(app, gb.toan_a1)
    assert state.state.value == "submitted" and len(state.record.versions) == 2


def test_blanks_must_be_acknowledged_and_the_missed_test_rule_records_zero(gb, login_as, app, cell, audit_rows) -> None:
    c = login_as(gb.t1)
    fill(c, gb.toan_a1, gb.students_a1[:2])
    partial = {k: v for k, v in FULL_ROW.items() if k != "gk"}
    fill(c, gb.toan_a1, gb.students_a1[2:], partial)
    refused = c.post(f"/gradebook/{gb.toan_a1}/submit", data={})
    assert refused.status_code == 422 and "ô trống" in refused.text
    assert "Canary-A03" in refused.text and record_of(app, gb.toan_a1).state.value == "draft"
    ok = c.post(f"/gradebook/{gb.toan_a1}/submit", data={"acknowledge": "y"})
    assert ok.status_code == 303
    assert cell(gb.toan_a1, gb.students_a1[2].id, "gk") == (Decimal("0.0"), 1)
    filled = audit_rows("grade.missed_tests_filled")
    assert len(filled) == 1 and filled[0][3]["cells"] == {f"{gb.students_a1[2].id}:gk": [None, "0.0"]}


def test_blank_rule_setting_leaves_the_cell_blank(gb, login_as, app, cell) -> None:
    from app.gradebook.services import settings

    with app.app_context():
        settings.save_settings(
            None,
            adjustment_reading="one_step_above_computed",
            adjustment_counts_comment=True,
            missed_rule="blank",
        )
        db.session.commit()
    c = login_as(gb.t1)
    fill(c, gb.toan_a1, gb.students_a1, {k: v for k, v in FULL_ROW.items() if k != "ck"})
    assert c.post(f"/gradebook/{gb.toan_a1}/submit", data={"acknowledge": "y"}).status_code == 303
    assert cell(gb.toan_a1, gb.students_a1[0].id, "ck") == (None, 0)


def test_only_the_assigned_teacher_submits(gb, login_as) -> None:
    assert login_as(gb.tt_toan).post(f"/gradebook/{gb.toan_a1}/submit", data={}).status_code == 403
    assert login_as(gb.t2).post(f"/gradebook/{gb.toan_a1}/submit", data={}).status_code == 404
    assert login_as(gb.ht).post(f"/gradebook/{gb.toan_a1}/submit", data={}).status_code == 403
