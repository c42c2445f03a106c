"""The 2-working-day deadline of NĐ 356/2025: golden counts across a weekend, Tết and the
fixed holidays (the received day does not count)."""

from __future__ import annotations

from datetime import date

import pytest

from app.privacy.workdays import add_working_days, holiday_list, is_working_day


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 3, 4), date(2026, 3, 6)),  # Wednesday → Friday
        (date(2026, 3, 5), date(2026, 3, 9)),  # Thursday → Monday (across a weekend)
        (date(2026, 3, 6), date(2026, 3, 10)),  # Friday → Tuesday
        (date(2026, 3, 7), date(2026, 3, 10)),  # received on a Saturday → Tuesday
        (date(2026, 2, 12), date(2026, 2, 23)),  # Thursday before Tết Bính Ngọ (16–20/2) → Monday after
        (date(2026, 2, 13), date(2026, 2, 24)),  # Friday before Tết → Tuesday 24/2
        (date(2025, 1, 24), date(2025, 2, 3)),  # Tết Ất Tỵ 28/1–1/2/2025: Monday 27/1 counts, then 3/2
        (date(2026, 4, 29), date(2026, 5, 5)),  # 30/4 and 1/5 (Thu, Fri), then the weekend
        (date(2026, 4, 24), date(2026, 4, 29)),  # Giỗ Tổ 26/4/2026 is a Sunday → Monday 27/4 off
        (date(2026, 8, 31), date(2026, 9, 4)),  # 1/9 and 2/9/2026 off
    ],
)
def test_due_date_counts_working_days(received: date, due: date) -> None:
    assert add_working_days(received, 2) == due


def test_the_holiday_table_of_2026() -> None:
    assert holiday_list(2026) == [
        date(2026, 1, 1),
        *(date(2026, 2, d) for d in range(16, 21)),
        date(2026, 4, 26), date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1),
        date(2026, 9, 1), date(2026, 9, 2),
    ]  # fmt: skip
    assert not is_working_day(date(2028, 1, 3))  # 1/1/2028 is a Saturday: Monday 3/1 off
    assert is_working_day(date(2027, 2, 10)) and not is_working_day(date(2027, 2, 9))
