"""records.policy is pure: every (role × workflow state × verb) against an explicit table."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.core.authz import Role
from app.records import policy
from app.records.models import MadeBy

DEPT, OTHER_DEPT = 1, 2
USERS = {
    "author": (10, {Role.TEACHER}, []),
    "other_teacher": (11, {Role.TEACHER}, []),
    "head": (12, {Role.TEACHER, Role.HEAD}, [DEPT]),
    "deputy": (13, {Role.TEACHER, Role.HEAD}, [DEPT]),
    "other_head": (14, {Role.TEACHER, Role.HEAD}, [OTHER_DEPT]),
    "principal": (15, {Role.PRINCIPAL}, []),
    "vice": (16, {Role.VICE_PRINCIPAL}, []),
    "admin": (17, {Role.ADMIN}, []),
}
STATES = {  # name → (state, step, submitted before)
    "draft": ("draft", 0, False),
    "submitted_step0": ("submitted", 0, True),
    "submitted_step1": ("submitted", 1, True),
    "returned": ("returned", 0, True),
    "approved": ("approved", 2, True),
}
ALL = set(USERS)
EXPECTED: dict[str, dict[str, set[str]]] = {
    "can_view": {s: {"author", "head", "deputy", "principal", "vice"} for s in STATES},
    "can_edit": {"draft": {"author"}, "returned": {"author"}},
    "can_submit": {"draft": {"author"}, "returned": {"author"}},
    "can_withdraw": {"submitted_step0": {"author"}},
    "can_review": {"submitted_step0": {"head", "deputy"}, "submitted_step1": {"principal", "vice"}},
    "can_delete": {"draft": {"author"}},
    "can_comment": {s: {"author", "head", "deputy", "principal", "vice"} for s in STATES},
}


def user(name: str) -> SimpleNamespace:
    uid, roles, led = USERS[name]
    return SimpleNamespace(id=uid, roles=frozenset(roles), led_department_ids=lambda: list(led))


def record(state_name: str) -> SimpleNamespace:
    state, step, submitted = STATES[state_name]
    approvals = [SimpleNamespace(actor_id=USERS["head"][0])] if step >= 1 else []
    return SimpleNamespace(
        author_id=USERS["author"][0],
        department_id=DEPT,
        department=SimpleNamespace(id=DEPT, head_id=USERS["head"][0], deputy_id=USERS["deputy"][0]),
        state=state,
        step=step,
        chain=["to_truong", "bgh"],
        versions=[SimpleNamespace(id=1), SimpleNamespace(id=2)],  # v2 uploaded after a return
        submitted_at=object() if submitted else None,
        deleted_at=None,
        link_key=None,
        current_approvals=lambda: approvals,
        last_return=lambda: SimpleNamespace(version_id=1) if submitted else None,
    )


@pytest.mark.parametrize("verb", sorted(EXPECTED))
@pytest.mark.parametrize("state_name", sorted(STATES))
def test_policy_table(verb: str, state_name: str) -> None:
    allowed = {name for name in USERS if getattr(policy, verb)(user(name), record(state_name))}
    assert allowed == EXPECTED[verb].get(state_name, set())


def test_a_deleted_record_is_invisible_to_everyone() -> None:
    r = record("draft")
    r.deleted_at = object()
    assert not any(policy.can_view(user(n), r) or policy.can_edit(user(n), r) for n in ALL)


def test_the_approver_of_step_one_cannot_take_step_two_even_with_bgh_role() -> None:
    both = SimpleNamespace(
        id=USERS["head"][0], roles=frozenset({Role.HEAD, Role.VICE_PRINCIPAL}), led_department_ids=lambda: [DEPT]
    )
    assert policy.can_review(both, record("submitted_step0"))
    assert not policy.can_review(both, record("submitted_step1"))  # approved step 0 already


def test_the_author_never_reviews_even_as_head_or_bgh() -> None:
    r = record("submitted_step0")
    r.author_id = USERS["head"][0]
    assert not policy.can_review(user("head"), r)
    assert policy.can_review(user("deputy"), r)


def test_a_principal_only_step() -> None:
    r = record("submitted_step0")
    r.chain = ["hieu_truong"]
    assert {n for n in USERS if policy.can_review(user(n), r)} == {"principal"}


@pytest.mark.parametrize(
    "made_by,linked,active,allowed",
    [
        (MadeBy.TEACHER, False, True, {"author", "other_teacher", "head", "deputy", "other_head"}),
        (MadeBy.HEAD, False, True, {"head", "deputy", "other_head"}),
        (MadeBy.TEACHER, True, True, set()),  # Sổ điểm: only through the grade book
        (MadeBy.TEACHER, False, False, set()),
    ],
)
def test_who_may_create_each_type(made_by: MadeBy, linked: bool, active: bool, allowed: set[str]) -> None:
    record_type = SimpleNamespace(made_by=made_by.value, linked_only=linked, active=active)
    assert {n for n in USERS if policy.can_create(user(n), record_type)} == allowed
    assert {n for n in USERS if policy.can_manage_types(user(n))} == {"admin"}


def test_a_returned_record_needs_a_new_version_before_it_is_submitted_again() -> None:
    r = record("returned")
    r.versions = r.versions[:1]  # still the version that was returned
    assert policy.can_edit(user("author"), r) and not policy.can_submit(user("author"), r)
    assert policy.needs_new_version(r)
