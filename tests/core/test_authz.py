"""Deny by default: the route × role matrix (SECURITY.md test 1) and denial auditing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.core.authz import Role, view_policy
from app.extensions import db
from tests.conftest import denied_total, seal_denials


def _path(rule) -> str:  # type: ignore[no-untyped-def]
    path = rule.rule
    for arg in rule.arguments:
        path = re.sub(r"<(?:[^:<>]+:)?" + arg + r">", "1", path)
    return path


def _denials(app) -> int:  # type: ignore[no-untyped-def]
    return denied_total(app)


@pytest.fixture
def users_by_role(school_fixture):  # type: ignore[no-untyped-def]
    return {
        Role.TEACHER: school_fixture.t1,
        Role.HEAD: school_fixture.tt_toan,
        Role.PRINCIPAL: school_fixture.ht,
        Role.ADMIN: school_fixture.admin,
    }


def test_each_role_outside_a_views_policy_gets_403_and_an_audit_row(app, login_as, users_by_role) -> None:
    checked = 0
    for rule in app.url_map.iter_rules():
        with app.test_request_context():
            is_public, allowed = view_policy(rule.endpoint)
        if is_public:
            continue
        for role, user in users_by_role.items():
            held = {role} | ({Role.TEACHER} if role is Role.HEAD else set())
            if held & allowed:
                continue
            client = login_as(user)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                before = _denials(app)
                response = client.open(_path(rule), method=method)
                assert response.status_code == 403, (rule.endpoint, method, role)
                assert _denials(app) == before + 1
                checked += 1
    assert checked > 0


def test_denial_row_names_the_endpoint_and_actor(app, login_as, users_by_role) -> None:
    client = login_as(users_by_role[Role.TEACHER])
    assert client.get("/school/admin").status_code == 403
    seal_denials(app)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert event.action == "authz.denied"
        assert event.actor_id == users_by_role[Role.TEACHER].id
        assert event.changes["first"][0]["endpoint"] == "school.admin_index" and event.changes["count"] == 1


def test_out_of_scope_class_is_404_and_audited_like_a_missing_one(app, login_as, school_fixture) -> None:
    client = login_as(school_fixture.t1)
    assert client.get(f"/school/classes/{school_fixture.c10a1.id}").status_code == 200
    foreign = client.get(f"/school/classes/{school_fixture.c10a2.id}")
    missing = client.get("/school/classes/999999")
    assert foreign.status_code == missing.status_code == 404
    assert "Canary-B" not in foreign.text
    assert foreign.text.replace(foreign.headers["X-Request-ID"], "") == missing.text.replace(
        missing.headers["X-Request-ID"], ""
    )
    fragment = client.htmx("GET", f"/school/classes/{school_fixture.c10a2.id}")
    assert fragment.status_code == 404 and "<html" not in fragment.text


def test_head_of_department_sees_the_classes_of_their_subjects(login_as, school_fixture) -> None:
    client = login_as(school_fixture.tt_toan)
    assert client.get(f"/school/classes/{school_fixture.c10a2.id}").status_code == 200
    van_head = login_as(school_fixture.tt_van)
    assert van_head.get(f"/school/classes/{school_fixture.c10a1.id}").status_code == 200


def test_removed_assignment_takes_effect_on_the_live_session(app, login_as, school_fixture) -> None:
    from app.school import services
    from app.school.models import TeachingAssignment

    client = login_as(school_fixture.t1)
    url = f"/school/classes/{school_fixture.c10a1.id}"
    assert client.get(url).status_code == 200
    with app.app_context():
        assignment = db.session.scalar(
            select(TeachingAssignment).where(TeachingAssignment.teacher_id == school_fixture.t1.id)
        )
        services.remove_assignment(None, assignment)
        db.session.commit()
    assert client.get(url).status_code == 404
