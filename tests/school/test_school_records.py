"""What the học bạ needs from the school: số đăng bộ, quá trình học tập at other schools,
cơ quan chủ quản and the date-line place, the hiệu trưởng of each year (one source, with
history), and the close-delegation setting."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import User
from app.core.authz import Role
from app.extensions import db
from app.school import queries, services
from app.school.models import PriorSchooling, School, SchoolYear, Student, YearPrincipal
from app.school.services import SchoolError
from tests.school.conftest import events


def _year(app, fx) -> SchoolYear:  # type: ignore[no-untyped-def]
    return db.session.get(SchoolYear, fx.year.id)


# --- số đăng bộ ------------------------------------------------------------------------------


def test_register_numbers_are_unique_when_set(app, school_fixture) -> None:
    fx = school_fixture
    with app.app_context():
        a, b = (db.session.get(Student, s.id) for s in fx.students_a1[:2])
        services.update_student(None, a, register_number=" 0012/2024 ")
        services.update_student(None, b, register_number="")  # blank: none, never a duplicate of another blank
        db.session.commit()
        assert (a.register_number, b.register_number) == ("0012/2024", None)
        with pytest.raises(SchoolError) as refused:
            services.update_student(None, b, register_number="0012/2024")
        assert refused.value.message == "Số đăng bộ 0012/2024 đã có ở một học sinh khác."
    assert events(app, "student.updated")[-1].changes["register_number"] == [None, "0012/2024"]


# --- quá trình học tập ----------------------------------------------------------------------


def test_prior_schooling_rows_are_added_changed_removed_and_audited(app, school_fixture) -> None:
    fx = school_fixture
    with app.app_context():
        student = db.session.get(Student, fx.students_a1[0].id)
        row = services.add_schooling(
            None, student, year_name="2023 – 2024", class_name="9A2", school_name=" Trường THCS Mỹ Long ", place=""
        )
        db.session.commit()
        assert (row.year_name, row.school_name, row.place) == ("2023-2024", "Trường THCS Mỹ Long", None)
        services.update_schooling(
            None, row, year_name="2023-2024", class_name="9A3", school_name="Trường THCS Mỹ Long", place="Trà Vinh"
        )
        db.session.commit()
        row_id = row.id
    created, updated = events(app, "prior_schooling.created")[-1], events(app, "prior_schooling.updated")[-1]
    assert created.changes["student_id"] == [None, fx.students_a1[0].id] and created.subject_id == str(row_id)
    assert updated.changes["class_name"] == ["9A2", "9A3"] and updated.changes["place"] == [None, "Trà Vinh"]
    with app.app_context():
        services.remove_schooling(None, db.session.get(PriorSchooling, row_id))
        db.session.commit()
        assert db.session.get(PriorSchooling, row_id) is None
    removed = events(app, "prior_schooling.removed")[-1]
    assert removed.changes["school_name"] == ["Trường THCS Mỹ Long", None]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"year_name": "2023"}, "Năm học '2023' phải có dạng 2023-2024 (hai năm liền nhau)."),
        ({"year_name": "2023-2025"}, "Năm học '2023-2025' phải có dạng 2023-2024"),
        ({"class_name": ""}, "Vui lòng nhập lớp (ví dụ 6A2)."),
        ({"school_name": " "}, "Vui lòng nhập tên trường."),
        ({"school_name": "T" * 201}, "Trường dài tối đa 200 ký tự."),
    ],
)
def test_prior_schooling_refuses_bad_rows_naming_the_field(app, school_fixture, change, message) -> None:
    fields = {"year_name": "2023-2024", "class_name": "9A2", "school_name": "THCS Mỹ Long", "place": "", **change}
    with app.app_context(), pytest.raises(SchoolError) as refused:
        services.add_schooling(None, db.session.get(Student, school_fixture.students_a1[0].id), **fields)
    assert message in refused.value.message and refused.value.status == 422


def test_the_schooling_history_merges_other_schools_and_this_one(app, school_fixture) -> None:
    fx = school_fixture
    with app.app_context():
        services.save_school(None, name="THCS Nguyễn Du", code="ND", level="THCS", province="Trà Vinh",
                             district="huyện Cầu Ngang")  # fmt: skip
        student = db.session.get(Student, fx.students_a1[0].id)
        services.add_schooling(None, student, year_name="2023-2024", class_name="9A2", school_name="THCS Mỹ Long",
                               place="huyện Cầu Kè, tỉnh Trà Vinh")  # fmt: skip
        services.move_student(None, student, db.session.get(type(fx.c10a2), fx.c10a2.id), date(2025, 1, 20))
        db.session.commit()
        lines = queries.schooling_history(student, queries.the_school())
        assert [
            (line.year_name, line.class_name, line.school_name, line.place, line.here, line.note) for line in lines
        ] == [
            ("2023-2024", "9A2", "THCS Mỹ Long", "huyện Cầu Kè, tỉnh Trà Vinh", False, ""),
            ("2024-2025", "10A2", "THCS Nguyễn Du", "huyện Cầu Ngang, Trà Vinh", True, "chuyển lớp 10A1 → 10A2"),
        ]


# --- the school: cơ quan chủ quản, place, close delegation ----------------------------------


def test_the_school_keeps_its_governing_body_place_and_delegation_setting(app) -> None:
    with app.app_context():
        school = services.save_school(None, name="THCS Cầu Ngang", code="CN", level="THCS", province="Trà Vinh")
        db.session.commit()
        assert school.close_delegate_allowed is False  # the default: only the hiệu trưởng approves
        services.save_school(
            None,
            name="THCS Cầu Ngang",
            code="CN",
            level="THCS",
            province="Trà Vinh",
            governing_body="Phòng Giáo dục và Đào tạo huyện Cầu Ngang",
            place_name="Cầu Ngang",
            close_delegate_allowed=True,
        )
        db.session.commit()
        stored = db.session.scalar(select(School))
        assert (stored.governing_body, stored.place_name, stored.close_delegate_allowed) == (
            "Phòng Giáo dục và Đào tạo huyện Cầu Ngang",
            "Cầu Ngang",
            True,
        )
    changes = events(app, "school.updated")[-1].changes
    assert changes["close_delegate_allowed"] == [False, True] and changes["place_name"] == [None, "Cầu Ngang"]


# --- the hiệu trưởng of each year ------------------------------------------------------------


def test_without_a_record_the_principal_is_the_account_holding_the_role(app, school_fixture) -> None:
    fx = school_fixture
    with app.app_context():
        principal = queries.principal_of(_year(app, fx))
        assert (principal.name, principal.user_id, principal.recorded) == ("Ngô Văn Hiệu Trưởng", fx.ht.id, False)


def test_no_record_and_nobody_in_the_role_is_none(app, make_year) -> None:
    year = make_year()
    with app.app_context():
        assert queries.principal_of(db.session.get(SchoolYear, year.id)) is None


def test_a_recorded_principal_keeps_the_name_of_that_year(app, school_fixture) -> None:
    fx = school_fixture
    with app.app_context():
        services.set_year_principal(None, _year(app, fx), user_id=fx.ht.id)
        db.session.commit()
        admin = db.session.get(User, fx.admin.id)
        accounts.update_user(
            admin, db.session.get(User, fx.ht.id), full_name="Ngô Văn Đổi Tên", email=None, phone=None,
            position=None, department_id=None, roles=(Role.PRINCIPAL,),
        )  # fmt: skip
        db.session.commit()
        principal = queries.principal_of(_year(app, fx))
        assert (principal.name, principal.user_id, principal.recorded) == ("Ngô Văn Hiệu Trưởng", fx.ht.id, True)
        assert principal.start_date == date(2024, 9, 5)
    assert events(app, "year_principal.set")[-1].changes["full_name"] == [None, "Ngô Văn Hiệu Trưởng"]


def test_a_mid_year_change_answers_by_date(app, school_fixture, make_user) -> None:
    fx = school_fixture
    new = make_user("ht2", roles=(Role.PRINCIPAL,), full_name="Trần Thị Hiệu Trưởng Mới")
    with app.app_context():
        year = _year(app, fx)
        services.set_year_principal(None, year, user_id=fx.ht.id)
        services.set_year_principal(None, year, user_id=new.id, start_date=date(2025, 2, 1))
        db.session.commit()
        assert queries.principal_of(year, date(2025, 1, 31)).name == "Ngô Văn Hiệu Trưởng"
        assert queries.principal_of(year, date(2025, 2, 1)).name == "Trần Thị Hiệu Trưởng Mới"
        assert queries.principal_of(year).name == "Trần Thị Hiệu Trưởng Mới"  # at the end of the year
        assert queries.principal_of(year, date(2024, 8, 1)).name == "Ngô Văn Hiệu Trưởng"  # before the first record
        assert [p.full_name for p in queries.principals_of(year)] == ["Ngô Văn Hiệu Trưởng", "Trần Thị Hiệu Trưởng Mới"]


def test_setting_the_same_day_again_changes_that_record(app, school_fixture) -> None:
    fx = school_fixture
    with app.app_context():
        year = _year(app, fx)
        first = services.set_year_principal(None, year, user_id=fx.ht.id)
        again = services.set_year_principal(None, year, user_id=None, full_name="Ngô Văn Hiệu Trưởng (cũ)")
        db.session.commit()
        assert first.id == again.id and (again.user_id, again.full_name) == (None, "Ngô Văn Hiệu Trưởng (cũ)")
        assert db.session.scalar(select(YearPrincipal).where(YearPrincipal.id != first.id)) is None
    assert events(app, "year_principal.changed")[-1].changes["user_id"] == [fx.ht.id, None]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"user_id": None, "full_name": " "}, "Chọn tài khoản hiệu trưởng hoặc ghi họ tên hiệu trưởng."),
        ({"user_id": None, "full_name": "X" * 121}, "Họ tên hiệu trưởng dài tối đa 120 ký tự."),
        ({"user_id": 999999}, "Không tìm thấy tài khoản hiệu trưởng đã chọn."),
        ({"user_id": None, "full_name": "A", "start_date": date(2025, 7, 1)}, "Ngày nhận nhiệm vụ phải trong năm học"),
    ],
)
def test_a_principal_record_refuses_bad_input(app, school_fixture, kwargs, message) -> None:
    with app.app_context(), pytest.raises(SchoolError) as refused:
        services.set_year_principal(None, _year(app, school_fixture), **kwargs)
    assert message in refused.value.message


def test_removing_the_record_falls_back_to_the_role(app, school_fixture) -> None:
    fx = school_fixture
    with app.app_context():
        row = services.set_year_principal(None, _year(app, fx), user_id=None, full_name="Người Khác")
        db.session.commit()
        services.remove_year_principal(None, row)
        db.session.commit()
        assert queries.principal_of(_year(app, fx)).recorded is False
    assert events(app, "year_principal.removed")[-1].changes["full_name"] == ["Người Khác", None]
