"""Tổ chuyên môn: a name, a tổ trưởng and a tổ phó (who thereby get the tổ trưởng role)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.accounts.models import User
from app.audit import services as audit
from app.core.models import apply_changes
from app.extensions import db
from app.school.models import Department
from app.school.services.common import SchoolError, clean


def create_department(
    actor: User | None, name: str, head_id: int | None = None, deputy_id: int | None = None
) -> Department:
    name = clean(name)
    if not name:
        raise SchoolError("Vui lòng nhập tên tổ chuyên môn.")
    if db.session.scalar(select(Department).where(Department.name == name)):
        raise SchoolError(f"Tổ '{name}' đã tồn tại.")
    dept = Department(name=name, head_id=head_id, deputy_id=deputy_id)
    db.session.add(dept)
    db.session.flush()
    audit.record(
        actor,
        "department.created",
        dept,
        changes={"name": [None, name], "head_id": [None, head_id], "deputy_id": [None, deputy_id]},
    )
    return dept


def update_department(
    actor: User | None, dept: Department, *, name: str, head_id: int | None, deputy_id: int | None
) -> dict[str, list[Any]]:
    if head_id and head_id == deputy_id:
        raise SchoolError("Tổ trưởng và tổ phó phải là hai người khác nhau.")
    if db.session.scalar(select(Department.id).where(Department.name == clean(name), Department.id != dept.id)):
        raise SchoolError(f"Đã có tổ '{clean(name)}'; hãy chọn tên khác.")
    diff = apply_changes(dept, name=clean(name), head_id=head_id, deputy_id=deputy_id)
    if diff:
        db.session.flush()
        audit.record(actor, "department.updated", dept, changes=diff)
    return diff
