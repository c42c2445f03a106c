"""local_date() in SQL gives the Hà Nội calendar date of a stored UTC moment, as
vn.to_local(...).date() does in Python — on SQLite and PostgreSQL alike (the review queue
orders "submitted after its due date" with it)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import literal, select

from app.core.models import UTCDateTime, local_date
from app.core.vn import to_local
from app.extensions import db


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2024, 10, 8, 16, 30, tzinfo=UTC), date(2024, 10, 8)),  # 23:30 in Hà Nội
        (datetime(2024, 10, 8, 17, 0, tzinfo=UTC), date(2024, 10, 9)),  # midnight in Hà Nội
        (datetime(2024, 10, 8, 17, 30, tzinfo=UTC), date(2024, 10, 9)),  # 00:30 the next day
        (datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), date(2025, 1, 1)),
        (datetime(2024, 2, 28, 16, 59, 59, tzinfo=UTC), date(2024, 2, 28)),
    ],
)
def test_local_date_in_sql_is_the_local_date_in_python(app, moment: datetime, expected: date) -> None:
    with app.app_context():
        found = db.session.scalar(select(local_date(literal(moment, UTCDateTime))))
    assert to_local(moment).date() == expected
    assert found == expected
    with app.app_context():  # and compared with a date, as a filter would
        later = db.session.scalar(select(local_date(literal(moment, UTCDateTime)) > literal(date(2024, 10, 8))))
    assert bool(later) == (expected > date(2024, 10, 8))
