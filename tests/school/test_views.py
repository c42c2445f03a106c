"""Admin screens: happy paths, 422 with Vietnamese field errors, page vs htmx fragment."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.school.models import (
    Department,
    SchoolClass,
    SchoolYear,
    Student,
    Subject,
    TeachingAssignment,
    Term,
)
from tests.school.conftest import count, events

SCHOOL_BLANKS = {"district": "", "address": "", "phone": "", "governing_body": "", "place_name": ""}
YEAR = {
    "start_year": "2025",
    "start_date": "05/09/2025",
    "end_date": "31/05/2026",
    "term1_start": "05/09/2025",
    "term1_end": "17/01/2026",
    "term2_start": "19/01/2026",
    "term2_end": "25/05/2026",
    "make_current": "y",
}


def test_admin_hub_lists_every_section(admin_client) -> None:
    page = admin_client.get("/school/admin")
    assert page.status_code == 200
    for label in (
        "Thông tin trường",
        "Năm học, học kỳ",
        "Tổ chuyên môn",
        "Môn học",
        "Lớp học",
        "Cán bộ, giáo viên",
        "Học sinh",
        "Nhập từ Excel",
    ):
        assert label in page.text


def test_school_info_is_saved(app, admin_client) -> None:
    data = {"name": "Trường THCS Lê Lợi", "code": "LL01", "level": "THCS", "province": "Huế", **SCHOOL_BLANKS}
    assert admin_client.post("/school/admin/school", data=data).status_code == 303
    assert "Trường THCS Lê Lợi" in admin_client.get("/school/admin/school").text
    bad = admin_client.htmx("POST", "/school/admin/school", data={**data, "name": ""})
    assert bad.status_code == 422
    assert "Vui lòng nhập tên trường." in bad.text and "<html" not in bad.text


def test_create_year_and_see_its_terms(app, admin_client, school_fixture) -> None:
    response = admin_client.post("/school/admin/years", data=YEAR)
    assert response.status_code == 303
    with app.app_context():
        year = db.session.scalar(select(SchoolYear).where(SchoolYear.start_year == 2025))
        assert year.is_current and len(year.terms) == 2
    page = admin_client.get("/school/admin/years").text
    assert "Năm học 2025-2026" in page and "Học kỳ II" in page


def test_year_form_errors_are_vietnamese_in_both_shapes(app, admin_client, school_fixture) -> None:
    bad = {**YEAR, "start_date": "31/02/2025", "start_year": "hai"}
    page = admin_client.post("/school/admin/years", data=bad)
    assert page.status_code == 422 and "<html" in page.text
    assert "Ngày &#39;31/02/2025&#39; không tồn tại: tháng 2 không có ngày 31." in page.text
    assert "&#39;hai&#39; không phải số nguyên hợp lệ." in page.text
    fragment = admin_client.htmx("POST", "/school/admin/years", data=bad)
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<form id="year-form"')
    overlap = admin_client.htmx("POST", "/school/admin/years", data={**YEAR, "term2_start": "01/01/2026"})
    assert overlap.status_code == 422 and "học kỳ II sau học kỳ I" in overlap.text
    assert count(app, SchoolYear, SchoolYear.start_year == 2025) == 0


def test_term_lock_date_saved_per_row_with_htmx(app, admin_client, school_fixture) -> None:
    with app.app_context():
        term = db.session.scalar(select(Term).where(Term.year_id == school_fixture.year.id, Term.number == 1))
        term_id = term.id
    prefix = f"term{term_id}-"
    data = {prefix + "start_date": "05/09/2024", prefix + "end_date": "15/01/2025", prefix + "lock_date": "25/01/2025"}
    response = admin_client.htmx("POST", f"/school/admin/terms/{term_id}", data=data)
    assert response.status_code == 200 and "<html" not in response.text
    assert response.headers["HX-Trigger"] == "termSaved" and "Đã lưu" in response.text
    bad = admin_client.htmx("POST", f"/school/admin/terms/{term_id}", data={**data, prefix + "lock_date": "01/01/2024"})
    assert bad.status_code == 422 and "khoá sổ không được trước ngày bắt đầu" in bad.text
    with app.app_context():
        assert str(db.session.get(Term, term_id).lock_date) == "2025-01-25"


def test_department_with_head_and_deputy(app, admin_client, school_fixture) -> None:
    fx = school_fixture
    response = admin_client.post(
        "/school/admin/departments", data={"name": "Ngoại ngữ", "head_id": str(fx.t1.id), "deputy_id": str(fx.t2.id)}
    )
    assert response.status_code == 303
    with app.app_context():
        dept = db.session.scalar(select(Department).where(Department.name == "Ngoại ngữ"))
        assert (dept.head_id, dept.deputy_id) == (fx.t1.id, fx.t2.id)
        dept_id = dept.id
    same = admin_client.htmx(
        "POST",
        f"/school/admin/departments/{dept_id}",
        data={"name": "Ngoại ngữ", "head_id": str(fx.t1.id), "deputy_id": str(fx.t1.id)},
    )
    assert same.status_code == 422 and "Tổ phó phải khác tổ trưởng." in same.text
    unknown = admin_client.htmx(
        "POST", f"/school/admin/departments/{dept_id}", data={"name": "Ngoại ngữ", "head_id": "999999", "deputy_id": ""}
    )
    assert unknown.status_code == 422 and "Lựa chọn không hợp lệ" in unknown.text


def test_subject_create_and_edit_periods(app, admin_client, school_fixture) -> None:
    data = {
        "code": "CN",
        "name": "Công nghệ",
        "assessment_kind": "score",
        "department_id": "",
        "p6": "35",
        "p7": "35",
        "p8": "35",
        "p9": "52",
        "p10": "",
        "p11": "",
        "p12": "",
        "sort_order": "",
    }
    assert admin_client.post("/school/admin/subjects", data=data).status_code == 303
    with app.app_context():
        subject_id = db.session.scalar(select(Subject.id).where(Subject.code == "CN"))
    response = admin_client.post(
        f"/school/admin/subjects/{subject_id}", data={**data, "code": "XX", "p9": "70", "p6": ""}
    )
    assert response.status_code == 303
    with app.app_context():
        subject = db.session.get(Subject, subject_id)
        assert subject.code == "CN"  # the code never changes
        assert [(p.grade_level, p.periods_per_year) for p in subject.periods] == [(7, 35), (8, 35), (9, 70)]
    none = admin_client.htmx(
        "POST",
        "/school/admin/subjects",
        data={**data, "code": "X2", "name": "Môn X", "p6": "", "p7": "", "p8": "", "p9": "0"},
    )
    assert none.status_code == 422
    assert "Số tiết/năm phải từ 1 đến 400" in none.text


def test_class_create_and_homeroom_cell(app, admin_client, school_fixture) -> None:
    fx = school_fixture
    response = admin_client.post(
        "/school/admin/classes",
        data={"year_id": str(fx.year.id), "grade_level": "10", "name": "10a3", "homeroom_teacher_id": ""},
    )
    assert response.status_code == 303
    wrong = admin_client.htmx(
        "POST",
        "/school/admin/classes",
        data={"year_id": str(fx.year.id), "grade_level": "11", "name": "10A4", "homeroom_teacher_id": ""},
    )
    assert wrong.status_code == 422 and "phải bắt đầu bằng khối 11" in wrong.text
    with app.app_context():
        class_id = db.session.scalar(select(SchoolClass.id).where(SchoolClass.name == "10A3"))
    cell = admin_client.htmx(
        "POST",
        f"/school/admin/classes/{class_id}/homeroom",
        data={f"class{class_id}-homeroom_teacher_id": str(fx.t2.id)},
    )
    assert cell.status_code == 200 and cell.headers["HX-Trigger"] == "homeroomSaved"
    assert "<html" not in cell.text and "Đã lưu" in cell.text
    with app.app_context():
        assert db.session.get(SchoolClass, class_id).homeroom_teacher_id == fx.t2.id


def test_assignment_grid_saves_one_cell(app, admin_client, school_fixture) -> None:
    fx = school_fixture
    grid = admin_client.get(f"/school/admin/classes/{fx.c10a1.id}/assignments")
    assert grid.status_code == 200 and "Toán" in grid.text and "Ngữ văn" in grid.text
    url = f"/school/admin/classes/{fx.c10a1.id}/assignments/{fx.toan.id}"
    before = len(events(app))
    cell = admin_client.htmx("POST", url, data={f"s{fx.toan.id}-teacher_id": str(fx.t2.id)})
    assert cell.status_code == 200 and cell.headers["HX-Trigger"] == "assignmentSaved"
    assert cell.text.lstrip().startswith(f'<form id="assign-{fx.c10a1.id}-{fx.toan.id}"')
    assert [e.action for e in events(app)[before:]] == ["assignment.changed"]
    cleared = admin_client.post(url, data={f"s{fx.toan.id}-teacher_id": ""})
    assert cleared.status_code == 303
    with app.app_context():
        assert (
            db.session.scalar(
                select(TeachingAssignment).where(
                    TeachingAssignment.class_id == fx.c10a1.id, TeachingAssignment.subject_id == fx.toan.id
                )
            )
            is None
        )
    bad = admin_client.htmx("POST", url, data={f"s{fx.toan.id}-teacher_id": "abc"})
    assert bad.status_code == 422 and "Lựa chọn không hợp lệ" in bad.text


STUDENT = {
    "student_code": "HS-NEW",
    "register_number": "0123/2024",
    "enrolled_from": "",
    "moet_id": "8799999999",
    "last_name": "Đặng",
    "middle_name": "Thị Thu",
    "first_name": "Hà",
    "birth_date": "09/03/2009",
    "gender": "nu",
    "ethnicity": "Kinh",
    "birthplace": "Đồng Tháp",
    "address": "",
    "national_id": "087309001234",
    "father-full_name": "Đặng Văn Hải",
    "father-phone": "0912 345 678",
    "father-occupation": "Nông dân",
    "mother-full_name": "",
    "mother-phone": "",
    "mother-occupation": "",
    "guardian-full_name": "",
    "guardian-phone": "",
    "guardian-occupation": "",
}


def test_student_create_and_edit_with_guardians(app, admin_client, login_as, school_fixture) -> None:
    fx = school_fixture
    response = admin_client.post(f"/school/admin/classes/{fx.c10a1.id}/students/new", data=STUDENT)
    assert response.status_code == 303
    with app.app_context():
        student = db.session.scalar(select(Student).where(Student.student_code == "HS-NEW"))
        assert student.full_name == "Đặng Thị Thu Hà" and student.register_number == "0123/2024"
        assert [(g.relation, g.phone) for g in student.guardians] == [("cha", "0912345678")]
        student_id = student.id
    class_page = admin_client.get(f"/school/classes/{fx.c10a1.id}").text
    # separation of duties: the quản trị who entered it does not read the số định danh back
    assert "Đặng Thị Thu Hà" in class_page and "0873******34" not in class_page
    assert "087309001234" not in class_page
    principal_page = login_as(fx.ht).get(f"/school/classes/{fx.c10a1.id}").text
    assert "0873******34" in principal_page and "087309001234" not in principal_page
    edit = {**STUDENT, "mother-full_name": "Lê Thị Hoa", "father-full_name": ""}
    edit["father-phone"] = ""
    assert admin_client.post(f"/school/admin/students/{student_id}/edit", data=edit).status_code == 303
    with app.app_context():
        rows = db.session.get(Student, student_id).guardians
        assert [(g.relation, g.full_name) for g in rows] == [("me", "Lê Thị Hoa")]


def test_the_admin_edits_sensitive_fields_without_reading_them(app, admin_client, school_fixture) -> None:
    fx = school_fixture
    assert admin_client.post(f"/school/admin/classes/{fx.c10a1.id}/students/new", data=STUDENT).status_code == 303
    with app.app_context():
        student_id = db.session.scalar(select(Student.id).where(Student.student_code == "HS-NEW"))
    form = admin_client.get(f"/school/admin/students/{student_id}/edit").text
    # names and guardians are the admin's to keep; nơi sinh is sensitive (DESIGN.md §13)
    assert "Đặng" in form and "Đặng Văn Hải" in form
    for stored in ("087309001234", 'value="Kinh"', "Đồng Tháp"):
        assert stored not in form
    assert "để trống để giữ nguyên" in form
    # left empty: kept; typed: replaced
    kept = {**STUDENT, "ethnicity": "", "birthplace": "", "national_id": "", "address": "Ấp 3, Cầu Ngang"}
    assert admin_client.post(f"/school/admin/students/{student_id}/edit", data=kept).status_code == 303
    with app.app_context():
        s = db.session.get(Student, student_id)
        assert (s.ethnicity, s.birthplace, s.national_id) == ("Kinh", "Đồng Tháp", "087309001234")
        assert s.address == "Ấp 3, Cầu Ngang"


def test_student_form_errors_and_immutable_moet_id(app, admin_client, make_student, school_fixture) -> None:
    fx = school_fixture
    bad = {**STUDENT, "national_id": "08730900123", "birth_date": "31/02/2009", "gender": "", "father-phone": "12345"}
    response = admin_client.htmx("POST", f"/school/admin/classes/{fx.c10a1.id}/students/new", data=bad)
    assert response.status_code == 422 and "<html" not in response.text
    for message in (
        "Số định danh cá nhân phải gồm đúng 12 chữ số.",
        "Ngày &#39;31/02/2009&#39; không tồn tại: tháng 2 không có ngày 31.",
        "Vui lòng chọn giới tính.",
        "Số điện thoại &#39;12345&#39; không hợp lệ",
    ):
        assert message in response.text
    student = make_student(fx.c10a1, "Phan Văn Cố Định", moet_id="8711111111")
    changed = admin_client.post(
        f"/school/admin/students/{student.id}/edit",
        data={**STUDENT, "student_code": student.student_code, "moet_id": "8722222222"},
    )
    assert changed.status_code == 422
    assert "Mã định danh Bộ GD&amp;ĐT đã được cấp thì không được thay đổi." in changed.text
    with app.app_context():
        assert db.session.get(Student, student.id).moet_id == "8711111111"


def test_student_page_shows_guardians(app, login_as, school_fixture) -> None:
    fx = school_fixture
    page = login_as(fx.t1).get(f"/school/students/{fx.students_a1[0].id}")
    assert page.status_code == 200 and "Canary-A01" in page.text
    assert "Số định danh" not in page.text  # a subject teacher does not see sensitive fields
