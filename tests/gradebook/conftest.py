"""Grade book fixtures: the SECURITY.md harness school with grade books opened through the
services, helpers to run services as a user, read cells, audit rows and table digests."""

from __future__ import annotations

import hashlib
import json
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select, text

from app.extensions import db


@pytest.fixture
def gb(app, school_fixture, as_user):  # type: ignore[no-untyped-def]
    """school_fixture + record types + the Toán 10A1 / 10A2 and Văn 10A1 HK I grade books."""
    from app.gradebook import queries
    from app.gradebook.services import entry
    from app.school.models import Term

    ns = school_fixture
    from app.records.services import ensure_default_record_types

    with app.app_context():
        ensure_default_record_types()
        db.session.commit()
        terms = {t.number: t.id for t in db.session.scalars(select(Term).where(Term.year_id == ns.year.id))}
    ns.term1, ns.term2 = terms[1], terms[2]

    def open_book(teacher: Any, cls: Any, subject: Any, term_id: int) -> int:
        def _open(actor: Any) -> int:
            found = queries.access_for(cls.id, subject.id)
            assert found is not None
            c, s, access = found
            return entry.open_gradebook(actor, c, s, db.session.get(Term, term_id), access).id

        return as_user(teacher, _open)

    ns.open_book = open_book
    ns.toan_a1 = open_book(ns.t1, ns.c10a1, ns.toan, ns.term1)
    ns.toan_a2 = open_book(ns.t2, ns.c10a2, ns.toan, ns.term1)
    ns.van_a1 = open_book(ns.gv_van, ns.c10a1, ns.van, ns.term1)
    return ns


def handle_of(app: Any, user: Any, gradebook_id: int) -> Any:
    from app.accounts.models import User
    from app.gradebook import queries

    return queries.get_gradebook_for(db.session.get(User, user.id), gradebook_id)


@pytest.fixture
def cell(app):  # type: ignore[no-untyped-def]
    """cell(gradebook_id, student_id, "tx1") → (value or comment or None, version)."""
    from app.gradebook.models import Score
    from app.gradebook.values import parse_column

    def read(gradebook_id: int, student_id: int, column: str) -> tuple[Any, int]:
        col = parse_column(column, 9)
        with app.app_context():
            s = db.session.scalars(
                select(Score).where(
                    Score.gradebook_id == gradebook_id,
                    Score.student_id == student_id,
                    Score.kind == col.kind,
                    Score.idx == col.idx,
                )
            ).first()
            if s is None:
                return None, 0
            return (s.value if s.value is not None else s.comment), s.version

    return read


@pytest.fixture
def audit_rows(app):  # type: ignore[no-untyped-def]
    """audit_rows(action=None) → [(action, subject_type, subject_id, changes)] oldest first."""
    from app.audit.models import AuditEvent

    def read(action: str | None = None, after: int = 0) -> list[tuple[str, str, str, Any]]:
        from tests.conftest import seal_denials

        seal_denials(app)
        with app.app_context():
            stmt = select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq)
            if action:
                stmt = stmt.where(AuditEvent.action == action)
            return [(e.action, e.subject_type, e.subject_id, e.changes) for e in db.session.scalars(stmt)]

    return read


@pytest.fixture
def audit_head(app):  # type: ignore[no-untyped-def]
    from app.audit.models import AuditEvent

    def read() -> int:
        with app.app_context():
            return db.session.scalar(select(func.max(AuditEvent.seq))) or 0

    return read


GRADE_TABLES = ("gradebook", "score", "score_history", "student_comment", "correction_request")


@pytest.fixture
def db_digest(app):  # type: ignore[no-untyped-def]
    """SHA-256 over an ordered dump of the grade tables (SECURITY.md harness)."""

    def digest(tables: tuple[str, ...] = GRADE_TABLES) -> str:
        h = hashlib.sha256()
        with app.app_context(), db.engine.connect() as conn:
            for table in tables:
                rows = conn.execute(text(f'SELECT * FROM "{table}" ORDER BY 1')).all()
                h.update(json.dumps([list(map(str, r)) for r in rows]).encode())
        return h.hexdigest()

    return digest


def post_cell(
    client: Any,
    book_id: int,
    student_id: int,
    column: str,
    value: str,
    version: int,
    htmx: bool = True,
    **extra: Any,
) -> Any:
    data = {"student_id": student_id, "column": column, "value": value, "version": version, **extra}
    url = f"/gradebook/{book_id}/cells"
    return client.htmx("POST", url, data=data) if htmx else client.post(url, data=data)


def ns_for(**kw: Any) -> SimpleNamespace:
    return SimpleNamespace(**kw)
