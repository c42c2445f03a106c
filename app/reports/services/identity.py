"""The học bạ's identity facts as the school records them at issue time (the interface's
identity dict), frozen into the issued document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.school import queries as school_queries
from app.school.models import Enrollment, School, Student
from app.school.queries.principals import Principal


@dataclass(frozen=True)
class SchoolFacts:
    """What every student's identity shares: the school and each year's hiệu trưởng (read
    once for a batch's chunk, not once per học bạ)."""

    school: School | None
    principals: dict[str, Principal | None]


def school_facts() -> SchoolFacts:
    return SchoolFacts(
        school_queries.the_school(), {y.name: school_queries.principal_of(y) for y in school_queries.all_years()}
    )


def identity_of(
    student: Student, shared: SchoolFacts | None = None, history: Sequence[Enrollment] | None = None
) -> dict[str, Any]:
    """`history`: the student's enrollments read with a batch's chunk (else read here)."""
    shared = shared or school_facts()
    school, principals = shared.school, shared.principals
    schooling = []
    for line in school_queries.schooling_history(student, school, history):
        principal = principals.get(line.year_name) if line.here else None
        schooling.append(
            {
                "year_name": line.year_name,
                "class_name": line.class_name,
                "school_name": line.school_name,
                "place": line.place,
                "principal": principal.name if principal else "",
            }
        )
    return {
        "full_name": student.full_name,
        "gender": student.gender_label,
        "birth_date": student.birth_date.isoformat(),
        "birthplace": student.birthplace or "",
        "ethnicity": student.ethnicity or "",
        "address": student.address or "",
        "register_number": student.register_number or "",
        "student_code": student.student_code,
        "moet_id": student.moet_id or "",
        "guardians": [
            {"relation_label": g.relation_label, "full_name": g.full_name, "occupation": g.occupation or ""}
            for g in student.guardians
        ],
        "school": {
            "name": school.name if school else "",
            "governing_body": (school.governing_body or "") if school else "",
            "place_name": (school.place_name or "") if school else "",
            "province": school.province if school else "",
        },
        "schooling": schooling,
    }
