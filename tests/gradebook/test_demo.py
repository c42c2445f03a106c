"""`flask seed-demo` fills the grade books: HK I complete with a realistic spread, HK II in
progress, some HK I books approved, some in review, some open; and (app.homeroom.demo,
run right after with the same generator) the class books; everything audited."""

from __future__ import annotations

import statistics
from collections import Counter

from sqlalchemy import func, select

from app.extensions import db


def test_seed_demo_fills_grade_books_realistically(demo_school) -> None:
    app, output = demo_school
    from app.audit import services as audit
    from app.gradebook import locking
    from app.gradebook.grid import load_grid
    from app.gradebook.models import CorrectionRequest, Exemption, GradeBook
    from app.gradebook.queries import GridHandle, access_for
    from app.homeroom import summary
    from app.homeroom.models import Attendance, Conduct
    from app.school.models import SchoolClass

    with app.app_context():
        books = db.session.scalars(select(GradeBook)).all()
        assert len(books) == 12 * 13 * 2
        states = Counter((b.term.number, locking.lock_of(b, b.term).code) for b in books)
        assert states[(1, "approved")] > states[(1, "submitted")] > 0
        assert states[(1, None)] > 0  # some HK I books not submitted yet
        assert states[(2, None)] == 12 * 13  # HK II in progress, nothing locked by date
        hk1 = [b for b in books if b.term.number == 1]
        sample = next(b for b in hk1 if b.subject.code == "TOAN")
        cls, subject, access = access_for(sample.class_id, sample.subject_id)
        grid = load_grid(GridHandle(sample, cls, subject, sample.term, access))
        assert grid.blanks == []  # HK I complete
        averages = [r.average_value for r in grid.rows]
        assert all(a is not None for a in averages)
        assert 5.5 < statistics.mean(float(a) for a in averages) < 8.5
        assert statistics.pstdev(float(a) for a in averages) > 0.5
        hk2 = next(
            b
            for b in books
            if b.term.number == 2 and b.subject_id == sample.subject_id and b.class_id == sample.class_id
        )
        grid2 = load_grid(GridHandle(hk2, cls, subject, hk2.term, access))
        assert grid2.blanks and all(r.cells[0].score is not None for r in grid2.rows)
        levels = Counter()
        for school_class in db.session.scalars(select(SchoolClass)):
            for line in summary.build(school_class, "1").lines:
                levels[line.learning.final.label if line.learning else "?"] += 1
        total = sum(levels.values())
        assert levels["?"] == 0
        assert levels["Chưa đạt"] < total * 0.1 and levels["Tốt"] > total * 0.05
        assert levels["Khá"] > levels["Tốt"]
        assert db.session.scalar(select(func.count()).select_from(Conduct)) == total
        assert db.session.scalar(select(func.count()).select_from(Attendance)) > total
        assert db.session.scalar(select(func.count()).select_from(CorrectionRequest)) == 1
        assert {e.state for e in db.session.scalars(select(Exemption))} == {"approved", "submitted"}
        assert audit.verify().ok
