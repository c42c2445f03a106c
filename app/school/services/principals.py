"""The hiệu trưởng of each school year: one record per (year, first day in office).

The one source of the principal's name that documents print (queries.principal_of):
the year's records, the one in office on a date being the latest that started on or
before it. A year without a record falls back to the account holding the Hiệu trưởng
role (shown as "chưa ghi nhận" on the year screen). The name is kept as printed that
year: renaming the account later changes no past year.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from app.accounts.models import User
from app.audit import services as audit
from app.core.models import apply_changes
from app.extensions import db
from app.school.models import SchoolYear, YearPrincipal
from app.school.services.common import SchoolError, check_inside_year, clean

NAME_MAX = 120


def set_year_principal(
    actor: User | None,
    year: SchoolYear,
    *,
    user_id: int | None,
    full_name: str | None = None,
    start_date: date | None = None,
) -> YearPrincipal:
    """Record who is hiệu trưởng of `year` from `start_date` (default: the year's first
    day); a record from that day already there is changed instead."""
    user = db.session.get(User, user_id) if user_id is not None else None
    if user_id is not None and user is None:
        raise SchoolError("Không tìm thấy tài khoản hiệu trưởng đã chọn.")
    name = clean(full_name or "") or (user.full_name if user else "")
    if not name:
        raise SchoolError("Chọn tài khoản hiệu trưởng hoặc ghi họ tên hiệu trưởng.")
    if len(name) > NAME_MAX:
        raise SchoolError(f"Họ tên hiệu trưởng dài tối đa {NAME_MAX} ký tự.")
    start = start_date or year.start_date
    check_inside_year(year, start, "Ngày nhận nhiệm vụ")
    row = db.session.scalar(
        select(YearPrincipal).where(YearPrincipal.year_id == year.id, YearPrincipal.start_date == start)
    )
    if row is None:
        row = YearPrincipal(year_id=year.id, user_id=user_id, full_name=name, start_date=start)
        db.session.add(row)
        db.session.flush()
        changes: dict[str, list[Any]] = {
            "year_id": [None, year.id],
            "user_id": [None, user_id],
            "full_name": [None, name],
            "start_date": [None, start],
        }
        audit.record(actor, "year_principal.set", row, changes=changes)
    elif diff := apply_changes(row, user_id=user_id, full_name=name):
        db.session.flush()
        audit.record(actor, "year_principal.changed", row, changes=diff)
    return row


def remove_year_principal(actor: User | None, row: YearPrincipal) -> None:
    audit.record(
        actor,
        "year_principal.removed",
        row,
        changes={
            "year_id": [row.year_id, None],
            "user_id": [row.user_id, None],
            "full_name": [row.full_name, None],
            "start_date": [row.start_date, None],
        },
    )
    db.session.delete(row)
    db.session.flush()
