"""What waits for this person, gathered from every domain for the landing page (issue 8.8):
returned records with the reviewer's comment, records due or overdue, grade books still to
submit (with the term's lock date), correction requests awaiting their decision, the
classes' closes waiting for the hiệu trưởng, and for reviewers the size of their queue.
Every list is the domain's own scoped query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from app.accounts.models import User
from app.core.authz import BGH, Role
from app.core.pagination import Counted
from app.gradebook import locking
from app.gradebook import queries as gradebook_queries
from app.gradebook.models import CorrectionRequest
from app.gradebook.queries import GridHandle, OwnSlot
from app.records import dashboards
from app.records import queries as record_queries
from app.records.models import Record
from app.results import queries as results_queries
from app.results.models import MonthPublication
from app.school.models import SchoolYear

#: a grade book whose term locks within this many days is shown as urgent
LOCK_SOON_DAYS = 14
#: grade books are listed from this many days before their term ends
TERM_END_NOTICE_DAYS = 21
#: correction requests listed on the home page (the corrections page has them all)
HOME_CORRECTIONS = 10


@dataclass(frozen=True)
class BookToSubmit:
    slot: OwnSlot
    lock_date: date | None
    urgent: bool


@dataclass
class Todo:
    returned: list[Record] = field(default_factory=list)
    due: list[Record] = field(default_factory=list)
    books: list[BookToSubmit] = field(default_factory=list)
    corrections: list[tuple[CorrectionRequest, GridHandle]] = field(default_factory=list)  # the first few
    corrections_total: int = 0  # how many wait in all
    closes: list[Record] = field(default_factory=list)  # class closes waiting for this person
    months: list[tuple[Record, MonthPublication]] = field(default_factory=list)  # monthly reports to approve
    queue_size: Counted | None = None  # None: the person reviews nothing; counted up to a cap

    @property
    def empty(self) -> bool:
        return not (
            self.returned or self.due or self.books or self.corrections or self.closes or self.months or self.queue_size
        )


def todo_for(user: User, year: SchoolYear | None, today: date) -> Todo:
    todo = Todo()
    if user.roles & {Role.TEACHER, Role.HEAD}:
        summary = dashboards.teacher_summary(user, today)
        todo.returned, todo.due = summary.returned, [r for r in summary.due if r.state != "returned"]
    if year is not None:
        if Role.TEACHER in user.roles:
            todo.books = _books_to_submit(user, year, today)
        todo.corrections, todo.corrections_total = gradebook_queries.corrections_waiting_for(
            user, year.id, HOME_CORRECTIONS
        )
    if user.roles & ({Role.HEAD} | BGH):
        todo.queue_size = record_queries.review_queue_size(user)
    if user.roles & BGH:
        todo.closes = results_queries.closes_waiting_for(user)
        todo.months = results_queries.months_waiting_for(user)
    return todo


def _books_to_submit(user: User, year: SchoolYear, today: date) -> list[BookToSubmit]:
    """The teacher's own grade books of terms ending or locking soon, not yet submitted or
    locked: rows read for this teacher in SQL (a district-sized school has 100,000 slots)."""
    slots = gradebook_queries.own_slots(
        user,
        year.id,
        ends_by=today + timedelta(days=TERM_END_NOTICE_DAYS),
        locks_by=today + timedelta(days=LOCK_SOON_DAYS),
        open_on=today,  # past its lock date: a correction request now, not a submission
    )
    reviewed = locking.in_review((s.class_id, s.subject_id, s.term_id) for s in slots if s.gradebook_id)
    books = [
        BookToSubmit(s, s.lock_date, _locks_soon(s.lock_date, today))
        for s in slots
        if (s.class_id, s.subject_id, s.term_id) not in reviewed
    ]
    return sorted(books, key=lambda b: (not b.urgent, b.lock_date or date.max))


def _locks_soon(lock_date: date | None, today: date) -> bool:
    return lock_date is not None and today <= lock_date <= today + timedelta(days=LOCK_SOON_DAYS)
