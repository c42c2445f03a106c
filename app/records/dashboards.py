"""Dashboards: what is due, weekly compliance per teacher and per tổ, overdue items.

Weeks run Monday–Sunday in Asia/Ho_Chi_Minh. Compliance looks at records of types with a
deadline rule (kế hoạch bài dạy: due N days before the lesson) whose due date falls in the
week:
- on time: first submitted on or before the due date (local date); late: after it;
- expected = max(records due in the week, P × the teacher's teaching assignments in the
  tổ), P = school setting `records.weekly_plans_per_assignment` (default 1; 0 = count only
  the records that exist), so a plan that was never even created counts as missing —
  from the week of the school's first due lesson plan on (weeks before the school started
  using the app expect nothing);
- missing = expected − on time − late ("chưa nộp"); overdue = due date passed and not
  submitted (part of missing).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple, Protocol

from sqlalchemy import ScalarSelect, func, or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.vn import LOCAL_TZ, person_sort_key, split_full_name, to_local
from app.core.workflow import State
from app.extensions import db
from app.records import queries
from app.records.charts import Chart, grouped_bars
from app.records.models import Record, RecordType
from app.school.models import Department, SchoolClass, SchoolSetting, Subject, TeachingAssignment
from app.school.queries import current_year

PLANS_SETTING = "records.weekly_plans_per_assignment"
#: weeks in the BGH's table, its chart and its export
WEEKS_SHOWN = 6
#: (css class, label) of the chart's bars, in the order of Compliance's figures
SERIES = [
    ("bar-submitted", "Đã nộp"),
    ("bar-approved", "Đã duyệt"),
    ("bar-late", "Trễ hạn"),
    ("bar-missing", "Chưa nộp"),
]


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def chosen_week(raw: str | None, today: date) -> date:
    """The Monday of the week asked for (yyyy-mm-dd; anything else: this week), at most next week."""
    try:
        chosen = date.fromisoformat(raw) if raw else today
    except ValueError:
        chosen = today
    return week_start(min(chosen, today + timedelta(days=7)))


def weeks_ending(week: date) -> list[date]:
    """The Mondays of the WEEKS_SHOWN weeks up to `week`, oldest first."""
    return [week - timedelta(weeks=i) for i in reversed(range(WEEKS_SHOWN))]


def _first_due_date() -> ScalarSelect[date | None]:
    """The earliest due date of any lesson plan, as a scalar subquery."""
    # the first row in due-date order rather than min(): PostgreSQL reads it from the
    # due-date index instead of aggregating every plan of the school (0.1 ms, not 30 ms at
    # district size)
    return (
        select(Record.due_date)
        .join(RecordType, RecordType.id == Record.record_type_id)
        .where(
            RecordType.deadline_days_before_lesson.is_not(None),
            Record.deleted_at.is_(None),
            Record.due_date.is_not(None),
        )
        .order_by(Record.due_date)
        .limit(1)
        .scalar_subquery()
    )


def first_week() -> date | None:
    """The week the school started: that of the earliest due date of any lesson plan."""
    earliest = db.session.scalar(select(_first_due_date()))
    return week_start(earliest) if earliest else None


def _per(week: date, per: int, start: date | None) -> int:
    return per if start is not None and week >= start else 0


def _plans(raw: str | None) -> int:
    try:
        return max(0, int(raw or "1"))
    except ValueError:
        return 1


def plans_per_assignment() -> int:
    from app.school.services import get_setting

    return _plans(get_setting(PLANS_SETTING, "1"))


def week_rule() -> tuple[int, date | None]:
    """(`plans_per_assignment()`, `first_week()`) in one statement."""
    setting = select(SchoolSetting.value).where(SchoolSetting.key == PLANS_SETTING).scalar_subquery()
    raw, earliest = db.session.execute(select(setting, _first_due_date())).one()
    return _plans(raw), week_start(earliest) if earliest else None


class Dated(Protocol):
    """What a tally reads of a record (a record, or a row of `_due_records`)."""

    @property
    def state(self) -> str: ...

    @property
    def due_date(self) -> date | None: ...

    @property
    def submitted_at(self) -> datetime | None: ...


def classify(record: Dated, today: date) -> str:
    """on_time | late | overdue | pending, for a record with a due date."""
    if record.submitted_at is not None:
        if record.due_date is None or to_local(record.submitted_at).date() <= record.due_date:
            return "on_time"
        return "late"
    return "overdue" if record.due_date is not None and record.due_date < today else "pending"


@dataclass
class Compliance:
    expected: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    approved: int = 0

    @property
    def submitted(self) -> int:
        return self.on_time + self.late

    @property
    def missing(self) -> int:
        return max(0, self.expected - self.submitted)


class Teacher(NamedTuple):
    """A teacher of a compliance table: who, read as plain columns."""

    id: int
    username: str
    full_name: str

    @property
    def sort_key(self) -> tuple[str, str, str, date]:
        return person_sort_key(*split_full_name(self.full_name))


@dataclass
class TeacherRow:
    teacher: Teacher
    counts: Compliance


class DueRecord(NamedTuple):
    """What the compliance tallies read of a record due in a week."""

    author_id: int
    department_id: int | None
    state: str
    submitted_at: datetime | None
    due_date: date | None


def _due_records(start: date, end: date, department_id: int | None = None) -> list[DueRecord]:
    """Records due in [start, end] (of one tổ when given: a school of thousands of classes
    must not load every tổ's week to show one), as plain rows: a tally reads these columns only."""
    stmt = (
        select(Record.author_id, Record.department_id, Record.state, Record.submitted_at, Record.due_date)
        .join(RecordType, RecordType.id == Record.record_type_id)
        .where(
            RecordType.deadline_days_before_lesson.is_not(None),
            Record.due_date >= start,
            Record.due_date <= end,
            Record.deleted_at.is_(None),
        )
    )
    if department_id is not None:
        stmt = stmt.where(Record.department_id == department_id)
    return [DueRecord(*row) for row in db.session.execute(stmt)]


def _assignments(year_id: int | None, department_id: int | None = None) -> Counter[tuple[int, int]]:
    """(teacher id, department id) → number of teaching assignments (of one tổ when given)."""
    stmt = (
        select(TeachingAssignment.teacher_id, Subject.department_id, func.count())
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
        .where(Subject.department_id.is_not(None))
        .group_by(TeachingAssignment.teacher_id, Subject.department_id)
    )
    if year_id is not None:
        stmt = stmt.where(SchoolClass.year_id == year_id)
    if department_id is not None:
        stmt = stmt.where(Subject.department_id == department_id)
    return Counter({(t, d): n for t, d, n in db.session.execute(stmt) if d is not None})


def _tally(records: Sequence[Dated], today: date, expected_floor: int) -> Compliance:
    counts = Compliance()
    for record in records:
        kind = classify(record, today)
        if kind in ("on_time", "late", "overdue"):
            setattr(counts, kind, getattr(counts, kind) + 1)
        if record.state == State.APPROVED.value:
            counts.approved += 1
    counts.expected = max(len(records), expected_floor)
    return counts


def _current_year_id() -> int | None:
    year = current_year()
    return year.id if year else None


def teacher_compliance(department: DepartmentLike, week: date, today: date) -> list[TeacherRow]:
    """One row per teacher of the tổ (members and anyone teaching its subjects): four
    statements (the week's rule, the tổ's assignments, its records due in the week, its
    teachers' names)."""
    start, end = week, week + timedelta(days=6)
    plans, first = week_rule()
    per = _per(week, plans, first)
    assignments = _assignments(_current_year_id(), department.id)
    by_teacher: dict[int, list[DueRecord]] = defaultdict(list)
    for record in _due_records(start, end, department.id):
        by_teacher[record.author_id].append(record)
    ids = {t for (t, d) in assignments if d == department.id} | set(by_teacher)
    members = (User.department_id == department.id) & User.active.is_(True)
    stmt = select(User.id, User.username, User.full_name).where(or_(User.id.in_(ids), members) if ids else members)
    teachers = [Teacher(*row) for row in db.session.execute(stmt)]
    rows = [TeacherRow(t, _tally(by_teacher[t.id], today, per * assignments[(t.id, department.id)])) for t in teachers]
    return sorted(rows, key=lambda r: r.teacher.sort_key)


class DepartmentLike(Protocol):
    @property
    def id(self) -> int: ...


@dataclass
class DepartmentWeeks:
    department: Department
    weeks: list[Compliance] = field(default_factory=list)


def department_weeks(weeks: list[date], today: date) -> list[DepartmentWeeks]:
    """For each tổ, the compliance of each given week (Mondays, oldest first): the sum of
    its teachers' weekly compliance (so one teacher's extra plans never hide another's gap)."""
    departments = list(db.session.scalars(select(Department).order_by(Department.name)))
    per, first = week_rule()
    assignments = _assignments(_current_year_id())
    records = _due_records(weeks[0], weeks[-1] + timedelta(days=6)) if weeks else []
    grouped: dict[tuple[int | None, date, int], list[DueRecord]] = defaultdict(list)
    for record in records:
        if record.due_date is not None:  # always: _due_records() selects by due date
            grouped[(record.department_id, week_start(record.due_date), record.author_id)].append(record)
    result = []
    for dept in departments:
        teachers = {t for (t, d) in assignments if d == dept.id}
        teachers |= {a for (d, _w, a) in grouped if d == dept.id}
        cells = []
        for week in weeks:
            total = Compliance()
            for teacher in teachers:
                part = _tally(
                    grouped.get((dept.id, week, teacher), []),
                    today,
                    _per(week, per, first) * assignments[(teacher, dept.id)],
                )
                total.expected += part.expected
                total.on_time += part.on_time
                total.late += part.late
                total.overdue += part.overdue
                total.approved += part.approved
            cells.append(total)
        result.append(DepartmentWeeks(dept, cells))
    return result


def overdue_records(user: User, today: date, limit: int = 200) -> list[Record]:
    """Records in the user's scope past their due date and still not submitted."""
    stmt = (
        queries.visible_to(user)
        .where(Record.due_date < today, Record.submitted_at.is_(None))
        .options(selectinload(Record.school_class), selectinload(Record.subject), selectinload(Record.department))
        .order_by(Record.due_date, Record.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


@dataclass
class TeacherSummary:
    by_state: Counter[str]
    due: list[Record]
    returned: list[Record]
    records: list[Record]


def teacher_summary(user: User, today: date, horizon_days: int = 7) -> TeacherSummary:
    records = queries.my_records(user)
    horizon = today + timedelta(days=horizon_days)
    due = sorted(
        (
            r
            for r in records
            if r.state in (State.DRAFT.value, State.RETURNED.value) and r.due_date is not None and r.due_date <= horizon
        ),
        key=lambda r: (r.due_date, r.id),
    )
    returned = [r for r in records if r.state == State.RETURNED.value]
    return TeacherSummary(Counter(r.state for r in records), due, returned, records)


@dataclass
class SchoolOverview:
    """The BGH's page: each tổ's weeks, the chart of the latest week, overdue records."""

    weeks: list[date]
    table: list[DepartmentWeeks]
    chart: Chart
    overdue: list[Record]


def school_overview(user: User, week: date, today: date) -> SchoolOverview:
    weeks = weeks_ending(week)
    table = department_weeks(weeks, today)
    latest = [(r.department.name, [c.submitted, c.approved, c.late, c.missing]) for r in table for c in r.weeks[-1:]]
    return SchoolOverview(weeks, table, grouped_bars(latest, SERIES), overdue_records(user, today))
