"""Engine-level set-up: SQLite pragmas and write transactions, PostgreSQL locks.

SQLite allows one writer at a time. A transaction that starts as a reader and later
writes can fail at once with SQLITE_BUSY despite busy_timeout, so every write
transaction starts with BEGIN IMMEDIATE (it waits for the write lock up front).
Requests with an unsafe method, CLI commands, jobs and tests are write transactions;
a GET that must write (an audit row for a denial, a parent view) calls
`intend_write()` before touching the database.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine

SQLITE_PRAGMAS = (
    "journal_mode=WAL",
    "synchronous=FULL",
    "busy_timeout=10000",
    "foreign_keys=ON",
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def intend_write() -> None:
    """Mark the current request as writing, before its first query."""
    if has_app_context():
        g.write_intent = True


def _write_intended() -> bool:
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
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intended() else "BEGIN")


def lock_for_update(session: Any, key: int) -> None:
    """Serialise a critical section across processes for the rest of the transaction.

    On PostgreSQL an advisory transaction lock; on SQLite the write transaction
    (BEGIN IMMEDIATE) already holds the database-wide write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
