"""SECURITY.md test 25 (P0): CSRF on every mutating route of app.url_map, htmx included.

Each route is called by a user its policy admits (so that, were the protection missing,
the request would reach the view), with real ids, once without any token and once with
a token minted for another session: 400 with the Vietnamese CSRF message, and nothing
in the database changes. No view is exempt.
"""

from __future__ import annotations

from app.core.authz import Role, view_policy
from app.core.errors import CSRF_MESSAGE
from tests.security.conftest import UNSAFE, build, db_digest, int_args, rules

#: who calls each route: the first harness user whose roles the route admits
CALLERS = (
    ("admin", {Role.ADMIN}),
    ("ht", {Role.PRINCIPAL}),
    ("tt_toan", {Role.TEACHER, Role.HEAD}),
    ("t1", {Role.TEACHER}),
)


def _mutating(app):  # type: ignore[no-untyped-def]
    seen = []
    for method in UNSAFE:
        for rule in rules(app, method):
            if rule.endpoint != "accounts.login":
                seen.append((method, rule))
    return seen


def _caller(app, rule):  # type: ignore[no-untyped-def]
    with app.test_request_context():
        is_public, allowed = view_policy(rule.endpoint)
    if is_public:  # a public POST (a parent's, the /verify upload): anyone reaches it, the token must hold
        return CALLERS[0][0]
    return next((name for name, held in CALLERS if allowed and held & allowed), None)


def _plausible_form(sec) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Values a careless view might act on: an approval, a score, a name."""
    return {
        "action": "approve",
        "version": "1",
        "value": "9",
        "column": "tx1",
        "student_id": str(sec.students_a1[0].id),
        "name": "Tổ mới",
        "full_name": "Ai Đó",
        "active": "0",
        "comment": "x",
        "title": "x",
        "teacher_id": str(sec.t1.id),
    }


def test_no_view_is_exempt_from_csrf(app) -> None:
    csrf = app.extensions["csrf"]
    assert csrf._exempt_views == set()
    assert csrf._exempt_blueprints == set()
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.config.get("WTF_CSRF_CHECK_DEFAULT", True) is True


def test_every_mutating_route_refuses_a_missing_or_foreign_token(app, sec, login_as, users) -> None:
    foreign_token = app.test_client().csrf_token()  # valid, but for another session
    before = db_digest(app)
    failures, checked = [], 0
    for method, rule in _mutating(app):
        caller = _caller(app, rule)
        assert caller, f"{rule.endpoint}: no harness user may call it"
        client = login_as(users[caller])
        url = build(rule, {a: sec.any_ids[a][0] for a in int_args(rule) if a in sec.any_ids})
        attempts = {
            "no token": client.open(url, method=method, data=_plausible_form(sec), csrf=False),
            "no token, htmx": client.htmx(method, url, data=_plausible_form(sec), csrf=False),
            "foreign token": client.open(
                url,
                method=method,
                csrf=False,
                data={**_plausible_form(sec), "csrf_token": foreign_token},
                headers={"X-CSRFToken": foreign_token},
            ),
        }
        for label, response in attempts.items():
            checked += 1
            body = response.get_data(as_text=True)
            if response.status_code != 400 or CSRF_MESSAGE not in body:
                failures.append(f"{method} {url} ({rule.endpoint}) {label}: {response.status_code}")
            if label.endswith("htmx") and "<html" in body:
                failures.append(f"{method} {url} {label}: a whole page for htmx")
    assert failures == [], "\n".join(failures)
    assert db_digest(app) == before
    assert checked >= 3 * 40


def test_the_same_request_with_the_token_gets_past_the_check(app, sec, login_as) -> None:
    """Control: the walk above fails for the right reason (the token), not the data."""
    admin = login_as(sec.admin)
    url = f"/school/admin/departments/{sec.dept_van.id}"
    data = {"name": "Ngữ văn – GDCD", "head_id": str(sec.tt_van.id), "deputy_id": ""}
    assert admin.post(url, data=data, csrf=False).status_code == 400
    assert admin.post(url, data=data).status_code == 303
    token_in_form = admin.post(url, csrf=False, data={**data, "name": "Ngữ văn", "csrf_token": admin.csrf_token()})
    assert token_in_form.status_code == 303


def test_login_form_is_csrf_protected_too(client, sec) -> None:
    """Login CSRF (signing a victim into the attacker's account) is refused as well."""
    response = client.post("/login", data={"username": "admin", "password": "mat-khau-rat-dai-2024"}, csrf=False)
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.get_data(as_text=True)
