"""Working days for the 2-working-day deadline of NĐ 356/2025 (pure, no database).

A working day is Monday–Friday that is not a public holiday (Bộ luật Lao động 2019, Điều
112), plus the Saturdays the Government's yearly notice turns into working days (làm bù).
The calendar — Tết Nguyên Đán and Giỗ Tổ from the lunar calendar, the day next to 2/9,
days off in lieu of a holiday on a weekend, swapped days, Ngày Văn hóa Việt Nam from 2026 —
comes from the `holidays` package (its Vietnam calendar follows those notices), so a new
year's notice arrives with an upgrade of that package, not with an edit here.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays as calendars


@lru_cache(maxsize=16)  # a calendar is constant data for a year; building one costs ~1 ms
def _vietnam(year: int) -> calendars.HolidayBase:
    return calendars.country_holidays("VN", years=year, language="vi")


def is_working_day(day: date) -> bool:
    return bool(_vietnam(day.year).is_working_day(day))


def add_working_days(start: date, count: int) -> date:
    """The day `count` working days after `start` (the day received does not count)."""
    day, left = start, count
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def holiday_list(year: int) -> list[tuple[date, str]]:
    """The year's days off that fall on a weekday or are holidays, with their Vietnamese names."""
    return sorted(_vietnam(year).items())
