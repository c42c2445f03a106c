"""The 2-working-day deadline of NĐ 356/2025: golden counts across a weekend, Tết, the fixed
holidays, a day off in lieu and a swapped Saturday (the received day does not count). The
calendar is the `holidays` package's Vietnam calendar (the Government's yearly notices)."""

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
        (date(2025, 1, 24), date(2025, 2, 4)),  # Tết Ất Tỵ 27/1 (29 Tết) – 1/2/2025 off: 3/2, then 4/2
        (date(2025, 4, 25), date(2025, 4, 28)),  # Saturday 26/4/2025 worked in exchange for Friday 2/5
        (date(2025, 4, 29), date(2025, 5, 6)),  # 30/4, 1/5 and the swapped 2/5 off, then the weekend
        (date(2026, 11, 23), date(2026, 11, 26)),  # Ngày Văn hóa Việt Nam 24/11, a day off from 2026
        (date(2026, 4, 29), date(2026, 5, 5)),  # 30/4 and 1/5 (Thu, Fri), then the weekend
        (date(2026, 4, 24), date(2026, 4, 29)),  # Giỗ Tổ 26/4/2026 is a Sunday → Monday 27/4 off
        (date(2026, 8, 31), date(2026, 9, 4)),  # 1/9 and 2/9/2026 off
    ],
)
def test_due_date_counts_working_days(received: date, due: date) -> None:
    assert add_working_days(received, 2) == due


def test_the_holidays_of_2026_with_their_vietnamese_names() -> None:
    days = holiday_list(2026)
    assert [day for day, _ in days] == [
        date(2026, 1, 1),
        *(date(2026, 2, d) for d in range(16, 21)),
        date(2026, 4, 26), date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1),
        date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2), date(2026, 11, 24),
    ]  # fmt: skip
    names = dict(days)
    assert names[date(2026, 2, 17)] == "Tết Nguyên Đán" and names[date(2026, 9, 2)] == "Quốc khánh"
    assert names[date(2026, 4, 27)] == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"
    assert not is_working_day(date(2028, 1, 3))  # 1/1/2028 is a Saturday: Monday 3/1 off
    assert is_working_day(date(2027, 2, 11)) and not is_working_day(date(2027, 2, 10))  # Tết on a weekend
