"""Who may do what with a record: pure functions of (user, record), workflow state included.

Scope (what get_for() returns, everything else is 404): the author; the tổ trưởng and
tổ phó of the record's department; the BGH (whole school). The admin manages record
types only and never sees or decides records. A reviewer never decides their own record
(R14) nor two steps of the same submission.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.authz import BGH, Role
from app.core.workflow import State
from app.records.models import MadeBy, Record, RecordType, StepKind

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.school.models import Department

EDITABLE = (State.DRAFT.value, State.RETURNED.value)


def is_reviewer_of_department(user: User, department: Department | None) -> bool:
    return department is not None and user.id in (department.head_id, department.deputy_id)


def can_view(user: User, record: Record) -> bool:
    if record.deleted_at is not None:
        return False
    if user.roles & BGH or record.author_id == user.id:
        return True
    return record.department_id is not None and record.department_id in user.led_department_ids()


def can_manage_types(user: User) -> bool:
    return Role.ADMIN in user.roles


def can_create(user: User, record_type: RecordType) -> bool:
    if not record_type.active or record_type.linked_only:
        return False
    if record_type.made_by == MadeBy.HEAD.value:
        return Role.HEAD in user.roles
    return bool(user.roles & {Role.TEACHER, Role.HEAD})


def is_author(user: User, record: Record) -> bool:
    return record.author_id == user.id and record.deleted_at is None


def can_edit(user: User, record: Record) -> bool:
    """Change metadata or upload a new version: the author, before submission or after a return."""
    return is_author(user, record) and record.state in EDITABLE


def needs_new_version(record: Record) -> bool:
    """Returned: a resubmission must carry a new version (it may keep the old files)."""
    back = record.last_return() if record.state == State.RETURNED.value else None
    current = record.versions[-1] if record.versions else None
    return back is not None and current is not None and current.id == back.version_id


def can_submit(user: User, record: Record) -> bool:
    return can_edit(user, record) and bool(record.versions) and not needs_new_version(record)


def can_withdraw(user: User, record: Record) -> bool:
    return is_author(user, record) and record.state == State.SUBMITTED.value and record.step == 0


def can_delete(user: User, record: Record) -> bool:
    return (
        is_author(user, record)
        and record.state == State.DRAFT.value
        and record.submitted_at is None
        and record.link_key is None
    )


def fits_step(user: User, record: Record, kind: StepKind) -> bool:
    if kind is StepKind.HEAD:
        return is_reviewer_of_department(user, record.department)
    if kind is StepKind.BGH:
        return bool(user.roles & BGH)
    return Role.PRINCIPAL in user.roles


def can_review(user: User, record: Record) -> bool:
    """Approve or return: the person the waiting step asks for, never the author (R14)."""
    if record.state != State.SUBMITTED.value or record.deleted_at is not None:
        return False
    if record.author_id == user.id or not record.chain or record.step >= len(record.chain):
        return False
    if any(d.actor_id == user.id for d in record.current_approvals()):
        return False  # one person, one step of a submission
    return fits_step(user, record, StepKind(record.chain[record.step]))


def can_comment(user: User, record: Record) -> bool:
    return can_view(user, record)


def can_export_compliance(user: User) -> bool:
    """The school-wide compliance sheet: the BGH."""
    return bool(user.roles & BGH)
