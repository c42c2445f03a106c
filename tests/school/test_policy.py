"""Who may use the school screens: 403 for the wrong role, 404 outside one's scope."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from app.core.authz import Role, view_policy
from app.school import policy
from tests.conftest import denied_total
from tests.school.conftest import events

ADMIN_ENDPOINT = re.compile(
    r"^(school\.(?!classes$|class_detail$|export_roster$|student_detail$)"
    r"|accounts\.staff_)"
)


def person(*roles: Role, user_id: int = 7) -> SimpleNamespace:
    return SimpleNamespace(id=user_id, roles=frozenset(roles))


CLASS = SimpleNamespace(homeroom_teacher_id=7)
OTHER_CLASS = SimpleNamespace(homeroom_teacher_id=8)


@pytest.mark.parametrize(
    "user, manage, read, export_own, export_other, sensitive, ids",
    [
        # the quản trị keeps the roster but reads no sensitive field (separation of duties)
        (person(Role.ADMIN, user_id=1), True, True, True, True, False, False),
        (person(Role.ADMIN, Role.PRINCIPAL), True, True, True, True, True, True),
        (person(Role.PRINCIPAL), False, True, True, True, True, True),
        (person(Role.VICE_PRINCIPAL), False, True, True, True, True, True),
        (person(Role.HEAD, Role.TEACHER), False, False, True, False, True, False),
        (person(Role.TEACHER), False, False, True, False, True, False),
        (person(Role.TEACHER, user_id=9), False, False, False, False, False, False),
    ],
)
def test_policy_table(user, manage, read, export_own, export_other, sensitive, ids) -> None:
    assert policy.can_manage_school(user) is manage
    assert policy.can_view_admin(user) is read
    assert policy.can_export_roster(user, CLASS) is export_own
    assert policy.can_see_sensitive(user, CLASS) is sensitive
    assert policy.can_export_roster(user, OTHER_CLASS) is export_other
    assert policy.can_export_national_ids(user) is ids
    assert policy.can_edit_student(user, object()) is manage
    hidden = policy.hidden_student_fields(user, CLASS)
    assert ("ethnicity" in hidden) is not sensitive
    assert ("national_id" in hidden) is not ids
    assert ("birthplace" in hidden) is not sensitive
    assert policy.can_manage_enrollment(user, object()) is manage
    # quá trình học tập and why a student left: who sees the sensitive fields, and the quản trị
    assert policy.can_see_schooling(user, CLASS) is (sensitive or manage)
    assert policy.can_see_schooling(user, OTHER_CLASS) is read


def _admin_rules(app):  # type: ignore[no-untyped-def]
    rules = [r for r in app.url_map.iter_rules() if ADMIN_ENDPOINT.match(r.endpoint)]
    assert len(rules) >= 25
    return rules


def _fill(rule, value: str = "1") -> str:  # type: ignore[no-untyped-def]
    path = rule.rule
    for arg in rule.arguments:
        path = re.sub(r"<(?:[^:<>]+:)?" + arg + r">", "roster" if arg == "kind" else value, path)
    return path


@pytest.mark.parametrize("who", ["t1", "gvcn", "tt_toan"])
def test_teachers_and_heads_get_403_on_every_admin_route(app, login_as, school_fixture, who) -> None:
    client = login_as(getattr(school_fixture, who))
    denials_before = denied_total(app)
    checked = 0
    for rule in _admin_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_fill(rule), method=method)
            assert response.status_code == 403, (rule.endpoint, method, response.status_code)
            hx = client.htmx(method, _fill(rule))
            assert hx.status_code == 403 and "<html" not in hx.text
            checked += 2
    assert denied_total(app) - denials_before == checked


def test_bgh_reads_the_admin_screens_but_cannot_write(app, login_as, school_fixture) -> None:
    client = login_as(school_fixture.ht)
    for rule in _admin_rules(app):
        with app.test_request_context():
            _, roles = view_policy(rule.endpoint)
        methods = rule.methods - {"HEAD", "OPTIONS"}
        if Role.PRINCIPAL in roles:
            assert methods == {"GET"}, rule.endpoint  # BGH only ever reads here
        else:
            for method in methods:
                assert client.open(_fill(rule), method=method).status_code == 403, rule.endpoint
    for url in (
        "/school/admin",
        "/school/admin/years",
        "/school/admin/departments",
        "/school/admin/subjects",
        "/school/admin/classes",
        "/school/admin/students",
        f"/school/admin/classes/{school_fixture.c10a1.id}/assignments",
        "/school/admin/staff",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert 'method="post"' not in page.text.split("</header>", 1)[1].replace('action="/logout"', ""), url


@pytest.mark.parametrize("path", ["/school/classes/{c}", "/school/classes/{c}/export.xlsx", "/school/students/{s}"])
def test_out_of_scope_class_and_student_answer_404(app, login_as, school_fixture, path) -> None:
    fx = school_fixture
    url = path.format(c=fx.c10a2.id, s=fx.students_a2[0].id)
    client = login_as(fx.t1)
    before = denied_total(app)
    for response in (client.get(url), client.htmx("GET", url)):
        assert response.status_code == 404
        assert "Canary-B" not in response.text
    assert denied_total(app) == before + 2
    assert client.get(path.format(c=999999, s=999999)).status_code == 404


def test_roster_export_is_for_bgh_admin_and_the_gvcn_only(app, login_as, school_fixture) -> None:
    fx = school_fixture
    url = f"/school/classes/{fx.c10a1.id}/export.xlsx"
    assert login_as(fx.t1).get(url).status_code == 403  # teaches 10A1, but is not its GVCN
    assert login_as(fx.tt_toan).get(url).status_code == 403
    for user in (fx.gvcn, fx.ht, fx.admin):
        response = login_as(user).get(url)
        assert response.status_code == 200, user.username
        assert response.headers["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml"
        )
    assert len(events(app, "class.roster_exported")) == 3


def test_class_page_hides_sensitive_columns_from_subject_teachers(app, login_as, make_student, school_fixture) -> None:
    fx = school_fixture
    make_student(fx.c10a1, "Lý Thị Kín", national_id="087312345678")
    url = f"/school/classes/{fx.c10a1.id}"
    teacher_page = login_as(fx.t1).get(url).text
    assert "Số định danh" not in teacher_page and "0873" not in teacher_page
    homeroom_page = login_as(fx.gvcn).get(url).text
    assert "0873******78" in homeroom_page and "087312345678" not in homeroom_page
    assert "Xuất danh sách" in homeroom_page and "Xuất danh sách" not in teacher_page
