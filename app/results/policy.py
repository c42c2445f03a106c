"""Who may do what with a class's close and its snapshots (pure functions, no queries).

- read the checklist, the summary to be frozen and the snapshots: the GVCN of the class
  and BGH (not the quản trị: the admin runs the system and reads no results);
- submit a close: the GVCN of the class (a teacher) — a subject teacher cannot;
- approve or return it: whoever the records chain's waiting step asks for — the hiệu
  trưởng, or a phó hiệu trưởng when the school delegates (the chain is frozen at
  submission), never the author (R14).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.authz import BGH
from app.gradebook import policy as gradebook_policy
from app.records import policy as records_policy

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.records.models import Record


def can_read_close(user: User, homeroom_teacher_id: int | None) -> bool:
    return bool(user.roles & BGH) or (homeroom_teacher_id is not None and user.id == homeroom_teacher_id)


def can_submit_close(user: User, homeroom_teacher_id: int | None) -> bool:
    return gradebook_policy.is_homeroom_teacher(user, homeroom_teacher_id)


def can_decide_close(user: User, record: Record) -> bool:
    return records_policy.can_review(user, record)


def can_see_school(user: User) -> bool:
    """The list of every class by close state: BGH."""
    return bool(user.roles & BGH)


def can_publish_month(user: User, homeroom_teacher_id: int | None) -> bool:
    """Publish (or ask to publish) a class's monthly report: the GVCN of the class only."""
    return gradebook_policy.is_homeroom_teacher(user, homeroom_teacher_id)


def can_decide_month(user: User, record: Record) -> bool:
    """Approve or return a monthly report: whoever the records chain's waiting step asks
    for (a BGH member), never its author."""
    return records_policy.can_review(user, record)
