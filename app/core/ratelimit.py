"""Rate-limit counters shared by every worker and process (SECURITY.md 23, issue 8.12).

Flask-Limiter keeps its counters in a `limits` storage. With `REDIS_URL` set it is Redis;
otherwise this storage, registered under the scheme `sodientu-db://`, keeps fixed-window
counters in the application's own database (table `rate_limit_counter`), so that several
gunicorn workers count the same attempts. `memory://` is never used outside tests: each
worker would count on its own.

Counters are written on a connection of their own, in a short transaction committed at
once: a request that is later rolled back (a refused login) still counts, and the
request's own transaction never waits on a counter.
"""

from __future__ import annotations

import random
import time
from typing import Any

from flask import current_app, has_app_context
from limits.storage import Storage
from sqlalchemy import Float, Integer, String, case, delete, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base

SCHEME = "sodientu-db"
#: one incr in this many also deletes counters whose window is long over
PRUNE_ONE_IN = 200


class RateLimitCounter(Base):
    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # epoch seconds


class DatabaseStorage(Storage):
    """A fixed-window `limits` storage on the app's SQLAlchemy engine."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        from sqlalchemy.exc import SQLAlchemyError

        return SQLAlchemyError

    def _engine(self) -> Engine:
        if not has_app_context():
            raise RuntimeError("the database rate-limit storage needs an application context")
        engine: Engine = current_app.extensions["sqlalchemy"].engine
        return engine

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._engine().begin() as conn:
            count = _bump(conn, key, amount, now, now + expiry)
            if random.randrange(PRUNE_ONE_IN) == 0:
                conn.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at < now - 3600))
        return count

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row and row[1] > time.time() else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row and row[1] > time.time() else time.time()

    def _row(self, key: str) -> tuple[int, float] | None:
        from app.core.database import plain_reads

        # a read: never BEGIN IMMEDIATE, or a POST holding the write lock would wait on itself
        with plain_reads(), self._engine().connect() as conn:
            found = conn.execute(
                select(RateLimitCounter.count, RateLimitCounter.expires_at).where(RateLimitCounter.key == key)
            ).first()
        return (found[0], found[1]) if found else None

    def check(self) -> bool:
        with self._engine().connect() as conn:
            conn.execute(select(1))
        return True

    def reset(self) -> int | None:
        with self._engine().begin() as conn:
            return conn.execute(delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        with self._engine().begin() as conn:
            conn.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))


def _bump(conn: Connection, key: str, amount: int, now: float, expires_at: float) -> int:
    """One statement: start a new window when the old one is over, else add to it."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    table = RateLimitCounter.__table__
    expired = table.c.expires_at <= now
    stmt = insert(table).values(key=key, count=amount, expires_at=expires_at)  # type: ignore[arg-type]
    upsert = stmt.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": case((expired, amount), else_=table.c.count + amount),
            "expires_at": case((expired, expires_at), else_=table.c.expires_at),
        },
    ).returning(table.c.count)
    count: int = conn.execute(upsert).scalar_one()
    return count
