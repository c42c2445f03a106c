"""Who may sign what (pure).

- a document of a class (học bạ, sổ theo dõi): its GVCN and the BGH see it on the signing
  pages; anyone else: out of scope (404);
- step "gvcn": only the class's own GVCN; step "hieu_truong" and the seal: only the BGH;
- a signing batch (job): the BGH sees every one; only the person who started it resumes it
  (with their own password);
- a certificate: only its owner uses it (and sees its PKCS#12); the BGH sees every
  certificate's facts and expiry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.authz import BGH

__all__ = [
    "BGH",
    "can_hold_certificate",
    "can_manage_key_storage",
    "can_revoke_document",
    "can_resume_signing_job",
    "can_see_document",
    "can_see_signing_job",
    "can_sign_step",
    "is_bgh",
]

if TYPE_CHECKING:
    from app.accounts.models import User


def is_bgh(user: User) -> bool:
    return bool(user.roles & BGH)


def can_see_document(user: User, homeroom_teacher_id: int | None) -> bool:
    return is_bgh(user) or (homeroom_teacher_id is not None and user.id == homeroom_teacher_id)


def can_sign_step(user: User, step: str, homeroom_teacher_id: int | None) -> bool:
    if step == "gvcn":
        return homeroom_teacher_id is not None and user.id == homeroom_teacher_id
    return is_bgh(user)


def can_hold_certificate(user: User, is_homeroom_teacher: bool) -> bool:
    """GVCN and BGH register certificates (the people who sign)."""
    return is_bgh(user) or is_homeroom_teacher


def can_see_signing_job(user: User) -> bool:
    return is_bgh(user)


def can_resume_signing_job(user: User, requested_by_id: int) -> bool:
    """A batch signs with its requester's key: only they resume it (typing their password)."""
    return is_bgh(user) and user.id == requested_by_id


def can_revoke_document(user: User) -> bool:
    """Only the BGH revokes an issued document (any kind)."""
    return is_bgh(user)


def can_manage_key_storage(user: User) -> bool:
    """The school's opt-in to store keys encrypted: the BGH decides."""
    return is_bgh(user)
