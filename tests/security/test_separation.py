"""SECURITY.md test 5 (P0), foundation side: separation of duties pinned on the policy.

The route × role matrix (tests/core/test_authz.py) checks that every view answers as it
DECLARES; these tests pin WHAT it may declare, so that widening an @allow(...) breaks
the build: quản trị runs the system but never decides, writes grades or reads the audit
trail; teachers never reach staff or school administration. Routes are found by walking
app.url_map, so new decision routes are covered without editing this file.
(Revocation of an assignment and of an account on a live session: tests/core/test_authz.py
and tests/accounts/test_auth.py; self-approval of records: tests/records.)
"""

from __future__ import annotations

import re

import pytest

from app.core.authz import Role, view_policy
from app.extensions import db
from tests.security.conftest import (
    UNSAFE,
    audit_actions,
    audit_head,
    build,
    db_digest,
    int_args,
    rules,
    walk_get,
)

DECISION = re.compile(r"approve|decide|review|return|submit|withdraw|confirm", re.I)
#: grade-book configuration the quản trị may keep (not grades, not decisions)
ADMIN_GRADEBOOK_CONFIG = {"gradebook.settings_page", "gradebook.settings_save", "gradebook.lock_date_save"}
#: the quản trị's only record screens: the catalogue of record types
ADMIN_RECORD_SCREENS = {"records.types", "records.type_new", "records.type_edit"}
TEACHING = {Role.TEACHER, Role.HEAD}


def _allowed(app, endpoint: str) -> frozenset[Role]:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        return view_policy(endpoint)[1] or frozenset()


def _all_rules(app):  # type: ignore[no-untyped-def]
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def test_no_decision_route_admits_the_admin(app) -> None:
    decisions = {
        r.endpoint
        for r in _all_rules(app)
        if DECISION.search(r.endpoint.split(".")[-1])
        and r.endpoint != "accounts.login"
        and not r.endpoint.startswith("school.import")
    }
    assert len(decisions) >= 5  # records and grade-book decisions exist today
    wrong = sorted(e for e in decisions if Role.ADMIN in _allowed(app, e))
    assert wrong == []


def test_admin_writes_no_grade_sees_no_record_and_no_audit_screen(app) -> None:
    wrong = []
    for rule in _all_rules(app):
        domain = rule.endpoint.split(".")[0]
        if Role.ADMIN not in _allowed(app, rule.endpoint):
            continue
        writes = bool(set(rule.methods) & set(UNSAFE))
        grade_write = domain == "gradebook" and writes and rule.endpoint not in ADMIN_GRADEBOOK_CONFIG
        record_screen = domain == "records" and rule.endpoint not in ADMIN_RECORD_SCREENS
        if domain == "audit" or grade_write or record_screen:
            wrong.append(rule.endpoint)
    assert sorted(set(wrong)) == []


def test_admin_decision_attempts_with_real_ids_are_403_and_change_nothing(app, sec, login_as) -> None:
    admin = login_as(sec.admin)
    before, head = db_digest(app), audit_head(app)
    tried = 0
    for rule in rules(app, "POST"):
        if not DECISION.search(rule.endpoint.split(".")[-1]) or rule.endpoint.startswith("school.import"):
            continue
        url = build(rule, {a: sec.any_ids[a][0] for a in int_args(rule) if a in sec.any_ids})
        response = admin.post(url, data={"action": "approve", "version": "1", "comment": "ok", "acknowledged": "y"})
        assert response.status_code == 403, (url, response.status_code)
        tried += 1
    assert tried >= 5
    assert db_digest(app) == before
    assert set(audit_actions(app, head)) == {"authz.denied"}


def test_staff_and_school_administration_admit_no_teacher(app) -> None:
    wrong = []
    for rule in _all_rules(app):
        if not rule.rule.startswith("/school/admin"):  # staff management is /school/admin/staff
            continue
        allowed = _allowed(app, rule.endpoint)
        if allowed & TEACHING:
            wrong.append(f"{rule.endpoint} admits {sorted(allowed & TEACHING)}")
        if set(rule.methods) & set(UNSAFE) and allowed != {Role.ADMIN}:
            wrong.append(f"{rule.endpoint} writes for {sorted(allowed)}")
    assert wrong == []


def test_a_teacher_cannot_grant_themselves_admin_through_the_staff_form(app, sec, login_as) -> None:
    client = login_as(sec.t1)
    before = db_digest(app)
    response = client.post(
        f"/school/admin/staff/{sec.t1.id}/edit",
        data={"full_name": "Lê Văn Toán Một", "username": "t1", "roles": ["giao_vien", "quan_tri"]},
    )
    assert response.status_code == 403
    assert client.htmx("POST", f"/school/admin/staff/{sec.t1.id}/edit", data={"roles": "quan_tri"}).status_code == 403
    assert db_digest(app) == before
    assert client.get("/school/admin").status_code == 403


# --- the quản trị reads no score, comment or sensitive field (issue 8.15) ------------------

CANARIES = ("Canary-NX-GV", "Canary-NX-GVCN", "Canary-DanToc", "Canary-ChoO", "087312345678")


def _readable(response) -> str:  # type: ignore[no-untyped-def]
    """The text of a page, or every cell of a spreadsheet download."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.data), read_only=True)
        return " ".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row)
    return response.get_data(as_text=True)


@pytest.fixture
def private_data(app, sec, as_user):  # type: ignore[no-untyped-def]
    """A teacher's nhận xét, the GVCN's nhận xét, and a student's sensitive fields, all canaries."""
    from app.gradebook.models import StudentComment
    from app.homeroom import services as homeroom
    from app.school import services as school
    from app.school.models import SchoolClass, Student, Term

    student = sec.students_a1[0].id
    with app.app_context():  # the term is locked in this harness: the comment is put in place directly
        db.session.add(StudentComment(gradebook_id=sec.toan_a1, student_id=student, text=CANARIES[0], version=1))
        db.session.commit()
    as_user(
        sec.gvcn,
        lambda a: homeroom.set_remark(
            a, db.session.get(SchoolClass, sec.c10a1.id), student, db.session.get(Term, sec.term1), CANARIES[1], 0
        ),
    )
    as_user(
        sec.admin,
        lambda a: school.update_student(
            a,
            db.session.get(Student, student),
            ethnicity=CANARIES[2],
            address=CANARIES[3],
            national_id=CANARIES[4],
        ),
    )
    return sec


def test_the_admin_opens_no_grade_book_class_book_or_sensitive_field(app, private_data, login_as) -> None:
    sec = private_data
    admin = login_as(sec.admin)
    ids = {**sec.any_ids, "class_id": [sec.c10a1.id], "student_id": [sec.students_a1[0].id]}
    seen, leaks = 0, []
    for _rule, url, response in walk_get(app, admin, ids):
        if response.status_code == 200:
            seen += 1
            body = _readable(response)
            leaks += [f"{url}: {c}" for c in CANARIES if c in body]
            leaks += [f"{url}: the masked số định danh"] if "0873******78" in body else []
    assert seen >= 15  # the admin's own screens were really rendered
    assert leaks == []
    for url in (
        f"/gradebook/{sec.toan_a1}",
        f"/gradebook/{sec.toan_a1}/export.xlsx",
        f"/homeroom/{sec.c10a1.id}",
        f"/gradebook/corrections/{sec.corr_a1}",
    ):
        assert admin.get(url).status_code == 404, url


def test_an_admin_who_is_also_principal_reads_them(app, private_data, login_as, make_user) -> None:
    sec = private_data
    both = make_user("qtht", roles=(Role.ADMIN, Role.PRINCIPAL))
    client = login_as(both)
    assert CANARIES[0] in client.get(f"/gradebook/{sec.toan_a1}").text
    page = client.get(f"/school/students/{sec.students_a1[0].id}").text
    assert CANARIES[2] in page and "0873******78" in page
