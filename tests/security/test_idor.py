"""SECURITY.md test 2 (P0): cross-class read IDOR on every GET route that takes ids.

Walks app.url_map, so routes other domains add later are covered too: each integer route
argument is filled, by its name, with ids of objects outside the user's scope (while the
other arguments keep the user's own ids), then with hypothesis-drawn random ids.

The catalogue also asks that response times not separate "foreign but existing" from
"missing". That is deliberately NOT asserted here: project rule, tests never assert
wall-clock time (it would be flaky on shared CI). The equal-body check in
tests/core/test_authz.py covers the content side of that oracle.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.authz import Role
from tests.security.conftest import (
    STRING_ARGS,
    assert_no_canary,
    build,
    int_args,
    is_public,
    rules,
)

DENIED = (403, 404)
#: integer arguments that are not object ids a teacher could be scoped out of
NOT_SCOPED: set[str] = set()


def _alias(rule, arg: str) -> str:  # type: ignore[no-untyped-def]
    """/audit/timeline/<subject_type>/<int:subject_id>: the id of a `subject_type` object."""
    if arg == "subject_id" and "subject_type" in rule.arguments:
        return f"{STRING_ARGS['subject_type']}_id"
    return arg


def _teacher_may_call(app, rule, held: set[Role]) -> bool:  # type: ignore[no-untyped-def]
    from app.core.authz import view_policy

    with app.test_request_context():
        _, allowed = view_policy(rule.endpoint)
    return bool(allowed and allowed & held)


def _id_routes(app):  # type: ignore[no-untyped-def]
    return [r for r in rules(app, "GET") if int_args(r) and not is_public(app, r.endpoint)]


def _foreign_requests(app, rule, own: dict, foreign: dict):  # type: ignore[no-untyped-def]
    """One URL per (argument, foreign id): that argument foreign, the others the user's own."""
    for arg in int_args(rule):
        for fid in foreign.get(_alias(rule, arg), []):
            values = {}
            for other in int_args(rule):
                key = _alias(rule, other)
                pool = own.get(key) or foreign.get(key) or [1]
                values[other] = pool[0]
            values[arg] = fid
            yield build(rule, values)


def _check_foreign(app, client, own, foreign, canaries) -> int:  # type: ignore[no-untyped-def]
    failures, checked = [], 0
    for rule in _id_routes(app):
        for url in _foreign_requests(app, rule, own, foreign):
            for label, response in (("page", client.get(url)), ("htmx", client.htmx("GET", url))):
                checked += 1
                if response.status_code not in DENIED:
                    failures.append(f"{rule.endpoint} {url} ({label}) → {response.status_code}")
                    continue
                leaked = [c for c in canaries if c in response.get_data(as_text=True)]
                if leaked:
                    failures.append(f"{rule.endpoint} {url} ({label}) leaks {leaked}")
                if label == "htmx" and "<html" in response.get_data(as_text=True):
                    failures.append(f"{rule.endpoint} {url}: htmx error is a whole page")
    assert failures == [], "\n".join(failures)
    return checked


def test_every_id_argument_a_teacher_can_reach_has_foreign_ids_to_try(app, sec) -> None:
    """New routes with a new kind of id must be added to the maps in conftest.py (`sec`)."""
    held = {Role.TEACHER, Role.HEAD}
    missing = sorted(
        {
            (r.endpoint, a)
            for r in _id_routes(app)
            if _teacher_may_call(app, r, held)
            for a in int_args(r)
            if _alias(r, a) not in sec.foreign_t1 and a not in NOT_SCOPED
        }
    )
    assert missing == [], (
        f"add foreign ids for these route arguments to sec.foreign_t1 in tests/security/conftest.py: {missing}"
    )


def test_t1_gets_404_for_every_10a2_object_on_every_get_route(app, sec, login_as) -> None:
    client = login_as(sec.t1)
    # the own ids are real and readable: otherwise the foreign check proves nothing
    assert client.get(f"/school/classes/{sec.c10a1.id}").status_code == 200
    assert client.get(f"/gradebook/{sec.toan_a1}").status_code == 200
    assert client.get(f"/records/{sec.rec_a1}").status_code == 200
    checked = _check_foreign(app, client, sec.own_t1, sec.foreign_t1, sec.canaries_t1)
    assert checked >= 20


def test_head_of_ngu_van_gets_404_for_toan_only_objects(app, sec, login_as) -> None:
    client = login_as(sec.tt_van)
    assert client.get(f"/gradebook/{sec.van_a1}").status_code == 200
    assert client.get(f"/records/{sec.rec_van}").status_code == 200
    checked = _check_foreign(app, client, sec.own_ttvan, sec.foreign_ttvan, sec.canaries_ttvan)
    assert checked >= 8


IDS = st.one_of(st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=2**70))


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_ids_never_fail_and_never_leak_10a2_data(app, sec, login_as, data) -> None:
    """Any id — own, foreign, missing, huge — answers without a 500 and without 10A2 data."""
    client = login_as(sec.t1)
    routes = _id_routes(app)
    for _ in range(5):
        rule = data.draw(st.sampled_from(routes), label="route")
        values = {a: data.draw(IDS, label=a) for a in int_args(rule)}
        url = build(rule, values)
        response = client.get(url)
        assert response.status_code < 500, (rule.endpoint, url, response.status_code)
        # an own id may answer a download (xlsx, PDF): read its bytes leniently
        assert_no_canary(response.get_data().decode("utf-8", "replace"), sec.canaries_t1, url)


@pytest.mark.parametrize("huge", [2**31, 2**63, 10**30])
def test_ids_beyond_the_id_columns_are_404_not_500(app, sec, login_as, huge) -> None:
    client = login_as(sec.admin)
    for rule in _id_routes(app):
        url = build(rule, dict.fromkeys(int_args(rule), huge))
        assert client.get(url).status_code == 404, url
