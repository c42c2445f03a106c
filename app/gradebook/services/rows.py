"""Writing versioned rows: insert once (ON CONFLICT DO NOTHING) on both databases.

Shared by the grade book's writers and app.homeroom's (a versioned row is inserted once
when the user saw none — version 0 — and otherwise updated on the version seen).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def dialect_insert(model: Any) -> postgresql.Insert | sqlite.Insert:
    """INSERT for the session's database, with its ON CONFLICT clause available.

    (`model`: any mapped class with an `id` column — the versioned rows of two packages.)"""
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def insert_once(model: Any, values: dict[str, Any], unique: list[str]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: True when this call created the row.

    (RETURNING, not rowcount: with PostgreSQL's implicit RETURNING, rowcount is -1.)
    """
    stmt = dialect_insert(model).values(**values).on_conflict_do_nothing(index_elements=unique).returning(model.id)
    return db.session.execute(stmt).scalar() is not None
