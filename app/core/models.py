"""Declarative base shared by every domain, and small column helpers.

Times are stored as naive UTC and come back as aware UTC datetimes; scores are
stored as integer tenths and come back as Decimal (never float).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, DateTime, Integer, MetaData, TypeDecorator
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app.core.vn import LOCAL_TZ

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store UTC-aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Tenths(TypeDecorator[Decimal]):
    """A score with one decimal stored exactly as an integer number of tenths."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> int | None:
        if value is None:
            return None
        tenths = Decimal(value) * 10
        if tenths != tenths.to_integral_value():
            raise ValueError(f"score {value} has more than one decimal")
        return int(tenths)

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        if 0 <= value <= 100:
            return _TENTHS[value]  # a class book reads thousands: no Decimal arithmetic per cell
        return (Decimal(value) / 10).quantize(_ONE_TENTH)


class local_date(FunctionElement[Any]):  # noqa: N801 (a SQL function's name)
    """The Asia/Ho_Chi_Minh calendar date of a UTCDateTime column, in SQL: what
    `vn.to_local(value).date()` gives in Python, for filters and orders that compare a
    moment with a date column (e.g. "submitted after its due date") on every row."""

    type = Date()
    inherit_cache = True
    name = "local_date"


@compiles(local_date, "postgresql")
def _local_date_postgresql(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"CAST(({column} AT TIME ZONE 'UTC') AT TIME ZONE '{LOCAL_TZ.key}' AS DATE)"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite knows no time zones: Việt Nam has kept UTC+7 without daylight saving since 1975,
    # so the offset of today is the offset of every date the school stores
    offset = LOCAL_TZ.utcoffset(datetime(2000, 1, 1))
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return f"date({compiler.process(element.clauses, **kw)}, '{minutes:+d} minutes')"


_ONE_TENTH = Decimal("0.1")
#: every score the CHECK constraint allows (0,0 … 10,0), as Tenths reads it back
_TENTHS = tuple((Decimal(v) / 10).quantize(_ONE_TENTH) for v in range(101))


#: indexes a migration creates that the models cannot describe (an expression index for one
#: dialect): the domains add their names; autogenerate and the migrations-match-the-models
#: test leave them out (`include_object`), the migration that creates them is their source
DATABASE_ONLY_INDEXES: set[str] = set()


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's filter: everything but the database-only indexes."""
    return not (type_ == "index" and name in DATABASE_ONLY_INDEXES)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def apply_changes(obj: Any, **values: Any) -> dict[str, list[Any]]:
    """Set attributes on obj and return the diff {field: [old, new]} of what really changed.

    Services use the diff as the `changes` of their audit event.
    """
    diff: dict[str, list[Any]] = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            setattr(obj, field, new)
            diff[field] = [old, new]
    return diff
