"""gradebook.policy: pure, parametrized over role × relation × state."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.core.authz import Role
from app.gradebook import policy
from app.gradebook.policy import GridAccess

ACCESS = GridAccess(
    class_id=1,
    subject_id=2,
    teacher_id=10,
    homeroom_teacher_id=11,
    department_head_id=12,
    department_deputy_id=13,
)


def user(uid: int, *roles: Role) -> SimpleNamespace:
    return SimpleNamespace(id=uid, roles=frozenset(roles or (Role.TEACHER,)))


@pytest.mark.parametrize(
    ("who", "read", "edit"),
    [
        (user(10), True, True),  # assigned teacher
        (user(11), True, False),  # GVCN of the class
        (user(12, Role.TEACHER, Role.HEAD), True, False),  # tổ trưởng of the subject
        (user(13, Role.TEACHER, Role.HEAD), True, False),  # tổ phó
        (user(20, Role.PRINCIPAL), True, False),
        (user(21, Role.VICE_PRINCIPAL), True, False),
        (user(22, Role.ADMIN), False, False),  # separation of duties: the quản trị reads no grades
        (user(30), False, False),  # another teacher
        (user(31, Role.TEACHER, Role.HEAD), False, False),  # head of another tổ
        (user(10, Role.ADMIN), True, False),  # the teacher's id without the teacher role
    ],
)
def test_grid_read_and_edit(who, read, edit) -> None:
    assert policy.can_read_grid(who, ACCESS) is read
    assert policy.can_edit_grid(who, ACCESS) is edit
    assert policy.can_submit_grid(who, ACCESS) is edit
    assert policy.can_request_correction(who, ACCESS) is edit


def correction(
    step: int, requester: int = 10, confirmed_by: int | None = None, state: str = "submitted"
) -> SimpleNamespace:
    return SimpleNamespace(step=step, requester_id=requester, confirmed_by_id=confirmed_by, state=state)


@pytest.mark.parametrize(
    ("who", "corr", "allowed"),
    [
        (user(11), correction(0), True),  # GVCN confirms
        (user(20, Role.PRINCIPAL), correction(0), False),  # BGH cannot skip the GVCN
        (user(20, Role.PRINCIPAL), correction(1, confirmed_by=11), True),
        (user(21, Role.VICE_PRINCIPAL), correction(1, confirmed_by=11), True),
        (user(11), correction(1, confirmed_by=11), False),  # GVCN is not BGH
        (user(10), correction(0), False),  # requester never decides
        (
            user(20, Role.PRINCIPAL, Role.TEACHER),
            correction(1, requester=20, confirmed_by=11),
            False,
        ),
        (user(12, Role.TEACHER, Role.HEAD), correction(0), False),
        (user(11), correction(0, state="approved"), False),
        (user(11), correction(0, state="returned"), False),
    ],
)
def test_correction_decisions(who, corr, allowed) -> None:
    assert policy.can_decide_correction(who, corr, ACCESS) is allowed


def test_gvcn_requester_is_confirmed_by_bgh_and_approved_by_someone_else() -> None:
    access = GridAccess(
        1,
        2,
        teacher_id=11,
        homeroom_teacher_id=11,
        department_head_id=12,
        department_deputy_id=None,
    )
    own = correction(0, requester=11)
    assert not policy.can_decide_correction(user(11), own, access)
    assert policy.can_decide_correction(user(20, Role.PRINCIPAL), own, access)
    confirmed = correction(1, requester=11, confirmed_by=20)
    assert not policy.can_decide_correction(user(20, Role.PRINCIPAL), confirmed, access)
    assert policy.can_decide_correction(user(21, Role.VICE_PRINCIPAL), confirmed, access)


def test_withdraw_only_by_the_requester_before_any_decision() -> None:
    assert policy.can_withdraw_correction(user(10), correction(0))
    assert not policy.can_withdraw_correction(user(10), correction(1, confirmed_by=11))
    assert not policy.can_withdraw_correction(user(11), correction(0))


def test_exemptions_are_decided_by_bgh_never_by_the_requester() -> None:
    pending = SimpleNamespace(requested_by_id=11, state="submitted")
    assert policy.can_decide_exemption(user(20, Role.PRINCIPAL), pending)
    assert not policy.can_decide_exemption(user(11), pending)
    assert not policy.can_decide_exemption(user(11, Role.PRINCIPAL, Role.TEACHER), pending)
    assert not policy.can_decide_exemption(
        user(20, Role.PRINCIPAL), SimpleNamespace(requested_by_id=11, state="approved")
    )
    assert policy.can_read_exemption_reason(user(11), 11)
    assert not policy.can_read_exemption_reason(user(10), 11)
    assert not policy.can_read_exemption_reason(user(22, Role.ADMIN), 11)
