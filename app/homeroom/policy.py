"""Who may read and write the GVCN's class book (pure functions, no queries).

- the class book (summary, rèn luyện, nhận xét, attendance, summer results): read by the
  GVCN of the class, BGH and the admin (support); written by the GVCN only (a teacher);
- exemptions (R13): asked by the GVCN, decided by BGH, the health reason read by the GVCN
  and BGH only — the rules are app.gradebook.policy's (the grid marks exempt students),
  named here for the homeroom screens;
- corrections of closed data: proposed by the GVCN of the class, decided by BGH (as score
  corrections), never by the requester; the requester may withdraw while it waits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.authz import BGH
from app.gradebook import policy as gradebook_policy

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.gradebook.models import Exemption
    from app.homeroom.models import HomeroomCorrection


def can_read_homeroom(user: User, homeroom_teacher_id: int | None) -> bool:
    return gradebook_policy.can_read_class_records(user, homeroom_teacher_id)


def can_edit_homeroom(user: User, homeroom_teacher_id: int | None) -> bool:
    return gradebook_policy.is_homeroom_teacher(user, homeroom_teacher_id)


def can_see_every_class(user: User) -> bool:
    """BGH and the admin see every class's book, not only those they are GVCN of."""
    return can_read_homeroom(user, None)


def can_request_exemption(user: User, homeroom_teacher_id: int | None) -> bool:
    return gradebook_policy.can_request_exemption(user, homeroom_teacher_id)


def can_decide_exemption(user: User, exemption: Exemption) -> bool:
    return gradebook_policy.can_decide_exemption(user, exemption)


def can_read_exemption_reason(user: User, homeroom_teacher_id: int | None) -> bool:
    return gradebook_policy.can_read_exemption_reason(user, homeroom_teacher_id)


def can_see_exemption_queue(user: User) -> bool:
    """The exemptions waiting for a decision, school-wide: BGH (who decide them)."""
    return bool(user.roles & BGH)


def can_request_correction(user: User, homeroom_teacher_id: int | None) -> bool:
    return gradebook_policy.is_homeroom_teacher(user, homeroom_teacher_id)


def can_decide_correction(user: User, correction: HomeroomCorrection) -> bool:
    return bool(user.roles & BGH) and correction.requester_id != user.id and correction.state == "submitted"


def can_withdraw_correction(user: User, correction: HomeroomCorrection) -> bool:
    return correction.requester_id == user.id and correction.state == "submitted"
