"""The approval workflow shared by records, grade books and corrections.

    draft ──submit──▶ submitted(step 0) ──approve──▶ submitted(step 1) … ──approve──▶ approved
      ▲                   │  │                                                    (final)
      │                   │  └──withdraw (author, before any approval)──▶ draft
      └──── submit ◀── returned ◀──return (comment required)──┘

A chain has N approval steps (data, per record type); `step` is the index of the step
waiting for a decision. `transition()` checks the table, then the caller's policy
verdict, then moves the state — and the columns that move with it (`also_set`) — with
one conditional UPDATE on the row version (so a double click or two reviewers acting at
once yield exactly one move, the loser gets 409). It returns what changed; the domain's
service writes the audit event from it (core imports no domain, audit included).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from app.core.authz import deny
from app.core.errors import ConflictError


class State(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    State.DRAFT: "Bản nháp",
    State.SUBMITTED: "Chờ duyệt",
    State.RETURNED: "Bị trả lại",
    State.APPROVED: "Đã duyệt",
}


class Action(enum.StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    WITHDRAW = "withdraw"

    @property
    def past(self) -> str:
        return {"submit": "submitted", "approve": "approved", "return": "returned", "withdraw": "withdrawn"}[self.value]


#: (action, from state) → allowed; the target state is computed by _target()
ALLOWED = {
    (Action.SUBMIT, State.DRAFT),
    (Action.SUBMIT, State.RETURNED),
    (Action.APPROVE, State.SUBMITTED),
    (Action.RETURN, State.SUBMITTED),
    (Action.WITHDRAW, State.SUBMITTED),
}


class WorkflowConflict(ConflictError):
    """409: the move is not allowed from the current state, or someone else moved first."""


@dataclass(frozen=True)
class Moved:
    old_state: State
    new_state: State
    old_step: int
    new_step: int
    action: str  # the audit action, e.g. "record.approved"
    changes: dict[str, Any]  # {column: [old, new]} of everything the move changed

    @property
    def is_final(self) -> bool:
        return self.new_state is State.APPROVED


def can_move(state: str, action: Action) -> bool:
    return (action, State(state)) in ALLOWED


def _target(action: Action, step: int, chain_length: int) -> tuple[State, int]:
    if action is Action.SUBMIT:
        return State.SUBMITTED, 0
    if action is Action.APPROVE:
        return (State.SUBMITTED, step + 1) if step + 1 < chain_length else (State.APPROVED, step + 1)
    if action is Action.RETURN:
        return State.RETURNED, 0
    return State.DRAFT, 0  # withdraw


def transition(
    session: Any,
    obj: Any,
    action: Action,
    *,
    allowed: bool,
    seen_version: int,
    chain_length: int,
    comment: str | None = None,
    also_set: dict[str, Any] | None = None,
) -> Moved:
    """Move obj (with .id, .state, .step, .version) and the columns in `also_set`, in one
    conditional UPDATE; the caller audits `Moved.changes` and commits.

    `allowed` is the domain policy's verdict for this actor, object and action.
    """
    old_state, old_step = State(obj.state), obj.step
    if not can_move(old_state, action):
        raise WorkflowConflict(f"Không thể thực hiện thao tác này khi hồ sơ đang ở trạng thái “{old_state.label}”.")
    kind = getattr(obj, "__audit_type__", None) or obj.__tablename__
    if not allowed:
        deny(f"workflow.{action.value}", kind, obj.id)
    if action is Action.RETURN and not (comment and comment.strip()):
        raise WorkflowConflict("Khi trả lại cần ghi rõ lý do để người nộp sửa.")
    new_state, new_step = _target(action, old_step, chain_length)
    also_set = dict(also_set or {})
    before = {column: getattr(obj, column) for column in also_set}
    model = type(obj)
    result = session.execute(
        update(model)
        .where(model.id == obj.id, model.version == seen_version, model.state == old_state.value)
        .values(state=new_state.value, step=new_step, version=model.version + 1, **also_set)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise WorkflowConflict(
            "Hồ sơ vừa được người khác xử lý (hoặc bạn đã bấm hai lần). Tải lại trang để xem trạng thái hiện tại."
        )
    session.refresh(obj)
    changes: dict[str, Any] = {"state": [old_state.value, new_state.value]}
    if old_step != new_step:
        changes["step"] = [old_step, new_step]
    changes.update({column: [before[column], new] for column, new in also_set.items() if before[column] != new})
    return Moved(old_state, new_state, old_step, new_step, f"{kind}.{action.past}", changes)


class WorkflowMixin:
    """Columns every workflow object carries (declare in the model: state, step, version)."""

    @property
    def state_label(self) -> str:
        return State(self.state).label  # type: ignore[attr-defined]

    @property
    def is_final(self) -> bool:
        return self.state == State.APPROVED.value  # type: ignore[attr-defined]
