"""Hostile input never reaches the database as a 500 (SECURITY.md status contract; test 28).

A 500 is a denial of service and, worse, drops the offending values (user input) into the
error log. Covered: ids and numbers past the columns' range in every query string the app
reads (names found in the source, so new ones are covered), unique values taken by
another row, and a full name longer than its column (PostgreSQL enforces lengths).
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from app.core.authz import Role, view_policy
from app.extensions import db
from tests.security.conftest import (
    audit_actions,
    audit_head,
    build,
    db_digest,
    int_args,
    walk_plan,
)

APP = Path(__file__).resolve().parents[2] / "app"
QUERY_ARG = re.compile(r"""request\.args(?:\.get\(|\[)\s*["'](\w+)["']""")
HOSTILE_VALUES = ("9" * 30, "-1", "x'\"<>", "2024-13-45", "")


def query_arg_names() -> list[str]:
    names = set()
    for path in APP.rglob("*.py"):
        names.update(QUERY_ARG.findall(path.read_text(encoding="utf-8")))
    return sorted(names - {"next"})  # next: the login redirect target, tested in accounts


def test_query_arg_names_are_found() -> None:
    assert {"year", "department", "class_id"} <= set(query_arg_names())


def _url(rule, sec, query: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    path = build(rule, {a: sec.any_ids[a][0] for a in int_args(rule) if a in sec.any_ids})
    return path + "?" + urlencode(query)


def _fails(client, url: str) -> bool:  # type: ignore[no-untyped-def]
    response = client.get(url)
    response.close()
    return response.status_code >= 500


def _readers(app) -> set[str]:  # type: ignore[no-untyped-def]
    """Endpoints whose view module reads a query argument (all of them if a non-view module
    reads one: a shared helper could then run under any route)."""
    reading = {p.resolve() for p in APP.rglob("*.py") if QUERY_ARG.search(p.read_text("utf-8"))}
    by_file: dict[Path, set[str]] = {}
    for endpoint, view in app.view_functions.items():
        source = inspect.getsourcefile(inspect.unwrap(view))
        by_file.setdefault(Path(source).resolve(), set()).add(endpoint)
    if reading - set(by_file):
        return set(app.view_functions)
    return set().union(*(by_file[p] for p in reading))


def _callers(app, rule) -> list[str]:  # type: ignore[no-untyped-def]
    """A whole-school user and a teacher, when the route admits them."""
    with app.test_request_context():
        _, allowed = view_policy(rule.endpoint)
    allowed = allowed or frozenset()
    school = next((n for n, r in (("ht", Role.PRINCIPAL), ("admin", Role.ADMIN)) if r in allowed), None)
    teacher = "t1" if Role.TEACHER in allowed else ("tt_toan" if Role.HEAD in allowed else None)
    return [n for n in (school, teacher) if n]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_no_query_string_value_makes_any_page_fail(app, sec, login_as, users, value) -> None:
    """All the app's query arguments at once; a failure is narrowed to the argument at fault."""
    names = query_arg_names()
    readers = _readers(app)
    clients = {role: login_as(users[role]) for role in ("admin", "ht", "t1", "tt_toan")}
    failures, tried = [], 0
    for role, rule in walk_plan(app, tuple(clients)):
        if rule.endpoint not in readers or role not in _callers(app, rule):
            continue
        client = clients[role]
        tried += 1
        if not _fails(client, _url(rule, sec, dict.fromkeys(names, value))):
            continue
        if _fails(client, _url(rule, sec, {})):
            failures.append(f"{rule.endpoint} as {role}: 500 without any query argument")
            continue
        culprits = [n for n in names if _fails(client, _url(rule, sec, {n: value}))] or ["*"]
        failures += [f"{rule.endpoint} ?{n}={value} as {role}" for n in culprits]
    assert sorted(set(failures)) == [], "\n".join(sorted(set(failures)))
    assert tried >= 20


def _unchanged(app, admin, url: str, data: dict, message: str) -> None:  # type: ignore[no-untyped-def]
    before, head = db_digest(app), audit_head(app)
    for send in (admin.post, lambda u, data: admin.htmx("POST", u, data=data)):
        response = send(url, data=data)
        assert response.status_code == 422, (url, response.status_code)
        assert message in response.get_data(as_text=True)
    assert db_digest(app) == before and audit_actions(app, head) == []


def test_renaming_to_a_taken_name_is_a_clear_422(app, sec, login_as) -> None:
    admin = login_as(sec.admin)
    _unchanged(
        app,
        admin,
        f"/school/admin/departments/{sec.dept_van.id}",
        {"name": "Toán – Tin", "head_id": "", "deputy_id": ""},
        "Đã có tổ",
    )
    _unchanged(
        app,
        admin,
        f"/school/admin/subjects/{sec.van.id}",
        {
            **SUBJECT_BLANKS,
            "code": "VAN",
            "name": "Toán",
            "assessment_kind": "score",
            "department_id": "",
            "p10": "105",
        },
        "Đã có môn",
    )


#: every field of the student form, blank: a POST that omits one is a 422 (SubmittedFields)
STUDENT_BLANKS = {
    **dict.fromkeys(
        ("register_number", "moet_id", "middle_name", "ethnicity", "birthplace", "address", "national_id"), ""
    ),
    "enrolled_from": "",  # the new-student form's (an edit ignores it)
    **{f"{slot}-{f}": "" for slot in ("father", "mother", "guardian") for f in ("full_name", "phone", "occupation")},
}
#: the subject form's optional fields, blank
SUBJECT_BLANKS = {"sort_order": "", **{f"p{g}": "" for g in range(6, 13)}}
STUDENT = {
    **STUDENT_BLANKS,
    "last_name": "Lý",
    "middle_name": "Thị",
    "first_name": "Mới",
    "birth_date": "01/02/2010",
    "gender": "nu",
}


def test_identifiers_taken_by_another_student_are_a_clear_422(app, sec, login_as) -> None:
    from app.school import services
    from app.school.models import Student

    with app.app_context():
        other = db.session.get(Student, sec.students_a2[0].id)
        services.update_student(None, other, moet_id="MOET-B01", national_id="079212000001")
        db.session.commit()
    admin = login_as(sec.admin)
    new = f"/school/admin/classes/{sec.c10a1.id}/students/new"
    edit = f"/school/admin/students/{sec.students_a1[0].id}/edit"
    a1_code = sec.students_a1[0].student_code
    _unchanged(
        app, admin, new, {**STUDENT, "student_code": "HS-M1", "moet_id": "MOET-B01"}, "đã có ở một học sinh khác"
    )
    _unchanged(
        app,
        admin,
        new,
        {**STUDENT, "student_code": "HS-M2", "national_id": "079212000001"},
        "đã có ở một học sinh khác",
    )
    _unchanged(
        app,
        admin,
        edit,
        {**STUDENT, "student_code": a1_code, "national_id": "079212000001"},
        "đã có ở một học sinh khác",
    )
    _unchanged(
        app, admin, edit, {**STUDENT, "student_code": sec.students_a2[0].student_code}, "đã có ở một học sinh khác"
    )
    with app.app_context():
        assert db.session.scalar(select(Student.national_id).where(Student.student_code == a1_code)) is None


def test_a_full_name_longer_than_its_column_is_refused(app, sec, login_as) -> None:
    admin = login_as(sec.admin)
    long_name = {
        **STUDENT,
        "student_code": "HS-DAI",
        "last_name": "Â" * 60,
        "middle_name": "Ê" * 80,
        "first_name": "Ô" * 40,
    }
    _unchanged(
        app, admin, f"/school/admin/classes/{sec.c10a1.id}/students/new", long_name, "Họ và tên dài tối đa 180 ký tự"
    )


def test_numbers_past_the_column_range_in_forms_are_422(app, sec, login_as) -> None:
    admin = login_as(sec.admin)
    _unchanged(
        app,
        admin,
        "/school/admin/subjects",
        {
            "code": "ANH",
            "name": "Tiếng Anh",
            "assessment_kind": "score",
            "department_id": "",
            "sort_order": "9" * 30,
            "p10": "105",
        },
        "Thứ tự hiển thị là số từ 0 đến 1000",
    )
