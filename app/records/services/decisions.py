"""Workflow moves of a record: submit, approve, return, withdraw (R14, R15).

Every move goes through core.workflow.transition() — a conditional UPDATE on the row
version (a double click or two reviewers at once: one wins, the other gets 409) and
exactly one audit event carrying the hash of the version acted on — and adds one
RecordDecision bound to that version (id and hash). The chain is frozen at submission:
the type's chain, where a tổ step that nobody but the author could take (a tổ trưởng's
own record and no tổ phó) goes to the next level, the BGH (R14); a submission made with
`delegate_principal` lets a phó hiệu trưởng take the hiệu trưởng's steps (the school's
delegation of the class close). The final approval of a record another module keeps
(`link_key`) sends `core.signals.linked_record_approved` in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.accounts.models import User, UserRole
from app.audit import services as audit
from app.core.authz import Role
from app.core.models import utcnow
from app.core.signals import emit, linked_record_approved
from app.core.workflow import Action, Moved, State, WorkflowConflict, can_move, transition
from app.extensions import db
from app.records import policy
from app.records.models import Record, RecordDecision, RecordVersion, StepKind
from app.records.services.errors import STALE, RecordError


def check_seen(record: Record, seen_version: int | None) -> None:
    if seen_version is None or record.version != int(seen_version):
        raise WorkflowConflict(STALE)


def _manager_ids(principal_only: bool) -> set[int]:
    roles = [Role.PRINCIPAL.value] if principal_only else [Role.PRINCIPAL.value, Role.VICE_PRINCIPAL.value]
    stmt = (
        select(UserRole.user_id)
        .join(User, User.id == UserRole.user_id)
        .where(UserRole.role.in_(roles), User.active.is_(True))
    )
    return set(db.session.scalars(stmt))


def resolve_chain(record: Record, delegate_principal: bool = False) -> list[str]:
    """The chain this submission will follow (R14 escalation, BGH steps merged; with
    `delegate_principal` a hiệu trưởng step is a BGH step)."""
    dept = record.department
    others_in_dept = {dept.head_id, dept.deputy_id} - {None, record.author_id} if dept else set()
    steps: list[StepKind] = []
    kinds = record.record_type.steps
    if delegate_principal:
        kinds = [StepKind.BGH if k is StepKind.PRINCIPAL else k for k in kinds]
    for kind in kinds:
        if kind is StepKind.HEAD:
            if others_in_dept:
                steps.append(kind)
                continue
            kind = StepKind.BGH  # nobody else in the tổ may decide: the next level does
        if steps and steps[-1] is not StepKind.HEAD:
            if kind is StepKind.PRINCIPAL:
                steps[-1] = kind  # two BGH-level steps in a row: one, the stricter
            continue
        steps.append(kind)
    for i, kind in enumerate(steps):
        if kind is StepKind.PRINCIPAL and not _manager_ids(True) - {record.author_id}:
            steps[i] = kind = StepKind.BGH
        if kind is StepKind.BGH and not _manager_ids(False) - {record.author_id}:
            raise RecordError(
                "Trường chưa có hiệu trưởng/phó hiệu trưởng nào khác người nộp để "
                "duyệt hồ sơ này. Liên hệ quản trị hệ thống."
            )
    return [k.value for k in steps]


def _decide(
    record: Record, version: RecordVersion, actor: User, action: str, step: int, kind: str | None, comment: str | None
) -> RecordDecision:
    decision = RecordDecision(
        record=record,
        version_id=version.id,
        version_hash=version.content_hash,
        step=step,
        step_kind=kind,
        action=action,
        actor_id=actor.id,
        comment=comment or None,
    )
    db.session.add(decision)
    return decision


def _version(record: Record) -> RecordVersion:
    version = record.current_version
    if version is None:
        raise RecordError("Hồ sơ chưa có tệp nào.")
    return version


def _move(
    actor: User,
    record: Record,
    action: Action,
    *,
    allowed: bool,
    chain_length: int,
    comment: str | None,
    also_set: dict[str, Any],
    step_kind: str | None = None,
) -> Moved:
    """One guarded move, its decision row, and one audit event built after the last field
    change (the state, the step and every column that moved with them)."""
    version = _version(record)
    step = record.step
    moved = transition(
        db.session,
        record,
        action,
        allowed=allowed,
        seen_version=record.version,
        chain_length=chain_length,
        comment=comment,
        also_set=also_set,
    )
    _decide(record, version, actor, action.value, step, step_kind, comment)
    db.session.flush()
    facts: dict[str, Any] = {"version_no": version.number}
    if step_kind is not None:
        facts["step_kind"] = step_kind
    changes = {**moved.changes, **facts}
    audit.record(actor, moved.action, record, changes=changes, comment=comment, file_sha256=version.content_hash)
    return moved


def submit_record(
    actor: User,
    record: Record,
    *,
    seen_version: int | None,
    comment: str | None = None,
    delegate_principal: bool = False,
) -> Record:
    check_seen(record, seen_version)
    _version(record)
    if policy.needs_new_version(record):
        raise RecordError("Hồ sơ đã bị trả lại: hãy tải lên phiên bản đã sửa (có thể giữ lại tệp cũ) rồi mới nộp lại.")
    chain = resolve_chain(record, delegate_principal) if can_move(record.state, Action.SUBMIT) else []
    now = utcnow()
    _move(
        actor,
        record,
        Action.SUBMIT,
        allowed=policy.can_submit(actor, record),
        chain_length=len(chain),
        comment=comment,
        also_set={
            "chain": chain,
            "awaiting": chain[0] if chain else None,
            "last_submitted_at": now,
            "submitted_at": record.submitted_at or now,
        },
    )
    return record


def approve_record(actor: User, record: Record, *, seen_version: int | None, comment: str | None = None) -> Record:
    check_seen(record, seen_version)
    chain, step = list(record.chain or []), record.step
    kind = chain[step] if step < len(chain) else None
    final = step + 1 >= len(chain)
    _move(
        actor,
        record,
        Action.APPROVE,
        allowed=policy.can_review(actor, record),
        chain_length=len(chain),
        comment=comment,
        step_kind=kind,
        also_set={"finalized_at": utcnow(), "awaiting": None} if final else {"awaiting": chain[step + 1]},
    )
    if record.state == State.APPROVED.value and record.link_key is not None:
        emit(linked_record_approved, record=record, actor=actor)
    return record


def return_record(actor: User, record: Record, *, seen_version: int | None, comment: str | None) -> Record:
    check_seen(record, seen_version)
    chain, step = list(record.chain or []), record.step
    _move(
        actor,
        record,
        Action.RETURN,
        allowed=policy.can_review(actor, record),
        chain_length=len(chain),
        comment=comment,
        step_kind=chain[step] if step < len(chain) else None,
        also_set={"awaiting": None},
    )
    return record


def withdraw_record(actor: User, record: Record, *, seen_version: int | None) -> Record:
    """The author takes a submission back before anyone approved it."""
    check_seen(record, seen_version)
    if record.state == State.SUBMITTED.value and record.step > 0:
        raise WorkflowConflict("Hồ sơ đã được duyệt một bước nên không thể rút lại.")
    _move(
        actor,
        record,
        Action.WITHDRAW,
        allowed=policy.can_withdraw(actor, record),
        chain_length=len(record.chain or []),
        comment=None,
        also_set={"awaiting": None},
    )
    return record
