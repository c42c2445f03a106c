"""homeroom.policy: pure, parametrized over role × relation."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.core.authz import Role
from app.gradebook import policy as gradebook_policy
from app.homeroom import policy as homeroom_policy


def user(uid: int, *roles: Role) -> SimpleNamespace:
    return SimpleNamespace(id=uid, roles=frozenset(roles or (Role.TEACHER,)))


@pytest.mark.parametrize(
    ("who", "read", "edit"),
    [
        (user(11), True, True),
        (user(20, Role.PRINCIPAL), True, False),
        (user(22, Role.ADMIN), False, False),  # the quản trị reads no class book
        (user(10), False, False),
        (user(12, Role.TEACHER, Role.HEAD), False, False),
    ],
)
def test_homeroom(who, read, edit) -> None:
    assert homeroom_policy.can_read_homeroom(who, 11) is read
    assert homeroom_policy.can_edit_homeroom(who, 11) is edit
    assert homeroom_policy.can_request_exemption(who, 11) is edit
    # one definition of "the GVCN of this class" for both packages
    assert gradebook_policy.is_homeroom_teacher(who, 11) is edit


def test_the_gvcn_of_a_class_without_one_is_nobody() -> None:
    assert not homeroom_policy.can_edit_homeroom(user(11), None)
    assert homeroom_policy.can_see_every_class(user(20, Role.PRINCIPAL))
    assert not homeroom_policy.can_see_every_class(user(22, Role.ADMIN))
    assert not homeroom_policy.can_see_every_class(user(11))
    assert homeroom_policy.can_see_exemption_queue(user(21, Role.VICE_PRINCIPAL))
    assert not homeroom_policy.can_see_exemption_queue(user(22, Role.ADMIN))
