"""School years and their two terms; which year is current."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, update

from app.accounts.models import User
from app.audit import services as audit
from app.core.models import apply_changes
from app.extensions import db
from app.school.models import SchoolYear, Term
from app.school.services.common import SchoolError


def create_year(
    actor: User | None,
    start_year: int,
    start_date: date,
    end_date: date,
    term_dates: tuple[tuple[date, date], tuple[date, date]],
    make_current: bool = True,
) -> SchoolYear:
    if db.session.scalar(select(SchoolYear).where(SchoolYear.start_year == start_year)):
        raise SchoolError(f"Năm học {start_year}-{start_year + 1} đã tồn tại.")
    if not start_date < end_date:
        raise SchoolError("Ngày kết thúc năm học phải sau ngày bắt đầu.")
    (s1, e1), (s2, e2) = term_dates
    if not (start_date <= s1 < e1 < s2 < e2 <= end_date):
        raise SchoolError("Ngày của hai học kỳ phải nằm trong năm học và học kỳ II sau học kỳ I.")
    if make_current:
        db.session.execute(update(SchoolYear).values(is_current=False))
    year = SchoolYear(
        start_year=start_year,
        end_year=start_year + 1,
        start_date=start_date,
        end_date=end_date,
        is_current=make_current,
    )
    year.terms = [Term(number=1, start_date=s1, end_date=e1), Term(number=2, start_date=s2, end_date=e2)]
    db.session.add(year)
    db.session.flush()
    audit.record(
        actor,
        "school_year.created",
        year,
        changes={
            "name": [None, year.name],
            "start_year": [None, start_year],
            "end_year": [None, year.end_year],
            "start_date": [None, start_date],
            "end_date": [None, end_date],
            "terms": [None, [[s1, e1], [s2, e2]]],
            "is_current": [None, make_current],
        },
    )
    return year


def update_term(
    actor: User | None, term: Term, *, start_date: date, end_date: date, lock_date: date | None
) -> dict[str, list[Any]]:
    if not start_date < end_date:
        raise SchoolError(f"{term.name}: ngày kết thúc phải sau ngày bắt đầu.")
    if lock_date and lock_date < start_date:
        raise SchoolError(f"{term.name}: ngày khoá sổ không được trước ngày bắt đầu học kỳ.")
    diff = apply_changes(term, start_date=start_date, end_date=end_date, lock_date=lock_date)
    if diff:
        db.session.flush()
        audit.record(actor, "term.updated", term, changes=diff)
    return diff


def set_current_year(actor: User | None, year: SchoolYear) -> None:
    """One current year at a time: the others stop being current in the same statement."""
    if year.is_current:
        return
    db.session.execute(update(SchoolYear).values(is_current=False))
    year.is_current = True
    db.session.flush()
    audit.record(actor, "school_year.made_current", year, changes={"is_current": [False, True]})
