"""School services: each change is made, and written to the audit trail exactly once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.school import services
from app.school.models import (
    Department,
    Guardian,
    GuardianRelation,
    SchoolClass,
    SchoolYear,
    Student,
    Subject,
    TeachingAssignment,
    Term,
)
from tests.school.conftest import events


@pytest.fixture
def audited(app):  # type: ignore[no-untyped-def]
    """audited(fn) runs fn inside an app context, commits, and returns (result, new events)."""

    def run(fn):  # type: ignore[no-untyped-def]
        before = len(events(app))
        with app.app_context():
            result = fn()
            db.session.commit()
        return result, [e.action for e in events(app)[before:]]

    return run


def test_create_year_makes_it_current_with_two_terms(app, audited, make_year) -> None:
    old = make_year(2023)
    year_id, actions = audited(
        lambda: (
            services.create_year(
                None,
                2024,
                date(2024, 9, 5),
                date(2025, 5, 31),
                ((date(2024, 9, 5), date(2025, 1, 18)), (date(2025, 1, 20), date(2025, 5, 25))),
            ).id
        )
    )
    assert actions == ["school_year.created"]
    with app.app_context():
        year = db.session.get(SchoolYear, year_id)
        assert year.is_current and not db.session.get(SchoolYear, old.id).is_current
        assert [(t.number, t.start_date) for t in year.terms] == [(1, date(2024, 9, 5)), (2, date(2025, 1, 20))]


def test_terms_outside_the_year_are_refused(app, make_year) -> None:
    with app.app_context(), pytest.raises(services.SchoolError, match="học kỳ II sau học kỳ I"):
        services.create_year(
            None,
            2030,
            date(2030, 9, 5),
            date(2031, 5, 31),
            ((date(2030, 9, 5), date(2031, 1, 18)), (date(2031, 1, 1), date(2031, 5, 25))),
        )


def test_update_term_lock_date_and_make_current(app, audited, make_year) -> None:
    year = make_year(2024)
    other = make_year(2025)

    def change():  # type: ignore[no-untyped-def]
        term = db.session.get(SchoolYear, year.id).terms[0]
        return services.update_term(
            None, term, start_date=term.start_date, end_date=term.end_date, lock_date=date(2025, 1, 25)
        )

    diff, actions = audited(change)
    assert actions == ["term.updated"] and diff["lock_date"] == [None, date(2025, 1, 25)]
    _, actions = audited(lambda: services.set_current_year(None, db.session.get(SchoolYear, year.id)))
    assert actions == ["school_year.made_current"]
    with app.app_context():
        assert db.session.get(SchoolYear, year.id).is_current
        assert not db.session.get(SchoolYear, other.id).is_current
        assert db.session.scalar(select(Term.lock_date).where(Term.year_id == year.id, Term.number == 1)) == date(
            2025, 1, 25
        )


def test_department_head_and_deputy(app, audited, make_user, make_department) -> None:
    head, deputy = make_user(), make_user()
    dept = make_department("Toán – Tin")
    _, actions = audited(
        lambda: services.update_department(
            None, db.session.get(Department, dept.id), name="Toán – Tin", head_id=head.id, deputy_id=deputy.id
        )
    )
    assert actions == ["department.updated"]
    with app.app_context():
        saved = db.session.get(Department, dept.id)
        assert (saved.head_id, saved.deputy_id) == (head.id, deputy.id)
        with pytest.raises(services.SchoolError, match="hai người khác nhau"):
            services.update_department(None, saved, name=saved.name, head_id=head.id, deputy_id=head.id)


def test_subject_periods_are_stored_per_grade(app, audited, make_subject) -> None:
    subject = make_subject("Công nghệ", "CN", periods=35)

    def change():  # type: ignore[no-untyped-def]
        s = db.session.get(Subject, subject.id)
        return services.update_subject(
            None, s, name=s.name, assessment_kind="score", department_id=None, periods={6: 35, 7: 35, 8: 35, 9: 52}
        )

    diff, actions = audited(change)
    assert actions == ["subject.updated"] and "periods" in diff
    with app.app_context():
        s = db.session.get(Subject, subject.id)
        assert (s.periods_for(9), s.periods_for(6), s.periods_for(10)) == (52, 35, None)


def test_class_creation_and_homeroom(app, audited, make_year, make_user) -> None:
    year = make_year()
    teacher = make_user()
    class_id, actions = audited(lambda: services.create_class(None, db.session.get(SchoolYear, year.id), "6a1", 6).id)
    assert actions == ["class.created"]
    _, actions = audited(lambda: services.set_homeroom_teacher(None, db.session.get(SchoolClass, class_id), teacher.id))
    assert actions == ["class.homeroom_changed"]
    with app.app_context():
        cls = db.session.get(SchoolClass, class_id)
        assert (cls.name, cls.homeroom_teacher_id) == ("6A1", teacher.id)
        with pytest.raises(services.SchoolError, match="khối 7"):
            services.create_class(None, cls.year, "6A2", 7)


def test_assignments_create_change_remove(app, audited, school_fixture) -> None:
    fx = school_fixture

    def assign(teacher_id):  # type: ignore[no-untyped-def]
        return lambda: (
            services.assign_teacher(
                None, db.session.get(SchoolClass, fx.c10a1.id), db.session.get(Subject, fx.toan.id), teacher_id
            ).id
        )

    _, actions = audited(assign(fx.t2.id))
    assert actions == ["assignment.changed"]
    _, actions = audited(assign(fx.t2.id))
    assert actions == []  # nothing changed, nothing logged

    def remove():  # type: ignore[no-untyped-def]
        a = db.session.scalar(
            select(TeachingAssignment).where(
                TeachingAssignment.class_id == fx.c10a1.id, TeachingAssignment.subject_id == fx.toan.id
            )
        )
        services.remove_assignment(None, a)

    _, actions = audited(remove)
    assert actions == ["assignment.removed"]
    with app.app_context():
        assert (
            db.session.scalar(
                select(TeachingAssignment).where(
                    TeachingAssignment.class_id == fx.c10a1.id, TeachingAssignment.subject_id == fx.toan.id
                )
            )
            is None
        )


def test_student_national_id_and_moet_id_rules(app, audited, make_student, school_fixture) -> None:
    student = make_student(school_fixture.c10a1, "Lê Thị Hồng", moet_id="8700000001")
    with app.app_context():
        s = db.session.get(Student, student.id)
        with pytest.raises(services.SchoolError, match="12 chữ số"):
            services.update_student(None, s, national_id="08731200001")
        with pytest.raises(services.SchoolError, match="không được thay đổi"):
            services.update_student(None, s, moet_id="8700000002")
        db.session.rollback()
    diff, actions = audited(
        lambda: services.update_student(None, db.session.get(Student, student.id), national_id="087312000011")
    )
    assert actions == ["student.updated"]
    assert diff["national_id"] == ["(cũ)", "(mới)"]  # the number itself never reaches the log
    assert "087312000011" not in str(events(app)[-1].changes)


def test_guardian_update_and_remove_each_write_one_event(app, audited, make_student) -> None:
    student = make_student()
    guardian_id, actions = audited(
        lambda: (
            services.add_guardian(
                None,
                db.session.get(Student, student.id),
                relation=GuardianRelation.MOTHER,
                full_name="Trần Thị Lan",
                phone="091 234 5678",
            ).id
        )
    )
    assert actions == ["guardian.created"]
    _, actions = audited(
        lambda: services.update_guardian(
            None,
            db.session.get(Guardian, guardian_id),
            full_name="Trần Thị Lan",
            phone="+84987654321",
            occupation="Buôn bán",
        )
    )
    assert actions == ["guardian.updated"]
    with app.app_context():
        g = db.session.get(Guardian, guardian_id)
        assert (g.phone, g.occupation) == ("0987654321", "Buôn bán")
    _, actions = audited(lambda: services.remove_guardian(None, db.session.get(Guardian, guardian_id)))
    assert actions == ["guardian.removed"]
    with app.app_context():
        assert db.session.get(Guardian, guardian_id) is None


def test_save_guardians_matches_the_three_slots(app, audited, make_student) -> None:
    student = make_student()
    entries = {
        "cha": {"full_name": "Lê Văn Tám", "phone": "0912345678", "occupation": "Nông dân"},
        "me": {"full_name": "Võ Thị Ba", "phone": "", "occupation": ""},
        "giam_ho": None,
    }
    changed, actions = audited(lambda: services.save_guardians(None, db.session.get(Student, student.id), entries))
    assert changed == 2 and actions == ["guardian.created", "guardian.created"]
    entries["me"] = {"full_name": "", "phone": "", "occupation": ""}
    entries["cha"]["occupation"] = "Công nhân"
    changed, actions = audited(lambda: services.save_guardians(None, db.session.get(Student, student.id), entries))
    assert changed == 2 and sorted(actions) == ["guardian.removed", "guardian.updated"]
    with app.app_context():
        rows = db.session.scalars(select(Guardian).where(Guardian.student_id == student.id)).all()
        assert [(g.relation, g.occupation) for g in rows] == [("cha", "Công nhân")]


def test_save_student_creates_and_enrolls(app, audited, school_fixture) -> None:
    fields = {
        "student_code": "S-1",
        "moet_id": "",
        "last_name": "Nguyễn",
        "middle_name": "Gia",
        "first_name": "Huy",
        "full_name": "",
        "birth_date": date(2009, 1, 2),
        "gender": "nam",
        "ethnicity": "Kinh",
        "birthplace": "",
        "address": "",
        "national_id": "",
    }
    student_id, actions = audited(
        lambda: (
            services.save_student(
                None,
                None,
                db.session.get(SchoolClass, school_fixture.c10a2.id),
                fields,
                {"me": {"full_name": "Phạm Thị Mai", "phone": "", "occupation": ""}},
            ).id
        )
    )
    assert actions == ["student.created", "guardian.created"]
    with app.app_context():
        s = db.session.get(Student, student_id)
        assert s.full_name == "Nguyễn Gia Huy"
        assert s.enrollments[0].class_id == school_fixture.c10a2.id


def test_roster_export_is_logged_with_its_row_count(app, audited, school_fixture) -> None:
    _, actions = audited(
        lambda: services.record_roster_export(None, db.session.get(SchoolClass, school_fixture.c10a1.id), 3, False)
    )
    assert actions == ["class.roster_exported"]
    assert events(app)[-1].changes == {"rows": [None, 3], "national_ids": [None, False]}
