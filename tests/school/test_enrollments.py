"""Enrollment history: a class change keeps the old enrollment with its end date, leaving
school ends it with a reason; the rosters are today's and the queries answer for a day."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from app.core.errors import ConflictError
from app.extensions import db
from app.gradebook import queries as gradebook_queries
from app.homeroom import queries as homeroom_queries
from app.school import queries, services
from app.school.models import Enrollment, SchoolClass, SchoolYear, Student
from app.school.services import SchoolError
from tests.school.conftest import events

MOVE_DAY = date(2025, 1, 20)


def _run(app, fn):  # type: ignore[no-untyped-def]
    """fn() in an app context, committed; (result, the actions it wrote)."""
    before = len(events(app))
    with app.app_context():
        result = fn()
        db.session.commit()
    return result, [e.action for e in events(app)[before:]]


def _get(model: Any, ident: int) -> Any:
    return db.session.get(model, ident)


def _move(fx, student_id: int, day: date = MOVE_DAY, to: Any = None):  # type: ignore[no-untyped-def]
    target = to or fx.c10a2
    return lambda: services.move_student(fx.admin, _get(Student, student_id), _get(SchoolClass, target.id), day)


def test_a_move_keeps_the_old_enrollment_and_changes_todays_rosters(app, school_fixture) -> None:
    fx = school_fixture
    moved = fx.students_a1[0]
    _, actions = _run(app, _move(fx, moved.id))
    assert actions == ["student.class_changed"]
    with app.app_context():
        student = _get(Student, moved.id)
        a1, a2 = _get(SchoolClass, fx.c10a1.id), _get(SchoolClass, fx.c10a2.id)
        history = queries.enrollment_history(student)
        assert [(e.school_class.name, e.start_date, e.end_date, e.end_kind) for e in history] == [
            ("10A1", date(2024, 9, 5), date(2025, 1, 19), "chuyen_lop"),
            ("10A2", MOVE_DAY, None, None),
        ]
        assert moved.id not in {s.id for s in queries.students_of_class(a1)}
        assert moved.id in {s.id for s in queries.students_of_class(a2)}
        # the class on a day, the class list on a day, the enrollments of the year
        assert queries.class_of_student_on(student, date(2025, 1, 19)).name == "10A1"
        assert queries.class_of_student_on(student, MOVE_DAY).name == "10A2"
        assert queries.class_of_student_on(student, date(2024, 9, 4)) is None  # before the year
        assert moved.id in {s.id for s in queries.students_of_class_on(a1, date(2024, 12, 1))}
        assert moved.id not in {s.id for s in queries.students_of_class_on(a1, MOVE_DAY)}
        year = _get(SchoolYear, fx.year.id)
        assert [e.school_class.name for e in queries.enrollments_in_year(student, year)] == ["10A1", "10A2"]
        # a term close needs everyone who was in the class during the term
        term1 = year.terms[0]
        assert moved.id in {s.id for s in queries.students_of_class_during(a1, term1.start_date, term1.end_date)}
        assert moved.id not in {s.id for s in queries.students_of_class_during(a2, term1.start_date, term1.end_date)}
        assert queries.current_enrollment(student).school_class.name == "10A2"
        # the counts of the admin screens count the student once
        assert queries.admin_counts(year)["students"] == 6
        assert dict((c.name, n) for c, n in queries.class_sizes(year)) == {"10A1": 2, "10A2": 4}
        # the grade books and class books read today's roster too
        assert moved.id not in gradebook_queries.class_student_ids(fx.c10a1.id)
        assert moved.id in {s.id for s in gradebook_queries.class_students(fx.c10a2.id)}
        assert homeroom_queries.class_student(a2, moved.id).id == moved.id


def test_the_old_class_teachers_lose_the_student_and_bgh_keeps_it(app, school_fixture, login_as) -> None:
    fx = school_fixture
    moved = fx.students_a1[0]
    _run(app, _move(fx, moved.id))
    assert login_as(fx.gvcn).get(f"/school/students/{moved.id}").status_code == 404  # GVCN of 10A1
    assert login_as(fx.t2).get(f"/school/students/{moved.id}").status_code == 200  # teaches 10A2
    page = login_as(fx.ht).get(f"/school/students/{moved.id}")
    assert page.status_code == 200 and "10A1" in page.text and "19/01/2025" in page.text


@pytest.mark.parametrize(
    "day, message",
    [
        (date(2024, 9, 5), "Ngày chuyển lớp phải sau ngày vào lớp 10A1 (05/09/2024)."),
        (date(2025, 6, 1), "Ngày chuyển lớp phải trong năm học 2024-2025 (05/09/2024 – 31/05/2025)."),
        (date(2024, 8, 1), "Ngày chuyển lớp phải trong năm học 2024-2025"),
    ],
)
def test_a_move_date_outside_the_enrollment_is_refused(app, school_fixture, day, message) -> None:
    fx = school_fixture
    with app.app_context(), pytest.raises(SchoolError) as refused:
        _move(fx, fx.students_a1[0].id, day)()
    assert message in refused.value.message and refused.value.status == 422
    with app.app_context():
        assert db.session.scalar(select(Enrollment).where(Enrollment.end_date.is_not(None))) is None


def test_a_move_in_the_future_is_refused(app, school_fixture, monkeypatch) -> None:
    from app.school.services import enrollments

    monkeypatch.setattr(enrollments, "local_today", lambda: date(2025, 1, 10))
    with app.app_context(), pytest.raises(SchoolError) as refused:
        _move(school_fixture, school_fixture.students_a1[0].id)()
    assert refused.value.message == "Ngày chuyển lớp không được sau hôm nay (10/01/2025)."


def test_moving_into_the_same_class_or_without_a_class_this_year_is_refused(app, school_fixture, make_year) -> None:
    fx = school_fixture
    with app.app_context(), pytest.raises(SchoolError, match="đang học lớp 10A1; hãy chọn một lớp khác"):
        _move(fx, fx.students_a1[0].id, to=fx.c10a1)()
    later = make_year(2025)
    with app.app_context():
        other = services.create_class(None, _get(SchoolYear, later.id), "11A1", 11)
        db.session.commit()
        with pytest.raises(ConflictError, match="không có lớp đang học trong năm học 2025-2026"):
            services.move_student(None, _get(Student, fx.students_a1[0].id), other, date(2025, 10, 1))


def test_placing_a_student_in_another_class_says_to_use_the_move(app, school_fixture) -> None:
    fx = school_fixture
    with app.app_context(), pytest.raises(SchoolError, match="dùng “Chuyển lớp”"):
        services.enroll(None, _get(Student, fx.students_a1[0].id), _get(SchoolClass, fx.c10a2.id))


def _leave(
    fx, student_id: int, kind: str = "chuyen_truong", day: date = date(2025, 3, 3), reason: str = "Theo gia đình"
):  # type: ignore[no-untyped-def]
    def run() -> Enrollment:
        current = queries.current_enrollment(_get(Student, student_id))
        return services.end_enrollment(fx.admin, current, kind=kind, on=day, reason=reason)

    return run


def test_leaving_school_ends_the_enrollment_with_its_reason(app, school_fixture) -> None:
    fx = school_fixture
    leaver = fx.students_a1[1]
    _, actions = _run(app, _leave(fx, leaver.id, reason="Chuyển đến Trường THCS Mỹ Long theo đơn của gia đình"))
    assert actions == ["student.left_school"]
    event = events(app, "student.left_school")[-1]
    assert event.changes["end_date"] == [None, "2025-03-02"]
    assert event.changes["end_kind"] == [None, "chuyen_truong"] and event.changes["active"] == [True, False]
    # the reason may say why (health, family): the chain says one was given, not what
    assert event.changes["end_reason"] == [None, "(đã ghi, có thể là dữ liệu nhạy cảm)"]
    assert "Mỹ Long" not in str(event.changes) and "Mỹ Long" not in (event.comment or "")
    with app.app_context():
        student = _get(Student, leaver.id)
        assert not student.active and queries.current_enrollment(student) is None
        (only,) = queries.enrollment_history(student)
        assert (only.end_date, only.end_label, only.end_reason) == (
            date(2025, 3, 2),
            "Chuyển trường",
            "Chuyển đến Trường THCS Mỹ Long theo đơn của gia đình",
        )
        assert leaver.id not in {s.id for s in queries.students_of_class(_get(SchoolClass, fx.c10a1.id))}
        assert queries.class_of_student_on(student, date(2025, 3, 2)).name == "10A1"
        assert queries.class_of_student_on(student, date(2025, 3, 3)) is None


@pytest.mark.parametrize(
    "change, message",
    [
        ({"reason": "  "}, "Vui lòng ghi lý do"),
        ({"reason": "x" * 301}, "Lý do dài tối đa 300 ký tự."),
        ({"kind": "chuyen_lop"}, "Hãy chọn “Chuyển trường” hoặc “Thôi học”."),
        ({"kind": "bi_duoi"}, "Hãy chọn “Chuyển trường” hoặc “Thôi học”."),
        ({"day": date(2024, 9, 5)}, "Ngày rời trường phải sau ngày vào lớp 10A1 (05/09/2024)."),
    ],
)
def test_leaving_needs_a_kind_a_reason_and_a_date_inside_the_enrollment(app, school_fixture, change, message) -> None:
    fx = school_fixture
    with app.app_context(), pytest.raises(SchoolError) as refused:
        _leave(fx, fx.students_a1[1].id, **change)()
    assert message in refused.value.message


def test_leaving_twice_is_a_conflict_and_coming_back_reopens(app, school_fixture) -> None:
    fx = school_fixture
    leaver = fx.students_a1[1]
    _run(app, _leave(fx, leaver.id, kind="thoi_hoc"))
    with app.app_context():
        ended = db.session.scalar(select(Enrollment).where(Enrollment.student_id == leaver.id))
        with pytest.raises(ConflictError, match="đã rời lớp 10A1 từ ngày 03/03/2025"):
            services.end_enrollment(None, ended, kind="thoi_hoc", on=date(2025, 3, 10), reason="x")
        a1, student = _get(SchoolClass, fx.c10a1.id), _get(Student, leaver.id)
        with pytest.raises(SchoolError, match="Ngày vào lớp phải sau ngày 02/03/2025"):
            services.enroll(None, student, a1, date(2025, 3, 1))
    _, actions = _run(
        app,
        lambda: services.enroll(None, _get(Student, leaver.id), _get(SchoolClass, fx.c10a1.id), date(2025, 4, 1)),
    )
    assert actions == ["student.enrolled"]
    with app.app_context():
        student = _get(Student, leaver.id)
        assert student.active and [(e.start_date, e.end_date) for e in queries.enrollment_history(student)] == [
            (date(2024, 9, 5), date(2025, 3, 2)),
            (date(2025, 4, 1), None),
        ]


def test_the_database_allows_one_open_enrollment_per_student_and_year(app, school_fixture) -> None:
    from sqlalchemy.exc import IntegrityError

    fx = school_fixture
    with app.app_context():
        db.session.add(
            Enrollment(student_id=fx.students_a1[0].id, class_id=fx.c10a2.id, year_id=fx.year.id, start_date=MOVE_DAY)
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_new_student_can_join_during_the_year(app, school_fixture) -> None:
    fx = school_fixture

    def create() -> int:
        cls = _get(SchoolClass, fx.c10a1.id)
        fields = {"student_code": "HS-DEN", "last_name": "Lê", "first_name": "Đến", "gender": "nam"}
        return services.create_student(
            None, cls, enrolled_from=date(2025, 2, 10), birth_date=date(2009, 1, 1), **fields
        ).id

    student_id, actions = _run(app, create)
    assert actions == ["student.created"]
    assert events(app, "student.created")[-1].changes["start_date"] == [None, "2025-02-10"]
    with app.app_context():
        assert queries.class_of_student_on(_get(Student, student_id), date(2025, 2, 9)) is None


def test_exemptions_of_a_moved_student_show_once_in_the_new_class(app, school_fixture) -> None:
    from app.gradebook.models import Exemption

    fx = school_fixture
    moved = fx.students_a1[0]
    _run(app, _move(fx, moved.id))
    with app.app_context():
        exemption = Exemption(
            student_id=moved.id,
            subject_id=fx.toan.id,
            year_id=fx.year.id,
            state="submitted",
            reason="Gãy tay",
            requested_by_id=fx.gvcn.id,
        )
        db.session.add(exemption)
        db.session.commit()
        pending = homeroom_queries.pending_exemptions(fx.year.id)
        assert [(e.student_id, c.name) for e, c in pending] == [(moved.id, "10A2")]
