"""Cross-cutting security harness (SECURITY.md "Harness"): the fixture school with objects
of every domain, route walkers built from app.url_map, a DB digest and canary checks.

Everything here is generic on purpose: the walkers enumerate app.url_map at test time,
so routes added later by other domains are covered without editing these tests. A route
argument is filled by its NAME (class_id, student_id, gradebook_id, record_id, …) from
the maps built in `sec`; an unknown integer argument falls back to every foreign id the
fixture knows plus random ids.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.core.authz import view_policy
from app.extensions import db

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
ARG = re.compile(r"<(?:(?P<conv>[^:<>]+):)?(?P<name>[^<>]+)>")
#: values for string route arguments (the only ones the app has today)
STRING_ARGS = {
    "subject_type": "record",
    "kind": "roster",
    "token": "a" * 32,
    "filename": "css/app.css",
    "period": "hk1",
}


# --- route walkers --------------------------------------------------------------------


def rules(app: Flask, method: str) -> list[Any]:
    """Every rule answering `method`, except static files, in a stable order."""
    return sorted(
        (r for r in app.url_map.iter_rules() if method in r.methods and r.endpoint != "static"),
        key=lambda r: (r.rule, r.endpoint),
    )


def is_public(app: Flask, endpoint: str) -> bool:
    with app.test_request_context():
        return view_policy(endpoint)[0]


def int_args(rule: Any) -> list[str]:
    return [m["name"] for m in ARG.finditer(rule.rule) if m["conv"] == "int"]


def build(rule: Any, values: dict[str, Any]) -> str:
    """The rule's path with each <arg> replaced by values[arg] (strings from STRING_ARGS)."""

    def sub(m: re.Match) -> str:
        name = m["name"]
        if name in values:
            return str(values[name])
        if m["conv"] == "int":
            return "1"
        return STRING_ARGS.get(name, "x")

    return ARG.sub(sub, rule.rule)


def walk_get(
    app: Flask, client: Any, ids: dict[str, list[int]], skip: set[str] = frozenset()
) -> Iterator[tuple[Any, str, Any]]:
    """GET every non-public route once with the first id of each argument: (rule, url, response)."""
    for rule in rules(app, "GET"):
        if rule.endpoint in skip or is_public(app, rule.endpoint):
            continue
        url = build(rule, {a: ids[a][0] for a in int_args(rule) if ids.get(a)})
        yield rule, url, client.get(url)


def walk_plan(app: Flask, roles: tuple[str, ...]) -> list[tuple[str, Any]]:
    """(role, rule) for every GET rule needing a login, role by role. Downloads (which write
    audit rows) are interleaved with the pages on purpose: a page must survive them."""
    found = [r for r in rules(app, "GET") if not is_public(app, r.endpoint)]
    return [(role, r) for role in roles for r in found]


def is_html(response: Any) -> bool:
    return response.mimetype == "text/html"


# --- data helpers -----------------------------------------------------------------------


def db_digest(app: Flask, skip: tuple[str, ...] = ("audit_event", "denial_tally")) -> str:
    """SHA-256 over an ordered dump of every table (the audit trail and its denial tallies may log refusals)."""
    h = hashlib.sha256()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
            h.update(f"{table.name}:{rows!r}".encode())
    return h.hexdigest()


def audit_actions(app: Flask, after: int = 0) -> list[str]:
    from app.audit.models import AuditEvent
    from tests.conftest import seal_denials

    seal_denials(app)
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEvent.action).where(AuditEvent.seq > after).order_by(AuditEvent.seq))
        )


def audit_head(app: Flask) -> int:
    from sqlalchemy import func

    from app.audit.models import AuditEvent

    with app.app_context():
        return db.session.scalar(select(func.max(AuditEvent.seq))) or 0


def assert_no_canary(body: str, canaries: list[str], where: str) -> None:
    leaked = [c for c in canaries if c in body]
    assert not leaked, f"{where}: foreign data {leaked} in the response"


# --- fixtures ---------------------------------------------------------------------------


def _pdf(title: str) -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.fixture
def sec(app, school_fixture, make_subject, as_user):  # type: ignore[no-untyped-def]
    """school_fixture plus objects of every domain, and id maps by route-argument name.

    10A2 objects (the "foreign" side for T1): grade books Toán/Văn 10A2 with scores, a
    correction request by T2, an exemption (T2 is GVCN of 10A2), a giáo án by T2.
    Toán-only objects (foreign for TT Văn): the Toán grade books, their corrections and
    the Toán teachers' records.
    """
    from app.gradebook import queries as gq
    from app.gradebook.services import corrections, entry, exemptions
    from app.gradebook.values import CellValue, parse_column
    from app.records import services as rs
    from app.records.models import Record, RecordType
    from app.records.uploads import stage_bytes
    from app.school import services as school
    from app.school.models import SchoolClass, Subject, Term

    ns = school_fixture
    ns.gdtc = make_subject("Giáo dục thể chất", "GDTC")
    with app.app_context():
        types = rs.ensure_default_record_types()
        db.session.commit()
        ns.types = {t.code: t.id for t in types}
        ns.term1 = db.session.scalar(select(Term.id).where(Term.year_id == ns.year.id, Term.number == 1))
    as_user(ns.admin, lambda a: school.set_homeroom_teacher(a, db.session.get(SchoolClass, ns.c10a2.id), ns.t2.id))

    def open_book(teacher: Any, cls: Any, subject: Any) -> int:
        def go(actor: Any) -> int:
            c, s, access = gq.access_for(cls.id, subject.id)
            return entry.open_gradebook(actor, c, s, db.session.get(Term, ns.term1), access).id

        return as_user(teacher, go)

    ns.toan_a1 = open_book(ns.t1, ns.c10a1, ns.toan)
    ns.toan_a2 = open_book(ns.t2, ns.c10a2, ns.toan)
    ns.van_a1 = open_book(ns.gv_van, ns.c10a1, ns.van)
    ns.van_a2 = open_book(ns.gv_van, ns.c10a2, ns.van)

    def scores(teacher: Any, book: int, students: list[Any], first: int) -> None:
        def go(actor: Any) -> None:
            handle = gq.get_gradebook_for(actor, book)
            col = parse_column("tx1", 9)
            writes = [
                entry.CellWrite(s.id, col, CellValue(value=_tenths(first + i)), 0) for i, s in enumerate(students)
            ]
            entry.save_batch(actor, handle, writes)

        as_user(teacher, go)

    scores(ns.t1, ns.toan_a1, ns.students_a1, 61)
    scores(ns.t2, ns.toan_a2, ns.students_a2, 37)

    def record(author: Any, cls: Any, subject: Any, title: str) -> tuple[int, int]:
        def go(actor: Any) -> tuple[int, int]:
            stored = [stage_bytes("giao-an.pdf", _pdf(title))]
            rec = rs.create_record(
                actor,
                db.session.get(RecordType, ns.types["ke_hoach_bai_day"]),
                title=title,
                files=stored,
                class_id=cls.id,
                subject_id=subject.id,
                lesson_date=date(2024, 10, 10),
                submit=True,
            )  # submitted: visible to its reviewers
            return rec.id

        rid = as_user(author, go)
        with app.app_context():
            rec = db.session.get(Record, rid)
            return rid, rec.versions[-1].files[0].id

    ns.rec_a1, ns.file_a1 = record(ns.t1, ns.c10a1, ns.toan, "Canary-A giáo án Toán 10A1")
    ns.rec_a2, ns.file_a2 = record(ns.t2, ns.c10a2, ns.toan, "Canary-B giáo án Toán 10A2")
    ns.rec_van, ns.file_van = record(ns.gv_van, ns.c10a2, ns.van, "Canary-V giáo án Văn 10A2")

    # lock term I by date, then corrections (they exist only on locked grade books)
    as_user(
        ns.admin,
        lambda a: school.update_term(
            a,
            db.session.get(Term, ns.term1),
            start_date=date(2024, 9, 5),
            end_date=date(2025, 1, 15),
            lock_date=date(2024, 12, 1),
        ),
    )

    def correction(teacher: Any, book: int, student: Any, reason: str) -> int:
        def go(actor: Any) -> int:
            handle = gq.get_gradebook_for(actor, book)
            return corrections.request_correction(
                actor, handle, student.id, parse_column("tx1", 9), CellValue(value=_tenths(99)), reason
            ).id

        return as_user(teacher, go)

    ns.corr_a1 = correction(ns.t1, ns.toan_a1, ns.students_a1[0], "Canary-A điều chỉnh Toán")
    ns.corr_a2 = correction(ns.t2, ns.toan_a2, ns.students_a2[0], "Canary-B điều chỉnh Toán")

    def exemption(gvcn: Any, cls: Any, student: Any, reason: str) -> int:
        def go(actor: Any) -> int:
            return exemptions.request_exemption(
                actor,
                db.session.get(SchoolClass, cls.id),
                student.id,
                db.session.get(Subject, ns.gdtc.id),
                db.session.get(Term, ns.term1),
                reason,
                None,
            ).id

        return as_user(gvcn, go)

    ns.exemption_a1 = exemption(ns.gvcn, ns.c10a1, ns.students_a1[1], "Canary-A sức khoẻ")
    ns.exemption_a2 = exemption(ns.t2, ns.c10a2, ns.students_a2[1], "Canary-B sức khoẻ")

    # --- id maps, by route-argument name ---
    ns.own_t1 = {
        "class_id": [ns.c10a1.id],
        "student_id": [s.id for s in ns.students_a1],
        "gradebook_id": [ns.toan_a1],
        "correction_id": [ns.corr_a1],
        "record_id": [ns.rec_a1],
        "file_id": [ns.file_a1],
    }
    ns.foreign_t1 = {
        "class_id": [ns.c10a2.id],
        "student_id": [s.id for s in ns.students_a2],
        "gradebook_id": [ns.toan_a2, ns.van_a2],
        "correction_id": [ns.corr_a2],
        "exemption_id": [ns.exemption_a2],
        "record_id": [ns.rec_a2, ns.rec_van],
        "file_id": [ns.file_a2, ns.file_van],
        "user_id": [ns.t2.id],
        # issued documents and report jobs exist only after an approved close, which this
        # harness does not make: ids that name nothing (404 like any other's). The real
        # objects of another class are probed by tests/reports/test_access.py.
        "document_id": [2**31 - 2],
        "job_id": [2**31 - 2],
    }
    ns.canaries_t1 = ["Canary-B", "Canary-V"] + [_code(app, s.id) for s in ns.students_a2]
    ns.own_ttvan = {
        "gradebook_id": [ns.van_a1],
        "record_id": [ns.rec_van],
        "file_id": [ns.file_van],
        "class_id": [ns.c10a1.id],
        "student_id": [s.id for s in ns.students_a1],
    }
    ns.foreign_ttvan = {
        "gradebook_id": [ns.toan_a1, ns.toan_a2],
        "correction_id": [ns.corr_a1, ns.corr_a2],
        "record_id": [ns.rec_a1, ns.rec_a2],
        "file_id": [ns.file_a1, ns.file_a2],
    }
    ns.canaries_ttvan = ["giáo án Toán", "điều chỉnh Toán"]
    # every id a route may need to render a real page, for the "walk every page" tests
    ns.any_ids = {
        "class_id": [ns.c10a1.id],
        "student_id": [ns.students_a1[0].id],
        "gradebook_id": [ns.toan_a1],
        "correction_id": [ns.corr_a1],
        "exemption_id": [ns.exemption_a1],
        "record_id": [ns.rec_a1],
        "file_id": [ns.file_a1],
        "user_id": [ns.t1.id],
        "department_id": [ns.dept_toan.id],
        "subject_id": [ns.toan.id],
        "term_id": [ns.term1],
        "year_id": [ns.year.id],
        "type_id": [ns.types["ke_hoach_bai_day"]],
    }
    return ns


def _tenths(n: int) -> Any:
    from decimal import Decimal

    return Decimal(n) / 10


def _code(app: Flask, student_id: int) -> str:
    from app.school.models import Student

    with app.app_context():
        return db.session.get(Student, student_id).student_code


@pytest.fixture
def users(sec) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The harness users by a short role name."""
    return {
        "admin": sec.admin,
        "ht": sec.ht,
        "t1": sec.t1,
        "gvcn": sec.gvcn,
        "tt_toan": sec.tt_toan,
        "tt_van": sec.tt_van,
        "gv_van": sec.gv_van,
    }
