"""SECURITY.md test 4 (P0): field-level authorization / mass assignment, accounts and school.

Edit forms are checked differentially: the valid submission is posted once, then again
with extra fields (as form fields and as a JSON body, which Flask-WTF also reads). The
second post must change nothing at all — same digest of every table, no audit event —
so any change would come from an undeclared field. Create forms and the non-idempotent
account actions are checked column by column. A walk over app.url_map makes sure every
POST route of these blueprints has a case here.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.security.conftest import audit_actions, audit_head, db_digest, rules

PASSWORD = "mat-khau-rat-dai-2024"
#: columns nobody may set through a form, with hostile values
EXTRAS = {
    "id": "4242",
    "created_at": "2001-01-01 00:00:00",
    "updated_at": "2001-01-01 00:00:00",
    "session_version": "99",
    "active": "0",
    "must_change_password": "0",
    "password_hash": "$argon2id$v=19$m=8,t=1,p=1$AAAA$BBBB",
    "failed_logins": "0",
    "locked_until": "",
    "roles": "quan_tri",
    "moet_id": "MOET-HACK-1",
    "state": "approved",
    "version": "999",
    "year_id": "1",
    "class_id": "2",
    "student_id": "1",
    "teacher_id": "1",
    "is_current": "0",
    "number": "2",
    "code": "HACK",
    "head_id": "",
    "author_id": "1",
}

#: every field of the student form, blank: a POST that omits one is a 422 (SubmittedFields)
STUDENT_BLANKS = {
    **dict.fromkeys(
        ("register_number", "moet_id", "middle_name", "ethnicity", "birthplace", "address", "national_id"), ""
    ),
    "enrolled_from": "",  # the new-student form's (an edit ignores it)
    **{f"{slot}-{f}": "" for slot in ("father", "mother", "guardian") for f in ("full_name", "phone", "occupation")},
}
#: the subject form's optional fields, blank
SUBJECT_BLANKS = {"sort_order": "", **{f"p{g}": "" for g in range(6, 13)}}

#: POST endpoints of accounts/school and the test covering them
COVERED = {
    "accounts.change_password": "test_own_password_change_cannot_grant_roles_or_reset_flags",
    "school.staff_new": "test_created_staff_gets_only_the_declared_fields",
    "school.staff_edit": "test_edit_forms_ignore_undeclared_fields",
    "school.staff_reset_password": "test_reset_and_disable_change_only_their_own_columns",
    "school.staff_set_active": "test_reset_and_disable_change_only_their_own_columns",
    "school.student_edit": "test_edit_forms_ignore_undeclared_fields",
    "school.student_new": "test_created_student_and_class_get_only_declared_fields",
    "school.department_edit": "test_edit_forms_ignore_undeclared_fields",
    "school.department_create": "test_created_student_and_class_get_only_declared_fields",
    "school.subject_edit": "test_edit_forms_ignore_undeclared_fields",
    "school.subject_create": "test_created_student_and_class_get_only_declared_fields",
    "school.class_create": "test_created_student_and_class_get_only_declared_fields",
    "school.class_homeroom": "test_edit_forms_ignore_undeclared_fields",
    "school.assignment_save": "test_edit_forms_ignore_undeclared_fields",
    "school.term_update": "test_edit_forms_ignore_undeclared_fields",
    "school.school_info_save": "test_edit_forms_ignore_undeclared_fields",
    "school.year_create": "test_created_student_and_class_get_only_declared_fields",
    "school.year_principal_set": "test_edit_forms_ignore_undeclared_fields",
    "school.schooling_update": "test_edit_forms_ignore_undeclared_fields",
    "school.student_move": "test_moves_departures_and_new_rows_take_only_declared_fields",
    "school.student_leave": "test_moves_departures_and_new_rows_take_only_declared_fields",
    "school.schooling_add": "test_moves_departures_and_new_rows_take_only_declared_fields",
    # no form fields at all (the URL says everything)
    "school.year_make_current": "-",
    "school.year_principal_delete": "-",
    "school.schooling_delete": "-",
    "accounts.logout": "-",
    # an uploaded file, re-validated at confirm: tests/school/test_imports*.py
    "school.import_upload": "-",
    "school.import_confirm": "-",
    "school.import_cancel": "-",
}


def test_every_form_route_of_accounts_and_school_has_a_mass_assignment_case(app) -> None:
    posts = {
        r.endpoint
        for r in rules(app, "POST")
        if r.endpoint != "accounts.login" and r.endpoint.split(".")[0] in ("accounts", "school")
    }
    assert sorted(posts - set(COVERED)) == [], "add a case to test_mass_assignment.py"


def _edit_cases(sec) -> list[tuple[str, dict, dict]]:  # type: ignore[no-untyped-def]
    """(url, the valid submission, declared-looking fields the view must not take)."""
    a1 = sec.students_a1[0]
    term = sec.term1
    y = sec.year.id
    return [
        (
            f"/school/admin/years/{y}/principal",
            {f"p{y}-user_id": str(sec.ht.id), f"p{y}-full_name": "", f"p{y}-start_date": ""},
            {f"p{y}-year_id": "99", "user_id": str(sec.t1.id), "full_name": "Kẻ Giả Mạo", f"p{y}-id": "4242"},
        ),
        (
            f"/school/admin/staff/{sec.t1.id}/edit",
            {
                "full_name": "Lê Văn Toán Một",
                "username": "t1",
                "email": "t1@truong.edu.vn",
                "phone": "",
                "position": "Giáo viên",
                "department_id": str(sec.dept_toan.id),
                "roles": ["giao_vien"],
            },
            {"username": "admin"},
        ),
        (
            f"/school/admin/students/{a1.id}/edit",
            {
                "student_code": a1.student_code,
                "register_number": "0001/2024",
                "moet_id": "MOET-0001",
                "last_name": "Nguyễn",
                "middle_name": "Canary-A01",
                "first_name": "Bích",
                "birth_date": "17/05/2012",
                "gender": "nu",
                "ethnicity": "Kinh",
                "birthplace": "",
                "address": "",
                "national_id": "",
                "father-full_name": "Nguyễn Văn Cha",
                "father-phone": "",
                "father-occupation": "",
                "mother-full_name": "",
                "mother-phone": "",
                "mother-occupation": "",
                "guardian-full_name": "",
                "guardian-phone": "",
                "guardian-occupation": "",
            },
            {"full_name": "Kẻ Giả Mạo", "father-student_id": str(sec.students_a2[0].id), "father-relation": "me"},
        ),
        (
            f"/school/admin/departments/{sec.dept_van.id}",
            {"name": "Ngữ văn", "head_id": str(sec.tt_van.id), "deputy_id": str(sec.gv_van.id)},
            {},
        ),
        (
            f"/school/admin/subjects/{sec.toan.id}",
            {
                "code": "TOAN",
                "name": "Toán",
                "assessment_kind": "score",
                "department_id": str(sec.dept_toan.id),
                "sort_order": "1",
                **{f"p{g}": "140" for g in range(6, 13)},
            },
            {"code": "HACK"},
        ),
        (
            f"/school/admin/classes/{sec.c10a2.id}/homeroom",
            {
                f"class{sec.c10a2.id}-homeroom_teacher_id": str(sec.t2.id),
            },
            {
                f"class{sec.c10a2.id}-name": "10A9",
                f"class{sec.c10a2.id}-grade_level": "11",
                "name": "10A9",
                "grade_level": "11",
            },
        ),
        (
            f"/school/admin/classes/{sec.c10a1.id}/assignments/{sec.toan.id}",
            {f"s{sec.toan.id}-teacher_id": str(sec.t1.id)},
            {"class_id": str(sec.c10a2.id), "subject_id": str(sec.van.id), f"s{sec.van.id}-teacher_id": str(sec.t2.id)},
        ),
        (
            f"/school/admin/terms/{term}",
            {
                f"term{term}-start_date": "05/09/2024",
                f"term{term}-end_date": "15/01/2025",
                f"term{term}-lock_date": "01/12/2024",
            },
            {f"term{term}-number": "2", f"term{term}-year_id": "99"},
        ),
        (
            "/school/admin/school",
            {
                "name": "Trường THPT Thử Nghiệm",
                "code": "79000001",
                "level": "THPT",
                "province": "TP. Hồ Chí Minh",
                "district": "",
                "address": "",
                "phone": "",
                "governing_body": "Sở Giáo dục và Đào tạo TP. Hồ Chí Minh",
                "place_name": "Quận 1",
                "close_delegate_allowed": "y",
            },
            {},
        ),
    ]


@pytest.mark.parametrize("shape", ["form", "json"])
def test_edit_forms_ignore_undeclared_fields(app, sec, login_as, shape) -> None:
    admin = login_as(sec.admin)
    for url, valid, forced in _edit_cases(sec):
        first = admin.post(url, data=valid)
        assert first.status_code == 303, (url, first.status_code)
        before, head = db_digest(app), audit_head(app)
        hostile = {**EXTRAS, **valid, **forced}  # declared fields keep their valid values
        response = admin.post(url, **({"data": hostile} if shape == "form" else {"json": hostile}))
        assert response.status_code == 303, (url, response.status_code)  # ignored, not refused
        assert db_digest(app) == before, f"{url}: an undeclared field changed the data"
        assert audit_actions(app, head) == [], url


def _user(app, username: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from app.accounts.models import User

    with app.app_context():
        u = db.session.scalar(select(User).where(User.username == username))
        return {
            "id": u.id,
            "roles": sorted(r.value for r in u.stored_roles),
            "session_version": u.session_version,
            "active": u.active,
            "must_change_password": u.must_change_password,
            "full_name": u.full_name,
            "username": u.username,
            "created_at": u.created_at,
            "password_hash": u.password_hash,
            "department_id": u.department_id,
        }


@pytest.mark.parametrize("shape", ["form", "json"])
def test_own_password_change_cannot_grant_roles_or_reset_flags(app, sec, login_as, shape) -> None:
    before = _user(app, "t1")
    client = login_as(sec.t1)
    data = {
        **EXTRAS,
        "current_password": PASSWORD,
        "new_password": "mot-cau-moi-that-dai-2025",
        "confirm": "mot-cau-moi-that-dai-2025",
        "username": "admin",
        "full_name": "Quản Trị Viên",
        "department_id": str(sec.dept_van.id),
    }
    response = client.post("/account/password", **({"data": data} if shape == "form" else {"json": data}))
    assert response.status_code == 303
    after = _user(app, "t1")
    assert after["password_hash"] != before["password_hash"]  # the declared change happened
    assert after["session_version"] == before["session_version"] + 1  # the service's, not 99
    for column in ("id", "roles", "active", "full_name", "username", "created_at", "department_id"):
        assert after[column] == before[column], column
    assert after["must_change_password"] is False
    assert client.get("/school/admin").status_code == 403  # still no admin rights


def test_created_staff_gets_only_the_declared_fields(app, sec, login_as) -> None:
    admin = login_as(sec.admin)
    response = admin.post(
        "/school/admin/staff/new",
        data={
            **EXTRAS,
            "full_name": "Huỳnh Thị Mỹ Dung",
            "username": "dung.htm",
            "email": "",
            "phone": "",
            "position": "",
            "department_id": "",
            "roles": ["giao_vien"],
            "temporary_password": "mot-mat-khau-tam-dai",
        },
    )
    assert response.status_code == 200
    dung = _user(app, "dung.htm")
    assert dung["id"] != 4242 and dung["roles"] == ["giao_vien"]
    assert dung["session_version"] == 1 and dung["active"] is True
    assert dung["must_change_password"] is True  # a new account always changes its password
    assert dung["created_at"].year >= 2024
    assert dung["password_hash"] != EXTRAS["password_hash"]


def test_reset_and_disable_change_only_their_own_columns(app, sec, login_as) -> None:
    admin = login_as(sec.admin)
    before = _user(app, "t2")
    reset = admin.post(
        f"/school/admin/staff/{sec.t2.id}/password", data={**EXTRAS, "temporary_password": "mot-mat-khau-tam-dai"}
    )
    assert reset.status_code == 200
    after = _user(app, "t2")
    assert after["must_change_password"] is True  # what a reset means, whatever was sent
    assert after["session_version"] == before["session_version"] + 1
    assert after["roles"] == before["roles"] and after["active"] is True
    disable = admin.post(f"/school/admin/staff/{sec.t2.id}/active", data={**EXTRAS, "active": "0"})
    assert disable.status_code == 303
    disabled = _user(app, "t2")
    assert disabled["active"] is False and disabled["roles"] == before["roles"]
    assert disabled["session_version"] == after["session_version"] + 1
    assert disabled["password_hash"] == after["password_hash"]


def test_created_student_and_class_get_only_declared_fields(app, sec, login_as) -> None:
    from app.school.models import (
        Department,
        Enrollment,
        SchoolClass,
        SchoolYear,
        Student,
        Subject,
    )

    admin = login_as(sec.admin)
    student = admin.post(
        f"/school/admin/classes/{sec.c10a1.id}/students/new",
        data={
            **EXTRAS,
            **STUDENT_BLANKS,
            "student_code": "HS-MOI-1",
            "moet_id": "",
            "last_name": "Trần",
            "middle_name": "Văn",
            "first_name": "Mới",
            "birth_date": "01/02/2010",
            "gender": "nam",
            "class_id": str(sec.c10a2.id),
        },
    )
    assert student.status_code == 303, student.text
    klass = admin.post(
        "/school/admin/classes",
        data={**EXTRAS, "year_id": str(sec.year.id), "grade_level": "11", "name": "11A1", "homeroom_teacher_id": ""},
    )
    assert klass.status_code == 303
    dept = admin.post(
        "/school/admin/departments", data={**EXTRAS, "name": "Tổ Ngoại ngữ", "head_id": "", "deputy_id": ""}
    )
    assert dept.status_code == 303
    subject = admin.post(
        "/school/admin/subjects",
        data={
            **EXTRAS,
            **SUBJECT_BLANKS,
            "code": "ANH",
            "name": "Tiếng Anh",
            "assessment_kind": "score",
            "department_id": "",
            "sort_order": "5",
            "p10": "105",
        },
    )
    assert subject.status_code == 303
    year = admin.post(
        "/school/admin/years",
        data={
            **EXTRAS,
            "start_year": "2025",
            "start_date": "05/09/2025",
            "end_date": "31/05/2026",
            "term1_start": "05/09/2025",
            "term1_end": "15/01/2026",
            "term2_start": "20/01/2026",
            "term2_end": "25/05/2026",
            "make_current": "",
        },
    )
    assert year.status_code == 303
    with app.app_context():
        s = db.session.scalar(select(Student).where(Student.student_code == "HS-MOI-1"))
        assert s.id != 4242 and s.active is True and s.moet_id is None
        assert s.created_at.year >= 2024
        classes = db.session.scalars(select(Enrollment.class_id).where(Enrollment.student_id == s.id)).all()
        assert classes == [sec.c10a1.id]  # the URL's class, not the body's class_id
        c = db.session.scalar(select(SchoolClass).where(SchoolClass.name == "11A1"))
        assert c.id != 4242 and c.year_id == sec.year.id
        d = db.session.scalar(select(Department).where(Department.name == "Tổ Ngoại ngữ"))
        assert d.id != 4242 and d.created_at.year >= 2024
        sub = db.session.scalar(select(Subject).where(Subject.code == "ANH"))
        assert sub.id != 4242 and sub.name == "Tiếng Anh"
        y = db.session.scalar(select(SchoolYear).where(SchoolYear.start_year == 2025))
        assert y.id != 4242 and y.is_current is False  # unticked make_current wins over is_current


def test_a_granted_moet_id_cannot_be_changed_through_the_form(app, sec, login_as) -> None:
    from app.school.models import Student

    admin = login_as(sec.admin)
    a1 = sec.students_a1[0]
    url = f"/school/admin/students/{a1.id}/edit"
    valid = {
        **STUDENT_BLANKS,
        "student_code": a1.student_code,
        "moet_id": "MOET-0001",
        "last_name": "Nguyễn",
        "middle_name": "Canary-A01",
        "first_name": "Bích",
        "birth_date": "17/05/2012",
        "gender": "nu",
    }
    assert admin.post(url, data=valid).status_code == 303
    before, head = db_digest(app), audit_head(app)
    for attempt in ("MOET-HACK-1", ""):
        response = admin.post(url, data={**valid, "moet_id": attempt})
        assert response.status_code == 422
        assert "không được thay đổi" in response.get_data(as_text=True)
    assert db_digest(app) == before and audit_actions(app, head) == []
    with app.app_context():
        assert db.session.get(Student, a1.id).moet_id == "MOET-0001"


def test_moves_departures_and_new_rows_take_only_declared_fields(app, sec, login_as) -> None:
    """Chuyển lớp, chuyển trường / thôi học and quá trình học tập rows act on the student of
    the URL with the declared fields only: the other ids and columns a body may carry are ignored."""
    from datetime import date

    from app.school.models import Enrollment, PriorSchooling, Student

    admin = login_as(sec.admin)
    mover, leaver, other = sec.students_a1[0], sec.students_a1[1], sec.students_a2[0]
    hostile = {**EXTRAS, "student_id": str(other.id), "end_kind": "thoi_hoc", "end_date": "01/01/2025",
               "start_date": "01/01/2020", "end_reason": "Giả mạo"}  # fmt: skip
    moved = admin.post(
        f"/school/admin/students/{mover.id}/move",
        data={**hostile, "move-class_id": str(sec.c10a2.id), "move-on": "20/01/2025", "move-student_id": str(other.id)},
    )
    assert moved.status_code == 303
    left = admin.post(
        f"/school/admin/students/{leaver.id}/leave",
        data={
            **hostile,
            "leave-kind": "thoi_hoc",
            "leave-on": "03/03/2025",
            "leave-reason": "Gia đình xin nghỉ",
            "leave-end_date": "01/10/2024",
            "leave-active": "1",
        },  # fmt: skip
    )
    assert left.status_code == 303
    row = {"schooling-year_name": "2023-2024", "schooling-class_name": "9A1", "schooling-school_name": "THCS Cũ",
           "schooling-place": "", "schooling-student_id": str(other.id)}  # fmt: skip
    assert admin.post(f"/school/admin/students/{mover.id}/schooling", data={**hostile, **row}).status_code == 303
    with app.app_context():
        spans = {
            s: [(e.class_id, e.start_date, e.end_date, e.end_kind) for e in db.session.get(Student, s).enrollments]
            for s in (mover.id, leaver.id, other.id)
        }
        assert spans[mover.id] == [
            (sec.c10a1.id, date(2024, 9, 5), date(2025, 1, 19), "chuyen_lop"),
            (sec.c10a2.id, date(2025, 1, 20), None, None),
        ]
        assert spans[leaver.id] == [(sec.c10a1.id, date(2024, 9, 5), date(2025, 3, 2), "thoi_hoc")]
        assert spans[other.id] == [(sec.c10a2.id, date(2024, 9, 5), None, None)]
        assert db.session.get(Student, leaver.id).active is False
        assert db.session.scalar(select(Enrollment.end_reason).where(Enrollment.student_id == leaver.id)) == (
            "Gia đình xin nghỉ"
        )
        (added,) = db.session.scalars(select(PriorSchooling))
        assert added.student_id == mover.id and added.id != 4242 and added.created_at.year >= 2024
        added_id = added.id
    edit = {f"schooling{added_id}-{k.removeprefix('schooling-')}": v for k, v in row.items()}
    before, head = db_digest(app), audit_head(app)
    again = admin.post(f"/school/admin/students/{mover.id}/schooling/{added_id}", data={**hostile, **edit})
    assert again.status_code == 303  # the same declared values, hostile extras: nothing changes
    assert db_digest(app) == before and audit_actions(app, head) == []
