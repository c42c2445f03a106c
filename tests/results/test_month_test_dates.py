"""The subject teacher's test date of an ĐĐGtx column (grade book page), and the school
setting "báo cáo tháng cần BGH duyệt" (Thông tin trường)."""

from __future__ import annotations

import re

from app.extensions import db


def _dates(app, book):  # type: ignore[no-untyped-def]
    from app.gradebook.models import GradeBook

    with app.app_context():
        return dict(db.session.get(GradeBook, book).tx_dates or {})


def test_the_teacher_sets_and_clears_a_test_date_audited(app, gb, login_as, audit_rows) -> None:
    client = login_as(gb.t1)
    page = client.get(f"/gradebook/{gb.toan_a1}")
    assert page.status_code == 200 and "Ngày kiểm tra của các cột ĐĐGtx" in page.text
    done = client.post(f"/gradebook/{gb.toan_a1}/tx-dates", data={"column": "tx2", "day": "2024-10-28"})
    assert done.status_code in (302, 303)
    assert _dates(app, gb.toan_a1) == {"2": "2024-10-28"}
    event = audit_rows("gradebook.tx_date_set")[-1]
    assert event[3]["tx_dates"] == [{}, {"2": "2024-10-28"}] and event[3]["column"] == "tx2"
    client.post(f"/gradebook/{gb.toan_a1}/tx-dates", data={"column": "tx2", "day": ""})
    assert _dates(app, gb.toan_a1) == {}
    assert len(audit_rows("gradebook.tx_date_set")) == 2


def test_a_test_date_outside_the_term_or_on_gk_is_refused(app, gb, login_as) -> None:
    client = login_as(gb.t1)
    outside = client.post(f"/gradebook/{gb.toan_a1}/tx-dates", data={"column": "tx1", "day": "2025-02-03"})
    assert outside.status_code == 422
    assert "Ngày kiểm tra 03/02/2025 nằm ngoài Học kỳ I (từ 05/09/2024 đến 15/01/2025)." in outside.text
    gk = client.post(f"/gradebook/{gb.toan_a1}/tx-dates", data={"column": "gk", "day": "2024-10-10"})
    assert gk.status_code == 422 and "Chỉ các cột đánh giá thường xuyên" in gk.text
    bad = client.post(f"/gradebook/{gb.toan_a1}/tx-dates", data={"column": "tx9", "day": "2024-10-10"})
    assert bad.status_code == 404
    missing = client.post(f"/gradebook/{gb.toan_a1}/tx-dates", data={"column": "tx1"})
    assert missing.status_code == 422
    assert _dates(app, gb.toan_a1) == {}


def test_only_the_books_teacher_sets_a_test_date(app, gb, login_as) -> None:
    data = {"column": "tx1", "day": "2024-10-10"}
    assert login_as(gb.t2).post(f"/gradebook/{gb.toan_a1}/tx-dates", data=data).status_code == 404
    assert login_as(gb.gvcn).post(f"/gradebook/{gb.toan_a1}/tx-dates", data=data).status_code == 403
    assert login_as(gb.ht).post(f"/gradebook/{gb.toan_a1}/tx-dates", data=data).status_code == 403
    assert _dates(app, gb.toan_a1) == {}


def test_the_approval_setting_is_off_by_default_and_edited_in_school_info(app, school_fixture, login_as) -> None:
    from app.results import queries
    from app.school.models import School

    data = {"name": "THPT Thử", "code": "T1", "level": "THPT", "province": "Trà Vinh"} | dict.fromkeys(
        ("district", "address", "phone", "governing_body", "place_name"), ""
    )
    client = login_as(school_fixture.admin)
    assert client.post("/school/admin/school", data=data).status_code == 303
    with app.app_context():
        school = db.session.query(School).one()
        assert school.month_approval_required is False and not queries.month_approval_required(school)
    assert client.post("/school/admin/school", data=data | {"month_approval_required": "y"}).status_code == 303
    with app.app_context():
        assert db.session.query(School).one().month_approval_required is True
    shown = client.get("/school/admin/school")
    assert "Báo cáo tháng của lớp cần Ban giám hiệu duyệt trước khi công bố" in shown.text
    box = re.search(r'<input[^>]*name="month_approval_required"[^>]*>', shown.text)
    assert box is not None and "checked" in box.group(0)
