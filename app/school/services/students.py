"""Students (their enrollments: services.enrollments).

Invariants: mã học sinh, số đăng bộ, mã định danh Bộ and số định danh cá nhân are unique
(a clear 422, never the database's constraint); mã định danh Bộ cannot change once set;
số định danh is 12 digits and never copied into the audit trail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select

from app.accounts.models import User
from app.audit import services as audit
from app.core.models import apply_changes
from app.core.vn import join_name
from app.extensions import db
from app.school.models import Gender, SchoolClass, Student
from app.school.services.common import SchoolError, clean
from app.school.services.enrollments import place
from app.school.services.guardians import save_guardians

NATIONAL_ID = re.compile(r"^\d{12}$")
FULL_NAME_MAX = 180  # Student.full_name: họ (60) + chữ đệm (80) + tên (40) can exceed it
STUDENT_FIELDS = (
    "student_code",
    "register_number",
    "moet_id",
    "last_name",
    "middle_name",
    "first_name",
    "full_name",
    "birth_date",
    "gender",
    "ethnicity",
    "birthplace",
    "address",
    "national_id",
)
UNIQUE_STUDENT_FIELDS = (
    ("student_code", "Mã học sinh"),
    ("register_number", "Số đăng bộ"),
    ("moet_id", "Mã định danh Bộ GD&ĐT"),
    ("national_id", "Số định danh cá nhân"),
)


def validate_student_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise and check student fields; raise SchoolError naming the field."""
    data = {k: clean(v) for k, v in fields.items()}
    for key in ("register_number", "moet_id", "national_id", "ethnicity", "birthplace", "address"):
        data[key] = data.get(key) or None
    data["middle_name"] = data.get("middle_name") or ""
    if not data.get("student_code"):
        raise SchoolError("Thiếu mã học sinh.")
    if not data.get("last_name") or not data.get("first_name"):
        raise SchoolError("Thiếu họ hoặc tên học sinh.")
    if not data.get("full_name"):
        data["full_name"] = join_name(data["last_name"], data["middle_name"], data["first_name"])
    if data.get("gender") not in (Gender.MALE.value, Gender.FEMALE.value):
        raise SchoolError("Giới tính phải là 'Nam' hoặc 'Nữ'.")
    if not isinstance(data.get("birth_date"), date):
        raise SchoolError("Thiếu ngày sinh.")
    if data["national_id"] and not NATIONAL_ID.match(data["national_id"]):
        raise SchoolError(f"Số định danh cá nhân '{data['national_id']}' phải gồm đúng 12 chữ số.")
    if len(data["full_name"]) > FULL_NAME_MAX:
        raise SchoolError(f"Họ và tên dài tối đa {FULL_NAME_MAX} ký tự.")
    return data


def _check_unique_student(data: dict[str, Any], student_id: int | None) -> None:
    """A clear 422 instead of the database's unique constraint (a 500)."""
    for key, label in UNIQUE_STUDENT_FIELDS:
        value = data.get(key)
        if not value:
            continue
        stmt = select(Student.id).where(getattr(Student, key) == value)
        if student_id is not None:
            stmt = stmt.where(Student.id != student_id)
        if db.session.scalar(stmt):
            shown = value if key != "national_id" else "này"
            raise SchoolError(f"{label} {shown} đã có ở một học sinh khác.")


def create_student(
    actor: User | None, cls: SchoolClass | None = None, *, enrolled_from: date | None = None, **fields: Any
) -> Student:
    """A new student, enrolled in cls from `enrolled_from` (default: the year's first day)."""
    data = validate_student_fields(fields)
    if db.session.scalar(select(Student).where(Student.student_code == data["student_code"])):
        raise SchoolError(f"Mã học sinh {data['student_code']} đã tồn tại.")
    _check_unique_student(data, None)
    student = Student(**data)
    db.session.add(student)
    db.session.flush()
    changes = {k: [None, v] for k, v in data.items() if v not in (None, "") and k != "national_id"}
    if data["national_id"]:
        changes["national_id"] = [None, "(đã nhập)"]
    if cls is not None:
        _, placed = place(student, cls, enrolled_from)
        changes.update(placed)
        changes.pop("active", None)  # a new student is active from the start
    audit.record(actor, "student.created", student, changes=changes)
    return student


def update_student(actor: User | None, student: Student, **fields: Any) -> dict[str, list[Any]]:
    data = validate_student_fields({**{k: getattr(student, k) for k in STUDENT_FIELDS}, **fields})
    if student.moet_id and data["moet_id"] != student.moet_id:
        raise SchoolError("Mã định danh Bộ GD&ĐT đã được cấp thì không được thay đổi.")
    _check_unique_student(data, student.id)
    diff = apply_changes(student, **data)
    if "national_id" in diff:
        diff["national_id"] = ["(cũ)", "(mới)"]  # never copy the full number into the log
    if diff:
        db.session.flush()
        audit.record(actor, "student.updated", student, changes=diff)
    return diff


def save_student(
    actor: User | None,
    student: Student | None,
    cls: SchoolClass | None,
    fields: Mapping[str, Any],
    guardians: Mapping[str, Mapping[str, Any] | None],
    enrolled_from: date | None = None,
) -> Student:
    """The student form: create (enrolled in cls) or update, then its guardians."""
    if student is None:
        student = create_student(actor, cls, enrolled_from=enrolled_from, **fields)
    else:
        update_student(actor, student, **fields)
    save_guardians(actor, student, {k: dict(v) if v else None for k, v in guardians.items()})
    db.session.flush()
    return student
