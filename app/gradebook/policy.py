"""Who may do what with grade books, corrections and homeroom records (pure functions).

Read scope (anything else answers 404, see queries.py):
- the teacher assigned to (class, subject) — reads and, while unlocked, edits;
- the tổ trưởng / tổ phó of the subject's department — reads;
- the GVCN of the class — reads every subject of the class, confirms corrections;
- BGH (and the admin, for support) — read everything.
Writes: only the assigned teacher edits a grid (hiệu trưởng and admin: 403); a correction is
requested by the assigned teacher, confirmed by the GVCN (or BGH when the GVCN is the
requester), approved by BGH; nobody decides their own request, and the two decisions are
made by two different people. Exemptions (R13): the GVCN of the class asks, BGH decides;
the health reason is read by the GVCN and BGH only. The GVCN's own records (rèn luyện,
nhận xét, attendance, summer results) are app.homeroom's; `is_homeroom_teacher` is the one
definition of "the GVCN of this class" both packages use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.core.authz import BGH, Role
from app.core.workflow import State

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.gradebook.models import CorrectionRequest, Exemption


@dataclass(frozen=True)
class GridAccess:
    """What the policy needs to know about one grade book (loaded in one query)."""

    class_id: int
    subject_id: int
    teacher_id: int | None  # assigned teacher of (class, subject)
    homeroom_teacher_id: int | None
    department_head_id: int | None
    department_deputy_id: int | None


def _is_bgh(user: User) -> bool:
    return bool(user.roles & BGH)


def reads_every_grid(user: User) -> bool:
    """The BGH read every grade book of the school; everyone else only their own slots."""
    return _is_bgh(user)


def can_read_grid(user: User, access: GridAccess) -> bool:
    """Scores and comments: BGH, the teacher, GVCN and tổ leaders — never the quản trị as such
    (separation of duties: the admin runs the system and reads no grades)."""
    if _is_bgh(user):
        return True
    return user.id in (
        access.teacher_id,
        access.homeroom_teacher_id,
        access.department_head_id,
        access.department_deputy_id,
    )


def can_edit_grid(user: User, access: GridAccess) -> bool:
    """Only the assigned teacher (locks are checked separately and answer 409)."""
    return Role.TEACHER in user.roles and access.teacher_id == user.id


def can_open_grid(user: User, access: GridAccess) -> bool:
    return can_edit_grid(user, access)


def can_submit_grid(user: User, access: GridAccess) -> bool:
    return can_edit_grid(user, access)


def can_request_correction(user: User, access: GridAccess) -> bool:
    return can_edit_grid(user, access)


def is_homeroom_teacher(user: User, homeroom_teacher_id: int | None) -> bool:
    """The GVCN of the class (a teacher): confirms corrections, keeps the class book."""
    return Role.TEACHER in user.roles and homeroom_teacher_id is not None and user.id == homeroom_teacher_id


def can_read_class_records(user: User, homeroom_teacher_id: int | None) -> bool:
    """The class's homeroom records and exemptions: its GVCN and BGH (not the quản trị)."""
    return _is_bgh(user) or user.id == homeroom_teacher_id


# ---------------------------------------------------------------------------- corrections


def can_read_correction(user: User, correction: CorrectionRequest, access: GridAccess) -> bool:
    return correction.requester_id == user.id or can_read_grid(user, access)


def correction_actor_step(user: User, correction: CorrectionRequest, access: GridAccess) -> int | None:
    """The chain step this user may decide on this request, or None."""
    if correction.requester_id == user.id:
        return None  # nobody decides their own request (R16, SECURITY.md 13)
    if correction.step == 0:
        if is_homeroom_teacher(user, access.homeroom_teacher_id):
            return 0
        # the GVCN cannot confirm their own request: BGH confirms in their place
        if access.homeroom_teacher_id in (None, correction.requester_id) and _is_bgh(user):
            return 0
        return None
    if correction.step == 1 and _is_bgh(user) and user.id != correction.confirmed_by_id:
        return 1
    return None


def can_decide_correction(user: User, correction: CorrectionRequest, access: GridAccess) -> bool:
    return (
        correction.state == State.SUBMITTED.value and correction_actor_step(user, correction, access) == correction.step
    )


def can_withdraw_correction(user: User, correction: CorrectionRequest) -> bool:
    return correction.requester_id == user.id and correction.state == State.SUBMITTED.value and correction.step == 0


# ---------------------------------------------------------------------------- exemptions


def can_request_exemption(user: User, homeroom_teacher_id: int | None) -> bool:
    return is_homeroom_teacher(user, homeroom_teacher_id)


def can_decide_exemption(user: User, exemption: Exemption) -> bool:
    """R13: the hiệu trưởng (BGH) approves; never the requester."""
    return _is_bgh(user) and exemption.requested_by_id != user.id and exemption.state == State.SUBMITTED.value


def can_read_exemption_reason(user: User, homeroom_teacher_id: int | None) -> bool:
    """Health reasons are sensitive (Luật 91/2025): GVCN of the class and BGH only."""
    return _is_bgh(user) or user.id == homeroom_teacher_id


# ---------------------------------------------------------------------------- settings


def can_manage_settings(user: User) -> bool:
    return _is_bgh(user) or Role.ADMIN in user.roles
