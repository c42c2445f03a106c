"""The hiệu trưởng of a school year: the one answer every document and the close print.

`principal_of(year, on_date)` reads the year's records (services.principals); a year
without any falls back to the active account holding the Hiệu trưởng role (the lowest id
when several do), marked `recorded=False` so screens can say it is not yet confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User, UserRole
from app.core.authz import Role, found
from app.extensions import db
from app.school.models import SchoolYear, YearPrincipal


@dataclass(frozen=True)
class Principal:
    """Who signs as hiệu trưởng: the name as printed that year and the account, if any."""

    name: str
    user: User | None
    start_date: date | None  # first day in office (None: the role holder, nothing recorded)
    recorded: bool  # False: no record for the year, this is the Hiệu trưởng account

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None


def principals_of(year: SchoolYear) -> list[YearPrincipal]:
    """The year's records, by first day in office."""
    stmt = (
        select(YearPrincipal)
        .where(YearPrincipal.year_id == year.id)
        .options(selectinload(YearPrincipal.user))
        .order_by(YearPrincipal.start_date)
    )
    return list(db.session.scalars(stmt))


def principal_role_holders() -> list[User]:
    """Active accounts holding the Hiệu trưởng role, lowest id first."""
    stmt = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.PRINCIPAL.value, User.active.is_(True))
        .order_by(User.id)
    )
    return list(db.session.scalars(stmt))


def principal_of(year: SchoolYear, on_date: date | None = None) -> Principal | None:
    """The hiệu trưởng of `year` on `on_date` (the latest record that started on or before
    it; the first one for an earlier day), or at the end of the year when no date is
    given; without records, the Hiệu trưởng account; None when there is neither."""
    rows = principals_of(year)
    if rows:
        chosen = rows[-1] if on_date is None else next((r for r in reversed(rows) if r.start_date <= on_date), rows[0])
        return Principal(chosen.full_name, chosen.user, chosen.start_date, True)
    holders = principal_role_holders()
    return Principal(holders[0].full_name, holders[0], None, False) if holders else None


def principal_choices(year: SchoolYear) -> list[User]:
    """Accounts the year screen offers: the Hiệu trưởng role holders and anyone already
    recorded for the year (a past principal may have lost the role since)."""
    people = {u.id: u for u in principal_role_holders()}
    for row in principals_of(year):
        if row.user is not None:
            people.setdefault(row.user.id, row.user)
    return sorted(people.values(), key=lambda u: u.sort_key)


def get_year_principal(row_id: int) -> YearPrincipal:
    row: YearPrincipal = found(db.session.get(YearPrincipal, row_id), "year_principal", row_id)
    return row
