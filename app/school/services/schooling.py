"""Quá trình học tập at other schools: the years a transferred student spent elsewhere
(năm học, lớp, trường, nơi), entered by the quản trị from the student's transfer file.

Invariants: the year is "YYYY-(YYYY+1)"; class and school are given; each change is one
audit event about the row (naming the student).
"""

from __future__ import annotations

import re
from typing import Any

from app.accounts.models import User
from app.audit import services as audit
from app.core.models import apply_changes
from app.extensions import db
from app.school.models import PriorSchooling, Student
from app.school.services.common import SchoolError, clean

YEAR_NAME = re.compile(r"^(\d{4})\s*[-–]\s*(\d{4})$")
LIMITS = {"class_name": ("Lớp", 20), "school_name": ("Trường", 200), "place": ("Nơi (huyện, tỉnh)", 200)}


def validate_schooling(fields: dict[str, Any]) -> dict[str, Any]:
    data = {k: clean(fields.get(k) or "") for k in ("year_name", "class_name", "school_name", "place")}
    match = YEAR_NAME.match(data["year_name"])
    if not match or int(match.group(2)) != int(match.group(1)) + 1 or not 1950 <= int(match.group(1)) <= 2100:
        raise SchoolError(f"Năm học '{data['year_name'][:20]}' phải có dạng 2023-2024 (hai năm liền nhau).")
    data["year_name"] = f"{match.group(1)}-{match.group(2)}"
    if not data["class_name"]:
        raise SchoolError("Vui lòng nhập lớp (ví dụ 6A2).")
    if not data["school_name"]:
        raise SchoolError("Vui lòng nhập tên trường.")
    for key, (label, maximum) in LIMITS.items():
        if len(data[key]) > maximum:
            raise SchoolError(f"{label} dài tối đa {maximum} ký tự.")
    data["place"] = data["place"] or None
    return data


def add_schooling(actor: User | None, student: Student, **fields: Any) -> PriorSchooling:
    data = validate_schooling(fields)
    row = PriorSchooling(student_id=student.id, **data)
    db.session.add(row)
    db.session.flush()
    changes = {"student_id": [None, student.id], **{k: [None, v] for k, v in data.items() if v is not None}}
    audit.record(actor, "prior_schooling.created", row, changes=changes)
    return row


def update_schooling(actor: User | None, row: PriorSchooling, **fields: Any) -> dict[str, list[Any]]:
    diff = apply_changes(row, **validate_schooling(fields))
    if diff:
        db.session.flush()
        audit.record(actor, "prior_schooling.updated", row, changes={**diff, "student_id": [row.student_id] * 2})
    return diff


def remove_schooling(actor: User | None, row: PriorSchooling) -> None:
    audit.record(
        actor,
        "prior_schooling.removed",
        row,
        changes={
            "student_id": [row.student_id, None],
            "year_name": [row.year_name, None],
            "class_name": [row.class_name, None],
            "school_name": [row.school_name, None],
            "place": [row.place, None],
        },
    )
    row.student.prior_schooling.remove(row)
    db.session.flush()
