"""Rendering the grid and saving a cell take a bounded number of SQL statements, the same
for a class of 5 and a class of 45 (no N+1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.gradebook.conftest import handle_of, post_cell

# measured: the page 10 (user with roles, tổ lookup, grade book with its periods, year and
# HK I book, class list, cells, nhận xét, exemptions, review record, the nav's GVCN
# question, plus BEGIN); the save 12 (… the cell, UPDATE, history, audit head and row, the
# row's cells). Was 20 / 18 before issue 13's fifth round.
MAX_RENDER = 10
MAX_SAVE = 12


@pytest.fixture
def classes(gb, app, as_user, make_class, make_assignment):  # type: ignore[no-untyped-def]
    """A filled Toán HK I grade book for a class of 5 and one of 45 (both taught by T1)."""
    from app.gradebook.grid import grid_columns, regular_count
    from app.gradebook.services import entry
    from app.gradebook.values import CellValue
    from app.school import services as school
    from app.school.models import SchoolClass

    books = {}
    for name, size in (("10A3", 5), ("10A4", 45)):
        cls = make_class(gb.year, name)
        make_assignment(gb.t1, cls, gb.toan)
        with app.app_context():
            c = db.session.get(SchoolClass, cls.id)
            for i in range(size):
                school.create_student(
                    None,
                    c,
                    student_code=f"{name}-{i:02d}",
                    last_name="Trần",
                    middle_name="Văn",
                    first_name=f"Học{i:02d}",
                    birth_date=date(2009, 1, 1 + i % 28),
                    gender="nam",
                )
            db.session.commit()
        book = gb.open_book(gb.t1, cls, gb.toan, gb.term1)

        def fill(actor, book=book):  # type: ignore[no-untyped-def]
            from app.gradebook import queries

            handle = handle_of(app, actor, book)
            cols = grid_columns(regular_count(handle.subject, handle.school_class.grade_level))
            students = queries.class_students(handle.school_class.id)
            entry.save_batch(
                actor,
                handle,
                [entry.CellWrite(s.id, col, CellValue(Decimal("7.5")), 0) for s in students for col in cols],
            )

        as_user(gb.t1, fill)
        with app.app_context():
            first = sorted(db.session.get(SchoolClass, cls.id).enrollments, key=lambda e: e.student_id)[0]
            books[size] = (book, first.student_id)
    return books


class Counter:
    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app, self.n = app, 0

    def __enter__(self) -> Counter:
        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def _count(self, *args) -> None:  # type: ignore[no-untyped-def]
        self.n += 1

    def __exit__(self, *exc) -> None:  # type: ignore[no-untyped-def]
        event.remove(self.engine, "before_cursor_execute", self._count)


def test_grid_render_uses_the_same_few_queries_for_5_or_45_students(classes, login_as, app) -> None:
    counts = {}
    for size, (book, _sid) in classes.items():
        client = login_as(_t1(app))
        client.get(f"/gradebook/{book}")  # warm-up (first request compiles templates)
        with Counter(app) as counter:
            r = client.get(f"/gradebook/{book}")
        assert r.status_code == 200 and r.text.count('class="cell-input"') == size * 6
        counts[size] = counter.n
    assert counts[5] == counts[45], counts
    assert counts[45] <= MAX_RENDER, counts


def test_cell_save_uses_the_same_few_queries_for_5_or_45_students(classes, login_as, app) -> None:
    counts = {}
    for size, (book, sid) in classes.items():
        client = login_as(_t1(app))
        with Counter(app) as counter:
            r = post_cell(client, book, sid, "tx1", "9", 1)
        assert r.status_code == 200
        counts[size] = counter.n
    assert counts[5] == counts[45], counts
    assert counts[45] <= MAX_SAVE, counts


def _t1(app):  # type: ignore[no-untyped-def]
    from app.accounts.models import User

    with app.app_context():
        user = db.session.query(User).filter_by(username="t1").one()
        db.session.expunge(user)
        return user
