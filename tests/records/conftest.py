"""Records fixtures: the SECURITY.md harness school plus the default record types,
and helpers that run services as a given user (inside a request context, so that
denials can be audited) and read audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from tests.records import samples


def post_multipart(client, url: str, files: list[tuple[str, bytes]], htmx: bool = False, **fields: Any):  # type: ignore[no-untyped-def]
    """POST a multipart form built in memory (werkzeug's builder would leave a temp file
    open for bodies over 500 KB)."""
    import io

    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    data = MultiDict([(k, str(v)) for k, v in fields.items()])
    for name, content in files:
        data.add("files", FileStorage(io.BytesIO(content), filename=name))
    boundary, body = encode_multipart(data)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, data=body, headers=headers, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def rec(app, school_fixture):  # type: ignore[no-untyped-def]
    from app.records.services import ensure_default_record_types
    from app.school.models import Term

    ns = school_fixture
    with app.app_context():
        types = ensure_default_record_types()
        db.session.commit()
        ns.types = {t.code: t.id for t in types}
        ns.term1 = db.session.scalar(select(Term.id).where(Term.year_id == ns.year.id, Term.number == 1))
    return ns


@pytest.fixture
def make_record(app, rec, as_user):  # type: ignore[no-untyped-def]
    """make_record(author, code=…, submit=…) → record id (through the services)."""
    from datetime import date

    from app.records import services
    from app.records.models import RecordType
    from app.records.uploads import stage_bytes

    def _make(
        author: Any = None,
        code: str = "ke_hoach_bai_day",
        class_id: int | None = None,
        subject_id: int | None = None,
        submit: bool = False,
        title: str = "Bài 1: Mệnh đề",
        files: list[tuple[str, bytes]] | None = None,
        lesson_date: date | None = date(2024, 10, 10),
    ) -> int:
        author = author or rec.t1
        record_type = None

        def go(actor: Any) -> int:
            nonlocal record_type
            record_type = db.session.get(RecordType, rec.types[code])
            stored = [stage_bytes(n, d) for n, d in (files or [("giao-an.pdf", samples.pdf())])]
            fields: dict[str, Any] = {}
            if record_type.requires_class_subject:
                fields.update(
                    class_id=class_id or rec.c10a1.id, subject_id=subject_id or rec.toan.id, lesson_date=lesson_date
                )
            record = services.create_record(actor, record_type, title=title, files=stored, submit=submit, **fields)
            return record.id

        return as_user(author, go)

    return _make


@pytest.fixture
def audit_tail(app):  # type: ignore[no-untyped-def]
    """audit_tail(after_seq) → list of (action, subject_type, subject_id) after that seq."""
    from app.audit.models import AuditEvent

    def _tail(after: int = 0) -> list[tuple[str, str | None, str | None]]:
        from tests.conftest import seal_denials

        seal_denials(app)
        with app.app_context():
            rows = db.session.execute(
                select(AuditEvent.action, AuditEvent.subject_type, AuditEvent.subject_id)
                .where(AuditEvent.seq > after)
                .order_by(AuditEvent.seq)
            ).all()
            return [tuple(r) for r in rows]

    return _tail


@pytest.fixture
def head_seq(app):  # type: ignore[no-untyped-def]
    from app.audit.models import AuditEvent

    def _seq() -> int:
        with app.app_context():
            return db.session.scalar(select(func.max(AuditEvent.seq))) or 0

    return _seq


@pytest.fixture
def load(app):  # type: ignore[no-untyped-def]
    """load(record_id) → a detached snapshot of the record with its versions and decisions."""
    from app.records.models import Record

    def _load(record_id: int) -> Any:
        with app.app_context():
            record = db.session.get(Record, record_id)
            for v in record.versions:
                list(v.files)
            list(record.decisions)
            list(record.comments)
            db.session.expunge_all()
            return record

    return _load


#: how an audit event carries a column of a row a service created: ("changes", key),
#: ("event", attribute) or ("subject", "") (the event is about the row's parent)
Carrier = tuple[str, str]


@pytest.fixture
def assert_rows_created_audited(app):  # type: ignore[no-untyped-def]
    """assert_rows_created_audited(Model, fn, parent=…, carriers=…): run fn(); every column
    of each row of Model that fn created, set to something other than its default, must be
    carried by an audit event fn wrote about the row (or about its parent record).

    `parent` names the column holding the id of the record the events are about (rows
    that are part of a record: versions, comments); `carriers` says where the event
    carries a column when not as changes[column] (the type's code, the actor, the hash…).
    Values are compared when the event carries them under the column's own name.
    """
    from sqlalchemy import inspect as sa_inspect

    from app.audit.models import AuditEvent
    from app.audit.services import jsonable
    from tests.conftest import BOOKKEEPING_COLUMNS

    def _unset(column: Any, value: Any) -> bool:
        default = column.default
        if default is not None and getattr(default, "is_scalar", False):
            return value == default.arg
        return value is None

    def check(
        model: Any, fn: Any, *, parent: str | None = None, carriers: dict[str, Carrier] | None = None
    ) -> list[Any]:
        table = sa_inspect(model).local_table
        carriers = carriers or {}
        with app.app_context():
            last = db.session.scalar(select(func.max(table.c.id))) or 0
            head = db.session.scalar(select(func.max(AuditEvent.seq))) or 0
        fn()
        with app.app_context():
            rows = db.session.execute(select(table).where(table.c.id > last)).mappings().all()
            assert rows, f"{model.__name__}: no row created"
            kind = "record" if parent else getattr(model, "__audit_type__", None) or model.__tablename__
            all_events = []
            for row in rows:
                about = str(row[parent] if parent else row["id"])
                events = list(
                    db.session.scalars(
                        select(AuditEvent).where(
                            AuditEvent.seq > head, AuditEvent.subject_type == kind, AuditEvent.subject_id == about
                        )
                    )
                )
                assert events, f"no audit event about {kind} {about}"
                for name, column in table.c.items():
                    if name == "id" or name == parent or name in BOOKKEEPING_COLUMNS or _unset(column, row[name]):
                        continue
                    where, key = carriers.get(name, ("changes", name))
                    if where == "event":
                        carried = [getattr(e, key) for e in events]
                        assert row[name] in carried, f"{model.__name__}.{name}={row[name]!r} not on the event"
                        continue
                    found = [e.changes[key] for e in events if key in (e.changes or {})]
                    assert found, f"{model.__name__}.{name} is set but not in the audit event"
                    if key == name and not isinstance(row[name], datetime):
                        news = [v[1] if isinstance(v, list) and len(v) == 2 else v for v in found]
                        assert jsonable(row[name]) in news, f"{model.__name__}.{name}: {row[name]!r} vs {news!r}"
                all_events += events
            db.session.expunge_all()
            return all_events

    return check
