"""The teacher's home lists the grade books to submit from rows read for that teacher in SQL
(issue 13.6: the slots of every class the teacher is one of the people of, as ORM objects,
made the home 2.8× slower at district size). The list must stay what it was: the teacher's
own books of terms ending or locking soon, not in review, not past their lock date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from app.extensions import db
from tests.gradebook.test_locking import fill


@pytest.fixture
def books(app, school_fixture, as_user):  # type: ignore[no-untyped-def]
    """HK I ends in 3 days and locks in 5; HK II is months away. t1's Toán 10A1 HK I is opened."""
    from app.gradebook import locking, queries
    from app.gradebook.services import entry
    from app.records.services import ensure_default_record_types
    from app.school.models import Term

    s = school_fixture
    s.today = locking.today_local()

    def setup(actor):  # type: ignore[no-untyped-def]
        from app.school.services import update_term

        ensure_default_record_types()
        terms = {t.number: t for t in db.session.scalars(select(Term).where(Term.year_id == s.year.id))}
        t = s.today
        update_term(None, terms[2], start_date=t + timedelta(days=10), end_date=t + timedelta(days=120), lock_date=None)
        update_term(
            None,
            terms[1],
            start_date=t - timedelta(days=90),
            end_date=t + timedelta(days=3),
            lock_date=t + timedelta(days=5),
        )
        return terms[1].id, terms[2].id

    s.term1, s.term2 = as_user(None, setup)

    def open_book(actor):  # type: ignore[no-untyped-def]
        found = queries.access_for(s.c10a1.id, s.toan.id)
        assert found is not None
        return entry.open_gradebook(actor, found[0], found[1], db.session.get(Term, s.term1), found[2]).id

    s.toan_a1 = as_user(s.t1, open_book)
    return s


def _listed(app, as_user, user, today: date) -> list[tuple[str, str, str, int | None, bool]]:  # type: ignore[no-untyped-def]
    from app.home import queries
    from app.school.queries import current_year

    def read(actor):  # type: ignore[no-untyped-def]
        todo = queries.todo_for(actor, current_year(), today)
        return [
            (b.slot.subject_name, b.slot.class_name, b.slot.term_name, b.slot.gradebook_id, b.urgent)
            for b in todo.books
        ]

    return as_user(user, read, commit=False)


def _reference(app, as_user, user, today: date) -> list[tuple[str, str, str, int | None, bool]]:  # type: ignore[no-untyped-def]
    """The list as the home built it before (every slot the user may read, as ORM objects,
    then filtered in Python): the new reading must give the same."""
    from app.gradebook import locking
    from app.gradebook import queries as gradebook_queries
    from app.school.queries import current_year

    def read(actor):  # type: ignore[no-untyped-def]
        out = []
        for s in gradebook_queries.slots_for(actor, current_year().id):
            lock = s.term.lock_date
            soon = lock is not None and today <= lock <= today + timedelta(days=14)
            if s.teacher_id != actor.id or not (s.term.end_date - timedelta(days=21) <= today or soon):
                continue
            if s.gradebook is not None and locking.lock_of(s.gradebook, s.term, today=today).locked:
                continue
            if lock is not None and lock < today:
                continue
            book = (s.subject.name, s.school_class.name, s.term.name, s.gradebook.id if s.gradebook else None, soon)
            out.append((book, lock))
        return [book for book, _ in sorted(out, key=lambda b: (not b[0][4], b[1] or date.max))]

    return as_user(user, read, commit=False)


def test_the_teacher_sees_her_own_books_of_the_term_about_to_lock_with_a_link(app, books, login_as) -> None:
    page = login_as(books.t1).get("/").text
    listed = page[page.index('id="todo-books"') :]
    assert f'href="/gradebook/{books.toan_a1}">Toán · 10A1 · Học kỳ I</a>' in listed and "sắp khoá" in listed
    assert "Học kỳ II" not in listed  # months away
    assert 'href="/gradebook/">Toán · 10A2 · Học kỳ I</a>' in login_as(books.t2).get("/").text  # not opened yet
    for other in (books.gvcn, books.tt_toan, books.ht):  # the GVCN, the tổ trưởng, the BGH: not theirs
        assert 'id="todo-books"' not in login_as(other).get("/").text


def test_a_submitted_book_leaves_the_list_and_a_term_past_its_lock_date_is_not_listed(
    app, books, login_as, as_user
) -> None:
    from app.school.models import Term
    from app.school.services import update_term

    client = login_as(books.t1)
    fill(client, books.toan_a1, books.students_a1)
    assert client.post(f"/gradebook/{books.toan_a1}/submit", data={"note": "Đủ điểm"}).status_code == 303
    assert f'href="/gradebook/{books.toan_a1}"' not in client.get("/").text.split('id="todo-books"')[-1]
    assert "Toán · 10A2 · Học kỳ I" in login_as(books.t2).get("/").text  # t2's is still to submit

    def past(actor):  # type: ignore[no-untyped-def]
        t = books.today
        term = db.session.get(Term, books.term1)
        update_term(
            None,
            term,
            start_date=t - timedelta(days=90),
            end_date=t - timedelta(days=3),
            lock_date=t - timedelta(days=1),
        )

    as_user(None, past)
    assert "Toán · 10A2 · Học kỳ I" not in login_as(books.t2).get("/").text  # a correction request now


@pytest.mark.parametrize("shift", [0, -2, 6, 19, 30])
def test_the_list_is_the_one_the_home_built_from_every_slot(app, books, as_user, make_assignment, shift) -> None:
    """The same books, in the same order, for everyone and on several days around the
    term's end and lock date (today + shift): t1 also teaches Toán 10A2 here, and is GVCN of
    nothing; the GVCN reads 10A1's grids but teaches none of them."""
    make_assignment(books.t1, books.c10a2, books.van)
    today = books.today + timedelta(days=shift)
    for user in (books.t1, books.t2, books.gv_van, books.gvcn, books.tt_toan, books.ht):
        assert _listed(app, as_user, user, today) == _reference(app, as_user, user, today), (user.username, shift)
    if shift == 0:
        assert [b[:3] for b in _listed(app, as_user, books.t1, today)] == [
            ("Toán", "10A1", "Học kỳ I"),
            ("Ngữ văn", "10A2", "Học kỳ I"),
        ]


def test_the_teachers_home_reads_rows_not_the_grade_books_and_does_not_grow_with_the_school(
    app, books, login_as, make_class, make_assignment, make_subject
) -> None:
    """The home's list of books is rows: no GradeBook or TeachingAssignment object is built
    for it (the GVCN of a class used to get every subject's slot of that class as objects),
    and a second school's worth of classes, teachers and opened books adds no statement."""
    from app.core.models import Base

    tin = make_subject("Tin học", "TIN", books.dept_toan.id)
    make_assignment(books.gvcn, books.c10a1, tin)  # the GVCN teaches one subject of her class

    def read_home(user, expected: str) -> tuple[int, dict[str, int]]:  # type: ignore[no-untyped-def]
        client = login_as(user)
        client.get("/")
        seen: list[str] = []
        loaded: dict[str, int] = {}

        def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            seen.append(statement)

        def built(target, context):  # type: ignore[no-untyped-def]
            loaded[type(target).__name__] = loaded.get(type(target).__name__, 0) + 1

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        event.listen(Base, "load", built, propagate=True)
        try:
            assert expected in client.get("/").text
        finally:
            event.remove(engine, "before_cursor_execute", count)
            event.remove(Base, "load", built)
        return len(seen), loaded

    one, loaded = read_home(books.gvcn, "Tin học · 10A1 · Học kỳ I")
    assert "GradeBook" not in loaded, loaded
    teacher_one, _ = read_home(books.t1, "Toán · 10A1 · Học kỳ I")
    for k in range(1, 13):
        cls = make_class(books.year, f"11B{k}", homeroom_teacher_id=books.gvcn.id if k == 1 else None)
        make_assignment(books.t2, cls, books.toan)
        make_assignment(books.gv_van, cls, books.van)
    two, loaded_two = read_home(books.gvcn, "Tin học · 10A1 · Học kỳ I")
    assert "GradeBook" not in loaded_two and loaded_two.get("TeachingAssignment", 0) == loaded.get(
        "TeachingAssignment", 0
    )
    assert two == one and read_home(books.t1, "Toán · 10A1 · Học kỳ I")[0] == teacher_one
