"""Every integer a class book form takes is bounded: a 30-digit student_id / term_id /
subject_id / version answers 422 with a Vietnamese sentence and changes nothing, never a
500. A POST that leaves out a field of a form that edits a stored row is a 422, never
read as "clear"."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.extensions import db
from tests.security.conftest import rules

HUGE = "9" * 30


@pytest.fixture
def book(gb, app, as_user, make_subject, make_assignment):  # type: ignore[no-untyped-def]
    """gb with GDTC taught in 10A1 and one exemption asked by the GVCN."""
    from app.gradebook.services import exemptions
    from app.school.models import AssessmentKind, SchoolClass, Subject, Term

    gb.gdtc = make_subject("Giáo dục thể chất", "GDTC", kind=AssessmentKind.COMMENT, periods=70)
    make_assignment(gb.t1, gb.c10a1, gb.gdtc)

    def ask(actor: Any) -> int:
        cls = db.session.get(SchoolClass, gb.c10a1.id)
        subject = db.session.get(Subject, gb.gdtc.id)
        term = db.session.get(Term, gb.term1)
        return exemptions.request_exemption(actor, cls, gb.students_a1[0].id, subject, term, "Gãy tay").id

    gb.exemption = as_user(gb.gvcn, ask)
    return gb


def cases(book) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:  # type: ignore[no-untyped-def]
    sid, base = book.students_a1[0].id, f"/homeroom/{book.c10a1.id}"
    conduct = {"student_id": sid, "term_id": book.term1, "level": "T", "version": 0}
    remark = {"student_id": sid, "term_id": book.term1, "text": "Ngoan", "version": 0}
    attendance = {"student_id": sid, "day": "2024-10-01", "status": "excused"}
    summer = {"student_id": sid, "value": "D", "version": 0}
    retest = {"student_id": sid, "subject_id": book.toan.id, "value": "6", "version": 0}
    exemption = {"student_id": sid, "subject_id": book.gdtc.id, "term_id": book.term1, "reason": "Gãy tay"}
    correction = {"student_id": sid, "field": "conduct", "term_id": book.term1, "level": "K", "reason": "Nhầm"}
    return {
        "homeroom.correction_create": [
            ("gvcn", f"{base}/corrections", correction | {k: HUGE}) for k in ("student_id", "term_id", "subject_id")
        ],
        "homeroom.conduct": [
            ("gvcn", f"{base}/conduct", conduct | {k: HUGE}) for k in ("student_id", "term_id", "version")
        ],
        "homeroom.remark": [
            ("gvcn", f"{base}/remark", remark | {k: HUGE}) for k in ("student_id", "term_id", "version")
        ],
        "homeroom.attendance_save": [
            ("gvcn", f"{base}/attendance", attendance | {"student_id": HUGE}),
            ("gvcn", f"{base}/attendance", attendance | {"index": HUGE}),
        ],
        "homeroom.summer_save": [("gvcn", f"{base}/summer", summer | {k: HUGE}) for k in ("student_id", "version")]
        + [("gvcn", f"{base}/summer", retest | {k: HUGE}) for k in ("student_id", "subject_id", "version")],
        "homeroom.exemption_create": [
            ("gvcn", f"{base}/exemptions", exemption | {k: HUGE}) for k in ("student_id", "subject_id", "term_id")
        ],
        "homeroom.exemption_decide": [
            ("ht", f"/homeroom/exemptions/{book.exemption}/decide", {"action": "approve", "version": HUGE})
        ],
    }


#: they need an approved close first: tests/results/test_corrections_after_close.py bounds them
AFTER_A_CLOSE = {"homeroom.correction_decide", "homeroom.correction_withdraw"}


def test_every_post_of_the_class_book_is_covered(app, book) -> None:
    posts = {r.endpoint for r in rules(app, "POST") if r.endpoint.startswith("homeroom.")}
    assert posts == set(cases(book)) | AFTER_A_CLOSE


def test_a_30_digit_number_in_any_class_book_form_is_a_422_with_a_sentence(app, book, login_as) -> None:
    from tests.security.conftest import db_digest

    users = {"gvcn": book.gvcn, "ht": book.ht}
    before = db_digest(app)
    tried = 0
    for endpoint, posts in cases(book).items():
        for who, url, body in posts:
            for send in ("page", "htmx"):
                client = login_as(users[who])
                r = client.post(url, data=body) if send == "page" else client.htmx("POST", url, data=body)
                assert r.status_code == 422, (endpoint, body, send, r.status_code)
                assert "không hợp lệ" in r.text, (endpoint, body)
                tried += 1
    assert tried >= 28
    assert db_digest(app) == before


def test_a_conduct_or_remark_post_without_its_value_clears_nothing(book, login_as, audit_rows) -> None:
    c = login_as(book.gvcn)
    sid, base = book.students_a1[0].id, f"/homeroom/{book.c10a1.id}"
    conduct = {"student_id": sid, "term_id": book.term1, "version": 0}
    assert c.htmx("POST", f"{base}/conduct", data=conduct | {"level": "K"}).status_code == 200
    r = c.htmx("POST", f"{base}/conduct", data=conduct | {"version": 1})  # no "level"
    assert r.status_code == 422 and "Thiếu trường" in r.text
    remark = {"student_id": sid, "term_id": book.term1, "version": 0}
    assert c.htmx("POST", f"{base}/remark", data=remark | {"text": "Ngoan"}).status_code == 200
    r = c.htmx("POST", f"{base}/remark", data=remark | {"version": 1})  # no "text"
    assert r.status_code == 422 and "Thiếu trường" in r.text and 'value="Ngoan"' in r.text  # the stored text
    assert [a[3]["level"] for a in audit_rows("conduct.changed")] == [[None, "K"]]
    assert [a[3]["text"] for a in audit_rows("homeroom_remark.changed")] == [["", "Ngoan"]]
    # clearing stays an explicit choice: the blank "—" level
    assert c.htmx("POST", f"{base}/conduct", data=conduct | {"level": "", "version": 1}).status_code == 200
    assert [a[3]["level"] for a in audit_rows("conduct.changed")][-1] == ["K", None]


def test_an_attendance_post_without_a_status_removes_nothing(book, login_as, app) -> None:
    from app.homeroom.models import Attendance

    c = login_as(book.gvcn)
    sid, url = book.students_a1[0].id, f"/homeroom/{book.c10a1.id}/attendance"
    assert c.htmx("POST", url, data={"student_id": sid, "day": "2024-10-01", "status": "excused"}).status_code == 200
    r = c.htmx("POST", url, data={"student_id": sid, "day": "2024-10-01"})
    assert r.status_code == 422
    with app.app_context():
        assert db.session.query(Attendance).filter_by(student_id=sid, day=date(2024, 10, 1)).count() == 1
