"""Working days for the 2-working-day deadline of NĐ 356/2025 (pure, no database).

A working day is Monday–Friday that is not a public holiday (Bộ luật Lao động 2019, Điều
112). Holidays: the fixed ones — 1/1, 30/4, 1/5, 2/9 and one day adjacent to 2/9 (1/9 or
3/9, as the Government sets each year: ADJACENT_TO_2_9, otherwise 3/9) — and the lunar
ones from the small table below for 2025–2028: Tết Nguyên Đán (5 days: the last day of the
lunar year and mùng 1–4) and Giỗ Tổ Hùng Vương (10/3 âm lịch). A holiday on a Saturday or
Sunday gives the next working day off (Điều 111 khoản 3; the Tết days are taken as listed). Swapped days the Government
decides each year (làm bù) are not modelled: check the yearly notice of the Bộ Nội vụ.
"""

from __future__ import annotations

from datetime import date, timedelta

#: Tết Nguyên Đán: the last day of the lunar year … mùng 4 (5 days)
TET = {
    2025: date(2025, 1, 28),  # mùng 1 Tết Ất Tỵ = 29/1/2025
    2026: date(2026, 2, 16),  # mùng 1 Tết Bính Ngọ = 17/2/2026
    2027: date(2027, 2, 5),  # mùng 1 Tết Đinh Mùi = 6/2/2027
    2028: date(2028, 1, 25),  # mùng 1 Tết Mậu Thân = 26/1/2028
}
#: Giỗ Tổ Hùng Vương, 10/3 âm lịch
HUNG_KINGS = {2025: date(2025, 4, 7), 2026: date(2026, 4, 26), 2027: date(2027, 4, 16), 2028: date(2028, 4, 4)}
#: the day the Government adds next to Quốc khánh 2/9
ADJACENT_TO_2_9 = {2025: date(2025, 9, 1), 2026: date(2026, 9, 1), 2027: date(2027, 9, 3), 2028: date(2028, 9, 1)}
TABLE_YEARS = range(2025, 2029)


def holidays(year: int) -> set[date]:
    """The public holidays (days off) of the year, compensation days included."""
    fixed = [date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2)]
    fixed.append(ADJACENT_TO_2_9.get(year, date(year, 9, 3)))
    if year in HUNG_KINGS:
        fixed.append(HUNG_KINGS[year])
    days = set(fixed)
    if year in TET:  # the Government's five days as they stand (no compensation added)
        days.update(TET[year] + timedelta(days=i) for i in range(5))
    for day in sorted(fixed):
        if day.weekday() >= 5:  # on a weekend: the next working day is off
            extra = day + timedelta(days=1)
            while extra.weekday() >= 5 or extra in days:
                extra += timedelta(days=1)
            days.add(extra)
    return days


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The day `count` working days after `start` (the day received does not count)."""
    day, left = start, count
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def holiday_list(year: int) -> list[date]:
    return sorted(holidays(year))
