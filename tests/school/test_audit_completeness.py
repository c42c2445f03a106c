"""Every column a school service writes is named in the audit event it writes (issue 7:
events are built after the last field change). Updates go through the shared
`assert_changes_audited` fixture; creations and removals are checked column by column."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.school import services
from app.school.models import (
    Department,
    Enrollment,
    Guardian,
    GuardianRelation,
    School,
    SchoolClass,
    SchoolYear,
    Student,
    Subject,
    TeachingAssignment,
    Term,
)

BOOKKEEPING = {"id", "created_at", "updated_at"}


def _head(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0


def _events_about(app, kind: str, ident: int, after: int) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.seq > after, AuditEvent.subject_type == kind, AuditEvent.subject_id == str(ident)
                )
            )
        )
        db.session.expunge_all()
        return rows


def _row(app, model: Any, ident: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    table = sa_inspect(model).local_table
    with app.app_context():
        return dict(db.session.execute(select(table).where(table.c.id == ident)).mappings().one())


def assert_created_audited(app, as_user, model: Any, create: Callable[[Any], Any], defaults=frozenset()) -> AuditEvent:  # type: ignore[no-untyped-def]
    """create(actor) → a new row; its one creation event names every column given a value
    (columns left at their default, listed in `defaults`, need not be named)."""
    head = _head(app)
    ident = as_user(None, lambda actor: create(actor).id)
    row = _row(app, model, ident)
    given = {c for c, v in row.items() if v not in (None, "")} - BOOKKEEPING - set(defaults)
    kind = getattr(model, "__audit_type__", None) or model.__tablename__
    events = _events_about(app, kind, ident, head)
    assert len(events) == 1, [e.action for e in events]
    assert given <= set(events[0].changes), sorted(given - set(events[0].changes))
    return events[0]


# --- updates: every changed column is in the event --------------------------------------


def _get(model: Any, ident: int) -> Callable[[], Any]:
    return lambda: db.session.get(model, ident)


UPDATES: list[tuple[str, Any, Callable[[Any], int], Callable[[Any, Any], Any]]] = [
    (
        "school",
        School,
        lambda fx: fx.school_id,
        lambda actor, fx: services.save_school(
            actor,
            name="THCS Mới",
            code="M2",
            level="THPT",
            province="Huế",
            district="Phú Vang",
            address="x",
            governing_body="Sở Giáo dục và Đào tạo Huế",
            place_name="Phú Vang",
            close_delegate_allowed=True,
        ),
    ),
    (
        "term",
        Term,
        lambda fx: fx.term_id,
        lambda actor, fx: services.update_term(
            actor,
            db.session.get(Term, fx.term_id),
            start_date=date(2024, 9, 6),
            end_date=date(2025, 1, 16),
            lock_date=date(2025, 1, 25),
        ),
    ),
    (
        "current year",
        SchoolYear,
        lambda fx: fx.year.id,
        lambda actor, fx: services.set_current_year(actor, db.session.get(SchoolYear, fx.year.id)),
    ),
    (
        "department",
        Department,
        lambda fx: fx.dept_van.id,
        lambda actor, fx: services.update_department(
            actor, db.session.get(Department, fx.dept_van.id), name="Văn – Sử", head_id=fx.t1.id, deputy_id=fx.t2.id
        ),
    ),
    (
        "subject",
        Subject,
        lambda fx: fx.van.id,
        lambda actor, fx: services.update_subject(
            actor,
            db.session.get(Subject, fx.van.id),
            name="Văn học",
            assessment_kind="comment",
            department_id=None,
            periods={6: 140},
        ),
    ),
    (
        "homeroom",
        SchoolClass,
        lambda fx: fx.c10a1.id,
        lambda actor, fx: services.set_homeroom_teacher(actor, db.session.get(SchoolClass, fx.c10a1.id), fx.t2.id),
    ),
    (
        "assignment",
        TeachingAssignment,
        lambda fx: fx.assignment_id,
        lambda actor, fx: services.save_assignment(
            actor, db.session.get(SchoolClass, fx.c10a1.id), db.session.get(Subject, fx.toan.id), fx.t2.id
        ),
    ),
    (
        "student",
        Student,
        lambda fx: fx.students_a1[0].id,
        lambda actor, fx: services.update_student(
            actor,
            db.session.get(Student, fx.students_a1[0].id),
            student_code="HS-DOI",
            moet_id="MOET-9",
            last_name="Trần",
            middle_name="",
            first_name="Bình",
            full_name="",
            birth_date=date(2010, 1, 2),
            gender="nam",
            ethnicity="Tày",
            birthplace="Huế",
            address="Phú Vang",
            national_id="087312000011",
        ),
    ),
    (
        "guardian",
        Guardian,
        lambda fx: fx.guardian_id,
        lambda actor, fx: services.update_guardian(
            actor, db.session.get(Guardian, fx.guardian_id), full_name="Lê Thị Hoa", phone="0912345678", occupation="GV"
        ),
    ),
]


@pytest.fixture
def fx(app, as_user, school_fixture, make_year):  # type: ignore[no-untyped-def]
    ns = school_fixture
    ns.old_year = make_year(2023)  # made current, so that 2024 is not (set_current_year has work to do)
    ns.school_id = as_user(None, lambda a: services.save_school(a, name="THCS Cũ", code="C1", province="Huế").id)
    with app.app_context():
        ns.term_id = db.session.scalar(select(Term.id).where(Term.year_id == ns.year.id, Term.number == 1))
        ns.assignment_id = db.session.scalar(
            select(TeachingAssignment.id).where(
                TeachingAssignment.class_id == ns.c10a1.id, TeachingAssignment.subject_id == ns.toan.id
            )
        )
    ns.guardian_id = as_user(
        None,
        lambda a: (
            services.add_guardian(
                a, db.session.get(Student, ns.students_a1[0].id), relation=GuardianRelation.MOTHER, full_name="Lê Hoa"
            ).id
        ),
    )
    return ns


@pytest.mark.parametrize("name, model, ident, change", UPDATES, ids=[u[0] for u in UPDATES])
def test_every_school_update_audits_every_column_it_changes(
    fx, as_user, assert_changes_audited, name, model, ident, change
) -> None:
    events = assert_changes_audited(model, ident(fx), lambda: as_user(fx.admin, lambda actor: change(actor, fx)))
    assert len(events) == 1, [e.action for e in events]


def test_the_national_id_is_named_but_never_copied(fx, as_user, assert_changes_audited) -> None:
    _, _, ident, change = next(u for u in UPDATES if u[0] == "student")
    (event,) = assert_changes_audited(Student, ident(fx), lambda: as_user(fx.admin, lambda a: change(a, fx)))
    assert event.changes["national_id"] == ["(cũ)", "(mới)"]
    assert "087312000011" not in str(event.changes)


# --- creations: every column given a value is in the event --------------------------------


def test_creations_audit_every_column_they_set(app, as_user, fx) -> None:
    assert_created_audited(
        app,
        as_user,
        SchoolYear,
        lambda a: services.create_year(
            a,
            2026,
            date(2026, 9, 5),
            date(2027, 5, 31),
            ((date(2026, 9, 5), date(2027, 1, 15)), (date(2027, 1, 20), date(2027, 5, 25))),
        ),
    )
    assert_created_audited(
        app, as_user, Department, lambda a: services.create_department(a, "Ngoại ngữ", fx.t1.id, fx.t2.id)
    )
    assert_created_audited(
        app,
        as_user,
        Subject,
        lambda a: services.create_subject(
            a,
            code="ANH",
            name="Tiếng Anh",
            assessment_kind="score",
            department_id=fx.dept_van.id,
            periods={10: 105},
            sort_order=4,
        ),
    )
    assert_created_audited(
        app,
        as_user,
        SchoolClass,
        lambda a: services.create_class(a, db.session.get(SchoolYear, fx.year.id), "11A1", 11, fx.t1.id),
    )
    assert_created_audited(
        app,
        as_user,
        TeachingAssignment,
        lambda a: services.assign_teacher(
            a, db.session.get(SchoolClass, fx.c10a1.id), db.session.get(Subject, _subject(a)), fx.t1.id
        ),
    )
    event = assert_created_audited(
        app,
        as_user,
        Student,
        lambda a: services.create_student(
            a,
            db.session.get(SchoolClass, fx.c10a2.id),
            student_code="HS-TAO",
            moet_id="MOET-T",
            last_name="Võ",
            middle_name="Thị",
            first_name="Tạo",
            birth_date=date(2010, 3, 4),
            gender="nu",
            ethnicity="Kinh",
            birthplace="Huế",
            address="Huế",
            national_id="087312000077",
        ),
        defaults={"active"},
    )
    assert event.changes["class_id"] == [None, fx.c10a2.id] and "087312000077" not in str(event.changes)
    assert_created_audited(
        app,
        as_user,
        Guardian,
        lambda a: services.add_guardian(
            a,
            db.session.get(Student, fx.students_a2[0].id),
            relation=GuardianRelation.GUARDIAN,
            full_name="Đỗ Văn Giám",
            phone="0987654321",
            occupation="Nông dân",
            birth_year=1980,
        ),
    )


def _subject(actor: Any) -> int:
    """A subject class 10A1 has no teacher for yet."""
    return services.create_subject(
        actor, code="TIN", name="Tin học", assessment_kind="score", department_id=None, periods={10: 70}
    ).id


# --- moves and removals ---------------------------------------------------------------------


def test_moving_a_student_to_another_class_names_the_old_and_new_class(app, as_user, fx) -> None:
    student_id = fx.students_a1[1].id
    head = _head(app)
    as_user(
        fx.admin,
        lambda a: services.move_student(
            a, db.session.get(Student, student_id), db.session.get(SchoolClass, fx.c10a2.id), date(2025, 1, 20)
        ),
    )
    (event,) = _events_about(app, "student", student_id, head)
    assert event.action == "student.class_changed"
    assert event.changes["class"] == ["10A1", "10A2"]
    assert event.changes["class_id"] == [fx.c10a1.id, fx.c10a2.id]
    assert event.changes["end_date"] == [None, "2025-01-19"] and event.changes["start_date"][1] == "2025-01-20"
    with app.app_context():
        rows = db.session.execute(
            select(Enrollment.class_id, Enrollment.end_date)
            .where(Enrollment.student_id == student_id)
            .order_by(Enrollment.start_date)
        ).all()
        assert rows == [(fx.c10a1.id, date(2025, 1, 19)), (fx.c10a2.id, None)]  # the old one is kept


@pytest.mark.parametrize("action", ["move", "leave"])
def test_a_move_or_a_departure_names_every_enrollment_column_it_writes(app, as_user, fx, action) -> None:
    """The event is about the student (their timeline); it names each column of the
    enrollments it ended or opened."""
    student_id = fx.students_a1[2].id

    def rows() -> dict[int, dict[str, Any]]:
        with app.app_context():
            found = db.session.execute(select(Enrollment.__table__).where(Enrollment.student_id == student_id))
            return {r["id"]: dict(r) for r in found.mappings()}

    before, head = rows(), _head(app)

    def run(actor: Any) -> None:
        student = db.session.get(Student, student_id)
        (current,) = student.enrollments
        if action == "move":
            services.move_student(actor, student, db.session.get(SchoolClass, fx.c10a2.id), date(2025, 1, 20))
        else:
            services.end_enrollment(actor, current, kind="thoi_hoc", on=date(2025, 1, 20), reason="Gia đình")

    as_user(fx.admin, run)
    after = rows()
    changed = {
        c for i, r in after.items() for c, v in r.items() if (before[i][c] != v if i in before else v is not None)
    }
    (event,) = _events_about(app, "student", student_id, head)
    assert changed - {"id", "student_id", "year_id"} <= set(event.changes), sorted(changed - set(event.changes))


@pytest.mark.parametrize("kind", ["assignment", "guardian"])
def test_a_removal_names_every_column_of_the_removed_row(app, as_user, fx, kind) -> None:
    model, ident = (TeachingAssignment, fx.assignment_id) if kind == "assignment" else (Guardian, fx.guardian_id)
    row = _row(app, model, ident)
    head = _head(app)

    def remove(actor: Any) -> None:
        target = db.session.get(model, ident)
        if kind == "assignment":
            services.save_assignment(actor, target.school_class, target.subject, None)
        else:
            services.remove_guardian(actor, target)

    as_user(fx.admin, remove)
    (event,) = _events_about(app, model.__tablename__, ident, head)
    named = {c for c, v in row.items() if v not in (None, "")} - BOOKKEEPING
    if kind == "guardian":
        named -= {"phone", "occupation", "birth_year"}  # the removal names who, not their contact details
    assert named <= set(event.changes), sorted(named - set(event.changes))
    assert all(new is None for _old, new in event.changes.values())


def test_a_setting_change_names_its_key_with_old_and_new_value(app, as_user, fx) -> None:
    head = _head(app)
    as_user(fx.admin, lambda a: services.set_setting(a, "tt22.rounding", "half_up"))
    as_user(fx.admin, lambda a: services.set_setting(a, "tt22.rounding", "half_even"))
    as_user(fx.admin, lambda a: services.set_setting(a, "tt22.rounding", "half_even"))  # no change, no event
    events = _events_about(app, "setting", "tt22.rounding", head)  # type: ignore[arg-type]
    assert [e.changes for e in events] == [
        {"tt22.rounding": [None, "half_up"]},
        {"tt22.rounding": ["half_up", "half_even"]},
    ]
