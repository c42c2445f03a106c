"""The screens of the học bạ data: the student page (history, quá trình học tập), Chuyển lớp,
chuyển trường / thôi học, the year's hiệu trưởng and the school settings — quản trị writes,
BGH reads, teachers get 403 (function level) or 404 (out of scope), bad input 422 naming
the field, a page or an htmx fragment."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.school import services
from app.school.models import Enrollment, PriorSchooling, School, Student, YearPrincipal
from tests.school.conftest import count, events


def _move_body(fx, day: str = "20/01/2025") -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"move-class_id": str(fx.c10a2.id), "move-on": day}


LEAVE = {"leave-kind": "chuyen_truong", "leave-on": "03/03/2025", "leave-reason": "Chuyển đến THCS Mỹ Long"}
SCHOOLING = {
    "schooling-year_name": "2023-2024",
    "schooling-class_name": "9A2",
    "schooling-school_name": "Trường THCS Mỹ Long",
    "schooling-place": "huyện Cầu Ngang, tỉnh Trà Vinh",
}


def _add_row(app, student_id: int) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        row = services.add_schooling(
            None, db.session.get(Student, student_id), year_name="2023-2024", class_name="9A2", school_name="THCS Cũ"
        )
        db.session.commit()
        return row.id


# --- the student page ----------------------------------------------------------------------


def test_the_student_page_shows_history_and_prior_schooling_to_bgh_and_the_gvcn(app, school_fixture, login_as) -> None:
    fx = school_fixture
    student = fx.students_a1[0]
    _add_row(app, student.id)
    url = f"/school/students/{student.id}"
    for reader in (fx.ht, fx.gvcn, fx.admin):
        page = login_as(reader).get(url).text
        assert 'id="enrollment-history"' in page and "05/09/2024" in page and "Đang học" in page
        assert 'id="prior-schooling"' in page and "THCS Cũ" in page
    teacher = login_as(fx.t1).get(url)  # teaches 10A1 Toán: the page, not the quá trình học tập
    assert teacher.status_code == 200 and 'id="enrollment-history"' in teacher.text
    assert 'id="prior-schooling"' not in teacher.text and "THCS Cũ" not in teacher.text
    assert login_as(fx.t2).get(url).status_code == 404  # 10A2's teacher: out of scope
    # only the quản trị gets the forms
    assert 'id="move-form"' in login_as(fx.admin).get(url).text
    assert 'id="move-form"' not in login_as(fx.ht).get(url).text


# --- Chuyển lớp ------------------------------------------------------------------------------


def test_the_admin_moves_a_student_and_the_page_shows_both_classes(app, school_fixture, admin_client) -> None:
    fx = school_fixture
    student = fx.students_a1[0]
    response = admin_client.post(f"/school/admin/students/{student.id}/move", data=_move_body(fx))
    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"]).text
    assert "Đã chuyển Nguyễn Canary-A01 Bích sang lớp 10A2 từ ngày 20/01/2025." in page
    assert "19/01/2025" in page and "Chuyển lớp" in page
    assert events(app, "student.class_changed")[-1].actor_id == fx.admin.id
    htmx = admin_client.htmx("POST", f"/school/admin/students/{fx.students_a1[1].id}/move", data=_move_body(fx))
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"].endswith(f"/school/students/{fx.students_a1[1].id}")


def test_only_the_admin_moves_students(app, school_fixture, login_as) -> None:
    fx = school_fixture
    url = f"/school/admin/students/{fx.students_a1[0].id}/move"
    for user in (fx.ht, fx.gvcn, fx.t1):
        assert login_as(user).post(url, data=_move_body(fx)).status_code == 403
    assert login_as(fx.admin).post("/school/admin/students/999999/move", data=_move_body(fx)).status_code == 404
    assert count(app, Enrollment, Enrollment.end_date.is_not(None)) == 0


def test_a_bad_move_is_422_naming_the_field_as_a_fragment_or_the_page(app, school_fixture, admin_client) -> None:
    fx = school_fixture
    url = f"/school/admin/students/{fx.students_a1[0].id}/move"
    blank = admin_client.htmx("POST", url, data={"move-class_id": "", "move-on": ""})
    assert blank.status_code == 422 and "<html" not in blank.text and 'id="move-form"' in blank.text
    assert "Vui lòng chọn lớp chuyển đến." in blank.text and "Vui lòng nhập từ ngày." in blank.text
    early = admin_client.post(url, data=_move_body(fx, "05/09/2024"))
    assert early.status_code == 422 and "<html" in early.text
    assert "Ngày chuyển lớp phải sau ngày vào lớp 10A1 (05/09/2024)." in early.text
    other = admin_client.htmx("POST", url, data={**_move_body(fx), "move-class_id": str(fx.c10a1.id)})
    assert other.status_code == 422 and "Lựa chọn không hợp lệ" in other.text  # not among the other classes
    assert count(app, Enrollment, Enrollment.end_date.is_not(None)) == 0


# --- chuyển trường / thôi học ---------------------------------------------------------------


def test_the_admin_records_a_departure_and_a_second_one_is_409(app, school_fixture, admin_client, login_as) -> None:
    fx = school_fixture
    student = fx.students_a1[0]
    url = f"/school/admin/students/{student.id}/leave"
    assert admin_client.post(url, data=LEAVE).status_code == 303
    page = admin_client.get(f"/school/students/{student.id}").text
    assert 'id="student-left"' in page and "Chuyển trường: Chuyển đến THCS Mỹ Long" in page
    assert 'id="move-form"' not in page
    assert login_as(fx.t1).get(f"/school/students/{student.id}").status_code == 404  # left: no class to see it by
    again = admin_client.post(url, data=LEAVE)
    assert again.status_code == 409 and "không còn lớp đang học" in again.text
    assert "Chuyển trường" in login_as(fx.ht).get(f"/school/students/{student.id}").text  # BGH still sees them
    assert login_as(fx.gvcn).get(f"/school/students/{student.id}").status_code == 404  # no longer in 10A1


def test_a_departure_needs_its_reason_and_kind(app, school_fixture, admin_client) -> None:
    fx = school_fixture
    url = f"/school/admin/students/{fx.students_a1[0].id}/leave"
    response = admin_client.htmx("POST", url, data={**LEAVE, "leave-reason": "", "leave-kind": ""})
    assert response.status_code == 422 and 'id="leave-form"' in response.text
    assert "Vui lòng nhập lý do." in response.text and "Vui lòng chọn chuyển trường hay thôi học." in response.text
    assert admin_client.post(url, data={"leave-kind": "thoi_hoc", "leave-on": "03/03/2025"}).status_code == 422
    assert count(app, Enrollment, Enrollment.end_date.is_not(None)) == 0


# --- quá trình học tập ------------------------------------------------------------------------


def test_the_admin_adds_edits_and_removes_prior_schooling(app, school_fixture, admin_client) -> None:
    fx = school_fixture
    sid = fx.students_a1[0].id
    added = admin_client.post(f"/school/admin/students/{sid}/schooling", data=SCHOOLING)
    assert added.status_code == 303
    with app.app_context():
        row = db.session.scalar(select(PriorSchooling).where(PriorSchooling.student_id == sid))
        row_id = row.id
    edit = {k.replace("schooling-", f"schooling{row_id}-"): v for k, v in SCHOOLING.items()}
    edit[f"schooling{row_id}-class_name"] = "9A3"
    assert admin_client.post(f"/school/admin/students/{sid}/schooling/{row_id}", data=edit).status_code == 303
    page = admin_client.get(f"/school/students/{sid}").text
    assert "9A3" in page and "huyện Cầu Ngang, tỉnh Trà Vinh" in page
    assert admin_client.post(f"/school/admin/students/{sid}/schooling/{row_id}/delete").status_code == 303
    assert count(app, PriorSchooling) == 0


def test_prior_schooling_bad_input_and_scope(app, school_fixture, admin_client, login_as) -> None:
    fx = school_fixture
    sid, other = fx.students_a1[0].id, fx.students_a1[1].id
    bad = admin_client.htmx(
        "POST", f"/school/admin/students/{sid}/schooling", data={**SCHOOLING, "schooling-year_name": "23-24"}
    )
    assert bad.status_code == 422 and "Năm học phải có dạng 2023-2024." in bad.text and "<html" not in bad.text
    gap = admin_client.post(
        f"/school/admin/students/{sid}/schooling", data={**SCHOOLING, "schooling-year_name": "2023-2025"}
    )
    assert gap.status_code == 422 and "hai năm liền nhau" in gap.text
    row_id = _add_row(app, other)
    # a row of another student through this student's URL: 404, nothing removed
    assert admin_client.post(f"/school/admin/students/{sid}/schooling/{row_id}/delete").status_code == 404
    for user in (fx.ht, fx.gvcn):
        assert login_as(user).post(f"/school/admin/students/{other}/schooling/{row_id}/delete").status_code == 403
    assert count(app, PriorSchooling) == 1


# --- the hiệu trưởng of the year --------------------------------------------------------------


def test_the_admin_records_the_principal_on_the_year_screen(app, school_fixture, admin_client, login_as) -> None:
    fx = school_fixture
    y = fx.year.id
    page = admin_client.get("/school/admin/years").text
    assert "Chưa ghi nhận. Mặc định: <strong>Ngô Văn Hiệu Trưởng</strong>" in page
    body = {f"p{y}-user_id": str(fx.ht.id), f"p{y}-full_name": "", f"p{y}-start_date": ""}
    assert admin_client.post(f"/school/admin/years/{y}/principal", data=body).status_code == 303
    shown = login_as(fx.ht).get("/school/admin/years").text  # BGH reads, without the form
    assert "<strong>Ngô Văn Hiệu Trưởng</strong> · từ 05/09/2024 · tài khoản ht" in shown
    assert "Ghi nhận hiệu trưởng năm" not in shown
    assert login_as(fx.t1).get("/school/admin/years").status_code == 403
    assert login_as(fx.ht).post(f"/school/admin/years/{y}/principal", data=body).status_code == 403
    with app.app_context():
        row_id = db.session.scalar(select(YearPrincipal.id))
    assert login_as(fx.ht).post(f"/school/admin/principals/{row_id}/delete").status_code == 403
    assert admin_client.post(f"/school/admin/principals/{row_id}/delete").status_code == 303
    assert admin_client.post("/school/admin/principals/999999/delete").status_code == 404
    assert count(app, YearPrincipal) == 0


def test_a_principal_without_account_or_name_is_422(app, school_fixture, admin_client) -> None:
    y = school_fixture.year.id
    body = {f"p{y}-user_id": "", f"p{y}-full_name": " ", f"p{y}-start_date": ""}
    response = admin_client.htmx("POST", f"/school/admin/years/{y}/principal", data=body)
    assert response.status_code == 422 and "<html" not in response.text
    assert "Chọn tài khoản hiệu trưởng hoặc ghi họ tên hiệu trưởng." in response.text
    late = {**body, f"p{y}-full_name": "Ai Đó", f"p{y}-start_date": "01/07/2025"}
    response = admin_client.post(f"/school/admin/years/{y}/principal", data=late)
    assert response.status_code == 422 and "Ngày nhận nhiệm vụ phải trong năm học 2024-2025" in response.text
    assert count(app, YearPrincipal) == 0


# --- the school settings screen ---------------------------------------------------------------


def test_the_school_screen_saves_governing_body_place_and_delegation(
    app, school_fixture, admin_client, login_as
) -> None:
    data = {
        "name": "Trường THCS Cầu Ngang",
        "code": "CN01",
        "level": "THCS",
        "province": "Trà Vinh",
        "district": "Huyện Cầu Ngang",
        "address": "",
        "phone": "",
        "governing_body": "Phòng Giáo dục và Đào tạo huyện Cầu Ngang",
        "place_name": "Cầu Ngang",
        "close_delegate_allowed": "y",
    }
    assert admin_client.post("/school/admin/school", data=data).status_code == 303
    with app.app_context():
        school = db.session.scalar(select(School))
        assert school.close_delegate_allowed is True and school.place_name == "Cầu Ngang"
    page = login_as(school_fixture.ht).get("/school/admin/school").text
    assert "Phòng Giáo dục và Đào tạo huyện Cầu Ngang" in page and "Cầu Ngang, ngày … tháng … năm …" in page
    assert "Được (theo uỷ quyền)" in page and "Ngô Văn Hiệu Trưởng" in page
    unticked = {k: v for k, v in data.items() if k != "close_delegate_allowed"}  # a browser omits it
    assert admin_client.post("/school/admin/school", data=unticked).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(School)).close_delegate_allowed is False
    long = admin_client.htmx("POST", "/school/admin/school", data={**data, "place_name": "x" * 101})
    assert long.status_code == 422 and "Địa danh ghi ở dòng ngày tháng dài tối đa 100 ký tự." in long.text
    assert login_as(school_fixture.ht).post("/school/admin/school", data=data).status_code == 403


def test_a_moved_students_old_enrollment_is_dated(app, school_fixture, admin_client) -> None:
    fx = school_fixture
    admin_client.post(f"/school/admin/students/{fx.students_a1[0].id}/move", data=_move_body(fx))
    with app.app_context():
        ends = db.session.scalars(select(Enrollment.end_date).where(Enrollment.student_id == fx.students_a1[0].id))
        assert sorted((e for e in ends if e), key=str) == [date(2025, 1, 19)]
