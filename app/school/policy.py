"""Who may do what with the school structure (pure functions, no DB writes).

Function level is declared on each view with @allow; these answer the object-level
questions and hide buttons in templates. Scope (which classes a user sees at all)
lives in queries.visible_class_ids_stmt: out of scope is a 404 before we get here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.authz import BGH, Role

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.school.models import SchoolClass, Student

READERS = BGH | {Role.ADMIN}


def can_manage_school(user: User) -> bool:
    """Writes on the school structure, staff, students and imports: quản trị only."""
    return Role.ADMIN in user.roles


def can_view_admin(user: User) -> bool:
    """The admin screens in read-only mode: BGH; quản trị with the forms."""
    return bool(user.roles & READERS)


def is_homeroom_of(user: User, school_class: SchoolClass) -> bool:
    homeroom = school_class.homeroom_teacher_id
    return homeroom is not None and homeroom == user.id


#: personal data the quản trị keeps (imports, edits) but never reads back (separation of duties)
SENSITIVE_STUDENT_FIELDS = ("ethnicity", "birthplace", "address", "national_id")


def can_see_sensitive(user: User, school_class: SchoolClass | None) -> bool:
    """Dân tộc, nơi sinh, chỗ ở, số định danh (masked): BGH and the class's GVCN (R27;
    DESIGN.md §13 lists nơi sinh with them).

    Not the quản trị as such: they run accounts, structure and backups, and read no
    sensitive field unless they also hold a BGH role or are this class's GVCN.
    """
    return bool(user.roles & BGH) or (school_class is not None and is_homeroom_of(user, school_class))


def can_export_roster(user: User, school_class: SchoolClass) -> bool:
    """A roster export carries personal data of the whole class (SECURITY.md 6)."""
    return can_view_admin(user) or is_homeroom_of(user, school_class)


def can_export_national_ids(user: User) -> bool:
    """Full số định danh in an export (for the ngành's database): BGH only."""
    return bool(user.roles & BGH)


def hidden_student_fields(user: User, school_class: SchoolClass | None) -> frozenset[str]:
    """The student fields this user must not be shown for this class."""
    if not can_see_sensitive(user, school_class):
        return frozenset(SENSITIVE_STUDENT_FIELDS)
    return frozenset() if can_export_national_ids(user) else frozenset({"national_id"})


def can_edit_student(user: User, student: Student) -> bool:
    return can_manage_school(user)


def can_see_schooling(user: User, school_class: SchoolClass | None) -> bool:
    """Quá trình học tập at other schools and why a student left: BGH and the class's GVCN
    read them; the quản trị enters them (and so sees what they entered)."""
    return can_see_sensitive(user, school_class) or can_manage_school(user)


def can_manage_enrollment(user: User, student: Student) -> bool:
    """Chuyển lớp, chuyển trường / thôi học, quá trình học tập: quản trị only."""
    return can_manage_school(user)
