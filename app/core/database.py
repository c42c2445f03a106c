"""The transaction boundary (`unit_of_work`), SQLite pragmas and write transactions,
PostgreSQL locks.

SQLite allows one writer at a time. A transaction that starts as a reader and later
writes can fail at once with SQLITE_BUSY despite busy_timeout, so every write
transaction starts with BEGIN IMMEDIATE (it waits for the write lock up front).
Requests with an unsafe method, CLI commands, jobs and tests are write transactions;
a GET that must write (an audited export or download) writes in a fresh transaction:
`unit_of_work(fresh=True)`, or `intend_write()` before touching the database.
Before BEGIN IMMEDIATE a writing thread waits for its turn in `write_gate`, which wakes it
as soon as the thread before it is done instead of SQLite's sleeping retries.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from flask import g, has_app_context, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

from app.core import write_gate
from app.core.errors import DomainError
from app.core.models import Base

db = SQLAlchemy(model_class=Base)

SQLITE_PRAGMAS = (
    "journal_mode=WAL",
    "synchronous=FULL",
    "busy_timeout=10000",
    "foreign_keys=ON",
    "secure_delete=ON",  # freed space is zeroed: an erased value leaves no copy in the file
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def intend_write() -> None:
    """Mark the current request as writing, before its first query."""
    if has_app_context():
        g.write_intent = True


#: set inside `reading()`: a job's read-only stretch takes no write lock
_READING: ContextVar[bool] = ContextVar("sodientu_reading", default=False)


@contextmanager
def reading() -> Iterator[None]:
    """A read-only stretch outside a request — a job drawing a PDF between its short write
    transactions: plain BEGIN on SQLite, so other writers are not kept waiting while it
    draws. Ends with a rollback (nothing to keep); objects loaded inside are expired after."""
    token = _READING.set(True)
    try:
        yield
    finally:
        db.session.rollback()
        _READING.reset(token)


@contextmanager
def plain_reads() -> Iterator[None]:
    """Connections begun inside read without the write lock (plain BEGIN on SQLite), whatever
    the request's method — for a side connection that only reads (a rate-limit counter read
    by a POST whose own transaction already holds the write lock). Touches no session."""
    token = _READING.set(True)
    try:
        yield
    finally:
        _READING.reset(token)


def _write_intended() -> bool:
    if _READING.get():
        return False
    if not has_request_context():
        return True
    return request.method not in SAFE_METHODS or bool(g.get("write_intent"))


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own is deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    sync = cursor.execute("PRAGMA synchronous").fetchone()[0]
    fks = cursor.execute("PRAGMA foreign_keys").fetchone()[0]
    cursor.close()
    if mode != "wal" or sync != 2 or fks != 1:
        raise RuntimeError(f"SQLite must run with WAL, synchronous=FULL and foreign keys (got {mode}, {sync}, {fks})")


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return
    if _write_intended():
        write_gate.enter(conn)
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        write_gate.leave(conn.connection.info)  # its write transaction is over: not kept through reads
        conn.exec_driver_sql("BEGIN")


def lock_for_update(session: Session | scoped_session[Any], key: int) -> None:
    """Serialise a critical section across processes for the rest of the transaction.

    On PostgreSQL an advisory transaction lock; on SQLite the write transaction
    (BEGIN IMMEDIATE) already holds the database-wide write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


class UnitOfWork:
    """The one transaction boundary of a view, a command or a job (DESIGN.md convention 1).

        with unit_of_work():                    # commit on success
            services.approve_record(...)

        with unit_of_work(catch=True) as work:  # show the form again on a refusal
            services.create_year(...)
        if work.error:
            return invalid(form, work.error.message, work.error.status)

    Any exception rolls the transaction back. A DomainError then propagates to the app's
    handler, which answers its status (409, 422…) with its sentence — unless `catch` keeps
    it in `work.error` for the view. `fresh=True` ends the current (read) transaction first
    and writes in a new one that takes SQLite's write lock before its first statement: a
    GET that reads at length and then audits (an export) never holds the lock while it
    reads, and never asks SQLite to upgrade a stale read snapshot, which SQLite refuses at
    once with "database is locked" whatever the busy timeout.
    """

    def __init__(self, *, catch: bool = False, fresh: bool = False) -> None:
        self.catch = catch
        self.fresh = fresh
        self.error: DomainError | None = None

    @property
    def session(self) -> Session:
        return db.session()

    def __enter__(self) -> UnitOfWork:
        if self.fresh:
            db.session.rollback()
            intend_write()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, _tb: TracebackType | None
    ) -> bool:
        if exc is None:
            db.session.commit()
            return False
        db.session.rollback()
        if self.catch and isinstance(exc, DomainError):
            self.error = exc
            return True
        return False


unit_of_work = UnitOfWork
