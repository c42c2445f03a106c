"""`flask seed-demo`: a realistic THCS school, the same every time, with working demo logins."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.school.models import (
    Department,
    Enrollment,
    Guardian,
    SchoolClass,
    SchoolYear,
    Student,
    Subject,
    TeachingAssignment,
)

PASSWORD = "Demo@2024-2025"
DEMO_LOGINS = ("admin", "hieutruong", "phohieutruong", "totruong.toan", "gv.toan", "gvcn.6a1")


def seed(app) -> str:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result.output


def snapshot(app) -> list[tuple]:  # type: ignore[no-untyped-def]
    with app.app_context():
        students = db.session.scalars(select(Student).order_by(Student.student_code)).all()
        rows = [
            (
                s.student_code,
                s.full_name,
                s.birth_date,
                s.gender,
                s.national_id,
                s.moet_id,
                tuple((g.relation, g.full_name, g.phone, g.occupation) for g in s.guardians),
            )
            for s in students
        ]
        teachers = db.session.scalars(select(User.username).order_by(User.username)).all()
        return rows + [tuple(teachers)]


@pytest.fixture
def seeded(demo_school):  # type: ignore[no-untyped-def]
    """The session's one seeded demo school (tests/conftest.py): these tests only read it."""
    return demo_school


def test_seed_demo_builds_the_thcs_school(seeded) -> None:
    app, output = seeded
    assert "Trường THCS Nguyễn Du" in output and PASSWORD in output
    for username in DEMO_LOGINS:
        assert re.search(rf"^\s+{re.escape(username)}\s", output, re.M), username
    with app.app_context():
        year = db.session.scalar(select(SchoolYear))
        assert year.name == "2024-2025" and year.is_current
        assert [(t.start_date.isoformat(), t.end_date.isoformat()) for t in year.terms] == [
            ("2024-09-05", "2025-01-18"),
            ("2025-01-20", "2025-05-25"),
        ]
        classes = db.session.scalars(select(SchoolClass).order_by(SchoolClass.name)).all()
        assert [c.name for c in classes] == [
            "6A1",
            "6A2",
            "6A3",
            "7A1",
            "7A2",
            "7A3",
            "8A1",
            "8A2",
            "8A3",
            "9A1",
            "9A2",
            "9A3",
        ]
        assert all(c.homeroom_teacher_id for c in classes)
        assert len({c.homeroom_teacher_id for c in classes}) == 12
        sizes = Counter(db.session.scalars(select(Enrollment.class_id).where(Enrollment.end_date.is_(None))))
        assert all(38 <= n <= 42 for n in sizes.values()) and len(sizes) == 12
        subjects = {s.name: s for s in db.session.scalars(select(Subject))}
        expected = {
            "Ngữ văn": 140,
            "Toán": 140,
            "Ngoại ngữ 1 (Tiếng Anh)": 105,
            "Giáo dục công dân": 35,
            "Lịch sử và Địa lí": 105,
            "Khoa học tự nhiên": 140,
            "Tin học": 35,
            "Giáo dục thể chất": 70,
            "Nghệ thuật (Âm nhạc)": 35,
            "Nghệ thuật (Mĩ thuật)": 35,
            "Hoạt động trải nghiệm, hướng nghiệp": 105,
            "Nội dung giáo dục của địa phương": 35,
            "Công nghệ": 35,
        }
        assert {n: s.periods_for(6) for n, s in subjects.items()} == expected
        assert subjects["Công nghệ"].periods_for(9) == 52
        comment = {n for n, s in subjects.items() if s.is_comment}
        assert comment == {
            "Giáo dục thể chất",
            "Nghệ thuật (Âm nhạc)",
            "Nghệ thuật (Mĩ thuật)",
            "Hoạt động trải nghiệm, hướng nghiệp",
            "Nội dung giáo dục của địa phương",
        }
        pairs = set(db.session.execute(select(TeachingAssignment.class_id, TeachingAssignment.subject_id)).all())
        assert pairs == {(c.id, s.id) for c in classes for s in subjects.values()}
        for c in classes:  # HĐTN is the GVCN's
            hdtn = db.session.scalar(
                select(TeachingAssignment.teacher_id).where(
                    TeachingAssignment.class_id == c.id,
                    TeachingAssignment.subject_id == subjects["Hoạt động trải nghiệm, hướng nghiệp"].id,
                )
            )
            assert hdtn == c.homeroom_teacher_id


def test_departments_heads_deputies_and_teachers(seeded) -> None:
    app, _ = seeded
    with app.app_context():
        departments = db.session.scalars(select(Department)).all()
        assert len(departments) == 6
        teachers = db.session.scalars(select(User).where(User.department_id.is_not(None))).all()
        assert 33 <= len(teachers) <= 37
        for dept in departments:
            members = [t for t in teachers if t.department_id == dept.id]
            assert dept.head_id in {m.id for m in members}, dept.name
            assert (dept.deputy_id is not None) == (len(members) >= 7), dept.name
        users = {u.username: u for u in db.session.scalars(select(User))}
        toan = db.session.scalar(select(Department).where(Department.name == "Toán – Tin"))
        assert toan.head_id == users["totruong.toan"].id
        gv = users["gv.toan"]
        assert gv.department_id == toan.id and gv.id not in (toan.head_id, toan.deputy_id)
        taught = set(
            db.session.execute(
                select(SchoolClass.name, Subject.code)
                .join(TeachingAssignment, TeachingAssignment.class_id == SchoolClass.id)
                .join(Subject, Subject.id == TeachingAssignment.subject_id)
                .where(TeachingAssignment.teacher_id == gv.id)
            ).all()
        )
        assert taught == {("6A1", "TOAN"), ("6A2", "TOAN")}
        six_a1 = db.session.scalar(select(SchoolClass).where(SchoolClass.name == "6A1"))
        assert six_a1.homeroom_teacher_id == users["gvcn.6a1"].id
        van = db.session.scalar(
            select(TeachingAssignment.teacher_id)
            .join(Subject)
            .where(TeachingAssignment.class_id == six_a1.id, Subject.code == "VAN")
        )
        assert van == users["gvcn.6a1"].id
        assert not any(u.must_change_password for u in users.values())
        assert len({u.password_hash for u in users.values()}) == 1  # hashed once


def test_the_demo_has_what_the_hoc_ba_needs(seeded) -> None:
    """Cơ quan chủ quản, the date-line place, the year's hiệu trưởng, a số đăng bộ for every
    student, and one student who came from another school and changed class."""
    from app.school import queries
    from app.school.models import PriorSchooling, School

    app, output = seeded
    with app.app_context():
        school = db.session.scalar(select(School))
        assert school.governing_body == "Phòng Giáo dục và Đào tạo huyện Tháp Mười"
        assert school.place_name == "Tháp Mười" and school.close_delegate_allowed is False
        year = db.session.scalar(select(SchoolYear))
        principal = queries.principal_of(year)
        assert principal.recorded and principal.user.username == "hieutruong"
        registers = db.session.scalars(select(Student.register_number)).all()
        assert all(registers) and len(set(registers)) == len(registers)
        (prior,) = db.session.scalars(select(PriorSchooling))
        assert (prior.year_name, prior.school_name) == ("2023-2024", "Trường THCS Mỹ Long")
        history = [(e.school_class.name, e.end_kind) for e in queries.enrollment_history(prior.student)]
        assert history == [("7A1", "chuyen_lop"), ("7A2", None)]
        total = db.session.scalar(select(func.count()).select_from(Student))
    assert f"{total} học sinh" in output  # a moved student counts once


def test_students_are_plausible(seeded) -> None:
    app, _ = seeded
    with app.app_context():
        rows = db.session.execute(
            select(Student, SchoolClass.grade_level)
            .join(Enrollment, Enrollment.student_id == Student.id)
            .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        ).all()
        for student, grade in rows:
            assert 2024 - grade - 6 <= student.birth_date.year <= 2024 - grade - 5
            assert student.gender in ("nam", "nu")
            assert not student.national_id or re.fullmatch(r"087[23]\d{8}", student.national_id)
        surnames = Counter(s.last_name for s, _ in rows)
        assert surnames.most_common(1)[0][0] == "Nguyễn"
        assert len(surnames) >= 12
        female_middle = Counter(s.middle_name for s, _ in rows if s.gender == "nu")
        assert "Văn" not in female_middle and female_middle["Thị"] > 0
        phones = db.session.scalars(select(Guardian.phone).where(Guardian.phone.is_not(None))).all()
        assert phones and all(re.fullmatch(r"0\d{9}", p) for p in phones)
        no_guardian = db.session.scalar(select(func.count()).select_from(Student).where(~Student.guardians.any()))
        assert no_guardian == 0


def test_demo_logins_work_through_the_login_form(seeded) -> None:
    app, output = seeded
    printed = re.search(r"mật khẩu chung: (\S+)", output).group(1)
    assert printed == PASSWORD
    for username in DEMO_LOGINS:
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": printed})
        assert response.status_code == 303, username
        home = client.get("/")
        assert home.status_code == 200, username
    gv = app.test_client()
    gv.post("/login", data={"username": "gv.toan", "password": PASSWORD})
    assert "6A1" in gv.get("/school/classes").text
    assert gv.get("/school/admin").status_code == 403


def test_seed_demo_refuses_a_non_empty_database(seeded) -> None:
    app, _ = seeded
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Student))
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code == 1 and "đã có dữ liệu" in refused.output
    quiet = runner.invoke(args=["seed-demo", "--if-empty"])
    assert quiet.exit_code == 0 and "đã có dữ liệu" in quiet.output
    assert "gv.toan" in quiet.output and "Demo@2024-2025" in quiet.output  # make run still shows logins
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Student)) == before


def test_seed_demo_refuses_even_with_only_a_user(app, make_user) -> None:
    make_user("someone")
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 1


def test_seed_demo_is_deterministic(seeded, app) -> None:
    """A second seed, in another database, builds the same students, guardians and logins."""
    seed(app)
    first, second = snapshot(seeded[0]), snapshot(app)
    assert len(first) > 400
    assert first == second
