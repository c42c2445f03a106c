"""Shared fixtures: an app on a migrated database, clients with CSRF, logins, factories.

The schema always comes from the migrations (never create_all): they run once per
session into a template database; each test gets a fresh copy (SQLite) or a
truncated schema (PostgreSQL, when TEST_DATABASE_URL is set).
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text

from app import create_app
from app.extensions import db

# Tests never assert wall-clock time: Hypothesis' per-example deadline (200 ms) would, and a
# loaded machine tripped it once (tests/core/test_vn.py).
settings.register_profile("sodientu", deadline=None)
settings.load_profile("sodientu")

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    "SODIENTU_ARGON2_TIME_COST": 1,
    "SODIENTU_ARGON2_MEMORY_KIB": 1024,
    "SERVER_NAME": None,
    # the route walks are probes on purpose; tests/security/test_probing.py sets a low limit
    "SODIENTU_PROBE_LIMIT": 1_000_000,
}


def _migrate(uri: str, tmp_instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The browser journeys run last: Playwright's sync API keeps an event loop running on the
    main thread for the rest of the session, and pyHanko's sync calls (signing, validation)
    refuse to start their own inside it."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        _reset_postgres_schema(TEST_DATABASE_URL)
        _migrate(TEST_DATABASE_URL, tmp_path_factory.mktemp("pg"))
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite:///{path}", path.parent)
    return str(path)


def pg_url(name: str) -> str:
    """TEST_DATABASE_URL pointing at another database of the same server."""
    assert TEST_DATABASE_URL
    base, _, _ = TEST_DATABASE_URL.rpartition("/")
    return f"{base}/{name}"


def empty_postgres_database(suffix: str) -> str:
    """<test db><suffix> on the test server, created once per machine and emptied on each call."""
    from sqlalchemy import create_engine

    assert TEST_DATABASE_URL
    name = TEST_DATABASE_URL.rpartition("/")[2] + suffix
    admin = create_engine(pg_url("postgres").replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = pg_url(name)
    _reset_postgres_schema(url)
    return url


def _reset_postgres_schema(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _truncate_postgres(app: Flask) -> None:
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        quoted = ", ".join(f'"{t}"' for t in tables)
        guarded = ("audit_event", "result_snapshot", "result_supersession")  # append-only: triggers refuse
        with db.engine.begin() as conn:
            for table in guarded:
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            for table in guarded:
                conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


class CSRFClient(FlaskClient):
    """A test client that sends a valid X-CSRFToken on unsafe methods (as htmx does).

    Pass csrf=False to send none, to test the protection itself.
    """

    def open(self, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        send_csrf = kwargs.pop("csrf", True)
        method = kwargs.get("method", "GET").upper()
        if send_csrf and method in UNSAFE:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        import hashlib
        import os as _os

        with self.session_transaction() as sess:
            if "csrf_token" not in sess:
                sess["csrf_token"] = hashlib.sha1(_os.urandom(64)).hexdigest()
            raw = sess["csrf_token"]
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def htmx(self, method: str, url: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        headers = dict(kwargs.pop("headers", None) or {})
        headers["HX-Request"] = "true"
        return self.open(url, method=method, headers=headers, **kwargs)


@pytest.fixture
def app(template_db: str, tmp_path: Path) -> Iterator[Flask]:
    if TEST_DATABASE_URL:
        uri = TEST_DATABASE_URL
    else:
        path = tmp_path / "test.db"
        shutil.copyfile(template_db, path)
        uri = f"sqlite:///{path}"
    instance = tmp_path / "instance"
    instance.mkdir()
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, "SODIENTU_DATA_DIR": str(instance)})
    app.test_client_class = CSRFClient
    if TEST_DATABASE_URL:
        _truncate_postgres(app)
    yield app
    with app.app_context():
        db.engine.dispose()


def _reset_schema(schema: str, create: bool) -> None:
    from sqlalchemy import create_engine

    assert TEST_DATABASE_URL
    engine = create_engine(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        if create:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()


@pytest.fixture
def bare_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An app on an empty database of its own (not the shared test template), for a
    migration test: a SQLite file, or on PostgreSQL a schema named after the test module."""
    schema = request.module.__name__.rsplit(".", 1)[-1]
    if TEST_DATABASE_URL:
        _reset_schema(schema, create=True)
        uri = f"{TEST_DATABASE_URL}?options=-csearch_path%3D{schema}"
    else:
        uri = f"sqlite:///{tmp_path / 'migration.db'}"
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, "SODIENTU_DATA_DIR": str(tmp_path)})
    yield app
    with app.app_context():
        db.engine.dispose()
    if TEST_DATABASE_URL:
        _reset_schema(schema, create=False)


@pytest.fixture(scope="session")
def demo_school(template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    """(app, printed output) of `flask seed-demo`, run once per session in a database of its own
    (the seed takes about a minute): for the tests that only read the demo school."""
    base = tmp_path_factory.mktemp("demo")
    if TEST_DATABASE_URL:
        uri = empty_postgres_database("_demo")
        _migrate(uri, base)
    else:
        shutil.copyfile(template_db, base / "demo.db")
        uri = f"sqlite:///{base / 'demo.db'}"
    instance = base / "instance"
    instance.mkdir()
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, "SODIENTU_DATA_DIR": str(instance)})
    app.test_client_class = CSRFClient
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    yield app, result.output
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> CSRFClient:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def login_as(app: Flask):  # type: ignore[no-untyped-def]
    """login_as(user) → a client whose session belongs to that user (no password round-trip)."""

    def _login(user: Any, client: FlaskClient | None = None) -> CSRFClient:
        c = client or app.test_client()
        with c.session_transaction() as sess:
            now = int(time.time())
            sess["_user_id"] = f"{user.id}:{user.session_version}"
            sess["_fresh"] = True
            sess["login_at"] = now
            sess["seen_at"] = now
        return c  # type: ignore[return-value]

    return _login


@pytest.fixture
def as_user(app: Flask):  # type: ignore[no-untyped-def]
    """as_user(user, fn) → runs fn(actor) in a request context and commits; returns its result."""
    from collections.abc import Callable

    from app.accounts.models import User

    def run(user: Any, fn: Callable[[Any], Any], commit: bool = True) -> Any:
        with app.test_request_context("/", method="POST"):
            actor = db.session.get(User, user.id) if user is not None else None
            try:
                result = fn(actor)
                if commit:
                    db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise

    return run


# --- factories: always through services, so audit and invariants hold ---------------

_seq = itertools.count(1)


def _detach(obj: Any) -> Any:
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


@pytest.fixture
def make_user(app: Flask):  # type: ignore[no-untyped-def]
    from app.accounts import services as accounts
    from app.core.authz import Role

    def _make(
        username: str | None = None,
        roles: tuple[Role, ...] = (Role.TEACHER,),
        full_name: str | None = None,
        password: str = "mat-khau-rat-dai-2024",
        department_id: int | None = None,
        must_change_password: bool = False,
    ) -> Any:
        n = next(_seq)
        with app.app_context():
            user = accounts.create_user(
                None,
                username=username or f"user{n}",
                full_name=full_name or f"Nguyễn Văn Người{n}",
                password=password,
                roles=roles,
                department_id=department_id,
                must_change_password=must_change_password,
            )
            db.session.commit()
            return _detach(user)

    return _make


@pytest.fixture
def make_year(app: Flask):  # type: ignore[no-untyped-def]
    from app.school import services as school

    def _make(start_year: int = 2024) -> Any:
        with app.app_context():
            year = school.create_year(
                None,
                start_year,
                date(start_year, 9, 5),
                date(start_year + 1, 5, 31),
                (
                    (date(start_year, 9, 5), date(start_year + 1, 1, 15)),
                    (date(start_year + 1, 1, 20), date(start_year + 1, 5, 25)),
                ),
            )
            db.session.commit()
            return _detach(year)

    return _make


@pytest.fixture
def make_department(app: Flask):  # type: ignore[no-untyped-def]
    from app.school import services as school

    def _make(name: str | None = None, head_id: int | None = None, deputy_id: int | None = None) -> Any:
        with app.app_context():
            dept = school.create_department(None, name or f"Tổ {next(_seq)}", head_id, deputy_id)
            db.session.commit()
            return _detach(dept)

    return _make


@pytest.fixture
def make_subject(app: Flask):  # type: ignore[no-untyped-def]
    from app.school import services as school
    from app.school.models import AssessmentKind

    def _make(
        name: str | None = None,
        code: str | None = None,
        department_id: int | None = None,
        kind: AssessmentKind = AssessmentKind.SCORE,
        periods: int = 140,
    ) -> Any:
        n = next(_seq)
        with app.app_context():
            subject = school.create_subject(
                None,
                code=code or f"MON{n}",
                name=name or f"Môn {n}",
                assessment_kind=kind,
                department_id=department_id,
                periods={g: periods for g in range(6, 13)},
                sort_order=n,
            )
            db.session.commit()
            return _detach(subject)

    return _make


@pytest.fixture
def make_class(app: Flask):  # type: ignore[no-untyped-def]
    from app.school import services as school
    from app.school.models import SchoolYear

    def _make(year: Any, name: str = "6A1", homeroom_teacher_id: int | None = None) -> Any:
        with app.app_context():
            grade = int(name[:2]) if name[:2].isdigit() else int(name[0])
            cls = school.create_class(None, db.session.get(SchoolYear, year.id), name, grade, homeroom_teacher_id)
            db.session.commit()
            return _detach(cls)

    return _make


@pytest.fixture
def make_student(app: Flask):  # type: ignore[no-untyped-def]
    from app.school import services as school
    from app.school.models import SchoolClass

    def _make(
        school_class: Any | None = None,
        full_name: str | None = None,
        birth_date: date = date(2012, 5, 17),
        gender: str = "nu",
        **extra: Any,
    ) -> Any:
        from app.core.vn import split_full_name

        n = next(_seq)
        full_name = full_name or f"Trần Thị Học Sinh{n}"
        last, middle, first = split_full_name(full_name)
        with app.app_context():
            cls = db.session.get(SchoolClass, school_class.id) if school_class else None
            student = school.create_student(
                None,
                cls,
                student_code=extra.pop("student_code", f"HS{n:05d}"),
                last_name=last,
                middle_name=middle,
                first_name=first,
                full_name=full_name,
                birth_date=birth_date,
                gender=gender,
                **extra,
            )
            db.session.commit()
            return _detach(student)

    return _make


@pytest.fixture
def make_assignment(app: Flask):  # type: ignore[no-untyped-def]
    from app.school import services as school
    from app.school.models import SchoolClass, Subject

    def _make(teacher: Any, school_class: Any, subject: Any) -> Any:
        with app.app_context():
            a = school.assign_teacher(
                None, db.session.get(SchoolClass, school_class.id), db.session.get(Subject, subject.id), teacher.id
            )
            db.session.commit()
            return _detach(a)

    return _make


@pytest.fixture
def school_fixture(
    make_user,
    make_year,
    make_department,
    make_subject,
    make_class,  # type: ignore[no-untyped-def]
    make_student,
    make_assignment,
):
    """SECURITY.md harness school: 10A1/10A2, Toán/Văn, T1, T2, GV Văn, GVCN, TT Toán, TT Văn, HT, ADMIN."""
    from types import SimpleNamespace

    from app.core.authz import Role

    ns = SimpleNamespace()
    ns.year = make_year()
    ns.t1 = make_user("t1", full_name="Lê Văn Toán Một")
    ns.t2 = make_user("t2", full_name="Phạm Thị Toán Hai")
    ns.gv_van = make_user("gvvan", full_name="Đỗ Thị Văn")
    ns.gvcn = make_user("gvcn", full_name="Hoàng Văn Chủ Nhiệm")
    ns.tt_toan = make_user("tttoan", full_name="Vũ Văn Tổ Toán")
    ns.tt_van = make_user("ttvan", full_name="Bùi Thị Tổ Văn")
    ns.ht = make_user("ht", roles=(Role.PRINCIPAL,), full_name="Ngô Văn Hiệu Trưởng")
    ns.admin = make_user("admin", roles=(Role.ADMIN,), full_name="Quản Trị Viên")
    ns.dept_toan = make_department("Toán – Tin", head_id=ns.tt_toan.id)
    ns.dept_van = make_department("Ngữ văn", head_id=ns.tt_van.id)
    ns.toan = make_subject("Toán", "TOAN", ns.dept_toan.id)
    ns.van = make_subject("Ngữ văn", "VAN", ns.dept_van.id)
    ns.c10a1 = make_class(ns.year, "10A1", homeroom_teacher_id=ns.gvcn.id)
    ns.c10a2 = make_class(ns.year, "10A2")
    ns.students_a1 = [make_student(ns.c10a1, f"Nguyễn Canary-A{i:02d} Bích") for i in range(1, 4)]
    ns.students_a2 = [make_student(ns.c10a2, f"Nguyễn Canary-B{i:02d} Bích") for i in range(1, 4)]
    make_assignment(ns.t1, ns.c10a1, ns.toan)
    make_assignment(ns.t2, ns.c10a2, ns.toan)
    make_assignment(ns.gv_van, ns.c10a1, ns.van)
    make_assignment(ns.gv_van, ns.c10a2, ns.van)
    return ns


# --- audit completeness: every changed column of the subject is in its audit event -------

#: columns every row carries for bookkeeping; an event need not repeat them
BOOKKEEPING_COLUMNS = frozenset({"version", "updated_at", "created_at", "updated_by_id"})


@pytest.fixture
def assert_changes_audited(app: Flask):  # type: ignore[no-untyped-def]
    """assert_changes_audited(Model, id, fn): run fn(); every column of that row that fn
    changed must appear in the `changes` of an audit event fn wrote about the row."""
    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy import select

    from app.audit.models import AuditEvent

    def _row(model: Any, ident: int) -> dict[str, Any]:
        table = sa_inspect(model).local_table
        with app.app_context():
            row = db.session.execute(select(table).where(table.c.id == ident)).mappings().one()
            return dict(row)

    def check(model: Any, ident: int, fn: Any, ignore: frozenset[str] = frozenset()) -> list[Any]:
        before = _row(model, ident)
        with app.app_context():
            head = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0
        fn()
        after = _row(model, ident)
        changed = {c for c in after if after[c] != before[c]} - BOOKKEEPING_COLUMNS - ignore
        with app.app_context():
            kind = getattr(model, "__audit_type__", None) or model.__tablename__
            events = list(
                db.session.scalars(
                    select(AuditEvent).where(
                        AuditEvent.seq > head, AuditEvent.subject_type == kind, AuditEvent.subject_id == str(ident)
                    )
                )
            )
            keys = {k for e in events for k in (e.changes or {})}
            assert events, f"no audit event about {kind} {ident}"
            assert changed <= keys, f"changed but not in the audit event: {sorted(changed - keys)}"
            db.session.expunge_all()
            return events

    return check


# --- denials: counted per (user, kind, minute), written to the chain when the minute ends ---


def seal_denials(app: Flask) -> None:
    """Write every pending denial tally to the audit chain now (as the digest does)."""
    from app.audit.services import seal_denials as seal

    with app.test_request_context("/", method="POST"):
        seal(include_current=True)
        db.session.commit()


def denied_total(app: Flask, actor_id: int | None = None) -> int:
    """How many refusals the chain records (the sum of the sealed tallies' counts)."""
    from sqlalchemy import select

    from app.audit.models import AuditEvent

    seal_denials(app)
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.action == "authz.denied")
        if actor_id is not None:
            stmt = stmt.where(AuditEvent.actor_id == actor_id)
        return sum(int((e.changes or {}).get("count", 1)) for e in db.session.scalars(stmt))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """TEST_REDIS_URL, or a redis-server of our own on a free port (stopped afterwards)."""
    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed (make test installs it)"
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
