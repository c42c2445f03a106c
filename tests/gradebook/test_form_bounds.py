"""Every integer a grade book form takes is bounded (issue 7, item 5): a 30-digit
student_id / class_id / term_id / subject_id / version — in a form field, in the JSON of a
paste, in a signed import plan — answers 422 with a Vietnamese sentence and changes
nothing; never a 500 (SQLite raises OverflowError past 2**63 - 1). And a POST that leaves
out a field of a form that edits stored data is a 422, never read as "clear"."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.gradebook.conftest import handle_of
from tests.security.conftest import rules

HUGE = "9" * 30


@pytest.fixture
def locked(gb, app, as_user):  # type: ignore[no-untyped-def]
    """gb with HK I locked by date and one correction request by T1 (for the decisions)."""
    from app.gradebook.services import corrections, entry
    from app.gradebook.values import CellValue, Column
    from app.school import services as school
    from app.school.models import Term

    sid = gb.students_a1[0].id
    as_user(
        gb.t1,
        lambda a: entry.save_cell(
            a, handle_of(app, a, gb.toan_a1), entry.CellWrite(sid, Column("gk", 1), CellValue(Decimal("6.5")), 0)
        ),
    )
    with app.app_context():
        term = db.session.get(Term, gb.term1)
        school.update_term(
            None, term, start_date=term.start_date, end_date=term.end_date, lock_date=date.today() - timedelta(days=3)
        )
        db.session.commit()

    def request(actor: Any) -> int:
        handle = handle_of(app, actor, gb.toan_a1)
        return corrections.request_correction(actor, handle, sid, Column("gk", 1), "7,5", "Nhập nhầm").id

    gb.correction = as_user(gb.t1, request)
    return gb


def _plan_with(app, gb, student_id: Any, version: Any) -> str:  # type: ignore[no-untyped-def]
    from app.gradebook import imports

    with app.test_request_context():
        return imports._serializer().dumps(
            {"gb": gb.toan_a1, "u": gb.t1.id, "cells": [[student_id, "tx1", "8", version]]}
        )


def cases(app, gb) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:  # type: ignore[no-untyped-def]
    """endpoint → [(user, url, body with one hostile number)]."""
    sid, book = gb.students_a1[0].id, gb.toan_a1
    cell = {"student_id": sid, "column": "tx1", "value": "8", "version": 0}
    comment = {"student_id": sid, "text": "Tiến bộ", "version": 0}
    corr = f"/gradebook/corrections/{gb.correction}"
    paste = [{"student_id": sid, "column": "tx1", "value": "8", "version": 0}]
    return {
        "gradebook.open_book": [
            (
                "t1",
                "/gradebook/open",
                {"class_id": gb.c10a1.id, "subject_id": gb.toan.id, "term_id": gb.term2} | hostile,
            )
            for hostile in ({"class_id": HUGE}, {"subject_id": HUGE}, {"term_id": HUGE})
        ],
        "gradebook.save_cell": [
            ("t1", f"/gradebook/{book}/cells", cell | {"student_id": HUGE}),
            ("t1", f"/gradebook/{book}/cells", cell | {"version": HUGE}),
        ],
        "gradebook.save_batch": [
            ("t1", f"/gradebook/{book}/cells/batch", {"cells": json.dumps([paste[0] | {"student_id": HUGE}])}),
            ("t1", f"/gradebook/{book}/cells/batch", {"cells": json.dumps([paste[0] | {"version": int(HUGE)}])}),
        ],
        "gradebook.save_comment": [
            ("t1", f"/gradebook/{book}/comments", comment | {"student_id": HUGE}),
            ("t1", f"/gradebook/{book}/comments", comment | {"version": HUGE}),
        ],
        "gradebook.import_confirm": [
            ("t1", f"/gradebook/{book}/import/confirm", {"payload": _plan_with(app, gb, int(HUGE), 0)}),
            ("t1", f"/gradebook/{book}/import/confirm", {"payload": _plan_with(app, gb, sid, int(HUGE))}),
        ],
        "gradebook.correction_create": [
            (
                "t1",
                f"/gradebook/{book}/corrections",
                {"student_id": HUGE, "column": "ck", "new_value": "9", "reason": "Phúc khảo"},
            )
        ],
        "gradebook.correction_decide": [("gvcn", f"{corr}/decide", {"action": "approve", "version": HUGE})],
        "gradebook.correction_withdraw": [("t1", f"{corr}/withdraw", {"version": HUGE})],
        "gradebook.lock_date_save": [("ht", "/gradebook/settings/lock-date", {"term_id": HUGE, "lock_date": ""})],
    }


#: POST endpoints without an integer in their body
#: (set_tx_date: a column key and a date — tests/results/test_month_test_dates.py refuses a
#: day outside the term, a non-ĐĐGtx column and a missing field with 422)
NO_NUMBERS = {"gradebook.import_preview", "gradebook.submit", "gradebook.settings_save", "gradebook.set_tx_date"}


def test_every_post_of_the_grade_book_is_covered(app, locked) -> None:
    posts = {r.endpoint for r in rules(app, "POST") if r.endpoint.startswith("gradebook.")}
    assert posts == set(cases(app, locked)) | NO_NUMBERS


def test_a_30_digit_number_in_any_grade_book_form_is_a_422_with_a_sentence(app, locked, login_as, db_digest) -> None:
    users = {"t1": locked.t1, "gvcn": locked.gvcn, "ht": locked.ht}
    before = db_digest()
    tried = 0
    for endpoint, posts in cases(app, locked).items():
        for who, url, body in posts:
            for send in ("page", "htmx"):
                client = login_as(users[who])
                r = client.post(url, data=body) if send == "page" else client.htmx("POST", url, data=body)
                assert r.status_code == 422, (endpoint, body, send, r.status_code)
                assert "không hợp lệ" in r.text or "Bản xem trước" in r.text, (endpoint, r.text[:300])
                tried += 1
    assert tried >= 30
    assert db_digest() == before


# ---------------------------------------------------------------------------- missing fields


def test_a_cell_post_without_its_value_clears_nothing(gb, login_as, cell) -> None:
    c = login_as(gb.t1)
    sid = gb.students_a1[0].id
    url = f"/gradebook/{gb.toan_a1}/cells"
    assert c.htmx("POST", url, data={"student_id": sid, "column": "tx1", "value": "8", "version": 0}).status_code == 200
    r = c.htmx("POST", url, data={"student_id": sid, "column": "tx1", "version": 1})  # no "value"
    assert r.status_code == 422 and "Thiếu trường" in r.text and "<html" not in r.text
    assert cell(gb.toan_a1, sid, "tx1") == (Decimal("8.0"), 1)
    # clearing stays possible: an explicit blank value
    assert c.htmx("POST", url, data={"student_id": sid, "column": "tx1", "value": "", "version": 1}).status_code == 200
    assert cell(gb.toan_a1, sid, "tx1") == (None, 2)


def test_a_comment_post_without_its_text_clears_nothing(gb, login_as, audit_rows) -> None:
    c = login_as(gb.t1)
    sid = gb.students_a1[0].id
    url = f"/gradebook/{gb.toan_a1}/comments"
    assert c.htmx("POST", url, data={"student_id": sid, "text": "Tiến bộ", "version": 0}).status_code == 200
    r = c.htmx("POST", url, data={"student_id": sid, "version": 1})
    assert r.status_code == 422 and "Thiếu trường" in r.text
    assert [a[3]["comment"] for a in audit_rows("grade.comment_changed")] == [["", "Tiến bộ"]]


def test_a_lock_date_post_without_the_date_keeps_the_lock_date(gb, login_as, app) -> None:
    from app.school.models import Term

    ht = login_as(gb.ht)
    url = "/gradebook/settings/lock-date"
    assert ht.post(url, data={"term_id": gb.term1, "lock_date": "2025-01-20"}).status_code == 303
    r = ht.post(url, data={"term_id": gb.term1})
    assert r.status_code == 422 and "Thiếu trường" in r.text
    with app.app_context():
        assert db.session.scalar(select(Term.lock_date).where(Term.id == gb.term1)) == date(2025, 1, 20)
    bad = ht.post(url, data={"term_id": gb.term1, "lock_date": "2025-02-31"})
    assert bad.status_code == 422 and "không hợp lệ" in bad.text
    assert ht.post(url, data={"term_id": gb.term1, "lock_date": ""}).status_code == 303  # explicit clear
    with app.app_context():
        assert db.session.scalar(select(Term.lock_date).where(Term.id == gb.term1)) is None


def test_a_settings_post_without_a_setting_changes_nothing(gb, login_as, audit_rows) -> None:
    r = login_as(gb.ht).post("/gradebook/settings", data={"adjustment_reading": "one_below_reachable"})
    assert r.status_code == 422 and "Thiếu trường" in r.text
    assert audit_rows("setting.changed") == []
