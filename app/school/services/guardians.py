"""Cha, mẹ, người giám hộ of a student: at most one per relation on the student form."""

from __future__ import annotations

from typing import Any

from app.accounts.models import User
from app.audit import services as audit
from app.core import vn
from app.core.models import apply_changes
from app.extensions import db
from app.school.models import Guardian, GuardianRelation, Student
from app.school.services.common import SchoolError, clean


def normalise_phone(phone: str | None) -> str | None:
    """'091 234 5678' / '+84912345678' → '0912345678'; SchoolError on a malformed number."""
    try:
        return vn.normalise_phone(phone)
    except ValueError as exc:
        raise SchoolError(str(exc)) from None


def add_guardian(
    actor: User | None,
    student: Student,
    *,
    relation: GuardianRelation,
    full_name: str,
    phone: str | None = None,
    occupation: str | None = None,
    birth_year: int | None = None,
) -> Guardian:
    full_name = clean(full_name)
    if not full_name:
        raise SchoolError("Thiếu họ tên cha/mẹ/người giám hộ.")
    phone = normalise_phone(phone)
    guardian = Guardian(
        student_id=student.id,
        relation=GuardianRelation(relation).value,
        full_name=full_name,
        phone=phone,
        occupation=clean(occupation) or None,
        birth_year=birth_year,
    )
    db.session.add(guardian)
    db.session.flush()
    optional = {"occupation": guardian.occupation, "birth_year": birth_year}
    audit.record(
        actor,
        "guardian.created",
        guardian,
        changes={
            "student_id": [None, student.id],
            "relation": [None, guardian.relation],
            "full_name": [None, full_name],
            "phone": [None, phone],
            **{key: [None, value] for key, value in optional.items() if value is not None},
        },
    )
    return guardian


def update_guardian(
    actor: User | None,
    guardian: Guardian,
    *,
    full_name: str,
    phone: str | None = None,
    occupation: str | None = None,
) -> dict[str, list[Any]]:
    full_name = clean(full_name)
    if not full_name:
        raise SchoolError("Thiếu họ tên cha/mẹ/người giám hộ.")
    diff = apply_changes(
        guardian, full_name=full_name, phone=normalise_phone(phone), occupation=clean(occupation) or None
    )
    if diff:
        db.session.flush()
        audit.record(actor, "guardian.updated", guardian, changes=diff)
    return diff


def remove_guardian(actor: User | None, guardian: Guardian) -> None:
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


def save_guardians(actor: User | None, student: Student, entries: dict[str, dict[str, Any] | None]) -> int:
    """One guardian per relation (cha, mẹ, người giám hộ): add, update or remove to match.

    An entry without a name removes that relation's guardian. Returns how many changed.
    """
    changed = 0
    for relation in GuardianRelation:
        entry = entries.get(relation.value) or {}
        existing = next((g for g in student.guardians if g.relation == relation.value), None)
        name = clean(entry.get("full_name") or "")
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
