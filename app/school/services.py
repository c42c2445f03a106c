"""Writers for the school structure.

Invariants: a school year is "YYYY-(YYYY+1)" with terms I and II inside its dates;
one current year at a time; a class belongs to one year; a student is enrolled in at
most one class per year; mã định danh Bộ (moet_id) cannot change once set; số định
danh cá nhân is 12 digits; one teacher per (class, subject). Every change writes one
audit event (bulk imports write one summary event). Services flush, never commit.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select, update

from app.audit import services as audit
from app.core import vn
from app.core.models import apply_changes
from app.core.vn import join_name, nfc
from app.extensions import db
from app.school.models import (
    AssessmentKind,
    Department,
    Enrollment,
    Gender,
    Guardian,
    GuardianRelation,
    School,
    SchoolClass,
    SchoolSetting,
    SchoolYear,
    Student,
    Subject,
    SubjectPeriods,
    TeachingAssignment,
    Term,
)

NATIONAL_ID = re.compile(r"^\d{12}$")
CLASS_NAME = re.compile(r"^(6|7|8|9|10|11|12)[A-Z0-9]{1,6}$")


class SchoolError(ValueError):
    """A user-facing problem, with a Vietnamese message naming the field."""


def _clean(value: Any) -> Any:
    return nfc(value).strip() if isinstance(value, str) else value


def save_school(actor: Any, **fields: Any) -> School:
    school = db.session.scalars(select(School).limit(1)).first()
    fields = {k: _clean(v) for k, v in fields.items()}
    if school is None:
        school = School(**fields)
        db.session.add(school)
        db.session.flush()
        audit.record(actor, "school.created", school, changes={k: [None, v] for k, v in fields.items()})
    elif diff := apply_changes(school, **fields):
        db.session.flush()
        audit.record(actor, "school.updated", school, changes=diff)
    return school


def create_year(
    actor: Any,
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
            "start_date": [None, start_date],
            "end_date": [None, end_date],
            "terms": [None, [[s1, e1], [s2, e2]]],
            "is_current": [None, make_current],
        },
    )
    return year


def update_term(actor: Any, term: Term, *, start_date: date, end_date: date, lock_date: date | None) -> dict:
    if not start_date < end_date:
        raise SchoolError(f"{term.name}: ngày kết thúc phải sau ngày bắt đầu.")
    if lock_date and lock_date < start_date:
        raise SchoolError(f"{term.name}: ngày khoá sổ không được trước ngày bắt đầu học kỳ.")
    diff = apply_changes(term, start_date=start_date, end_date=end_date, lock_date=lock_date)
    if diff:
        db.session.flush()
        audit.record(actor, "term.updated", term, changes=diff)
    return diff


def set_current_year(actor: Any, year: SchoolYear) -> None:
    if year.is_current:
        return
    db.session.execute(update(SchoolYear).values(is_current=False))
    year.is_current = True
    db.session.flush()
    audit.record(actor, "school_year.made_current", year, changes={"is_current": [False, True]})


def create_department(actor: Any, name: str, head_id: int | None = None, deputy_id: int | None = None) -> Department:
    name = _clean(name)
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


def update_department(actor: Any, dept: Department, *, name: str, head_id: int | None, deputy_id: int | None) -> dict:
    if head_id and head_id == deputy_id:
        raise SchoolError("Tổ trưởng và tổ phó phải là hai người khác nhau.")
    if db.session.scalar(select(Department.id).where(Department.name == _clean(name), Department.id != dept.id)):
        raise SchoolError(f"Đã có tổ '{_clean(name)}'; hãy chọn tên khác.")
    diff = apply_changes(dept, name=_clean(name), head_id=head_id, deputy_id=deputy_id)
    if diff:
        db.session.flush()
        audit.record(actor, "department.updated", dept, changes=diff)
    return diff


def create_subject(
    actor: Any,
    *,
    code: str,
    name: str,
    assessment_kind: AssessmentKind,
    department_id: int | None,
    periods: dict[int, int],
    sort_order: int = 0,
) -> Subject:
    code, name = _clean(code), _clean(name)
    if db.session.scalar(select(Subject).where((Subject.code == code) | (Subject.name == name))):
        raise SchoolError(f"Môn '{name}' (mã {code}) đã tồn tại.")
    subject = Subject(
        code=code,
        name=name,
        assessment_kind=AssessmentKind(assessment_kind).value,
        department_id=department_id,
        sort_order=sort_order,
    )
    subject.periods = [SubjectPeriods(grade_level=g, periods_per_year=p) for g, p in sorted(periods.items())]
    db.session.add(subject)
    db.session.flush()
    audit.record(
        actor,
        "subject.created",
        subject,
        changes={
            "code": [None, code],
            "name": [None, name],
            "assessment_kind": [None, subject.assessment_kind],
            "department_id": [None, department_id],
            "periods": [None, periods],
        },
    )
    return subject


def update_subject(
    actor: Any,
    subject: Subject,
    *,
    name: str,
    assessment_kind: AssessmentKind,
    department_id: int | None,
    periods: dict[int, int],
) -> dict:
    if db.session.scalar(select(Subject.id).where(Subject.name == _clean(name), Subject.id != subject.id)):
        raise SchoolError(f"Đã có môn '{_clean(name)}'; hãy chọn tên khác.")
    diff = apply_changes(
        subject, name=_clean(name), department_id=department_id, assessment_kind=AssessmentKind(assessment_kind).value
    )
    old_periods = {p.grade_level: p.periods_per_year for p in subject.periods}
    if old_periods != periods:
        # change rows in place: replacing the list would INSERT (subject, grade) again
        # before the orphans are DELETEd and break the unique constraint
        rows = {p.grade_level: p for p in subject.periods}
        for grade, row in rows.items():
            if grade not in periods:
                subject.periods.remove(row)
            else:
                row.periods_per_year = periods[grade]
        for grade in sorted(set(periods) - set(rows)):
            subject.periods.append(SubjectPeriods(grade_level=grade, periods_per_year=periods[grade]))
        diff["periods"] = [old_periods, periods]
    if diff:
        db.session.flush()
        audit.record(actor, "subject.updated", subject, changes=diff)
    return diff


def create_class(
    actor: Any, year: SchoolYear, name: str, grade_level: int, homeroom_teacher_id: int | None = None
) -> SchoolClass:
    name = _clean(name).upper()
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
            "grade_level": [None, grade_level],
            "homeroom_teacher_id": [None, homeroom_teacher_id],
        },
    )
    return cls


def set_homeroom_teacher(actor: Any, cls: SchoolClass, teacher_id: int | None) -> dict:
    diff = apply_changes(cls, homeroom_teacher_id=teacher_id)
    if diff:
        db.session.flush()
        audit.record(actor, "class.homeroom_changed", cls, changes=diff)
    return diff


def assign_teacher(actor: Any, cls: SchoolClass, subject: Subject, teacher_id: int) -> TeachingAssignment:
    """Create or change the teacher of (class, subject)."""
    existing = db.session.scalar(
        select(TeachingAssignment).where(
            TeachingAssignment.class_id == cls.id, TeachingAssignment.subject_id == subject.id
        )
    )
    if existing:
        diff = apply_changes(existing, teacher_id=teacher_id)
        if diff:
            db.session.flush()
            audit.record(actor, "assignment.changed", existing, changes=diff)
        return existing
    assignment = TeachingAssignment(class_id=cls.id, subject_id=subject.id, teacher_id=teacher_id)
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        actor,
        "assignment.created",
        assignment,
        changes={"class": [None, cls.name], "subject": [None, subject.name], "teacher_id": [None, teacher_id]},
    )
    return assignment


def remove_assignment(actor: Any, assignment: TeachingAssignment) -> None:
    audit.record(
        actor,
        "assignment.removed",
        assignment,
        changes={
            "class_id": [assignment.class_id, None],
            "subject_id": [assignment.subject_id, None],
            "teacher_id": [assignment.teacher_id, None],
        },
    )
    db.session.delete(assignment)
    db.session.flush()


FULL_NAME_MAX = 180  # Student.full_name: họ (60) + chữ đệm (80) + tên (40) can exceed it
STUDENT_FIELDS = (
    "student_code",
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


def validate_student_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Normalise and check student fields; raise SchoolError naming the field."""
    data = {k: _clean(v) for k, v in fields.items()}
    for key in ("moet_id", "national_id", "ethnicity", "birthplace", "address"):
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


UNIQUE_STUDENT_FIELDS = (
    ("student_code", "Mã học sinh"),
    ("moet_id", "Mã định danh Bộ GD&ĐT"),
    ("national_id", "Số định danh cá nhân"),
)


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


def create_student(actor: Any, cls: SchoolClass | None = None, **fields: Any) -> Student:
    data = validate_student_fields(fields)
    if db.session.scalar(select(Student).where(Student.student_code == data["student_code"])):
        raise SchoolError(f"Mã học sinh {data['student_code']} đã tồn tại.")
    _check_unique_student(data, None)
    student = Student(**data)
    db.session.add(student)
    db.session.flush()
    if cls is not None:
        _enroll(student, cls)
    changes = {k: [None, v] for k, v in data.items() if v not in (None, "") and k != "national_id"}
    if data["national_id"]:
        changes["national_id"] = [None, "(đã nhập)"]
    if cls is not None:
        changes["class"] = [None, cls.name]
    audit.record(actor, "student.created", student, changes=changes)
    return student


def update_student(actor: Any, student: Student, **fields: Any) -> dict:
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


def _enroll(student: Student, cls: SchoolClass) -> Enrollment:
    existing = db.session.scalar(
        select(Enrollment).where(Enrollment.student_id == student.id, Enrollment.year_id == cls.year_id)
    )
    if existing:
        existing.class_id = cls.id
        db.session.flush()
        return existing
    enrollment = Enrollment(student_id=student.id, class_id=cls.id, year_id=cls.year_id)
    db.session.add(enrollment)
    db.session.flush()
    return enrollment


def enroll(actor: Any, student: Student, cls: SchoolClass) -> Enrollment:
    enrollment = _enroll(student, cls)
    audit.record(actor, "student.enrolled", student, changes={"class": [None, cls.name]})
    return enrollment


def add_guardian(
    actor: Any,
    student: Student,
    *,
    relation: GuardianRelation,
    full_name: str,
    phone: str | None = None,
    occupation: str | None = None,
    birth_year: int | None = None,
) -> Guardian:
    full_name = _clean(full_name)
    if not full_name:
        raise SchoolError("Thiếu họ tên cha/mẹ/người giám hộ.")
    phone = normalise_phone(phone)
    guardian = Guardian(
        student_id=student.id,
        relation=GuardianRelation(relation).value,
        full_name=full_name,
        phone=phone,
        occupation=_clean(occupation) or None,
        birth_year=birth_year,
    )
    db.session.add(guardian)
    db.session.flush()
    audit.record(
        actor,
        "guardian.created",
        guardian,
        changes={
            "student_id": [None, student.id],
            "relation": [None, guardian.relation],
            "full_name": [None, full_name],
            "phone": [None, phone],
        },
    )
    return guardian


def normalise_phone(phone: str | None) -> str | None:
    """'091 234 5678' / '+84912345678' → '0912345678'; SchoolError on a malformed number."""
    try:
        return vn.normalise_phone(phone)
    except ValueError as exc:
        raise SchoolError(str(exc)) from None


def get_setting(key: str, default: str | None = None) -> str | None:
    row = db.session.get(SchoolSetting, key)
    return row.value if row else default


def set_setting(actor: Any, key: str, value: str) -> None:
    row = db.session.get(SchoolSetting, key)
    old = row.value if row else None
    if old == value:
        return
    if row is None:
        db.session.add(SchoolSetting(key=key, value=value))
    else:
        row.value = value
    db.session.flush()
    audit.record(actor, "setting.changed", ("setting", key), changes={key: [old, value]})


def update_guardian(
    actor: Any, guardian: Guardian, *, full_name: str, phone: str | None = None, occupation: str | None = None
) -> dict:
    full_name = _clean(full_name)
    if not full_name:
        raise SchoolError("Thiếu họ tên cha/mẹ/người giám hộ.")
    diff = apply_changes(
        guardian, full_name=full_name, phone=normalise_phone(phone), occupation=_clean(occupation) or None
    )
    if diff:
        db.session.flush()
        audit.record(actor, "guardian.updated", guardian, changes=diff)
    return diff


def remove_guardian(actor: Any, guardian: Guardian) -> None:
    audit.record(
        actor,
        "guardian.removed",
        guardian,
        changes={
            "student_id": [guardian.student_id, None],
            "relation": [guardian.relation, None],
            "full_name": [guardian.full_name, None],
        },
    )
    guardian.student.guardians.remove(guardian)
    db.session.flush()


def save_guardians(actor: Any, student: Student, entries: dict[str, dict[str, Any] | None]) -> int:
    """One guardian per relation (cha, mẹ, người giám hộ): add, update or remove to match.

    An entry without a name removes that relation's guardian. Returns how many changed.
    """
    changed = 0
    for relation in GuardianRelation:
        entry = entries.get(relation.value) or {}
        existing = next((g for g in student.guardians if g.relation == relation.value), None)
        name = _clean(entry.get("full_name") or "")
        if name and existing is None:
            add_guardian(
                actor,
                student,
                relation=relation,
                full_name=name,
                phone=entry.get("phone"),
                occupation=entry.get("occupation"),
            )
            changed += 1
        elif name and existing is not None:
            changed += bool(
                update_guardian(
                    actor, existing, full_name=name, phone=entry.get("phone"), occupation=entry.get("occupation")
                )
            )
        elif existing is not None:
            remove_guardian(actor, existing)
            changed += 1
    return changed


def save_student(
    actor: Any,
    student: Student | None,
    cls: SchoolClass | None,
    fields: dict[str, Any],
    guardians: dict[str, dict[str, Any] | None],
) -> Student:
    """The student form: create (enrolled in cls) or update, then its guardians."""
    if student is None:
        student = create_student(actor, cls, **fields)
    else:
        update_student(actor, student, **fields)
    save_guardians(actor, student, guardians)
    db.session.flush()
    return student


def record_roster_export(actor: Any, cls: SchoolClass, rows: int, with_national_ids: bool) -> None:
    """R23/SECURITY.md 6: a class roster leaving the system is logged with its row count."""
    audit.record(
        actor, "class.roster_exported", cls, changes={"rows": [None, rows], "national_ids": [None, with_national_ids]}
    )
