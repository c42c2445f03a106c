"""Revision 0020 (SQLite, and PostgreSQL when TEST_DATABASE_URL is set, in a schema of its
own): the partial index of waiting records, the queue's order (PostgreSQL only) and the
class list's order index are created on upgrade and dropped on downgrade; the waiting
index holds only submitted, live records."""

from __future__ import annotations

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db


def _scalar(statement):  # type: ignore[no-untyped-def]
    with db.engine.connect() as conn:
        return conn.scalar(statement)


def _indexes(table: str) -> dict[str, dict]:
    return {i["name"]: i for i in inspect(db.engine).get_indexes(table)}


def test_0020_adds_the_waiting_and_class_order_indexes_and_drops_them_on_downgrade(bare_app: Flask) -> None:
    with bare_app.app_context():
        upgrade(revision="0020_scale_lists")
        waiting = _indexes("record")["ix_record_waiting"]
        assert waiting["column_names"] == [
            "awaiting",
            "record_type_id",
            "author_id",
            "department_id",
            "due_date",
            "submitted_at",
            "last_submitted_at",
            "id",
        ]
        if db.engine.dialect.name == "postgresql":
            predicate = _scalar(
                text(
                    "SELECT pg_get_expr(indpred, indrelid) FROM pg_index "
                    "WHERE indexrelid = 'ix_record_waiting'::regclass"
                )
            )
        else:
            predicate = _scalar(text("SELECT sql FROM sqlite_master WHERE name = 'ix_record_waiting'"))
        assert "submitted" in predicate and "deleted_at IS NULL" in predicate
        # the queue's order, on PostgreSQL only (an expression index; SQLite sorts its queue)
        has_order = "ix_record_queue_order" in _indexes("record")
        assert has_order == (db.engine.dialect.name == "postgresql")
        order = _indexes("school_class")["ix_school_class_year_order"]
        assert order["column_names"] == ["year_id", "grade_level", "name", "id"]

        downgrade(revision="0019_sign_speed")
        assert not {"ix_record_waiting", "ix_record_queue_order"} & set(_indexes("record"))
        assert "ix_school_class_year_order" not in _indexes("school_class")
