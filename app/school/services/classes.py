"""Classes of a year, their GVCN, and the audit of a class roster leaving the system."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from app.accounts.models import User
from app.audit import services as audit
from app.core.models import apply_changes
from app.extensions import db
from app.school.models import SchoolClass, SchoolYear
from app.school.services.common import SchoolError, clean

CLASS_NAME = re.compile(r"^(6|7|8|9|10|11|12)[A-Z0-9]{1,6}$")


def create_class(
    actor: User | None, year: SchoolYear, name: str, grade_level: int, homeroom_teacher_id: int | None = None
) -> SchoolClass:
    name = clean(name).upper()
    if not CLASS_NAME.match(name) or not name.startswith(str(grade_level)):
        raise SchoolError(
            f"Tên lớp '{name}' không hợp lệ: phải bắt đầu bằng khối {grade_level} (ví dụ {grade_level}A1)."
        )
    if db.session.scalar(select(SchoolClass).where(SchoolClass.year_id == year.id, SchoolClass.name == name)):
        raise SchoolError(f"Lớp {name} đã có trong năm học {year.name}.")
    cls = SchoolClass(year_id=year.id, name=name, grade_level=grade_level, homeroom_teacher_id=homeroom_teacher_id)
    db.session.add(cls)
    db.session.flush()
    audit.record(
        actor,
        "class.created",
        cls,
        changes={
            "name": [None, name],
            "year": [None, year.name],
            "year_id": [None, year.id],
            "grade_level": [None, grade_level],
            "homeroom_teacher_id": [None, homeroom_teacher_id],
        },
    )
    return cls


def set_homeroom_teacher(actor: User | None, cls: SchoolClass, teacher_id: int | None) -> dict[str, list[Any]]:
    """The class's GVCN, or none (an explicit choice of the form, never a missing field)."""
    diff = apply_changes(cls, homeroom_teacher_id=teacher_id)
    if diff:
        db.session.flush()
        audit.record(actor, "class.homeroom_changed", cls, changes=diff)
    return diff


def record_roster_export(actor: User | None, cls: SchoolClass, rows: int, with_national_ids: bool) -> None:
    """R23/SECURITY.md 6: a class roster leaving the system is logged with its row count."""
    audit.record(
        actor, "class.roster_exported", cls, changes={"rows": [None, rows], "national_ids": [None, with_national_ids]}
    )
