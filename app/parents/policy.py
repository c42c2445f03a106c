"""Who may manage a class's parent links (pure): its GVCN, or the BGH."""

from __future__ import annotations

from app.accounts.models import User
from app.core.authz import BGH


def can_manage_links(user: User, homeroom_teacher_id: int | None) -> bool:
    if user.roles & BGH:
        return True
    return homeroom_teacher_id is not None and user.id == homeroom_teacher_id


def can_release(user: User, homeroom_teacher_id: int | None) -> bool:
    """Releasing an approved term to parents: the same people."""
    return can_manage_links(user, homeroom_teacher_id)
