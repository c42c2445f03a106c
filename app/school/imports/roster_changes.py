"""Roster rows for students already in the system (matched by mã học sinh): what would
change, shown old → new in the preview, and the writers that apply it.

Rules: a column the file does not have, and an empty cell, keep the stored value (an
export without the sensitive columns re-imports as "Không đổi"); the name (họ, chữ đệm,
tên), ngày sinh and giới tính come from the row. A mã định danh Bộ once set cannot
change. The student keeps their class: a row naming another class of the year is an
error (a class change is "Chuyển lớp", from a date); a student with no class yet this
year is placed in the row's class. Guardians are matched by relation (cha, mẹ, người
giám hộ); a relation left empty keeps its guardian.

The preview never shows a stored sensitive value (dân tộc, nơi sinh, chỗ ở, số định
danh): the quản trị writes them but does not read them back (policy.SENSITIVE_STUDENT_FIELDS).
Applying goes through the student services, so the audit events are the ones the student
form writes (one `student.updated` per changed student, số định danh as "(cũ)"/"(mới)").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.accounts.models import User
from app.core.vn import format_date, mask_national_id, nfc
from app.extensions import db
from app.school import services
from app.school.models import Guardian, GuardianRelation, SchoolClass, SchoolYear, Student
from app.school.policy import SENSITIVE_STUDENT_FIELDS
from app.school.services import SchoolError, validate_student_fields

HIDDEN = "(đã có, ẩn)"
EMPTY = "—"
FIELD_LABELS = {
    "register_number": "Số đăng bộ",
    "moet_id": "Mã định danh Bộ",
    "full_name": "Họ và tên",
    "birth_date": "Ngày sinh",
    "gender": "Giới tính",
    "ethnicity": "Dân tộc",
    "birthplace": "Nơi sinh",
    "address": "Chỗ ở hiện tại",
    "national_id": "Số định danh cá nhân",
}
NAME_PARTS = ("last_name", "middle_name", "first_name", "full_name")
GUARDIAN_FIELDS = (("full_name", "Họ tên"), ("phone", "Điện thoại"), ("occupation", "Nghề nghiệp"))
GENDER_LABELS = {"nam": "Nam", "nu": "Nữ"}


@dataclass(frozen=True)
class FieldChange:
    """One line of the preview: 'Ngày sinh: 17/05/2012 → 18/05/2012' (display strings)."""

    label: str
    old: str
    new: str


@dataclass
class RosterUpdate:
    """An existing student's row, validated: what applying it changes (maybe nothing)."""

    student_id: int
    class_id: int
    fields: dict[str, Any] = field(default_factory=dict)  # student fields that change
    guardians: list[dict[str, Any]] = field(default_factory=list)  # relation + the values to set
    enroll: bool = False  # no class this year yet: placed in class_id
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _shown(key: str, value: Any) -> str:
    if value in (None, ""):
        return EMPTY
    if isinstance(value, date):
        return format_date(value)
    if key == "gender":
        return GENDER_LABELS.get(value, str(value))
    if key == "national_id":
        return mask_national_id(value)
    return str(value)


def _old_shown(key: str, value: Any) -> str:
    if key in SENSITIVE_STUDENT_FIELDS and value not in (None, ""):
        return HIDDEN
    return _shown(key, value)


def _student_changes(student: Student, given: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    """The student fields the row changes ({} when none); errors for what may not change."""
    stored = {k: getattr(student, k) for k in services.STUDENT_FIELDS}
    proposed = {k: v for k, v in given.items() if k in NAME_PARTS or v not in (None, "")}
    if nfc(proposed.get("full_name") or "") == student.full_name:
        for key in NAME_PARTS:  # the same name: keep how it is split (a 'Họ và tên' column splits by guess)
            proposed.pop(key, None)
    if student.moet_id and proposed.get("moet_id") not in (None, student.moet_id):
        errors.append(
            f"mã định danh Bộ '{proposed['moet_id']}' khác mã đã cấp cho học sinh này ({student.moet_id}); "
            "mã đã cấp không đổi được"
        )
        return {}
    try:
        merged = validate_student_fields({**stored, **proposed})
    except SchoolError as exc:
        errors.append(exc.message.rstrip("."))
        return {}
    return {k: v for k, v in merged.items() if v != stored.get(k)}


def _field_lines(student: Student, changed: dict[str, Any]) -> list[FieldChange]:
    lines = []
    for key, label in FIELD_LABELS.items():
        if key in changed:
            lines.append(FieldChange(label, _old_shown(key, getattr(student, key)), _shown(key, changed[key])))
    return lines


def _guardian_changes(
    student: Student, guardians: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[FieldChange]]:
    """Guardians to add or change (empty cells keep what is stored), with preview lines."""
    todo, lines = [], []
    for entry in guardians:
        relation = GuardianRelation(entry["relation"])
        stored = next((g for g in student.guardians if g.relation == relation.value), None)
        values = {k: entry.get(k) or (getattr(stored, k) if stored else None) for k, _ in GUARDIAN_FIELDS}
        diff = [(k, label) for k, label in GUARDIAN_FIELDS if values[k] != (getattr(stored, k) if stored else None)]
        if not diff:
            continue
        todo.append({"relation": relation.value, "guardian_id": stored.id if stored else None, **values})
        for key, label in diff:
            old = getattr(stored, key) if stored else None
            lines.append(FieldChange(f"{label} {relation.label.lower()}", _shown(key, old), _shown(key, values[key])))
    return todo, lines


def compare(
    student: Student,
    given: dict[str, Any],
    guardians: list[dict[str, Any]],
    school_class: SchoolClass,
    year: SchoolYear,
    errors: list[str],
) -> RosterUpdate | None:
    """The update a row makes to an existing student, or None (errors say why)."""
    of_year = [e for e in student.enrollments if e.year_id == year.id]
    current = next((e for e in of_year if e.end_date is None), None)
    if current is not None and current.class_id != school_class.id:
        errors.append(
            f"học sinh {student.full_name} đang học lớp {current.school_class.name} năm học {year.name}; "
            "để đổi lớp hãy dùng “Chuyển lớp” trên trang học sinh"
        )
    elif current is None and of_year:
        left = of_year[-1]
        errors.append(
            f"học sinh {student.full_name} đã rời lớp {left.school_class.name} ({left.end_label.lower()}) "
            f"sau ngày {format_date(left.end_date)}; không xếp lại lớp từ tệp được"
        )
    changed = _student_changes(student, given, errors)
    todo, guardian_lines = _guardian_changes(student, guardians)
    if errors:
        return None
    update = RosterUpdate(student.id, school_class.id, changed, todo, enroll=current is None)
    update.changes = _field_lines(student, changed) + guardian_lines
    if update.enroll:
        update.changes.append(FieldChange("Lớp", EMPTY, school_class.name))
    return update


def apply_updates(actor: User | None, updates: list[RosterUpdate]) -> dict[str, int]:
    """Write the changes through the student services (their audit events); the counts."""
    counts = {"updated": 0, "guardians": 0, "enrolled": 0}
    for update in updates:
        if not update.changed:
            continue
        student = db.session.get(Student, update.student_id)
        school_class = db.session.get(SchoolClass, update.class_id)
        assert student is not None and school_class is not None
        if update.fields:
            services.update_student(actor, student, **update.fields)
        for entry in update.guardians:
            values = {k: entry[k] for k, _ in GUARDIAN_FIELDS}
            guardian = db.session.get(Guardian, entry["guardian_id"]) if entry["guardian_id"] else None
            if guardian is None:
                services.add_guardian(actor, student, relation=GuardianRelation(entry["relation"]), **values)
            else:
                services.update_guardian(actor, guardian, **values)
            counts["guardians"] += 1
        if update.enroll:
            services.enroll(actor, student, school_class)
            counts["enrolled"] += 1
        counts["updated"] += 1
    return counts
