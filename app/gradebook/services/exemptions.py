"""Exemptions from the practical part of GDTC / GDQP-AN (R13): the GVCN asks, BGH decides.

States (core.workflow, chain of 1): submitted → approved | returned. An approved
exemption marks the student on that subject's grid (the subject is still assessed, on
theory, and still counts). The model and these writers live in the grade book because
the grid reads them and the gradebook may not import app.homeroom, whose screens call
them. The reason is health data: the audit trail records that one was given, not what.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.audit import services as audit
from app.core.authz import deny
from app.core.errors import DomainError
from app.core.workflow import Action, State, transition
from app.extensions import db
from app.gradebook import policy, tt22
from app.gradebook.files import evidence_columns, stage_evidence
from app.gradebook.models import Exemption

if TYPE_CHECKING:
    from werkzeug.datastructures import FileStorage

    from app.accounts.models import User
    from app.school.models import SchoolClass, Subject, Term

SENSITIVE = "(đã ghi, dữ liệu nhạy cảm)"


class ExemptionError(DomainError):
    """422: the exemption cannot be asked as it is; the message says why."""


def request_exemption(
    actor: User,
    school_class: SchoolClass,
    student_id: int,
    subject: Subject,
    term: Term | None,
    reason: str | None,
    upload: FileStorage | None = None,
) -> Exemption:
    """R13: the practical part of GDTC / GDQP-AN only; the subject is still assessed."""
    if not policy.can_request_exemption(actor, school_class.homeroom_teacher_id):
        deny("exemption.request", "class", school_class.id)
    if subject.code not in tt22.EXEMPTABLE_SUBJECT_CODES:
        raise ExemptionError(
            "Chỉ miễn phần thực hành của môn Giáo dục thể chất hoặc GDQP-AN "
            "(Thông tư 22); các môn khác không được miễn."
        )
    reason = (reason or "").strip()
    if not reason:
        raise ExemptionError("Ghi lý do sức khoẻ.")
    exemption = Exemption(
        student_id=student_id,
        subject_id=subject.id,
        year_id=school_class.year_id,
        term_id=term.id if term else None,
        reason=reason,
        requested_by_id=actor.id,
        state=State.SUBMITTED.value,
        step=0,
        version=1,
        **evidence_columns(stage_evidence(upload)),
    )
    db.session.add(exemption)
    db.session.flush()
    audit.record(
        actor,
        "exemption.requested",
        exemption,
        changes={
            "student_id": student_id,
            "subject_id": subject.id,
            "year_id": school_class.year_id,
            "term_id": exemption.term_id,
            "term": term.name if term else "cả năm",
            "reason": SENSITIVE,
        },
        file_sha256=exemption.evidence_sha256,
    )
    return exemption


def decide_exemption(
    actor: User,
    exemption: Exemption,
    action: Action,
    *,
    seen_version: int,
    comment: str | None = None,
) -> None:
    if action not in (Action.APPROVE, Action.RETURN):
        raise ExemptionError("Chỉ có thể phê duyệt hoặc không duyệt đề nghị miễn thực hành.")
    moved = transition(
        db.session,
        exemption,
        action,
        allowed=policy.can_decide_exemption(actor, exemption),
        seen_version=seen_version,
        chain_length=1,
        comment=comment,
        also_set={"decided_by_id": actor.id},
    )
    audit.record(actor, moved.action, exemption, changes=moved.changes, comment=comment)
