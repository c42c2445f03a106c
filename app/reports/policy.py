"""Who may preview, issue and download which documents (pure functions, no queries).

- a class's documents (báo liên lạc, học bạ of its students, its sổ theo dõi) and the jobs
  over that class: its GVCN and BGH;
- a khối's or the whole school's batch: BGH only;
- subject teachers and the quản trị: nobody's (the admin runs the system and reads no
  grades) — out of scope, so the loaders answer 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.authz import BGH

if TYPE_CHECKING:
    from app.accounts.models import User


def is_bgh(user: User) -> bool:
    return bool(user.roles & BGH)


def can_issue_for_class(user: User, homeroom_teacher_id: int | None) -> bool:
    return is_bgh(user) or (homeroom_teacher_id is not None and user.id == homeroom_teacher_id)


def can_issue_for_school(user: User) -> bool:
    """A batch over a khối or the whole school, and the school-wide page."""
    return is_bgh(user)


def can_read_job(user: User, scope: str, homeroom_teacher_id: int | None) -> bool:
    """A class job: that class's GVCN and BGH; a khối's or the school's: BGH."""
    return is_bgh(user) or (scope == "class" and can_issue_for_class(user, homeroom_teacher_id))


def can_issue_class_book(user: User) -> bool:
    """The sổ theo dõi of a class: the school's book, issued by BGH."""
    return is_bgh(user)
