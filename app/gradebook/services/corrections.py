"""Corrections after lock (R16): request → GVCN confirms → BGH approves → applied.

States (core.workflow, chain of 2): submitted(step 0, awaiting the GVCN) → submitted(step 1,
awaiting BGH) → approved (the new value is applied at once); either decision may return
(reject) it; the requester may withdraw it before the GVCN decides. Each step writes one
audit event about the request, built after its last field change (the decider's id, and
on the final approval `applied_at`), with the old and new values; applying also writes
`grade.corrected` about the grade book and a ScoreHistory row pointing at the request, so
the original value is kept, and sends `core.signals.assessment_corrected` (a closed
period of the class then gets a new results snapshot for the student, app.results).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.audit import services as audit
from app.core.authz import deny
from app.core.errors import ConflictError, DomainError
from app.core.models import utcnow
from app.core.signals import assessment_corrected, emit
from app.core.workflow import Action, State, transition
from app.extensions import db
from app.gradebook import locking, policy, queries
from app.gradebook.files import evidence_columns, stage_evidence
from app.gradebook.models import CorrectionRequest
from app.gradebook.queries import GridHandle
from app.gradebook.services import entry
from app.gradebook.values import CellValue, Column, parse_cell, shown

if TYPE_CHECKING:
    from werkzeug.datastructures import FileStorage

    from app.accounts.models import User

CHAIN = ("Giáo viên chủ nhiệm xác nhận", "Hiệu trưởng phê duyệt")
#: what a request waiting at each step shows in lists ("Chờ …"), role names capitalised
WAITING = ("Chờ Giáo viên chủ nhiệm xác nhận", "Chờ Hiệu trưởng phê duyệt")


class CorrectionError(DomainError):
    """422: the request cannot be made as it is; the message says why."""


class CorrectionStale(ConflictError):
    """409: the cell changed after the request was made."""


def _facts(c: CorrectionRequest, handle: GridHandle) -> dict[str, Any]:
    return {
        "student_id": c.student_id,
        "subject_id": handle.subject.id,
        "term_id": handle.term.id,
        "column": c.column,
        "value": [
            entry.audit_value(c.old_value, c.old_comment),
            entry.audit_value(c.new_value, c.new_comment),
        ],
        "requester_id": c.requester_id,
        "reason": c.reason,
    }


def request_correction(
    actor: User,
    handle: GridHandle,
    student_id: int,
    column: Column,
    new: CellValue | str | None,
    reason: str | None,
    upload: FileStorage | None = None,
) -> CorrectionRequest:
    """`new`: the parsed value, or the text the teacher typed (parsed here: CellError, 422);
    `upload`: the evidence file, if any (checked by content, stored when the request commits)."""
    if not policy.can_request_correction(actor, handle.access):
        deny("correction.request", "gradebook", handle.id)
    if not isinstance(new, CellValue):
        new = parse_cell(new, handle.subject.is_comment)
    lock = locking.lock_of(handle.gradebook, handle.term)
    if lock.code is None:
        raise CorrectionError("Sổ điểm chưa khoá: sửa trực tiếp trong sổ, không cần yêu cầu điều chỉnh.")
    if lock.code == "submitted":
        raise CorrectionError("Sổ điểm đang chờ duyệt: đề nghị người duyệt trả lại sổ để sửa.")
    reason = (reason or "").strip()
    if not reason:
        raise CorrectionError("Ghi rõ lý do điều chỉnh.")
    current = queries.current_cell(handle.id, student_id, column)
    old_value = current.value if current else None
    old_comment = current.comment if current else None
    if (old_value, old_comment) == (new.value, new.comment):
        raise CorrectionError("Giá trị mới trùng với giá trị hiện tại.")
    if queries.pending_correction_of(handle.id, student_id, column):
        raise CorrectionError("Ô điểm này đã có một yêu cầu điều chỉnh đang chờ xử lý.")
    evidence = stage_evidence(upload)
    correction = CorrectionRequest(
        gradebook_id=handle.id,
        student_id=student_id,
        kind=column.kind,
        idx=column.idx,
        score_version=current.version if current else 0,
        old_value=old_value,
        old_comment=old_comment,
        new_value=new.value,
        new_comment=new.comment,
        reason=reason,
        requester_id=actor.id,
        state=State.SUBMITTED.value,
        step=0,
        version=1,
        **evidence_columns(evidence),
    )
    db.session.add(correction)
    db.session.flush()
    audit.record(
        actor,
        "correction.requested",
        correction,
        changes={**_facts(correction, handle), "gradebook_id": handle.id, "score_version": correction.score_version},
        comment=reason,
        file_sha256=correction.evidence_sha256,
    )
    return correction


def decide(
    actor: User,
    correction: CorrectionRequest,
    handle: GridHandle,
    action: Action,
    *,
    seen_version: int,
    comment: str | None = None,
) -> None:
    """GVCN (step 0) or BGH (step 1) approves or returns; final approval applies the value."""
    if action not in (Action.APPROVE, Action.RETURN):
        raise CorrectionError("Chỉ có thể đồng ý hoặc không đồng ý với yêu cầu điều chỉnh.")
    step = correction.step
    allowed = policy.can_decide_correction(actor, correction, handle.access)
    extra = {
        **_facts(correction, handle),
        "decision": f"{CHAIN[min(step, 1)]}: " + ("đồng ý" if action is Action.APPROVE else "không đồng ý"),
    }
    decider = "confirmed_by_id" if action is Action.APPROVE and step == 0 else "decided_by_id"
    moved = transition(
        db.session,
        correction,
        action,
        allowed=allowed,
        seen_version=seen_version,
        chain_length=len(CHAIN),
        comment=comment,
        also_set={decider: actor.id},
    )
    if moved.is_final:
        extra["applied_at"] = [None, _apply(actor, correction, handle)]
    audit.record(actor, moved.action, correction, changes={**moved.changes, **extra}, comment=comment)


def _apply(actor: User, correction: CorrectionRequest, handle: GridHandle) -> datetime:
    """Write the approved value into the cell (on the version seen at the request)."""
    column = Column(correction.kind, correction.idx)
    write = entry.CellWrite(
        correction.student_id,
        column,
        CellValue(correction.new_value, correction.new_comment),
        correction.score_version,
    )
    try:
        change = entry.write_cell(
            actor,
            handle.id,
            write,
            "correction",
            reason=correction.reason,
            correction_id=correction.id,
        )
    except entry.CellConflict as conflict:
        now = conflict.current
        raise CorrectionStale(
            "Ô điểm đã thay đổi sau khi lập yêu cầu (hiện là “"
            f"{shown(now.value, now.comment) if now else ''}”); yêu cầu này không áp dụng được. "
            "Hãy trả lại yêu cầu để giáo viên lập yêu cầu mới."
        ) from None
    applied_at = correction.applied_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "grade.corrected",
        handle.gradebook,
        changes={
            **_facts(correction, handle),
            "correction_id": correction.id,
            "confirmed_by_id": correction.confirmed_by_id,
            "approver_id": actor.id,
            "value": [change.old if change else None, change.new if change else None],
        },
        comment=correction.reason,
    )
    emit(
        assessment_corrected,
        actor=actor,
        class_id=handle.school_class.id,
        student_id=correction.student_id,
        scope="term",
        term_number=handle.term.number,
        source="score",
        correction_id=correction.id,
    )
    return applied_at


def withdraw(actor: User, correction: CorrectionRequest, *, seen_version: int) -> None:
    moved = transition(
        db.session,
        correction,
        Action.WITHDRAW,
        allowed=policy.can_withdraw_correction(actor, correction),
        seen_version=seen_version,
        chain_length=len(CHAIN),
    )
    audit.record(actor, moved.action, correction, changes=moved.changes)
